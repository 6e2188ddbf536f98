"""The dashboard's side of the DynamoDB store: members, one-time marks, rate limits, the audit and the counters.

| item      | pk               | sk                       | notes                                  |
|-----------|------------------|--------------------------|----------------------------------------|
| member    | USER#<email>     | CLINIC#<id>              | role; a twin under the clinic lists it |
| member    | CLINIC#<id>      | MEMBER#<email>           | signed_in_at: the member's last sign-in |
| sessions  | USER#<email>     | SESSIONS                 | the version a session must carry       |
| once      | ONCE#<scope>     | <key>                    | a used sign-in link, a sent digest; ttl |
| hits      | HITS#<key>       | <period>                 | rate limits; ttl                       |
| audit     | CLINIC#<id>      | AUDIT#<entry id>         | settings changes, newest last          |
| counters  | CLINIC#<id>      | STATS#<day>              | a number per "<dimension>|<counter>"   |
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from functions.store.base import iso
from functions.store.dynamo_sending import clinic_key
from functions.store.dynamo_unit import DynamoUnit
from functions.store.records import AuditEntry

HITS_KEPT = timedelta(days=2)


class DynamoAdmin(DynamoUnit):
    def put_member(self, clinic_id: str, email: str, role: str, now: datetime) -> None:
        values = {"email": email, "clinic_id": clinic_id, "role": role, "added_at": iso(now)}
        self.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": self._attrs({"pk": f"USER#{email}", "sk": clinic_key(clinic_id),
                                                                   **values})}},
            # An update, not a put: a role changed keeps the member's last sign-in on this twin.
            {"Update": {"TableName": self.table,
                        "Key": self._attrs({"pk": clinic_key(clinic_id), "sk": f"MEMBER#{email}"}),
                        "UpdateExpression": "SET email = :email, clinic_id = :clinic, #role = :role, "
                                            "added_at = if_not_exists(added_at, :added)",
                        "ExpressionAttributeNames": {"#role": "role"},
                        "ExpressionAttributeValues": self._attrs({":email": email, ":clinic": clinic_id, ":role": role,
                                                                  ":added": iso(now)})}}])

    def remove_member(self, clinic_id: str, email: str) -> bool:
        # Both twins at once, and only if they are there (no read of the clinic's members first).
        try:
            self.client.transact_write_items(TransactItems=[
                {"Delete": {"TableName": self.table, "ConditionExpression": "attribute_exists(pk)",
                            "Key": self._attrs({"pk": f"USER#{email}", "sk": clinic_key(clinic_id)})}},
                {"Delete": {"TableName": self.table, "Key": self._attrs({"pk": clinic_key(clinic_id),
                                                                         "sk": f"MEMBER#{email}"})}}])
        except self.client.exceptions.TransactionCanceledException:
            return False
        return True

    def _roles(self, items: list[dict[str, Any]], key: str) -> dict[str, str]:
        return {self._de.deserialize(i[key]): self._de.deserialize(i["role"]) for i in items}

    def memberships(self, email: str) -> dict[str, str]:
        return self._roles(self._query_prefix(f"USER#{email}", "CLINIC#"), "clinic_id")

    def members(self, clinic_id: str) -> dict[str, str]:
        return self._roles(self._query_prefix(clinic_key(clinic_id), "MEMBER#"), "email")

    def record_sign_in(self, email: str, now: datetime) -> None:
        # On each clinic's twin, so the members page reads it with the members (one query, no lookups per member).
        for clinic_id in self.memberships(email):
            self._update(clinic_key(clinic_id), f"MEMBER#{email}", "SET signed_in_at = :now", "attribute_exists(pk)",
                         {":now": iso(now)})

    def member_sign_ins(self, clinic_id: str) -> dict[str, datetime]:
        items = self._query_prefix(clinic_key(clinic_id), "MEMBER#")
        return {self._de.deserialize(i["email"]): datetime.fromisoformat(self._de.deserialize(i["signed_in_at"]))
                for i in items if "signed_in_at" in i}

    def session_version(self, email: str) -> int:
        item = self._get(f"USER#{email}", "SESSIONS")
        return int(self._de.deserialize(item["version"])) if item else 0

    def end_sessions(self, email: str) -> int:
        answer = self._update(f"USER#{email}", "SESSIONS", "ADD version :one", None, {":one": 1}, returns="UPDATED_NEW")
        return int(self._de.deserialize(answer["Attributes"]["version"])) if answer else 0

    def mark_once(self, scope: str, key: str, now: datetime, until: datetime) -> bool:
        return self._put_new(self._attrs({"pk": f"ONCE#{scope}", "sk": key, "until": iso(until),
                                          "ttl": int(until.timestamp())}))

    def count_hit(self, key: str, period: str, limit: int) -> bool:
        ttl = int((datetime.fromisoformat(period[:10]) + HITS_KEPT).timestamp()) if len(period) >= 10 else 0
        return self._update(f"HITS#{key}", period, "ADD #count :one SET #ttl = :ttl",
                            "attribute_not_exists(#count) OR #count < :limit",
                            {":one": 1, ":limit": limit, ":ttl": ttl},
                            names={"#count": "count", "#ttl": "ttl"}) is not None

    def add_audit(self, entry: AuditEntry) -> None:
        self.client.put_item(TableName=self.table,
                             Item=self._item(entry, clinic_key(entry.clinic_id), f"AUDIT#{entry.entry_id}"))

    def list_audit(self, clinic_id: str, limit: int) -> list[AuditEntry]:
        items = self.client.query(
            TableName=self.table, KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=self._attrs({":pk": clinic_key(clinic_id), ":prefix": "AUDIT#"}),
            ScanIndexForward=False, Limit=limit).get("Items", [])
        return [self._record(AuditEntry, i) for i in items]

    def bump_stats(self, clinic_id: str, day: str, counts: dict[str, dict[str, int]]) -> None:
        if not self._merge_stats(clinic_id, day, counts):  # inside a unit of work it is written when the unit ends
            self._write_stats(clinic_id, day, counts)

    def read_stats(self, clinic_id: str, first_day: str, last_day: str) -> dict[tuple[str, str], dict[str, int]]:
        items = self._query(
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues=self._attrs({":pk": clinic_key(clinic_id), ":first": f"STATS#{first_day}",
                                                   ":last": f"STATS#{last_day}"}))
        found: dict[tuple[str, str], dict[str, int]] = {}
        for item in items:
            day = self._de.deserialize(item["sk"])[6:]
            for key, value in item.items():
                dim, bar, name = key.rpartition("|")
                if bar:
                    found.setdefault((day, dim), {})[name] = int(self._de.deserialize(value))
        return found
