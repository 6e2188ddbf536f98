"""The dispatcher's side of the DynamoDB store: claims, outcomes, reminders, delivery and the daily cap."""

from __future__ import annotations

from datetime import datetime, timedelta

from functions.store.base import iso
from functions.store.dynamo_table import DynamoTable

# An invite's state outlives its visit (which expires after the link does), so a late re-import
# of the same visit still finds the visit invited.
STATE_KEPT = timedelta(days=90)


def clinic_key(clinic_id: str) -> str:
    return f"CLINIC#{clinic_id}"


class DynamoSending(DynamoTable):
    def claim_invite(self, clinic_id: str, visit_id: str, token: str, now: datetime, until: datetime,
                     *, phone: str = "", repeat_since: datetime | None = None) -> str | None:
        values = {":claimed": "claimed", ":retry": "retry", ":until": iso(until), ":token": token, ":one": 1,
                  ":now": iso(now), ":ttl": int((now + STATE_KEPT).timestamp())}
        claimable = ("(attribute_not_exists(invite_state) OR "
                     "(invite_state IN (:claimed, :retry) AND claim_until < :now))")
        if repeat_since is None:
            answer = self._update(
                clinic_key(clinic_id), f"SMS#{visit_id}",
                "SET invite_state = :claimed, claim_until = :until, #ttl = :ttl, "
                "invite_token = if_not_exists(invite_token, :token) ADD attempts :one",
                claimable, values, names={"#ttl": "ttl"}, returns="ALL_NEW")
            return None if answer is None else self._de.deserialize(answer["Attributes"]["invite_token"])
        # The visit and the phone in one transaction (one request): both are taken, or neither.
        # A transaction returns no values, so the token must be the one the visit already has, if any.
        visit_update = {
            "TableName": self.table, "Key": self._attrs({"pk": clinic_key(clinic_id), "sk": f"SMS#{visit_id}"}),
            "UpdateExpression": "SET invite_state = :claimed, claim_until = :until, #ttl = :ttl, "
                                "invite_token = :token ADD attempts :one",
            "ConditionExpression": f"{claimable} AND (attribute_not_exists(invite_token) OR invite_token = :token)",
            "ExpressionAttributeNames": {"#ttl": "ttl"}, "ExpressionAttributeValues": self._attrs(values)}
        ttl = int((now + STATE_KEPT).timestamp())
        taken = self._claim_taking_phone(visit_update, clinic_key(clinic_id), f"PHONE#{phone}", visit_id,
                                         "invited_at", now, repeat_since, ttl, phone)
        return token if taken else None

    def finish_invite(self, clinic_id: str, visit_id: str, token: str, state: str, now: datetime, *,
                      message_id: str = "", error: str = "", retry_at: datetime | None = None) -> bool:
        expression, values = self._outcome("invite_state", "sent_at", state, now, error, retry_at,
                                           {":message_id": message_id})
        values.update({":token": token, ":claimed": "claimed"})
        condition = "invite_token = :token AND invite_state = :claimed"
        if state != "sent" or not message_id:
            return self._update(clinic_key(clinic_id), f"SMS#{visit_id}", expression, condition, values) is not None
        # The provider's id points back at the visit (for its status callbacks), in the same request.
        update = {"TableName": self.table, "Key": self._attrs({"pk": clinic_key(clinic_id), "sk": f"SMS#{visit_id}"}),
                  "UpdateExpression": expression, "ConditionExpression": condition,
                  "ExpressionAttributeValues": self._attrs(values)}
        index = {"TableName": self.table, "Item": self._attrs(
            {"pk": f"MSG#{message_id}", "sk": "MSG", "clinic_id": clinic_id, "visit_id": visit_id,
             "ttl": int((now + STATE_KEPT).timestamp())})}
        try:
            self.client.transact_write_items(TransactItems=[{"Update": update}, {"Put": index}])
        except self.client.exceptions.TransactionCanceledException:
            return False
        return True

    def note_invite_channel(self, clinic_id: str, visit_id: str, token: str, channel: str, note: str) -> bool:
        return self._update(clinic_key(clinic_id), f"SMS#{visit_id}", "SET channel = :channel, channel_note = :note",
                            "invite_token = :token AND invite_state = :claimed",
                            {":channel": channel, ":note": note, ":token": token, ":claimed": "claimed"}) is not None

    def reroute_invite(self, clinic_id: str, visit_id: str, message_id: str, note: str, now: datetime) -> bool:
        return self._update(
            clinic_key(clinic_id), f"SMS#{visit_id}",
            "SET invite_state = :retry, claim_until = :now, channel = :sms, channel_note = :note",
            "message_id = :mid AND invite_state = :sent AND channel = :wa",
            {":retry": "retry", ":now": iso(now), ":sms": "sms", ":note": note, ":mid": message_id, ":sent": "sent",
             ":wa": "whatsapp"}) is not None

    def find_message(self, message_id: str) -> tuple[str, str] | None:
        item = self._get(f"MSG#{message_id}", "MSG")
        if item is None:
            return None
        return self._de.deserialize(item["clinic_id"]), self._de.deserialize(item["visit_id"])

    def claim_reminder(self, clinic_id: str, visit_id: str, number: int) -> bool:
        previous = "reminders_sent = :before"
        if number == 1:
            previous = f"(attribute_not_exists(reminders_sent) OR {previous})"
        condition = f"invite_state = :sent AND {previous}"
        return self._update(clinic_key(clinic_id), f"SMS#{visit_id}", "SET reminders_sent = :number", condition,
                            {":sent": "sent", ":before": number - 1, ":number": number}) is not None

    def release_reminder(self, clinic_id: str, visit_id: str, number: int) -> None:
        self._update(clinic_key(clinic_id), f"SMS#{visit_id}", "SET reminders_sent = :before",
                     "reminders_sent = :number", {":before": number - 1, ":number": number})

    def record_delivery(self, clinic_id: str, visit_id: str, status: str, now: datetime) -> bool:
        changed = "attribute_exists(invite_token) AND (attribute_not_exists(delivery) OR delivery <> :status)"
        return self._update(clinic_key(clinic_id), f"SMS#{visit_id}", "SET delivery = :status, delivery_at = :now",
                            changed,
                            {":status": status, ":now": iso(now)}) is not None

    def reserve_sends(self, clinic_id: str, day: str, wanted: int, cap: int) -> int:
        # Optimistic: read the count, then add to it only if nobody changed it meanwhile.
        for _ in range(10):
            item = self._get(clinic_key(clinic_id), f"SENDS#{day}")
            used = int(self._de.deserialize(item["used"])) if item else 0
            granted = max(0, min(wanted, cap - used))
            if granted == 0:
                return 0
            condition = "used = :used" if item else "attribute_not_exists(pk)"
            values = {":new": used + granted, ":ttl": int(datetime.fromisoformat(day).timestamp()) + 3 * 86400}
            if item:
                values[":used"] = used
            done = self._update(clinic_key(clinic_id), f"SENDS#{day}", "SET used = :new, #ttl = :ttl", condition,
                                values, names={"#ttl": "ttl"})
            if done is not None:
                return granted
        return 0

    def release_sends(self, clinic_id: str, day: str, unused: int) -> None:
        if unused > 0:
            self._update(clinic_key(clinic_id), f"SENDS#{day}", "ADD used :minus", "attribute_exists(pk)",
                         {":minus": -unused})
