"""One contract, two backends: every case runs on SQLite and on DynamoDB (moto)."""

from __future__ import annotations

from datetime import timedelta

from functions.store import CREATED, UPDATED, ApiKey, Case, Invite, Store, Visit
from tests.conftest import NOW

LATER = NOW + timedelta(minutes=10)


def make_visit(visit_id: str = "v1", **overrides) -> Visit:
    values = dict(clinic_id="c1", visit_id=visit_id, patient_name="Анна Петрова", phone="+79161234567",
                  visit_at=NOW - timedelta(hours=3), local_date="2026-11-23",
                  expires_at=NOW + timedelta(days=15), doctor="Иванов И. И.")
    values.update(overrides)
    return Visit(**values)


def make_invite(token: str = "tok1", visit_id: str = "v1") -> Invite:
    return Invite(token=token, clinic_id="c1", visit_id=visit_id, created_at=NOW,
                  expires_at=NOW + timedelta(days=14))


def test_clinic_round_trip_and_directory(store: Store) -> None:
    doc = {"name": "Клиника", "threshold": 4, "platforms": [{"id": "yandex", "url": "https://yandex.ru/maps"}]}
    store.put_clinic("c2", doc, NOW)
    store.put_clinic("c1", {**doc, "name": "Другая"}, NOW)
    store.put_clinic("c1", doc, LATER)
    assert store.get_clinic("c1") == doc
    assert store.get_clinic("missing") is None
    assert store.list_clinic_ids() == ["c1", "c2"]


def test_api_key_lookup_and_revoke(store: Store) -> None:
    store.put_api_key(ApiKey("k1", "c1", "hash", NOW))
    assert store.get_api_key("k1") == ApiKey("k1", "c1", "hash", NOW)
    assert store.get_api_key("nope") is None
    assert store.revoke_api_key("k1", LATER) is True
    assert store.revoke_api_key("k1", LATER) is False
    assert store.get_api_key("k1").revoked_at == LATER


def test_save_visit_upserts_without_touching_invite_state(store: Store) -> None:
    assert store.save_visit(make_visit()) == CREATED
    token = store.claim_invite("c1", "v1", "tok1", NOW, LATER)
    assert token == "tok1"
    assert store.save_visit(make_visit(doctor="Сидоров")) == UPDATED
    assert store.save_visit(make_visit(doctor="Сидоров")) == UPDATED  # identical again: still "updated"
    visit = store.get_visit("c1", "v1")
    assert visit.doctor == "Сидоров"
    assert (visit.invite_state, visit.invite_token, visit.attempts) == ("claimed", "tok1", 1)
    assert visit.visit_at == NOW - timedelta(hours=3)


def test_visits_on_returns_only_that_clinic_and_day(store: Store) -> None:
    store.save_visit(make_visit("v1"))
    store.save_visit(make_visit("v2"))
    store.save_visit(make_visit("v3", local_date="2026-11-24"))
    store.save_visit(make_visit("v4", clinic_id="c2"))
    assert sorted(v.visit_id for v in store.visits_on("c1", "2026-11-23")) == ["v1", "v2"]
    assert [v.visit_id for v in store.visits_on("c2", "2026-11-23")] == ["v4"]
    assert store.visits_on("c1", "2026-11-25") == []


def test_many_visits_are_read_at_once_by_id(store: Store) -> None:
    store.save_visits([make_visit(f"v{n}", patient_name=f"Пациент {n}") for n in range(120)])
    store.save_visit(make_visit("v0", clinic_id="c2", patient_name="Чужой"))
    found = store.get_visits("c1", [f"v{n}" for n in range(0, 120, 3)] + ["v0", "gone"])
    assert sorted(found) == sorted(f"v{n}" for n in range(0, 120, 3))
    assert found["v0"].patient_name == "Пациент 0" and found["v3"] == store.get_visit("c1", "v3")
    assert store.get_visits("c1", []) == {}


def test_claim_invite_is_exclusive_until_it_expires(store: Store) -> None:
    store.save_visit(make_visit())
    assert store.claim_invite("c1", "v1", "tok1", NOW, LATER) == "tok1"
    # A second, overlapping run cannot take it.
    assert store.claim_invite("c1", "v1", "tok2", NOW + timedelta(minutes=1), LATER) is None
    # A claim left by a crashed run is recovered after its expiry, with the same token.
    assert store.claim_invite("c1", "v1", "tok3", LATER + timedelta(seconds=1), LATER + timedelta(minutes=10)) == "tok1"
    assert store.get_visit("c1", "v1").attempts == 2


