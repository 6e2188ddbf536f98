"""DynamoDB plumbing: typed items in and out, conditional writes, paged queries, table creation."""

from __future__ import annotations

import time
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from functions.store.base import PhoneRecentlyInvited, iso, parse_time

DAY_INDEX = "by_day"
# Unprocessed batch items are retried with exponential backoff, as DynamoDB asks.
MAX_ATTEMPTS = 8


def _pause(attempt: int) -> float:
    return min(0.05 * 2**attempt, 2.0)


class DynamoTable:
    def __init__(self, client: Any, table: str) -> None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        self.client = client
        self.table = table
        self._ser = TypeSerializer()
        self._de = TypeDeserializer()

    def _attrs(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self._ser.serialize(v) for k, v in values.items()}

    def _item(self, record: object, pk: str, sk: str, **extra: Any) -> dict[str, Any]:
        """A record as an item: times as ISO text, absent values left out (so conditions see them absent)."""
        values: dict[str, Any] = {"pk": pk, "sk": sk, **extra}
        for f in fields(record):  # type: ignore[arg-type]
            value = getattr(record, f.name)
            if isinstance(value, datetime):
                value = iso(value)
            if value is not None:
                values[f.name] = value
        return self._attrs(values)

    def _record(self, cls: type, item: dict[str, Any]):
        plain = {k: self._de.deserialize(v) for k, v in item.items()}
        values = {}
        for f in fields(cls):
            if f.name not in plain:
                continue
            value = plain[f.name]
            if "datetime" in str(f.type):
                value = parse_time(value)
            elif isinstance(value, Decimal):
                value = int(value)
            elif isinstance(value, dict):
                value = plain_numbers(value)
            values[f.name] = value
        return cls(**values)

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        answer = self.client.get_item(TableName=self.table, Key=self._attrs({"pk": pk, "sk": sk}),
                                      ConsistentRead=True)
        return answer.get("Item")

    def _batch_get(self, pk: str, sort_keys: list[str], consistent: bool = False) -> list[dict[str, Any]]:
        """Items under one partition by sort key."""
        return self._batch_get_keys([(pk, sk) for sk in sort_keys], consistent)

    def _batch_get_keys(self, keys: list[tuple[str, str]], consistent: bool = False) -> list[dict[str, Any]]:
        """Items by (pk, sk), 100 keys per BatchGetItem, retrying unprocessed keys."""
        items: list[dict[str, Any]] = []
        unique = sorted(set(keys))
        for start in range(0, len(unique), 100):
            request: dict[str, Any] = {self.table: {
                "Keys": [self._attrs({"pk": pk, "sk": sk}) for pk, sk in unique[start:start + 100]],
                "ConsistentRead": consistent}}
            for attempt in range(MAX_ATTEMPTS):
                answer = self.client.batch_get_item(RequestItems=request)
                items.extend(answer["Responses"].get(self.table, []))
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(_pause(attempt))
            else:
                raise RuntimeError("DynamoDB left keys unprocessed after retries")
        return items

    def _batch_put(self, items: list[dict[str, Any]]) -> None:
        """Write whole items, 25 per BatchWriteItem."""
        by_key = {(i["pk"]["S"], i["sk"]["S"]): i for i in items}  # one request may not name a key twice
        self._batch_write([{"PutRequest": {"Item": i}} for i in by_key.values()])

    def _batch_delete(self, keys: list[tuple[str, str]]) -> None:
        """Delete items by (pk, sk), 25 per BatchWriteItem."""
        self._batch_write([{"DeleteRequest": {"Key": self._attrs({"pk": pk, "sk": sk})}} for pk, sk in set(keys)])

    def _batch_write(self, writes: list[dict[str, Any]]) -> None:
        """BatchWriteItem 25 at a time, retrying what DynamoDB leaves unprocessed."""
        for start in range(0, len(writes), 25):
            request: dict[str, Any] = {self.table: writes[start:start + 25]}
            for attempt in range(MAX_ATTEMPTS):
                request = self.client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                if not request:
                    break
                time.sleep(_pause(attempt))
            else:
                raise RuntimeError("DynamoDB left writes unprocessed after retries")

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs["TableName"] = self.table
        while True:
            page = self.client.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _query_prefix(self, pk: str, prefix: str) -> list[dict[str, Any]]:
        return self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=self._attrs({":pk": pk, ":prefix": prefix}),
            ConsistentRead=True)

    def _update(self, pk: str, sk: str, expression: str, condition: str | None,
                values: dict[str, Any], names: dict[str, str] | None = None,
                returns: str = "NONE") -> dict[str, Any] | None:
        """An UpdateItem; None when its condition failed (someone else holds the claim)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table, "Key": self._attrs({"pk": pk, "sk": sk}),
            "UpdateExpression": expression, "ReturnValues": returns,
        }
        if values:
            kwargs["ExpressionAttributeValues"] = self._attrs(values)
        if condition:
            kwargs["ConditionExpression"] = condition
        if names:
            kwargs["ExpressionAttributeNames"] = names
        try:
            return self.client.update_item(**kwargs)
        except self.client.exceptions.ConditionalCheckFailedException:
            return None

    @staticmethod
    def _outcome(state_field: str, done_field: str, state: str, now: datetime, error: str,
                 retry_at: datetime | None, extra: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        """The update that records a side effect's outcome: its state and error, when it was done
        (if it was), and when to retry (or no claim at all once settled)."""
        values: dict[str, Any] = {":state": state, ":err": error, **(extra or {})}
        sets = [f"{state_field} = :state", "last_error = :err", *(f"{k[1:]} = {k}" for k in extra or {})]
        if state == "sent":
            sets.append(f"{done_field} = :now")
            values[":now"] = iso(now)
        if retry_at is not None:
            sets.append("claim_until = :retry")
            values[":retry"] = iso(retry_at)
        expression = "SET " + ", ".join(sets) + ("" if retry_at is not None else " REMOVE claim_until")
        return expression, values

    def _claim_taking_phone(self, claim: dict[str, Any], pk: str, phone_sk: str, visit_id: str, stamp: str,
                            now: datetime, since: datetime, ttl: int, phone: str) -> bool:
        """A claim (an Update) and the phone's mark for the repeat rule in one transaction: both are taken, or
        neither. False when the claim was refused; ``PhoneRecentlyInvited`` when only the phone was."""
        taken = {"TableName": self.table, "Key": self._attrs({"pk": pk, "sk": phone_sk}),
                 "UpdateExpression": f"SET visit_id = :vid, {stamp} = :now, #ttl = :ttl",
                 "ConditionExpression": f"attribute_not_exists(pk) OR visit_id = :vid OR {stamp} < :since",
                 "ExpressionAttributeNames": {"#ttl": "ttl"},
                 "ExpressionAttributeValues": self._attrs({":vid": visit_id, ":now": iso(now), ":since": iso(since),
                                                           ":ttl": ttl})}
        try:
            self.client.transact_write_items(TransactItems=[{"Update": claim}, {"Update": taken}])
        except self.client.exceptions.TransactionCanceledException as err:
            reasons = [r.get("Code") for r in err.response.get("CancellationReasons", [])]
            if len(reasons) == 2 and reasons[1] == "ConditionalCheckFailed" and reasons[0] != "ConditionalCheckFailed":
                raise PhoneRecentlyInvited(phone) from None
            return False
        return True

    def _put_new(self, item: dict[str, Any]) -> bool:
        try:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def create_table(self) -> None:
        """Create the table, its day index and TTL; for a table that exists, only make sure of its TTL."""
        try:
            self.client.describe_table(TableName=self.table)
            ttl = self.client.describe_time_to_live(TableName=self.table)["TimeToLiveDescription"]
            if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
                return
            self.client.update_time_to_live(
                TableName=self.table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
            return
        except self.client.exceptions.ResourceNotFoundException:
            pass
        attr = [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")]
        self.client.create_table(
            TableName=self.table, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attr,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{
                "IndexName": DAY_INDEX, "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                              {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
            }])
        self.client.get_waiter("table_exists").wait(TableName=self.table)
        self.client.update_time_to_live(
            TableName=self.table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})

    def close(self) -> None:
        return None

    def purge_expired(self, now: datetime) -> int:
        # DynamoDB's TTL on the ``ttl`` attribute deletes expired visits and invites by itself.
        return 0


def plain_numbers(value: Any) -> Any:
    """DynamoDB hands numbers back as Decimal; the clinic document wants ints (and floats for shares)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_numbers(v) for v in value]
    return value
