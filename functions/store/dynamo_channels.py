"""The channels' side of the DynamoDB store.

| item        | pk               | sk                        | notes                                          |
|-------------|------------------|---------------------------|------------------------------------------------|
| message     | CLINIC#<id>      | PATMSG#<channel>#<phone>  | when the patient last wrote; ttl two days      |
| link code   | TGCODE#<hash>    | TGCODE                    | a member's one-time Telegram link; ttl         |
| tg link     | CLINIC#<id>      | TGLINK#<email>            | the member's chat; a twin under the chat       |
| tg link     | TGCHAT#<chat id> | CLINIC#<id>#<email>       | the chat's clinics (for /stop and buttons)     |
| case ref    | TGREF#<ref>      | TGREF                     | the case a button's signed data names; ttl     |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from functions.store.base import iso, parse_time
from functions.store.dynamo_sending import clinic_key
from functions.store.dynamo_table import DynamoTable
from functions.store.records import TelegramLink

MESSAGE_KEPT = timedelta(days=2)
REF_KEPT = timedelta(days=400)  # a button on an old alert still finds its case (or answers that it is gone)


class DynamoChannels(DynamoTable):
    def note_patient_message(self, clinic_id: str, phone: str, channel: str, at: datetime) -> None:
        self._update(clinic_key(clinic_id), f"PATMSG#{channel}#{phone}", "SET #at = :at, #ttl = :ttl",
                     "attribute_not_exists(#at) OR #at < :at",
                     {":at": iso(at), ":ttl": int((at + MESSAGE_KEPT).timestamp())}, names={"#at": "at", "#ttl": "ttl"})

    def last_patient_message(self, clinic_id: str, phone: str, channel: str) -> datetime | None:
        item = self._get(clinic_key(clinic_id), f"PATMSG#{channel}#{phone}")
        return None if item is None else parse_time(self._de.deserialize(item["at"]))

    def put_link_code(self, code_hash: str, clinic_id: str, email: str, until: datetime) -> None:
        self._put_new(self._attrs({"pk": f"TGCODE#{code_hash}", "sk": "TGCODE", "clinic_id": clinic_id,
                                   "email": email, "until": iso(until), "ttl": int(until.timestamp())}))

    def take_link_code(self, code_hash: str, now: datetime) -> tuple[str, str] | None:
        # The delete is the use: a second message with the same code finds nothing.
        try:
            answer = self.client.delete_item(TableName=self.table, Key=self._attrs({"pk": f"TGCODE#{code_hash}",
                                                                                    "sk": "TGCODE"}),
                                             ConditionExpression="attribute_exists(pk)", ReturnValues="ALL_OLD")
        except self.client.exceptions.ConditionalCheckFailedException:
            return None
        old = {k: self._de.deserialize(v) for k, v in answer.get("Attributes", {}).items()}
        if not old or old["until"] <= iso(now):
            return None
        return old["clinic_id"], old["email"]

    def _link_keys(self, link: TelegramLink) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({"pk": clinic_key(link.clinic_id), "sk": f"TGLINK#{link.email}"},
                {"pk": f"TGCHAT#{link.chat_id}", "sk": f"{clinic_key(link.clinic_id)}#{link.email}"})

    def _link(self, clinic_id: str, email: str) -> TelegramLink | None:
        item = self._get(clinic_key(clinic_id), f"TGLINK#{email}")
        return None if item is None else self._record(TelegramLink, item)

    def link_telegram(self, link: TelegramLink) -> None:
        old = self._link(link.clinic_id, link.email)
        main, twin = self._link_keys(link)
        items = [{"Put": {"TableName": self.table, "Item": self._item(link, main["pk"], main["sk"])}},
                 {"Put": {"TableName": self.table, "Item": self._item(link, twin["pk"], twin["sk"])}}]
        if old is not None and old.chat_id != link.chat_id:
            items.append({"Delete": {"TableName": self.table, "Key": self._attrs(self._link_keys(old)[1])}})
        self.client.transact_write_items(TransactItems=items)

    def unlink_telegram(self, clinic_id: str, email: str) -> bool:
        old = self._link(clinic_id, email)
        if old is None:
            return False
        self.client.transact_write_items(TransactItems=[
            {"Delete": {"TableName": self.table, "Key": self._attrs(key)}} for key in self._link_keys(old)])
        return True

    def telegram_links(self, clinic_id: str) -> list[TelegramLink]:
        return [self._record(TelegramLink, i) for i in self._query_prefix(clinic_key(clinic_id), "TGLINK#")]

    def chat_links(self, chat_id: str) -> list[TelegramLink]:
        return [self._record(TelegramLink, i) for i in self._query_prefix(f"TGCHAT#{chat_id}", "CLINIC#")]

    def put_case_ref(self, ref: str, clinic_id: str, case_id: str) -> None:
        until = datetime.now(UTC) + REF_KEPT
        self._put_new(self._attrs({"pk": f"TGREF#{ref}", "sk": "TGREF", "clinic_id": clinic_id, "case_id": case_id,
                                   "ttl": int(until.timestamp())}))

    def case_ref(self, ref: str) -> tuple[str, str] | None:
        item = self._get(f"TGREF#{ref}", "TGREF")
        if item is None:
            return None
        return self._de.deserialize(item["clinic_id"]), self._de.deserialize(item["case_id"])