def test_batch_save_reports_created_and_updated_and_keeps_invite_state(store: Store) -> None:
    store.save_visit(make_visit("v1"))
    store.claim_invite("c1", "v1", "tok1", NOW, LATER)
    store.finish_invite("c1", "v1", "tok1", "sent", NOW)
    batch = [make_visit(f"v{n}", doctor="Новый") for n in range(1, 61)]
    assert store.save_visits(batch) == ["updated"] + ["created"] * 59
    assert store.save_visits(batch[:2]) == ["updated", "updated"]
    invited = store.get_visit("c1", "v1")
    assert (invited.doctor, invited.invite_state, invited.invite_token) == ("Новый", "sent", "tok1")
    assert len(store.visits_on("c1", "2026-11-23")) == 60
    assert store.save_visits([]) == []


def test_a_large_batch_over_days_tells_new_from_existing_and_keeps_only_real_changes(store: Store) -> None:
    days = ("2026-11-21", "2026-11-22", "2026-11-23")
    first = [make_visit(f"v{n}", local_date=days[n % 3]) for n in range(150)]
    assert store.save_visits(first) == [CREATED] * 150
    mixed = [make_visit(f"v{n}", local_date=days[n % 3], doctor="Сидоров" if n % 2 else "Иванов И. И.")
             for n in range(100, 250)]
    assert store.save_visits(mixed) == [UPDATED] * 50 + [CREATED] * 100
    assert [store.get_visit("c1", f"v{n}").doctor for n in (100, 101, 149, 150, 151)] == [
        "Иванов И. И.", "Сидоров", "Сидоров", "Иванов И. И.", "Сидоров"]
    assert sum(len(store.visits_on("c1", day)) for day in days) == 250


def test_dynamodb_writes_new_visits_100_to_a_request_and_an_unchanged_one_not_at_all(store: Store) -> None:
    from collections import Counter

    from functions.store.dynamodb import DynamoStore

    if not isinstance(store, DynamoStore):
        return
    calls: Counter = Counter()
    store.client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.update([model.name]))
    visits = [make_visit(f"v{n}", local_date=f"2026-11-{20 + n % 7}") for n in range(250)]
    store.save_visits(visits)
    assert calls == {"TransactWriteItems": 3}  # no query per day, no read at all
    calls.clear()
    store.save_visits(visits)
    assert calls == {"TransactWriteItems": 3}  # each cancelled with what is stored: nothing to write
    calls.clear()
    assert store.save_visits([make_visit("v1", local_date="2026-11-21", doctor="Сидоров")]) == [UPDATED]
    assert calls == {"TransactWriteItems": 2} and store.get_visit("c1", "v1").doctor == "Сидоров"


def test_finish_invite_only_by_the_claimer_and_sent_is_final(store: Store) -> None:
    store.save_visit(make_visit())
    store.claim_invite("c1", "v1", "tok1", NOW, LATER)
    assert store.finish_invite("c1", "v1", "other", "sent", NOW) is False
    assert store.finish_invite("c1", "v1", "tok1", "sent", NOW, message_id="m-1") is True
    visit = store.get_visit("c1", "v1")
    assert (visit.invite_state, visit.message_id, visit.sent_at, visit.claim_until) == ("sent", "m-1", NOW, None)
    assert store.claim_invite("c1", "v1", "tok9", LATER + timedelta(days=1), LATER) is None


def test_retry_waits_for_its_time(store: Store) -> None:
    store.save_visit(make_visit())
    store.claim_invite("c1", "v1", "tok1", NOW, LATER)
    store.finish_invite("c1", "v1", "tok1", "retry", NOW, error="throttled", retry_at=LATER)
    visit = store.get_visit("c1", "v1")
    assert (visit.invite_state, visit.last_error) == ("retry", "throttled")
    assert store.claim_invite("c1", "v1", "x", NOW + timedelta(minutes=5), LATER) is None
    assert store.claim_invite("c1", "v1", "x", LATER + timedelta(seconds=1), LATER + timedelta(minutes=5)) == "tok1"


def test_failed_invite_is_never_claimed_again(store: Store) -> None:
    store.save_visit(make_visit())
    store.claim_invite("c1", "v1", "tok1", NOW, LATER)
    store.finish_invite("c1", "v1", "tok1", "failed", NOW, error="invalid number")
    assert store.claim_invite("c1", "v1", "x", NOW + timedelta(days=1), LATER + timedelta(days=1)) is None
    assert store.get_visit("c1", "v1").last_error == "invalid number"


def test_invite_is_created_once_and_answered_once(store: Store) -> None:
    assert store.put_invite(make_invite()) is True
    assert store.put_invite(make_invite()) is False
    assert store.get_invite("missing") is None
    store.mark_opened("tok1", NOW)
    store.mark_opened("tok1", LATER)
    assert store.record_rating("tok1", 5, NOW) is True
    assert store.record_rating("tok1", 1, LATER) is False
    assert store.record_feedback("tok1", "Долго ждали", NOW) is True
    assert store.record_feedback("tok1", "ещё раз", LATER) is False
    assert store.record_rating("missing", 5, NOW) is False
    invite = store.get_invite("tok1")
    assert (invite.opened_at, invite.score, invite.rated_at, invite.feedback) == (NOW, 5, NOW, "Долго ждали")


