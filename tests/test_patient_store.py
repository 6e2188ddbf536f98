"""The patient register's contract, on SQLite and DynamoDB (moto): patients merged whatever the order, the
inactive range, recommendations, call outcomes, campaign letters and care messages claimed once."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from functions.store import Store
from functions.store.base import PhoneRecentlyInvited
from functions.store.patient_records import CallOutcome, Campaign, CampaignSend, Handoff, Patient
from tests.conftest import NOW

LATER = NOW + timedelta(minutes=10)
YEARS = timedelta(days=3 * 365)


def patient(phone: str = "+79161234567", days_ago: int = 0, **overrides) -> Patient:
    at = NOW - timedelta(days=days_ago)
    values = dict(clinic_id="c1", phone=phone, name="Петрова Анна Ивановна", last_visit_at=at,
                  last_visit_id=f"v{days_ago}", first_visit_at=at, updated_at=NOW, expires_at=at + YEARS,
                  doctor="Иванов И. И.", service="Лечение кариеса", sms_consent=True,
                  visits={f"v{days_ago}": at.date().isoformat()})
    values.update(overrides)
    return Patient(**values)


def test_the_later_visit_wins_whatever_order_the_files_come_in(store: Store) -> None:
    store.note_patients([patient(days_ago=10, note="План лечения: 2 пломбы", ad_consent=True, email="a@b.ru")])
    store.note_patients([patient(days_ago=400, doctor="Старый", note="старое")])
    store.note_patients([patient(days_ago=3, doctor="Сидоров С. С.", service="Гигиена")])
    found = store.get_patient("c1", "+79161234567")
    assert (found.last_visit_id, found.doctor, found.service) == ("v3", "Сидоров С. С.", "Гигиена")
    # What only an earlier visit said is kept: its note, the consent, the address.
    assert (found.note, found.ad_consent, found.email) == ("План лечения: 2 пломбы", True, "a@b.ru")
    assert found.first_visit_at == NOW - timedelta(days=400)
    assert sorted(found.visits) == ["v10", "v3", "v400"]
    assert store.get_patient("c1", "+70000000000") is None
    assert store.get_patient("c2", "+79161234567") is None


def test_a_later_no_to_advertising_withdraws_the_consent(store: Store) -> None:
    store.note_patients([patient(days_ago=30, ad_consent=True)])
    store.note_patients([patient(days_ago=2, ad_consent=False)])
    assert store.get_patient("c1", "+79161234567").ad_consent is False


def test_two_imports_of_one_patient_at_once_lose_no_visit(store: Store) -> None:
    batches = [[patient(days_ago=d)] for d in range(1, 13)]
    threads = [threading.Thread(target=store.note_patients, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    found = store.get_patient("c1", "+79161234567")
    assert len(found.visits) == 12 and found.last_visit_id == "v1"


def test_inactive_patients_are_a_key_range_most_recent_first(store: Store) -> None:
    store.note_patients([patient(f"+7916000000{n}", days_ago=d) for n, d in enumerate((10, 200, 365, 366, 500))])
    cutoff = NOW - timedelta(days=365)
    found = store.inactive_patients("c1", cutoff)
    assert [p.last_visit_id for p in found] == ["v366", "v500"]  # exactly 365 days ago is not before the cutoff
    assert store.inactive_patients("c2", cutoff) == []
    assert set(store.patients("c1", ["+79160000000", "+79160000004", "+70000000000"])) == {
        "+79160000000", "+79160000004"}


def handoff(handoff_id: str = "v1", **overrides) -> Handoff:
    values = dict(clinic_id="c1", handoff_id=handoff_id, phone="+79161234567", name="Петрова Анна",
                  wanted="Ортодонт", doctor="Иванов И. И.", branch="", local_date="2026-11-09",
                  visit_at=NOW - timedelta(days=14), due_at=NOW, expires_at=NOW + YEARS)
    values.update(overrides)
    return Handoff(**values)


def test_a_recommendation_is_written_once_booked_once_and_settled_by_a_call(store: Store) -> None:
    assert store.put_handoffs([handoff("v1"), handoff("v2", due_at=LATER)]) == [True, True]
    assert store.put_handoffs([handoff("v1", wanted="другое")]) == [False]
    assert [h.handoff_id for h in store.open_handoffs("c1")] == ["v1", "v2"]
    assert store.book_handoff("c1", "v1", "v9", LATER) is True
    assert store.book_handoff("c1", "v1", "v10", LATER) is False
    booked = store.get_handoff("c1", "v1")
    assert (booked.state, booked.booked_visit_id, booked.wanted) == ("booked", "v9", "Ортодонт")
    assert store.settle_handoff("c1", "v2", "call_back", "curator@clinic.ru", LATER, close=False) is True
    assert [h.outcome for h in store.open_handoffs("c1")] == ["call_back"]
    assert store.settle_handoff("c1", "v2", "declined", "curator@clinic.ru", LATER, close=True) is True
    assert store.open_handoffs("c1") == [] and store.get_handoff("c1", "v2").state == "closed"
    assert store.settle_handoff("c1", "v2", "booked", "x", LATER, close=False) is False


def test_a_call_outcome_is_the_last_one(store: Store) -> None:
    phone = "+79161234567"
    store.put_call_outcome(CallOutcome("c1", phone, "call_back", NOW, "anna@clinic.ru", NOW + YEARS))
    store.put_call_outcome(CallOutcome("c1", phone, "booked", LATER, "anna@clinic.ru", NOW + YEARS))
    assert store.call_outcomes("c1", [phone, "+70000000000"])[phone].outcome == "booked"
    assert store.call_outcomes("c2", [phone]) == {}


def test_a_campaign_is_created_once_and_each_letter_claimed_once(store: Store) -> None:
    campaign = Campaign("c1", "осень-2026", "Осень 2026", "email", 12, NOW - YEARS, NOW, "owner@clinic.ru",
                        {"offer": "Осмотр бесплатно"})
    assert store.put_campaign(campaign) is True
    assert store.put_campaign(replace(campaign, months=6)) is False
    assert store.get_campaign("c1", "осень-2026").letter == {"offer": "Осмотр бесплатно"}
    assert [c.name for c in store.list_campaigns("c1")] == ["Осень 2026"]
    send = CampaignSend("c1", "осень-2026", "+79161234567", NOW + YEARS, unsub_id="u1")
    claimed = store.claim_campaign_send(send, NOW, LATER)
    assert (claimed.state, claimed.attempts, claimed.unsub_id) == ("claimed", 1, "u1")
    assert store.claim_campaign_send(replace(send, unsub_id="u2"), NOW, LATER) is None
    # A crashed run's claim is taken over once it expires, with the first claim's unsubscribe key.
    again = store.claim_campaign_send(replace(send, unsub_id="u3"), LATER + timedelta(seconds=1),
                                      LATER + timedelta(minutes=5))
    assert (again.attempts, again.unsub_id) == (2, "u1")
    assert store.finish_campaign_send("c1", "осень-2026", send.phone, "sent", LATER, message_id="m1") is True
    assert store.finish_campaign_send("c1", "осень-2026", send.phone, "sent", LATER) is False
    assert store.claim_campaign_send(send, NOW + timedelta(days=9), NOW + timedelta(days=10)) is None
    [kept] = store.campaign_sends("c1", "осень-2026")
    assert (kept.state, kept.sent_at, kept.message_id) == ("sent", LATER, "m1")
    store.set_campaign_state("c1", "осень-2026", "done")
    assert store.get_campaign("c1", "осень-2026").state == "done"


def test_an_unsubscribe_key_names_the_letter_it_came_with(store: Store) -> None:
    store.put_unsubscribe("u1", "c1", "+79161234567", "осень-2026", NOW + YEARS)
    assert store.find_unsubscribe("u1") == ("c1", "+79161234567", "осень-2026")
    assert store.find_unsubscribe("nope") is None


def test_a_care_message_is_claimed_once_and_keeps_its_token(store: Store) -> None:
    keep = NOW + timedelta(days=30)
    assert store.claim_care("c1", "v1", "tokA", NOW, LATER, phone="+79161234567", expires_at=keep) == "tokA"
    assert store.claim_care("c1", "v1", "tokB", NOW, LATER, phone="+79161234567", expires_at=keep) is None
    assert store.claim_care("c1", "v1", "tokA", LATER + timedelta(seconds=1), LATER + timedelta(minutes=5),
                            phone="+79161234567", expires_at=keep) == "tokA"
    assert store.finish_care("c1", "v1", "other", "sent", LATER) is False
    assert store.finish_care("c1", "v1", "tokA", "sent", LATER, message_id="m1") is True
    found = store.care_messages("c1", ["v1", "v2"])
    assert set(found) == {"v1"} and (found["v1"].state, found["v1"].attempts) == ("sent", 2)


def test_the_care_repeat_rule_takes_the_phone_with_the_claim(store: Store) -> None:
    keep = NOW + timedelta(days=30)
    since = NOW - timedelta(days=30)
    assert store.claim_care("c1", "v1", "tokA", NOW, LATER, phone="+79161234567", expires_at=keep,
                            repeat_since=since) == "tokA"
    with pytest.raises(PhoneRecentlyInvited):
        store.claim_care("c1", "v2", "tokB", LATER, LATER, phone="+79161234567", expires_at=keep, repeat_since=since)
    assert store.claim_care("c1", "v3", "tokC", LATER, LATER, phone="+79160000000", expires_at=keep,
                            repeat_since=since) == "tokC"
    later = NOW + timedelta(days=31)
    assert store.claim_care("c1", "v2", "tokB", later, later + timedelta(minutes=5), phone="+79161234567",
                            expires_at=keep, repeat_since=later - timedelta(days=30)) == "tokB"
