"""Campaign letters and the next-day care message in DynamoDB: each claimed before it goes, like an invite.

| item        | pk            | sk                          | notes                                           |
|-------------|---------------|-----------------------------|-------------------------------------------------|
| campaign    | CLINIC#<id>   | CAMPAIGN#<campaign>         | the letter as sent, the audience's cutoff       |
| letter      | CLINIC#<id>   | CMSEND#<campaign>#<phone>   | one patient's letter: its claim and outcome; ttl |
| unsubscribe | UNSUB#<key>   | UNSUB                       | whose letter an unsubscribe link was; ttl       |
| care        | CLINIC#<id>   | CARE#<visit>                | the care message's claim and outcome; ttl       |
| care phone  | CLINIC#<id>   | CAREPHONE#<phone>           | the last care message to the phone: the repeat rule; ttl |
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.store.base import iso
from functions.store.dynamo_sending import STATE_KEPT, clinic_key
from functions.store.dynamo_table import DynamoTable
from functions.store.patient_records import Campaign, CampaignSend, CareMessage

CLAIMABLE = ("(attribute_not_exists(#state) OR #state = :empty OR "
             "(#state IN (:claimed, :retry) AND claim_until < :now))")
STATE = {"#state": "state"}


def _send_sk(campaign_id: str, phone: str) -> str:
    return f"CMSEND#{campaign_id}#{phone}"


class DynamoCampaigns(DynamoTable):
    def put_campaign(self, campaign: Campaign) -> bool:
        return self._put_new(self._item(campaign, clinic_key(campaign.clinic_id), f"CAMPAIGN#{campaign.campaign_id}"))

    def get_campaign(self, clinic_id: str, campaign_id: str) -> Campaign | None:
        item = self._get(clinic_key(clinic_id), f"CAMPAIGN#{campaign_id}")
        return None if item is None else self._record(Campaign, item)

    def list_campaigns(self, clinic_id: str) -> list[Campaign]:
        found = [self._record(Campaign, i) for i in self._query_prefix(clinic_key(clinic_id), "CAMPAIGN#")]
        return sorted(found, key=lambda c: c.created_at, reverse=True)

    def set_campaign_state(self, clinic_id: str, campaign_id: str, state: str) -> None:
        self._update(clinic_key(clinic_id), f"CAMPAIGN#{campaign_id}", "SET #state = :state", "attribute_exists(pk)",
                     {":state": state}, names=STATE)

    def _claim(self, pk: str, sk: str, sets: str, values: dict[str, Any], now: datetime,
               until: datetime) -> dict[str, Any] | None:
        """The claim shared by letters and care messages: taken when never tried or when its time passed."""
        values = {**values, ":claimed": "claimed", ":retry": "retry", ":empty": "", ":until": iso(until),
                  ":now": iso(now), ":one": 1}
        names = {**STATE, "#ttl": "ttl", **({"#token": "token"} if "#token" in sets else {})}
        answer = self._update(pk, sk, f"SET #state = :claimed, claim_until = :until, {sets} ADD attempts :one",
                              CLAIMABLE, values, names=names, returns="ALL_NEW")
        return None if answer is None else answer["Attributes"]

    def claim_campaign_send(self, send: CampaignSend, now: datetime, until: datetime) -> CampaignSend | None:
        item = self._claim(
            clinic_key(send.clinic_id), _send_sk(send.campaign_id, send.phone),
            "clinic_id = :clinic, campaign_id = :campaign, phone = :phone, expires_at = :expires, #ttl = :ttl, "
            "unsub_id = if_not_exists(unsub_id, :unsub)",
            {":clinic": send.clinic_id, ":campaign": send.campaign_id, ":phone": send.phone,
             ":expires": iso(send.expires_at), ":ttl": int(send.expires_at.timestamp()), ":unsub": send.unsub_id},
            now, until)
        return None if item is None else self._record(CampaignSend, item)

    def finish_campaign_send(self, clinic_id: str, campaign_id: str, phone: str, state: str, now: datetime, *,
                             message_id: str = "", error: str = "", retry_at: datetime | None = None) -> bool:
        return self._finish(clinic_key(clinic_id), _send_sk(campaign_id, phone), state, now, message_id, error,
                            retry_at, "")

    def _finish(self, pk: str, sk: str, state: str, now: datetime, message_id: str, error: str,
                retry_at: datetime | None, token: str) -> bool:
        expression, values = self._outcome("#state", "sent_at", state, now, error, retry_at,
                                           {":message_id": message_id})
        condition = "#state = :claimed" + (" AND #token = :token" if token else "")
        values[":claimed"] = "claimed"
        names = dict(STATE)
        if token:
            values[":token"], names["#token"] = token, "token"
        return self._update(pk, sk, expression, condition, values, names=names) is not None

    def campaign_sends(self, clinic_id: str, campaign_id: str) -> list[CampaignSend]:
        items = self._query_prefix(clinic_key(clinic_id), f"CMSEND#{campaign_id}#")
        return [self._record(CampaignSend, i) for i in items]

    def put_unsubscribe(self, unsub_id: str, clinic_id: str, phone: str, campaign_id: str,
                        expires_at: datetime) -> None:
        self.client.put_item(TableName=self.table, Item=self._attrs({
            "pk": f"UNSUB#{unsub_id}", "sk": "UNSUB", "clinic_id": clinic_id, "phone": phone,
            "campaign_id": campaign_id, "ttl": int(expires_at.timestamp())}))

    def find_unsubscribe(self, unsub_id: str) -> tuple[str, str, str] | None:
        item = self._get(f"UNSUB#{unsub_id}", "UNSUB")
        if item is None:
            return None
        plain = {k: self._de.deserialize(v) for k, v in item.items()}
        return plain["clinic_id"], plain["phone"], plain["campaign_id"]

    # The next-day care message
    def care_messages(self, clinic_id: str, visit_ids: list[str]) -> dict[str, CareMessage]:
        items = self._batch_get(clinic_key(clinic_id), [f"CARE#{v}" for v in visit_ids])
        return {m.visit_id: m for m in (self._record(CareMessage, i) for i in items)}

    def claim_care(self, clinic_id: str, visit_id: str, token: str, now: datetime, until: datetime, *,
                   phone: str, expires_at: datetime, repeat_since: datetime | None = None) -> str | None:
        sets = ("clinic_id = :clinic, visit_id = :visit, expires_at = :expires, #ttl = :ttl, "
                "#token = if_not_exists(#token, :token)")
        values = {":clinic": clinic_id, ":visit": visit_id, ":expires": iso(expires_at),
                  ":ttl": int(expires_at.timestamp()), ":token": token}
        if repeat_since is None:
            item = self._claim(clinic_key(clinic_id), f"CARE#{visit_id}", sets, values, now, until)
            return None if item is None else self._de.deserialize(item["token"])
        # The visit's claim and the phone's last care message in one transaction: both are taken, or neither. A
        # transaction returns nothing, so the token must be the one the claim already has, if any.
        fixed = sets.replace("if_not_exists(#token, :token)", ":token")
        claim = {"TableName": self.table, "Key": self._attrs({"pk": clinic_key(clinic_id), "sk": f"CARE#{visit_id}"}),
                 "UpdateExpression": f"SET #state = :claimed, claim_until = :until, {fixed} ADD attempts :one",
                 "ConditionExpression": f"{CLAIMABLE} AND (attribute_not_exists(#token) OR #token = :token)",
                 "ExpressionAttributeNames": {**STATE, "#ttl": "ttl", "#token": "token"},
                 "ExpressionAttributeValues": self._attrs({**values, ":claimed": "claimed", ":retry": "retry",
                                                           ":empty": "", ":until": iso(until), ":now": iso(now),
                                                           ":one": 1})}
        taken = self._claim_taking_phone(claim, clinic_key(clinic_id), f"CAREPHONE#{phone}", visit_id, "sent_at", now,
                                         repeat_since, int((now + STATE_KEPT).timestamp()), phone)
        return token if taken else None

    def finish_care(self, clinic_id: str, visit_id: str, token: str, state: str, now: datetime, *,
                    message_id: str = "", error: str = "", retry_at: datetime | None = None) -> bool:
        return self._finish(clinic_key(clinic_id), f"CARE#{visit_id}", state, now, message_id, error, retry_at, token)
