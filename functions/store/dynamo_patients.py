"""The patient register in DynamoDB: patients, recommendations (hand-offs) and call outcomes.

| item     | pk          | sk              | notes                                                           |
|----------|-------------|-----------------|-----------------------------------------------------------------|
| patient  | CLINIC#<id> | PATIENT#<phone> | by_day index LASTSEEN#<clinic>, <last visit>#<phone>; visit ids |
| hand-off | CLINIC#<id> | HANDOFF#<visit> | by_day index HANDOFF#<clinic>, <due>#<visit> while open         |
| call     | CLINIC#<id> | CALL#<phone>    | the last reactivation call's outcome                            |

Each carries a ``ttl``: the clinic's retention after the patient's last visit.

Patients whose last visit is older than N months are one Query of the index (a key range, most recent first);
the open recommendations of a clinic are one Query too. A patient is written with a version: an import reads the
batch's patients, merges, and writes them in transactions that expect the version read, so two imports of the
same patient at once never lose a visit (the loser reads again and merges again).
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from functions.store.base import iso
from functions.store.dynamo_sending import clinic_key
from functions.store.dynamo_table import DAY_INDEX, DynamoTable, _pause
from functions.store.patient_records import CallOutcome, Handoff, Patient, merge_patient

TRANSACTION = 100  # items per TransactWriteItems
ATTEMPTS = 10


def _lastseen(patient: Patient) -> dict[str, str]:
    return {"gsi1pk": f"LASTSEEN#{patient.clinic_id}", "gsi1sk": f"{iso(patient.last_visit_at)}#{patient.phone}"}


class DynamoPatients(DynamoTable):
    def _patient_item(self, patient: Patient) -> dict[str, Any]:
        return self._item(patient, clinic_key(patient.clinic_id), f"PATIENT#{patient.phone}",
                          ttl=int(patient.expires_at.timestamp()), **_lastseen(patient))

    def note_patients(self, patients: list[Patient]) -> None:
        pending: dict[tuple[str, str], Patient] = {}
        for new in patients:
            key = (new.clinic_id, new.phone)
            pending[key] = merge_patient(pending.get(key), new)
        for attempt in range(ATTEMPTS):
            if not pending:
                return
            if attempt:
                time.sleep(random.uniform(0, _pause(attempt)))  # jittered: writers that collided spread out
            existing = {(p.clinic_id, p.phone): p for c in {k[0] for k in pending}
                        for p in self.patients(c, [k[1] for k in pending if k[0] == c], consistent=True).values()}
            writes = []
            for key, new in pending.items():
                old = existing.get(key)
                merged = merge_patient(old, new)
                if old is not None and replace(merged, updated_at=old.updated_at) == old:
                    continue  # a re-import that says nothing new
                merged.version = (old.version if old else 0) + 1
                condition = ({"ConditionExpression": "attribute_not_exists(pk)"} if old is None else {
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": self._attrs({":v": old.version})})
                writes.append((key, {"Put": {"TableName": self.table, "Item": self._patient_item(merged),
                                             **condition}}))
            failed: dict[tuple[str, str], Patient] = {}
            for start in range(0, len(writes), TRANSACTION):
                chunk = writes[start:start + TRANSACTION]
                try:
                    self.client.transact_write_items(TransactItems=[w for _, w in chunk])
                except self.client.exceptions.TransactionCanceledException:
                    failed.update((key, pending[key]) for key, _ in chunk)  # someone wrote meanwhile: read, merge again
            pending = failed
        raise RuntimeError("the patient register kept changing under this import; run it again")

    def patients(self, clinic_id: str, phones: list[str], consistent: bool = False) -> dict[str, Patient]:
        items = self._batch_get(clinic_key(clinic_id), [f"PATIENT#{p}" for p in phones], consistent)
        return {p.phone: p for p in (self._record(Patient, i) for i in items)}

    def get_patient(self, clinic_id: str, phone: str) -> Patient | None:
        item = self._get(clinic_key(clinic_id), f"PATIENT#{phone}")
        return None if item is None else self._record(Patient, item)

    def inactive_patients(self, clinic_id: str, before: datetime) -> list[Patient]:
        items = self._query(IndexName=DAY_INDEX, ScanIndexForward=False,
                            KeyConditionExpression="gsi1pk = :seen AND gsi1sk < :before",
                            ExpressionAttributeValues=self._attrs({":seen": f"LASTSEEN#{clinic_id}",
                                                                   ":before": iso(before)}))
        return [self._record(Patient, i) for i in items]

    # Recommendations (hand-offs)
    def _handoff_item(self, handoff: Handoff) -> dict[str, Any]:
        due = {"gsi1pk": f"HANDOFF#{handoff.clinic_id}", "gsi1sk": f"{iso(handoff.due_at)}#{handoff.handoff_id}"}
        return self._item(handoff, clinic_key(handoff.clinic_id), f"HANDOFF#{handoff.handoff_id}",
                          ttl=int(handoff.expires_at.timestamp()), **(due if handoff.state == "open" else {}))

    def put_handoffs(self, handoffs: list[Handoff]) -> list[bool]:
        return [self._put_new(self._handoff_item(h)) for h in handoffs]

    def open_handoffs(self, clinic_id: str) -> list[Handoff]:
        items = self._query(IndexName=DAY_INDEX, KeyConditionExpression="gsi1pk = :open",
                            ExpressionAttributeValues=self._attrs({":open": f"HANDOFF#{clinic_id}"}))
        return [h for h in (self._record(Handoff, i) for i in items) if h.state == "open"]

    def get_handoff(self, clinic_id: str, handoff_id: str) -> Handoff | None:
        item = self._get(clinic_key(clinic_id), f"HANDOFF#{handoff_id}")
        return None if item is None else self._record(Handoff, item)

    def book_handoff(self, clinic_id: str, handoff_id: str, visit_id: str, now: datetime) -> bool:
        return self._update(clinic_key(clinic_id), f"HANDOFF#{handoff_id}",
                            "SET #state = :booked, booked_at = :now, booked_visit_id = :visit REMOVE gsi1pk, gsi1sk",
                            "#state = :open", {":booked": "booked", ":now": iso(now), ":visit": visit_id,
                                               ":open": "open"}, names={"#state": "state"}) is not None

    def settle_handoff(self, clinic_id: str, handoff_id: str, outcome: str, who: str, now: datetime,
                       close: bool) -> bool:
        expression = "SET outcome = :outcome, outcome_at = :now, outcome_by = :who"
        values = {":outcome": outcome, ":now": iso(now), ":who": who, ":open": "open"}
        if close:
            expression += ", #state = :closed REMOVE gsi1pk, gsi1sk"
            values[":closed"] = "closed"
        return self._update(clinic_key(clinic_id), f"HANDOFF#{handoff_id}", expression, "#state = :open", values,
                            names={"#state": "state"}) is not None

    # Reactivation calls
    def put_call_outcome(self, outcome: CallOutcome) -> None:
        self.client.put_item(TableName=self.table, Item=self._item(
            outcome, clinic_key(outcome.clinic_id), f"CALL#{outcome.phone}", ttl=int(outcome.expires_at.timestamp())))

    def call_outcomes(self, clinic_id: str, phones: list[str]) -> dict[str, CallOutcome]:
        items = self._batch_get(clinic_key(clinic_id), [f"CALL#{p}" for p in phones])
        return {c.phone: c for c in (self._record(CallOutcome, i) for i in items)}
