"""The reward ledger in DynamoDB: the grant (row, month's budget and phone's limit in one transaction),
payment claims and their outcomes.

Rewards an automatic provider still has to pay carry the day index's keys (``RWDUE#<clinic>``), a
sparse index of the unsettled: the sweep queries it instead of reading the clinic's whole ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.store.base import iso
from functions.store.dynamo_sending import clinic_key
from functions.store.dynamo_table import DAY_INDEX, DynamoTable
from functions.store.records import Invite, Reward, RewardStanding
from functions.store.sqlite_rewards import EXISTS, GRANTED, OVER_BUDGET, PHONE_LIMIT

# Plain attribute names, some of them DynamoDB reserved words (status, reference, batch).
STATUS = {"#s": "status"}
NAMES = {"#s": "status", "#ref": "reference", "#batch": "batch", "#by": "settled_by"}
CLAIMABLE = "(#s = :pending OR (#s IN (:failed, :sending) AND claim_until <= :now))"


def _sk(reward_id: str) -> str:
    return f"REWARD#{reward_id}"


def _due_key(clinic_id: str) -> str:
    return f"RWDUE#{clinic_id}"


def _promise_key(clinic_id: str) -> str:
    return f"RWPROMISE#{clinic_id}"


class DynamoRewards(DynamoTable):
    def _reward_item(self, reward: Reward) -> dict[str, Any]:
        due: dict[str, str] = {}
        if reward.status == "promised" and reward.promised_until is not None:
            due = {"gsi1pk": _promise_key(reward.clinic_id),
                   "gsi1sk": f"{iso(reward.promised_until)}#{reward.reward_id}"}
        elif reward.provider != "manual" and reward.status not in ("declined", "expired"):
            due = {"gsi1pk": _due_key(reward.clinic_id), "gsi1sk": reward.reward_id}
        return self._item(reward, clinic_key(reward.clinic_id), _sk(reward.reward_id), **due)

    def grant_reward(self, reward: Reward, budget_minor: int, phone_since: datetime | None) -> str:
        return self._grant(reward, budget_minor, phone_since, [])

    def put_invite_promising(self, invite: Invite, reward: Reward, budget_minor: int,
                             phone_since: datetime | None) -> str:
        # The invite and its promise in one request: the dispatcher's requests per invite stay as they were.
        put = {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(pk)",
                       "Item": self._item(invite, f"INVITE#{invite.token}", "INVITE",
                                          ttl=int(invite.expires_at.timestamp()))}}
        return self._grant(reward, budget_minor, phone_since, [put])

    def _grant(self, reward: Reward, budget_minor: int, phone_since: datetime | None,
               before: list[dict[str, Any]]) -> str:
        pk = clinic_key(reward.clinic_id)
        put = {"Put": {"TableName": self.table, "Item": self._reward_item(reward),
                       "ConditionExpression": "attribute_not_exists(pk)"}}
        budget: dict[str, Any] = {
            "TableName": self.table, "Key": self._attrs({"pk": pk, "sk": f"BUDGET#{reward.month}"}),
            "UpdateExpression": "ADD committed_minor :amount",
            "ExpressionAttributeValues": self._attrs({":amount": reward.amount_minor})}
        if budget_minor:
            budget["ConditionExpression"] = "attribute_not_exists(committed_minor) OR committed_minor <= :room"
            budget["ExpressionAttributeValues"] = self._attrs(
                {":amount": reward.amount_minor, ":room": budget_minor - reward.amount_minor})
        items = [*before, put, {"Update": budget}]
        if phone_since is not None:
            ttl = int((reward.created_at + (reward.created_at - phone_since)).timestamp())
            items.append({"Update": {
                "TableName": self.table, "Key": self._attrs({"pk": pk, "sk": f"RWPHONE#{reward.phone}"}),
                "UpdateExpression": "SET reward_id = :rid, rewarded_at = :now, #ttl = :ttl",
                "ConditionExpression": "attribute_not_exists(pk) OR reward_id = :rid OR rewarded_at < :since",
                "ExpressionAttributeNames": {"#ttl": "ttl"},
                "ExpressionAttributeValues": self._attrs({":rid": reward.reward_id, ":now": iso(reward.created_at),
                                                          ":since": iso(phone_since), ":ttl": ttl})}})
        try:
            self.client.transact_write_items(TransactItems=items)
            return GRANTED
        except self.client.exceptions.TransactionCanceledException as err:
            reasons = [r.get("Code") for r in err.response.get("CancellationReasons", [])]
        failed = [n - len(before) for n, code in enumerate(reasons) if code == "ConditionalCheckFailed"]
        if not failed or failed[0] <= 0:
            return EXISTS  # the invite or the reward was there already: decided by an earlier attempt
        reward.status, reward.last_error = "declined", OVER_BUDGET if failed[0] == 1 else PHONE_LIMIT
        reward.promised_until = None
        declined = {"Put": {"TableName": self.table, "Item": self._reward_item(reward),
                            "ConditionExpression": "attribute_not_exists(pk)"}}
        try:
            self.client.transact_write_items(TransactItems=[*before, declined])
        except self.client.exceptions.TransactionCanceledException:
            return EXISTS
        return reward.last_error

    def keep_promise(self, clinic_id: str, reward_id: str, now: datetime) -> bool:
        # Promised -> pending; an automatic provider's reward joins its due list in the same write.
        base = "SET #s = :pending, updated_at = :now"
        values = {":pending": "pending", ":promised": "promised", ":now": iso(now), ":manual": "manual"}
        if self._update(clinic_key(clinic_id), _sk(reward_id), base + " REMOVE promised_until, gsi1pk, gsi1sk",
                        "#s = :promised AND provider = :manual", values, names=STATUS) is not None:
            return True
        return self._update(clinic_key(clinic_id), _sk(reward_id),
                            base + ", gsi1pk = :due, gsi1sk = :rid REMOVE promised_until",
                            "#s = :promised AND provider <> :manual",
                            {**values, ":due": _due_key(clinic_id), ":rid": reward_id}, names=STATUS) is not None

    def expired_promises(self, clinic_id: str, now: datetime, limit: int) -> list[Reward]:
        page = self.client.query(
            TableName=self.table, IndexName=DAY_INDEX, Limit=limit,
            KeyConditionExpression="gsi1pk = :promised AND gsi1sk <= :now",
            ExpressionAttributeValues=self._attrs({":promised": _promise_key(clinic_id), ":now": f"{iso(now)}~"}))
        return [r for r in (self._record(Reward, i) for i in page.get("Items", [])) if r.status == "promised"]

    def release_promise(self, clinic_id: str, reward_id: str, now: datetime) -> bool:
        reward = self.get_reward(clinic_id, reward_id)
        if reward is None or reward.status != "promised":
            return False
        pk = clinic_key(clinic_id)
        items: list[dict[str, Any]] = [
            {"Update": {"TableName": self.table, "Key": self._attrs({"pk": pk, "sk": _sk(reward_id)}),
                        "UpdateExpression": "SET #s = :expired, updated_at = :now "
                                            "REMOVE promised_until, gsi1pk, gsi1sk",
                        "ConditionExpression": "#s = :promised", "ExpressionAttributeNames": STATUS,
                        "ExpressionAttributeValues": self._attrs({":expired": "expired", ":now": iso(now),
                                                                  ":promised": "promised"})}},
            # The money goes back to the month, and the phone may be promised a reward again.
            {"Update": {"TableName": self.table, "Key": self._attrs({"pk": pk, "sk": f"BUDGET#{reward.month}"}),
                        "UpdateExpression": "ADD committed_minor :back",
                        "ExpressionAttributeValues": self._attrs({":back": -reward.amount_minor})}}]
        phone = self._get(pk, f"RWPHONE#{reward.phone}")
        if phone is not None and self._de.deserialize(phone["reward_id"]) == reward_id:
            items.append({"Delete": {"TableName": self.table,
                                     "Key": self._attrs({"pk": pk, "sk": f"RWPHONE#{reward.phone}"}),
                                     "ConditionExpression": "reward_id = :rid",
                                     "ExpressionAttributeValues": self._attrs({":rid": reward_id})}})
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException:
            return False  # answered (or released) meanwhile; a phone taken over meanwhile is left to the next run
        return True

    def get_reward(self, clinic_id: str, reward_id: str) -> Reward | None:
        item = self._get(clinic_key(clinic_id), _sk(reward_id))
        return None if item is None else self._record(Reward, item)

    def list_rewards(self, clinic_id: str) -> list[Reward]:
        return [self._record(Reward, i) for i in self._query_prefix(clinic_key(clinic_id), "REWARD#")]

    def rewards_in_month(self, clinic_id: str, month: str) -> list[Reward]:
        return [self._record(Reward, i) for i in self._query_prefix(clinic_key(clinic_id), _sk(f"{month}/"))]

    def reward_totals(self, clinic_id: str, month: str) -> dict[str, tuple[int, int]]:
        # A key query of the month's rows with three attributes each; summed here (DynamoDB has no GROUP BY).
        items = self._query(KeyConditionExpression="pk = :pk AND begins_with(sk, :month)",
                            ProjectionExpression="#s, amount_minor, last_error", ExpressionAttributeNames=STATUS,
                            ExpressionAttributeValues=self._attrs({":pk": clinic_key(clinic_id),
                                                                   ":month": _sk(f"{month}/")}))
        found: dict[str, tuple[int, int]] = {}
        for item in items:
            status = self._de.deserialize(item["status"])
            if status == "declined":
                status += ":" + (self._de.deserialize(item["last_error"]) if "last_error" in item else "")
            count, amount = found.get(status, (0, 0))
            found[status] = (count + 1, amount + int(self._de.deserialize(item["amount_minor"])))
        return found

    def due_rewards(self, clinic_id: str, now: datetime, limit: int) -> list[Reward]:
        # The index is read eventually consistent; the claim on the row itself is what decides.
        items = self._query(IndexName=DAY_INDEX, KeyConditionExpression="gsi1pk = :due",
                            ExpressionAttributeValues=self._attrs({":due": _due_key(clinic_id)}))
        found = [self._record(Reward, i) for i in items]
        due = [r for r in found if r.status == "pending" or (
            r.status in ("failed", "sending") and r.claim_until is not None and r.claim_until <= now)]
        return sorted(due, key=lambda r: r.created_at)[:limit]

    def claim_reward(self, clinic_id: str, reward_id: str, now: datetime, until: datetime | None,
                     batch: str = "") -> Reward | None:
        sets = ["#s = :sending", "updated_at = :now"]
        values: dict[str, Any] = {":sending": "sending", ":pending": "pending", ":failed": "failed",
                                  ":now": iso(now), ":one": 1}
        if until is not None:
            sets.append("claim_until = :until")
            values[":until"] = iso(until)
        if batch:
            sets.append("#batch = :batch")
            values[":batch"] = batch
        expression = "SET " + ", ".join(sets) + " ADD attempts :one" + ("" if until else " REMOVE claim_until")
        answer = self._update(clinic_key(clinic_id), _sk(reward_id), expression,
                              f"attribute_exists(pk) AND {CLAIMABLE}", values,
                              names={**STATUS, "#batch": "batch"} if batch else STATUS, returns="ALL_NEW")
        return None if answer is None else self._record(Reward, answer["Attributes"])

    def settle_reward(self, clinic_id: str, reward_id: str, status: str, now: datetime, *,
                      from_status: tuple[str, ...] = ("sending",), attempt: int | None = None, reference: str = "",
                      error: str = "", retry_at: datetime | None = None, by: str = "") -> bool:
        allowed = {f":from{n}": s for n, s in enumerate(from_status)}
        values: dict[str, Any] = {":status": status, ":now": iso(now), ":err": error, **allowed}
        sets = ["#s = :status", "updated_at = :now", "last_error = :err"]
        removes = [] if retry_at is not None else ["claim_until"]
        names = dict(STATUS)
        for alias, value in (("#ref", reference), ("#by", by)):
            if value:
                sets.append(f"{alias} = :{alias[1:]}")
                values[f":{alias[1:]}"] = value
                names[alias] = NAMES[alias]
        if retry_at is not None:
            sets.append("claim_until = :retry")
            values[":retry"] = iso(retry_at)
        if status == "paid":
            sets.append("paid_at = :now")
        if status in ("paid", "rejected"):
            removes += ["gsi1pk", "gsi1sk"]  # settled: out of the sweep's index
        condition = f"#s IN ({', '.join(allowed)})"
        if attempt is not None:
            condition += " AND attempts = :attempt"
            values[":attempt"] = attempt
        update = {"TableName": self.table, "Key": self._attrs({"pk": clinic_key(clinic_id), "sk": _sk(reward_id)}),
                  "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
                  "ConditionExpression": condition, "ExpressionAttributeNames": names,
                  "ExpressionAttributeValues": self._attrs(values)}
        items: list[dict[str, Any]] = [{"Update": update}]
        if status == "rejected":
            current = self.get_reward(clinic_id, reward_id)
            if current is None:
                return False
            # Money that was never paid goes back to the month's budget, in the same transaction.
            items.append({"Update": {
                "TableName": self.table,
                "Key": self._attrs({"pk": clinic_key(clinic_id), "sk": f"BUDGET#{reward_id[:7]}"}),
                "UpdateExpression": "ADD committed_minor :back",
                "ExpressionAttributeValues": self._attrs({":back": -current.amount_minor})}})
        try:
            self.client.transact_write_items(TransactItems=items)
            return True
        except self.client.exceptions.TransactionCanceledException:
            return False

    def reward_standing(self, clinic_id: str, month: str, phone: str) -> RewardStanding:
        found = {self._de.deserialize(i["sk"]): i for i in self._batch_get(
            clinic_key(clinic_id), [f"BUDGET#{month}", f"RWPHONE#{phone}"], consistent=True)}
        budget, last = found.get(f"BUDGET#{month}", {}), found.get(f"RWPHONE#{phone}", {})
        committed = self._de.deserialize(budget["committed_minor"]) if "committed_minor" in budget else 0
        rewarded_at = self._de.deserialize(last["rewarded_at"]) if "rewarded_at" in last else None
        return RewardStanding(committed_minor=int(committed),
                              phone_reward_id=self._de.deserialize(last["reward_id"]) if "reward_id" in last else "",
                              phone_rewarded_at=datetime.fromisoformat(rewarded_at) if rewarded_at else None)