def test_a_click_counts_once_per_invite_and_platform(store: Store) -> None:
    store.put_invite(make_invite())
    firsts = [store.record_click("tok1", platform, NOW) for platform in ("yandex", "2gis", "yandex", "2gis")]
    assert firsts == [True, True, False, False]
    assert store.record_click("missing", "yandex", NOW) is False
    assert store.get_invite("tok1").clicks == {"yandex": 1, "2gis": 1}
    assert store.get_invite("missing") is None


def test_a_score_changes_only_from_the_one_read_and_never_after_words(store: Store) -> None:
    store.put_invite(make_invite())
    store.record_rating("tok1", 1, NOW)
    assert store.change_rating("tok1", 2, 5, LATER) is False  # someone else's change came first
    assert store.change_rating("tok1", 1, 5, LATER) is True
    assert (store.get_invite("tok1").score, store.get_invite("tok1").rated_at) == (5, NOW)
    store.record_feedback("tok1", "Всё хорошо", LATER)
    assert store.change_rating("tok1", 5, 1, LATER) is False
    assert store.change_rating("missing", 1, 5, LATER) is False


def test_optout_is_per_clinic_and_marks_the_invite(store: Store) -> None:
    store.put_invite(make_invite())
    store.record_optout("tok1", "c1", "+79161234567", NOW)
    store.record_optout("tok1", "c1", "+79161234567", LATER)
    assert store.get_invite("tok1").opted_out_at == NOW
    many = [f"+7916000{i:04d}" for i in range(150)] + ["+79161234567"]
    assert store.opted_out("c1", many) == {"+79161234567"}
    assert store.opted_out("c2", many) == set()
    assert store.opted_out("c1", []) == set()


def test_case_is_created_once_and_its_email_claimed_once(store: Store) -> None:
    case = Case(clinic_id="c1", case_id="v1", visit_id="v1", score=2, text="Грубый администратор", created_at=NOW)
    assert store.create_case(case) is True
    assert store.create_case(case) is False
    claimed = store.claim_case_email("c1", "v1", NOW, LATER)
    assert (claimed.case_id, claimed.email_state, claimed.text) == ("v1", "claimed", case.text)
    assert store.claim_case_email("c1", "v1", NOW, LATER) is None
    store.finish_case_email("c1", "v1", "retry", NOW, error="SES throttled", retry_at=LATER)
    assert store.claim_case_email("c1", "v1", NOW, LATER) is None
    assert store.claim_case_email("c1", "v1", LATER + timedelta(seconds=1), LATER + timedelta(minutes=5))
    store.finish_case_email("c1", "v1", "sent", LATER)
    saved = store.get_case("c1", "v1")
    assert (saved.email_state, saved.attempts, saved.emailed_at, saved.text) == ("sent", 2, LATER, case.text)
    assert store.claim_case_email("c1", "v1", LATER + timedelta(days=1), LATER + timedelta(days=2)) is None
    assert [c.case_id for c in store.list_cases("c1")] == ["v1"]
    assert store.list_cases("c2") == []
    assert store.get_case("c2", "v1") is None


def test_expired_phone_numbers_leave_the_store(store: Store) -> None:
    store.save_visit(make_visit(expires_at=NOW - timedelta(seconds=1)))
    store.save_visit(make_visit("v2"))
    store.put_invite(make_invite())
    if hasattr(store, "client"):
        # DynamoDB deletes by itself: TTL is on, and both items carry the expiry as epoch seconds.
        ttl = store.client.describe_time_to_live(TableName=store.table)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "ttl")
        visit = store.client.get_item(TableName=store.table, Key={"pk": {"S": "CLINIC#c1"}, "sk": {"S": "VISIT#v1"}})
        invite = store.client.get_item(TableName=store.table, Key={"pk": {"S": "INVITE#tok1"}, "sk": {"S": "INVITE"}})
        assert int(visit["Item"]["ttl"]["N"]) == int((NOW - timedelta(seconds=1)).timestamp())
        assert int(invite["Item"]["ttl"]["N"]) == int((NOW + timedelta(days=14)).timestamp())
    else:
        assert store.purge_expired(NOW) == 1
        assert store.get_visit("c1", "v1") is None
    assert store.get_visit("c1", "v2") is not None


