"""The serverless store: one DynamoDB table, keys designed for the funnel's queries.

| item      | pk                 | sk              | notes                                   |
|-----------|--------------------|-----------------|-----------------------------------------|
| clinic    | CLINIC#<id>        | CLINIC          | config document; version (+1 per change) |
| directory | CLINICS            | <clinic id>     | lets the scheduler list clinics         |
| api key   | APIKEY#<key id>    | APIKEY          | hash of the secret only                 |
| visit     | CLINIC#<id>        | VISIT#<visit>   | by_day index: DAY#<clinic>#<date>; ttl  |
| sms state | CLINIC#<id>        | SMS#<visit>     | the invite's claim and outcome; ttl     |
| invite    | INVITE#<token>     | INVITE          | ttl                                     |
| opt-out   | CLINIC#<id or *>   | OPTOUT#<phone>  | * holds a STOP for every clinic         |
| phone     | CLINIC#<id>        | PHONE#<phone>   | the last visit invited; the repeat rule |
| sends     | CLINIC#<id>        | SENDS#<day>     | the daily cap's count                   |
| message   | MSG#<provider id>  | MSG             | the visit a provider's status is about  |
| clicks    | CLINIC#<id>        | CLICKS#<platf.> | clicks so far, for the needs_most rule  |
| contact   | CLINIC#<id>        | CONTACT#<phone> | how and when to reach the patient; ttl  |
| case      | CLINIC#<id>        | CASE#<case>     | by_day index while work is due (see dynamo_cases.py) |
| reward    | CLINIC#<id>        | REWARD#<month>/<visit> | index RWPROMISE# while promised, RWDUE# till paid |
| budget    | CLINIC#<id>        | BUDGET#<month>  | what the month's rewards committed      |
| rw phone  | CLINIC#<id>        | RWPHONE#<phone> | the phone's last reward; ttl            |
| lease     | LEASE#<name>       | LEASE           | who runs the self-hosted schedules      |

The dashboard's items are listed in ``dynamo_admin.py``, the channels' in ``dynamo_channels.py``; the patient
register's in ``dynamo_patients.py``, campaigns' and care messages' in ``dynamo_campaigns.py``. No Scan anywhere:
every read is a GetItem, a BatchGetItem or a Query on a key.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from functions.store.base import CREATED, EVERY_CLINIC, UPDATED, directory_entry, iso
from functions.store.dynamo_admin import DynamoAdmin
from functions.store.dynamo_campaigns import DynamoCampaigns
from functions.store.dynamo_cases import DynamoCases
from functions.store.dynamo_channels import DynamoChannels
from functions.store.dynamo_erase import DynamoErase
from functions.store.dynamo_patients import DynamoPatients
from functions.store.dynamo_rewards import DynamoRewards
from functions.store.dynamo_sending import DynamoSending, clinic_key
from functions.store.dynamo_table import DAY_INDEX, MAX_ATTEMPTS, _pause, plain_numbers
from functions.store.records import VISIT_DATA, ApiKey, Contact, Invite, Visit

TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems


class DynamoStore(DynamoSending, DynamoRewards, DynamoCases, DynamoAdmin, DynamoChannels, DynamoPatients,
                  DynamoCampaigns, DynamoErase):
    # Clinics
    def put_clinic(self, clinic_id: str, config: dict, now: datetime) -> None:
        self.client.transact_write_items(TransactItems=[
            {"Update": {"TableName": self.table, "Key": self._attrs({"pk": clinic_key(clinic_id), "sk": "CLINIC"}),
                        "UpdateExpression": "SET config = :config, updated_at = :now ADD version :one",
                        "ExpressionAttributeValues": self._attrs({":config": config, ":now": iso(now), ":one": 1})}},
            {"Put": {"TableName": self.table, "Item": self._attrs(
                {"pk": "CLINICS", "sk": clinic_id, **dict(zip(("timezone", "window"), directory_entry(config),
                                                              strict=True))})}},
        ])

    def get_clinic(self, clinic_id: str) -> dict | None:
        item = self._get(clinic_key(clinic_id), "CLINIC")
        if item is None:
            return None
        return plain_numbers(self._de.deserialize(item["config"]))

    def get_clinic_since(self, clinic_id: str, known_version: int) -> tuple[int, dict | None] | None:
        # A GetItem costs the same with or without the document; what an unchanged clinic saves is its parse.
        item = self._get(clinic_key(clinic_id), "CLINIC")
        if item is None:
            return None
        version = int(self._de.deserialize(item["version"])) if "version" in item else 0
        if version == known_version:
            return version, None
        return version, plain_numbers(self._de.deserialize(item["config"]))

    # Leases: who runs the self-hosted schedules (LEASE#<name>, LEASE)
    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        try:
            self.client.put_item(
                TableName=self.table, Item=self._attrs({"pk": f"LEASE#{name}", "sk": "LEASE", "holder": holder,
                                                        "until": iso(until)}),
                ConditionExpression="attribute_not_exists(pk) OR holder = :holder OR #until < :now",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues=self._attrs({":holder": holder, ":now": iso(now)}))
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def release_lease(self, name: str, holder: str) -> bool:
        try:
            self.client.delete_item(TableName=self.table, Key=self._attrs({"pk": f"LEASE#{name}", "sk": "LEASE"}),
                                    ConditionExpression="holder = :holder",
                                    ExpressionAttributeValues=self._attrs({":holder": holder}))
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def clinic_directory(self) -> list[tuple[str, str, str]]:
        items = self._query(KeyConditionExpression="pk = :pk",
                            ExpressionAttributeValues=self._attrs({":pk": "CLINICS"}))
        default_zone, default_window = directory_entry({})
        plain = [{k: self._de.deserialize(v) for k, v in i.items()} for i in items]
        return [(i["sk"], i.get("timezone", default_zone), i.get("window", default_window)) for i in plain]

    def list_clinic_ids(self) -> list[str]:
        items = self._query(KeyConditionExpression="pk = :pk",
                            ExpressionAttributeValues=self._attrs({":pk": "CLINICS"}))
        return [self._de.deserialize(i["sk"]) for i in items]

    # API keys
    def put_api_key(self, key: ApiKey) -> None:
        if not self._put_new(self._item(key, f"APIKEY#{key.key_id}", "APIKEY")):
            raise ValueError(f"API key {key.key_id} exists")

    def get_api_key(self, key_id: str) -> ApiKey | None:
        item = self._get(f"APIKEY#{key_id}", "APIKEY")
        return None if item is None else self._record(ApiKey, item)

    def revoke_api_key(self, key_id: str, now: datetime) -> bool:
        return self._update(f"APIKEY#{key_id}", "APIKEY", "SET revoked_at = :now",
                            "attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                            {":now": iso(now)}) is not None

    # Visits: the clinic's data (VISIT#) and the dispatcher's state (SMS#) are separate items, so an
    # import can batch-write whole visits without ever touching an invite claim.
    def _visit_item(self, visit: Visit) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(visit, name) for name in ("clinic_id", "visit_id", *VISIT_DATA)}
        values.update({k: iso(v) for k, v in values.items() if isinstance(v, datetime)})
        values.update(pk=clinic_key(visit.clinic_id), sk=f"VISIT#{visit.visit_id}",
                      ttl=int(visit.expires_at.timestamp()),
                      gsi1pk=f"DAY#{visit.clinic_id}#{visit.local_date}", gsi1sk=visit.visit_id)
        return self._attrs(values)

    def save_visits(self, visits: list[Visit]) -> list[str]:
        # Created or updated, told without reading first: each 100 go as one transaction of puts on
        # condition the item is new. When some exist DynamoDB cancels it and says which (with the
        # stored item, so an unchanged visit is not written again); the new ones go again, the changed
        # ones follow in transactions of their own. 1,000 new visits cost 10 requests whatever the
        # days they span (a query per day before), an unchanged re-import 10, a changed one 20; a
        # transactional write costs two write units instead of one, a small price for a clinic's day.
        items = {(v.clinic_id, v.visit_id): self._visit_item(v) for v in visits}  # a key once per request
        outcomes: dict[tuple[str, str], str] = {}
        changed: dict[tuple[str, str], dict[str, Any]] = {}
        for key, stored in self._put_in_transactions(items, new_only=True).items():
            outcomes[key] = CREATED if stored is None else UPDATED
            if stored is not None and stored != items[key]:
                changed[key] = items[key]
        self._put_in_transactions(changed, new_only=False)
        return [outcomes[(v.clinic_id, v.visit_id)] for v in visits]

    def _put_in_transactions(self, items: dict[Any, dict[str, Any]], new_only: bool) -> dict[Any, dict | None]:
        """Put the items, 100 per transaction; with ``new_only`` an existing one is left as it is and
        answered with what is stored (None for each item written). A transaction cancelled for any
        other reason (a conflict with another writer, throttling) is tried again for the rest."""
        answers: dict[Any, dict | None] = {}
        pending = list(items)
        condition = {"ConditionExpression": "attribute_not_exists(pk)",
                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"} if new_only else {}
        for attempt in range(MAX_ATTEMPTS):
            again = []
            for start in range(0, len(pending), TRANSACTION_ITEMS):
                group = pending[start:start + TRANSACTION_ITEMS]
                try:
                    self.client.transact_write_items(TransactItems=[
                        {"Put": {"TableName": self.table, "Item": items[key], **condition}} for key in group])
                    answers.update(dict.fromkeys(group))
                    continue
                except self.client.exceptions.TransactionCanceledException as err:
                    reasons = err.response.get("CancellationReasons") or []
                if len(reasons) != len(group):
                    reasons = [{"Code": "Unknown"}] * len(group)
                for key, reason in zip(group, reasons, strict=True):
                    if reason.get("Code") == "ConditionalCheckFailed":
                        answers[key] = reason.get("Item", {})
                    else:  # it would have gone through, or it met another writer: again
                        again.append(key)
            if not again:
                return answers
            pending = again
            time.sleep(_pause(attempt))
        raise RuntimeError("DynamoDB kept cancelling the visits' transactions")

    def save_visit(self, visit: Visit) -> str:
        return self.save_visits([visit])[0]

    def _with_state(self, clinic_id: str, data: list[dict[str, Any]], consistent: bool = False) -> list[Visit]:
        ids = [self._de.deserialize(i["visit_id"]) for i in data]
        states = {self._de.deserialize(i["sk"]).removeprefix("SMS#"): i
                  for i in self._batch_get(clinic_key(clinic_id), [f"SMS#{v}" for v in ids], consistent)}
        return [self._record(Visit, {**item, **states.get(vid, {})}) for vid, item in zip(ids, data, strict=True)]

    def get_visit(self, clinic_id: str, visit_id: str) -> Visit | None:
        item = self._get(clinic_key(clinic_id), f"VISIT#{visit_id}")
        return None if item is None else self._with_state(clinic_id, [item], consistent=True)[0]

    def get_visits(self, clinic_id: str, visit_ids: list[str]) -> dict[str, Visit]:
        items = self._batch_get(clinic_key(clinic_id), [f"VISIT#{v}" for v in visit_ids]) if visit_ids else []
        return {v.visit_id: v for v in self._with_state(clinic_id, items)}

    def visits_on(self, clinic_id: str, local_date: str) -> list[Visit]:
        items = self._query(IndexName=DAY_INDEX, KeyConditionExpression="gsi1pk = :day",
                            ExpressionAttributeValues=self._attrs({":day": f"DAY#{clinic_id}#{local_date}"}))
        return self._with_state(clinic_id, items)

    # Contact preferences
    def save_contacts(self, contacts: list[Contact]) -> None:
        self._batch_put([self._item(c, clinic_key(c.clinic_id), f"CONTACT#{c.phone}",
                                    ttl=int(c.expires_at.timestamp())) for c in contacts])

    def contacts(self, clinic_id: str, phones: list[str]) -> dict[str, Contact]:
        items = self._batch_get(clinic_key(clinic_id), [f"CONTACT#{p}" for p in phones])
        return {c.phone: c for c in (self._record(Contact, i) for i in items)}

    # Invites
    def put_invite(self, invite: Invite) -> bool:
        return self._put_new(self._item(invite, f"INVITE#{invite.token}", "INVITE",
                                        ttl=int(invite.expires_at.timestamp())))

    def get_invite(self, token: str) -> Invite | None:
        item = self._get(f"INVITE#{token}", "INVITE")
        return None if item is None else self._record(Invite, item)

    def _set_once(self, token: str, attribute: str, values: dict[str, Any]) -> bool:
        sets = ", ".join(f"{name} = :{name}" for name in values)
        return self._update(f"INVITE#{token}", "INVITE", f"SET {sets}",
                            f"attribute_exists(pk) AND attribute_not_exists({attribute})",
                            {f":{k}": v for k, v in values.items()}) is not None

    def mark_opened(self, token: str, now: datetime) -> bool:
        return self._set_once(token, "opened_at", {"opened_at": iso(now)})

    def record_rating(self, token: str, score: int, now: datetime) -> bool:
        return self._set_once(token, "score", {"score": score, "rated_at": iso(now)})

    def change_rating(self, token: str, old: int, new: int, now: datetime) -> bool:
        return self._update(f"INVITE#{token}", "INVITE", "SET score = :new",
                            "score = :old AND attribute_not_exists(feedback)", {":new": new, ":old": old}) is not None

    def record_feedback(self, token: str, text: str, now: datetime) -> bool:
        return self._set_once(token, "feedback", {"feedback": text, "feedback_at": iso(now)})

    def record_click(self, token: str, platform: str, now: datetime) -> bool:
        return self._update(f"INVITE#{token}", "INVITE", "SET clicks.#p = :one",
                            "attribute_exists(pk) AND attribute_not_exists(clicks.#p)", {":one": 1},
                            names={"#p": platform}) is not None

    def count_platform_click(self, clinic_id: str, platform: str) -> None:
        self._update(clinic_key(clinic_id), f"CLICKS#{platform}", "ADD clicks :one", None, {":one": 1})

    def platform_clicks(self, clinic_id: str) -> dict[str, int]:
        items = self._query_prefix(clinic_key(clinic_id), "CLICKS#")
        return {self._de.deserialize(i["sk"]).removeprefix("CLICKS#"): int(self._de.deserialize(i["clicks"]))
                for i in items}

    def add_optout(self, scope: str, phone: str, now: datetime) -> None:
        self._put_new(self._attrs({"pk": clinic_key(scope), "sk": f"OPTOUT#{phone}", "created_at": iso(now)}))

    def record_optout(self, token: str, clinic_id: str, phone: str, now: datetime) -> None:
        self.add_optout(clinic_id, phone, now)
        self._set_once(token, "opted_out_at", {"opted_out_at": iso(now)})

    def opted_out(self, clinic_id: str, phones: list[str]) -> set[str]:
        keys = [f"OPTOUT#{p}" for p in phones]
        items = self._batch_get(clinic_key(clinic_id), keys) + self._batch_get(clinic_key(EVERY_CLINIC), keys)
        return {self._de.deserialize(i["sk"]).removeprefix("OPTOUT#") for i in items}
