"""Cases in DynamoDB: the case, its due work, its emails' claims and its timeline.

| item       | pk          | sk                       | notes                                                  |
|------------|-------------|--------------------------|--------------------------------------------------------|
| case       | CLINIC#<id> | CASE#<case>              | by_day index CASEDUE#<clinic>, <due>#<case> while due |
| case event | CLINIC#<id> | CASEEV#<case>#<event id> | the timeline, oldest first                             |
| phone      | CLINIC#<id> | CASEPHONE#<phone>        | the patient's latest case; ttl with the visit          |

The due work (the alert after the clinic's wait, a follow-up, the still-new reminder, a retry) is found
with one Query of the ``by_day`` index per clinic: ``gsi1pk = CASEDUE#<clinic> AND gsi1sk <= <now>``.
A case leaves the index (its ``gsi1`` keys removed) when nothing is left to do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.store.base import iso
from functions.store.dynamo_sending import clinic_key
from functions.store.dynamo_table import DAY_INDEX, DynamoTable
from functions.store.records import Case, CaseEvent

AMENDABLE = ("text", "words_at", "kind", "score", "status", "outcome", "resolved_at", "resolved_by", "urgent")
STATUS = {"#status": "status"}


def _sk(case_id: str) -> str:
    return f"CASE#{case_id}"


def _due_keys(clinic_id: str, case_id: str, due_at: datetime) -> dict[str, str]:
    return {"gsi1pk": f"CASEDUE#{clinic_id}", "gsi1sk": f"{iso(due_at)}#{case_id}"}


def _due_set(clinic_id: str, case_id: str, due_at: datetime | None, values: dict[str, Any]) -> str:
    """The part of an update that puts the case in the due index at ``due_at`` (or takes it out)."""
    if due_at is None:
        return " REMOVE due_at, gsi1pk, gsi1sk"
    keys = _due_keys(clinic_id, case_id, due_at)
    values.update({":due": iso(due_at), ":gpk": keys["gsi1pk"], ":gsk": keys["gsi1sk"]})
    return ", due_at = :due, gsi1pk = :gpk, gsi1sk = :gsk"


class DynamoCases(DynamoTable):
    def create_case(self, case: Case) -> bool:
        due = _due_keys(case.clinic_id, case.case_id, case.due_at) if case.due_at else {}
        return self._put_new(self._item(case, clinic_key(case.clinic_id), _sk(case.case_id), **due))

    def get_case(self, clinic_id: str, case_id: str) -> Case | None:
        item = self._get(clinic_key(clinic_id), _sk(case_id))
        return None if item is None else self._record(Case, item)

    def list_cases(self, clinic_id: str) -> list[Case]:
        return [self._record(Case, i) for i in self._query_prefix(clinic_key(clinic_id), "CASE#")]

    def due_cases(self, clinic_id: str, now: datetime, limit: int) -> list[Case]:
        # The index is read eventually consistent: every claim below it is a conditional write that decides.
        page = self.client.query(
            TableName=self.table, IndexName=DAY_INDEX, Limit=limit,
            KeyConditionExpression="gsi1pk = :due AND gsi1sk <= :now",
            ExpressionAttributeValues=self._attrs({":due": f"CASEDUE#{clinic_id}", ":now": f"{iso(now)}~"}))
        return [self._record(Case, i) for i in page.get("Items", [])]

    def schedule_case(self, case: Case, due_at: datetime | None) -> bool:
        values: dict[str, Any] = {":es": case.email_state, ":st": case.status, ":fw": case.followups_wanted,
                                  ":fs": case.followups_sent, ":text": case.text, ":tw": case.tg_wanted,
                                  ":ts": case.tg_state}
        due = _due_set(case.clinic_id, case.case_id, due_at, values)
        expression = ("SET " + due.removeprefix(", ")) if due_at else due.strip()
        # A case stored before the Telegram notices has none of their attributes: absent is as good as 0 and "".
        notices = (f"({'attribute_not_exists(tg_wanted) OR ' if not case.tg_wanted else ''}tg_wanted = :tw) AND "
                   f"({'attribute_not_exists(tg_state) OR ' if not case.tg_state else ''}tg_state = :ts)")
        return self._update(clinic_key(case.clinic_id), _sk(case.case_id), expression,
                            "email_state = :es AND #status = :st AND followups_wanted = :fw AND followups_sent = :fs "
                            f"AND #text = :text AND {notices}", values,
                            names={**STATUS, "#text": "text"}) is not None

    def claim_case_email(self, clinic_id: str, case_id: str, now: datetime, until: datetime) -> Case | None:
        answer = self._update(
            clinic_key(clinic_id), _sk(case_id),
            "SET email_state = :claimed, claim_until = :until ADD attempts :one",
            "attribute_exists(pk) AND (email_state = :empty OR "
            "(email_state IN (:claimed, :retry) AND claim_until < :now))",
            {":claimed": "claimed", ":retry": "retry", ":empty": "", ":until": iso(until),
             ":one": 1, ":now": iso(now)}, returns="ALL_NEW")
        return None if answer is None else self._record(Case, answer["Attributes"])

    def finish_case_email(self, clinic_id: str, case_id: str, state: str, now: datetime, *,
                          error: str = "", retry_at: datetime | None = None, told: Case | None = None) -> None:
        extra: dict[str, Any] = {}
        if state == "sent" and told is not None:
            # The alert carried everything up to its claim: those follow-ups are told (no follow-up claim can run
            # while the alert is claimed, so followups_sent cannot have moved meanwhile).
            extra = {":told_score": told.score, ":told_words": bool(told.text),
                     ":followups_sent": told.followups_wanted}
        expression, values = self._outcome("email_state", "emailed_at", state, now, error, retry_at, extra)
        expression = expression.replace(" REMOVE claim_until", "")
        expression += _due_set(clinic_id, case_id, retry_at or now, values)
        if retry_at is None:
            expression += " REMOVE claim_until"
        values[":claimed"] = "claimed"
        self._update(clinic_key(clinic_id), _sk(case_id), expression, "email_state = :claimed", values)

    def amend_case(self, clinic_id: str, case_id: str, changes: dict, now: datetime) -> bool:
        unknown = set(changes) - set(AMENDABLE)
        if unknown:
            raise ValueError(f"a case cannot be amended in {sorted(unknown)}")
        values: dict[str, Any] = {f":c_{k}": iso(v) if isinstance(v, datetime) else v for k, v in changes.items()}
        names = {f"#c_{k}": k for k in changes}
        sets = ", ".join(f"#c_{k} = :c_{k}" for k in changes)
        expression = f"SET {sets}" + _due_set(clinic_id, case_id, now, values)
        once = ""
        if "text" in changes:
            once, values[":nothing"] = " AND #c_text = :nothing", ""
        before = {**values, ":empty": "", ":retry": "retry"}
        after = {**values, ":claimed": "claimed", ":sent": "sent", ":failed": "failed", ":one": 1}
        # Two conditional writes, never a read between: before the alert the change rides in it; once the
        # alert is (being) sent, the same change also wants one more follow-up.
        for _ in range(3):
            if self._update(clinic_key(clinic_id), _sk(case_id), expression,
                            f"attribute_exists(pk) AND email_state IN (:empty, :retry){once}", before,
                            names) is not None:
                return True
            if self._update(clinic_key(clinic_id), _sk(case_id), expression + " ADD followups_wanted :one",
                            f"attribute_exists(pk) AND email_state IN (:claimed, :sent, :failed){once}", after,
                            names) is not None:
                return True
            current = self.get_case(clinic_id, case_id)
            if current is None or ("text" in changes and current.text):
                return False
        return False

    def claim_case_followup(self, clinic_id: str, case_id: str, now: datetime, until: datetime) -> Case | None:
        answer = self._update(
            clinic_key(clinic_id), _sk(case_id), "SET followup_until = :until",
            "email_state = :sent AND followups_wanted > followups_sent AND "
            "(attribute_not_exists(followup_until) OR followup_until < :now)",
            {":until": iso(until), ":sent": "sent", ":now": iso(now)}, returns="ALL_NEW")
        return None if answer is None else self._record(Case, answer["Attributes"])

    def finish_case_followup(self, clinic_id: str, case_id: str, state: str, now: datetime, *, told: Case,
                             error: str = "", retry_at: datetime | None = None) -> None:
        values: dict[str, Any] = {":err": error}
        if state == "retry" and retry_at is not None:
            values[":until"] = iso(retry_at)
            expression = "SET followup_until = :until, followup_error = :err" + _due_set(clinic_id, case_id,
                                                                                        retry_at, values)
        else:
            values[":upto"] = told.followups_wanted
            expression = "SET followups_sent = :upto, followup_error = :err"
            if state == "sent":
                values.update({":score": told.score, ":words": bool(told.text)})
                expression += ", told_score = :score, told_words = :words"
            expression += _due_set(clinic_id, case_id, now, values) + " REMOVE followup_until"
        condition = "attribute_exists(pk)" + (" AND followups_sent <= :upto" if ":upto" in values else "")
        self._update(clinic_key(clinic_id), _sk(case_id), expression, condition, values)

    def move_case(self, clinic_id: str, case_id: str, from_status: tuple[str, ...], to_status: str, who: str,
                  now: datetime, outcome: str = "") -> bool:
        stamp = "contacted" if to_status == "contacted" else "resolved"
        allowed = {f":from{n}": status for n, status in enumerate(from_status)}
        return self._update(
            clinic_key(clinic_id), _sk(case_id),
            f"SET #status = :to, {stamp}_at = :now, {stamp}_by = :who, outcome = :outcome",
            f"#status IN ({', '.join(allowed)})",
            {":to": to_status, ":now": iso(now), ":who": who, ":outcome": outcome, **allowed},
            names=STATUS) is not None

    def set_case_kind(self, clinic_id: str, case_id: str, kind: str) -> bool:
        return self._update(clinic_key(clinic_id), _sk(case_id), "SET kind = :kind", "attribute_exists(pk)",
                            {":kind": kind}) is not None

    def claim_case_reply(self, clinic_id: str, case_id: str, text: str, now: datetime) -> bool:
        return self._update(clinic_key(clinic_id), _sk(case_id),
                            "SET reply_state = :claimed, reply_text = :text, reply_at = :now",
                            "attribute_exists(pk) AND (attribute_not_exists(reply_state) OR reply_state = :none)",
                            {":claimed": "claimed", ":text": text, ":now": iso(now), ":none": ""}) is not None

    def finish_case_reply(self, clinic_id: str, case_id: str, state: str) -> None:
        self._update(clinic_key(clinic_id), _sk(case_id), "SET reply_state = :state",
                     "reply_state = :claimed", {":state": state, ":claimed": "claimed"})

    def mark_case_reminded(self, clinic_id: str, case_id: str, now: datetime) -> bool:
        return self._update(clinic_key(clinic_id), _sk(case_id), "SET reminded_at = :now",
                            "#status = :new AND attribute_not_exists(reminded_at)", {":now": iso(now), ":new": "new"},
                            names=STATUS) is not None

    def link_case_phone(self, clinic_id: str, phone: str, case_id: str, until: datetime) -> None:
        self.client.put_item(TableName=self.table, Item=self._attrs(
            {"pk": clinic_key(clinic_id), "sk": f"CASEPHONE#{phone}", "case_id": case_id,
             "ttl": int(until.timestamp())}))

    def case_of_phone(self, clinic_id: str, phone: str) -> str | None:
        item = self._get(clinic_key(clinic_id), f"CASEPHONE#{phone}")
        return None if item is None else self._de.deserialize(item["case_id"])

    # Telegram notices
    def want_case_notice(self, clinic_id: str, case_id: str, reason: str, now: datetime) -> bool:
        values: dict[str, Any] = {":one": 1, ":zero": 0, ":reason": reason}
        expression = ("SET tg_wanted = if_not_exists(tg_wanted, :zero) + :one, "
                      "tg_told = if_not_exists(tg_told, :zero), tg_reason = :reason"
                      + _due_set(clinic_id, case_id, now, values))
        return self._update(clinic_key(clinic_id), _sk(case_id), expression, "attribute_exists(pk)",
                            values) is not None

    def claim_case_notice(self, clinic_id: str, case_id: str, now: datetime, until: datetime) -> Case | None:
        answer = self._update(
            clinic_key(clinic_id), _sk(case_id), "SET tg_state = :claimed, tg_until = :until ADD tg_attempts :one",
            "tg_wanted > tg_told AND (NOT tg_state IN (:claimed, :retry) OR attribute_not_exists(tg_until) "
            "OR tg_until < :now)",
            {":claimed": "claimed", ":retry": "retry", ":until": iso(until), ":now": iso(now), ":one": 1},
            returns="ALL_OLD")
        return None if answer is None else self._record(Case, answer["Attributes"])

    def finish_case_notice(self, clinic_id: str, case_id: str, state: str, now: datetime, *, told: int,
                           chats: str = "", error: str = "", retry_at: datetime | None = None) -> None:
        values: dict[str, Any] = {":state": state, ":err": error, ":claimed": "claimed"}
        if state == "retry" and retry_at is not None:
            values.update({":until": iso(retry_at), ":chats": chats})
            expression = ("SET tg_state = :state, tg_until = :until, tg_chats = :chats, tg_error = :err"
                          + _due_set(clinic_id, case_id, retry_at, values))
        else:
            # Nothing else moves tg_told while the notice is claimed, so it is simply set.
            values.update({":told": told, ":none": ""})
            expression = ("SET tg_state = :state, tg_told = :told, tg_chats = :none, tg_error = :err"
                          + _due_set(clinic_id, case_id, now, values) + " REMOVE tg_until")
        self._update(clinic_key(clinic_id), _sk(case_id), expression, "tg_state = :claimed", values)

    # The timeline
    def add_case_event(self, event: CaseEvent) -> None:
        self._put_new(self._item(event, clinic_key(event.clinic_id), f"CASEEV#{event.case_id}#{event.event_id}"))

    def case_events(self, clinic_id: str, case_id: str) -> list[CaseEvent]:
        return [self._record(CaseEvent, i) for i in self._query_prefix(clinic_key(clinic_id), f"CASEEV#{case_id}#")]