def test_contact_preferences_are_one_row_per_patient_per_clinic(store: Store) -> None:
    from functions.store import Contact

    first = Contact("c1", "+79161234567", NOW, NOW + timedelta(days=16), "whatsapp", 18, 21, "weekdays")
    store.save_contacts([first])
    latest = Contact("c1", "+79161234567", LATER, NOW + timedelta(days=20), "call", 9, 12, "")
    store.save_contacts([latest, Contact("c2", "+79161234567", NOW, NOW + timedelta(days=16), "sms")])
    many = [f"+7916000{i:04d}" for i in range(150)] + ["+79161234567"]
    assert store.contacts("c1", many) == {"+79161234567": latest}
    assert store.contacts("c2", ["+79161234567"])["+79161234567"].hours_from is None
    assert store.contacts("c1", []) == {}


def test_a_stop_for_every_clinic_counts_everywhere(store: Store) -> None:
    from functions.store.base import EVERY_CLINIC

    store.add_optout(EVERY_CLINIC, "+79161234567", NOW)
    store.add_optout("c2", "+79160000001", NOW)
    assert store.opted_out("c1", ["+79161234567", "+79160000001"]) == {"+79161234567"}
    assert store.opted_out("c2", ["+79161234567", "+79160000001"]) == {"+79161234567", "+79160000001"}


def test_claim_takes_the_phone_so_a_second_visit_of_the_same_patient_is_refused(store: Store) -> None:
    import pytest

    from functions.store.base import PhoneRecentlyInvited

    store.save_visits([make_visit("v1"), make_visit("v2"), make_visit("v3", phone="+79160000009")])
    since = NOW - timedelta(days=30)
    assert store.claim_invite("c1", "v1", "tok1", NOW, LATER, phone="+79161234567", repeat_since=since) == "tok1"
    with pytest.raises(PhoneRecentlyInvited):
        store.claim_invite("c1", "v2", "tok2", NOW, LATER, phone="+79161234567", repeat_since=since)
    assert store.get_visit("c1", "v2").invite_state == ""  # refused as a whole: the visit was not taken
    # The same visit may take its own phone again (a retry after a crash), with the same token.
    assert store.claim_invite("c1", "v1", "tok1", LATER + timedelta(seconds=1), LATER + timedelta(minutes=5),
                              phone="+79161234567", repeat_since=since) == "tok1"
    # Another phone is free; and 31 days later the first phone is free again.
    assert store.claim_invite("c1", "v3", "tok3", NOW, LATER, phone="+79160000009", repeat_since=since) == "tok3"
    later = NOW + timedelta(days=31)
    assert store.claim_invite("c1", "v2", "tok2", later, later + timedelta(minutes=5), phone="+79161234567",
                              repeat_since=later - timedelta(days=30)) == "tok2"


def test_daily_cap_reservations_never_exceed_the_cap(store: Store) -> None:
    assert store.reserve_sends("c1", "2026-11-23", 7, 10) == 7
    assert store.reserve_sends("c1", "2026-11-23", 7, 10) == 3
    assert store.reserve_sends("c1", "2026-11-23", 1, 10) == 0
    store.release_sends("c1", "2026-11-23", 2)
    assert store.reserve_sends("c1", "2026-11-23", 5, 10) == 2
    assert store.reserve_sends("c1", "2026-11-24", 5, 10) == 5
    assert store.reserve_sends("c2", "2026-11-23", 5, 10) == 5


def test_a_case_moves_new_contacted_resolved_once(store: Store) -> None:
    case = Case(clinic_id="c1", case_id="v1", visit_id="v1", score=2, text="Плохо", created_at=NOW)
    store.create_case(case)
    assert store.move_case("c1", "v1", ("new",), "contacted", "director@clinic.example", LATER) is True
    assert store.move_case("c1", "v1", ("new",), "contacted", "other@clinic.example", LATER) is False
    assert store.move_case("c1", "v1", ("new", "contacted"), "resolved", "director@clinic.example", LATER,
                           "returned") is True
    assert store.move_case("c1", "v1", ("new", "contacted"), "resolved", "x", LATER, "not_returned") is False
    saved = store.get_case("c1", "v1")
    assert (saved.status, saved.contacted_by, saved.resolved_at, saved.outcome) == (
        "resolved", "director@clinic.example", LATER, "returned")
    assert store.set_case_kind("c1", "v1", "specific") and store.get_case("c1", "v1").kind == "specific"
    assert store.move_case("c1", "ghost", ("new",), "contacted", "x", LATER) is False


def test_the_still_new_reminder_is_claimed_once(store: Store) -> None:
    store.create_case(Case(clinic_id="c1", case_id="v1", visit_id="v1", score=2, text="", created_at=NOW))
    assert store.mark_case_reminded("c1", "v1", LATER) is True
    assert store.mark_case_reminded("c1", "v1", LATER) is False
    assert store.get_case("c1", "v1").reminded_at == LATER
