"""The case store's contract, on SQLite and on DynamoDB (moto): due work by key query, words and scores that
join a case (and want a follow-up once the alert went), the follow-up's claim, and the timeline."""

from __future__ import annotations

from datetime import timedelta

from functions.store import Case, Store
from functions.store.records import CaseEvent
from tests.conftest import NOW

WAIT = NOW + timedelta(minutes=10)
CLAIM = timedelta(minutes=5)


def low_tap(store: Store, case_id: str = "v1", clinic_id: str = "c1", at=NOW) -> Case:
    case = Case(clinic_id=clinic_id, case_id=case_id, visit_id=case_id, score=1, text="", created_at=at,
                alert_at=at + timedelta(minutes=10), due_at=at + timedelta(minutes=10))
    assert store.create_case(case) is True
    return case


def test_due_cases_come_from_a_key_query_once_their_time_has_come(store: Store) -> None:
    low_tap(store, "v1")
    low_tap(store, "v2", at=NOW + timedelta(minutes=3))
    low_tap(store, "v9", clinic_id="c2")
    assert store.due_cases("c1", NOW + timedelta(minutes=9), 10) == []
    assert [c.case_id for c in store.due_cases("c1", WAIT, 10)] == ["v1"]
    assert [c.case_id for c in store.due_cases("c1", WAIT + timedelta(minutes=5), 10)] == ["v1", "v2"]
    assert [c.case_id for c in store.due_cases("c1", WAIT + timedelta(minutes=5), 1)] == ["v1"]
    assert [c.case_id for c in store.due_cases("c2", WAIT, 10)] == ["v9"]


def test_the_sweep_settles_the_next_look_only_if_nothing_changed_meanwhile(store: Store) -> None:
    case = low_tap(store)
    read = store.get_case("c1", "v1")
    assert store.amend_case("c1", "v1", {"text": "Долго ждали", "words_at": NOW}, NOW) is True
    # The words made the case due now; a settle from the older read must not push that back.
    assert store.schedule_case(read, NOW + timedelta(hours=24)) is False
    assert store.get_case("c1", "v1").due_at == NOW
    assert store.claim_case_email("c1", "v1", NOW, NOW + CLAIM) is not None
    stale = store.get_case("c1", "v1")
    store.finish_case_email("c1", "v1", "sent", NOW, told=stale)
    assert store.schedule_case(stale, None) is False  # the email state moved since that read
    fresh = store.get_case("c1", "v1")
    assert store.schedule_case(fresh, None) is True
    assert store.due_cases("c1", NOW + timedelta(days=30), 10) == []
    assert store.get_case("c1", "v1").due_at is None and case.case_id == "v1"


def test_words_before_the_alert_ride_in_it_and_after_it_want_one_follow_up(store: Store) -> None:
    low_tap(store)
    assert store.amend_case("c1", "v1", {"score": 2}, NOW) is True
    before = store.get_case("c1", "v1")
    assert (before.score, before.followups_wanted, before.due_at) == (2, 0, NOW)
    claimed = store.claim_case_email("c1", "v1", WAIT, WAIT + CLAIM)
    # Words that arrive while the alert is on its way: the alert was written without them.
    assert store.amend_case("c1", "v1", {"text": "Нагрубили", "words_at": WAIT}, WAIT) is True
    assert store.amend_case("c1", "v1", {"text": "Ещё раз", "words_at": WAIT}, WAIT) is False  # words once
    store.finish_case_email("c1", "v1", "sent", WAIT, told=claimed)
    after = store.get_case("c1", "v1")
    assert (after.text, after.followups_wanted, after.followups_sent) == ("Нагрубили", 1, 0)
    assert (after.told_score, after.told_words, after.email_state) == (2, False, "sent")
    assert [c.case_id for c in store.due_cases("c1", WAIT, 10)] == ["v1"]


def test_the_alert_tells_everything_up_to_its_claim(store: Store) -> None:
    low_tap(store)
    assert store.amend_case("c1", "v1", {"text": "Долго ждали", "words_at": NOW}, NOW) is True
    claimed = store.claim_case_email("c1", "v1", NOW, NOW + CLAIM)
    assert claimed.text == "Долго ждали"
    store.finish_case_email("c1", "v1", "sent", NOW, told=claimed)
    told = store.get_case("c1", "v1")
    assert (told.told_words, told.told_score, told.followups_wanted, told.followups_sent) == (True, 1, 0, 0)
    assert store.claim_case_followup("c1", "v1", NOW, NOW + CLAIM) is None  # nothing more to tell


def test_a_follow_up_is_claimed_once_retried_at_its_time_and_settled(store: Store) -> None:
    low_tap(store)
    store.finish_case_email("c1", "v1", "sent", NOW, told=store.claim_case_email("c1", "v1", NOW, NOW + CLAIM))
    assert store.amend_case("c1", "v1", {"score": 5, "status": "resolved", "outcome": "changed",
                                         "resolved_by": "patient", "resolved_at": NOW}, NOW) is True
    first = store.claim_case_followup("c1", "v1", NOW, NOW + CLAIM)
    assert first is not None and first.status == "resolved" and first.followups_wanted == 1
    assert store.claim_case_followup("c1", "v1", NOW, NOW + CLAIM) is None
    store.finish_case_followup("c1", "v1", "retry", NOW, told=first, error="throttled", retry_at=WAIT)
    assert store.claim_case_followup("c1", "v1", NOW + timedelta(minutes=1), WAIT) is None
    assert [c.case_id for c in store.due_cases("c1", WAIT, 10)] == ["v1"]
    again = store.claim_case_followup("c1", "v1", WAIT + timedelta(seconds=1), WAIT + CLAIM)
    store.finish_case_followup("c1", "v1", "sent", WAIT, told=again)
    done = store.get_case("c1", "v1")
    assert (done.followups_sent, done.told_score, done.followup_until, done.followup_error) == (1, 5, None, "")


def test_a_case_taken_back_is_reopened_by_the_next_low_score(store: Store) -> None:
    low_tap(store)
    store.amend_case("c1", "v1", {"score": 5, "status": "resolved", "outcome": "changed", "resolved_by": "patient",
                                  "resolved_at": NOW}, NOW)
    store.amend_case("c1", "v1", {"score": 1, "status": "new", "outcome": "", "resolved_by": "",
                                  "resolved_at": None}, NOW)
    case = store.get_case("c1", "v1")
    assert (case.status, case.outcome, case.resolved_at, case.followups_wanted) == ("new", "", None, 0)


def test_the_timeline_keeps_events_in_order_with_their_data(store: Store) -> None:
    later = NOW + timedelta(minutes=1)
    for n, (kind, at, data) in enumerate((("created", NOW, {"score": 1}),
                                          ("reply_sms", later, {"segments": 3, "state": "sent"}))):
        store.add_case_event(CaseEvent(clinic_id="c1", case_id="v1", event_id=f"{at.isoformat()}-{n}", kind=kind,
                                       at=at, who="patient" if n == 0 else "director@clinic.example",
                                       text="" if n == 0 else "Мария Ивановна, здравствуйте!", data=data))
    store.add_case_event(CaseEvent(clinic_id="c1", case_id="v10", event_id="x", kind="created", at=NOW))
    events = store.case_events("c1", "v1")
    assert [(e.kind, e.at, e.who, e.data) for e in events] == [
        ("created", NOW, "patient", {"score": 1}),
        ("reply_sms", later, "director@clinic.example", {"segments": 3, "state": "sent"})]
    assert events[1].text == "Мария Ивановна, здравствуйте!"
    assert store.case_events("c2", "v1") == []
