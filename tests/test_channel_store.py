"""The channels' store contract, on SQLite and on DynamoDB (moto): the invite's channel and its one SMS
fallback, the Telegram notice's claim on a case, members' chats and one-time link codes, the patient's last
message and the phone's case."""

from __future__ import annotations

from datetime import timedelta

from functions.store import Case, Store, Visit
from functions.store.records import TelegramLink
from tests.conftest import NOW

CLAIM = timedelta(minutes=5)


def sent_by_whatsapp(store: Store) -> None:
    store.save_visit(Visit("c1", "v1", "Анна", "+79161234501", NOW, "2026-11-23", NOW + timedelta(days=16)))
    assert store.claim_invite("c1", "v1", "tok", NOW, NOW + CLAIM) == "tok"
    assert store.note_invite_channel("c1", "v1", "other-token", "whatsapp", "") is False
    assert store.note_invite_channel("c1", "v1", "tok", "whatsapp", "") is True
    store.finish_invite("c1", "v1", "tok", "sent", NOW, message_id="wamid.1")


def test_an_invite_whatsapp_gave_up_on_is_due_again_by_sms_once(store: Store) -> None:
    sent_by_whatsapp(store)
    visit = store.get_visit("c1", "v1")
    assert (visit.channel, visit.invite_state, store.find_message("wamid.1")) == ("whatsapp", "sent", ("c1", "v1"))
    assert store.reroute_invite("c1", "v1", "wamid.other", "whatsapp_failed", NOW) is False
    assert store.reroute_invite("c1", "v1", "wamid.1", "whatsapp_failed", NOW) is True
    assert store.reroute_invite("c1", "v1", "wamid.1", "whatsapp_failed", NOW) is False  # a repeated status
    visit = store.get_visit("c1", "v1")
    assert (visit.invite_state, visit.channel, visit.channel_note) == ("retry", "sms", "whatsapp_failed")
    # The same claim path sends it, with the same token.
    assert store.claim_invite("c1", "v1", "new", NOW + timedelta(seconds=1), NOW + CLAIM) == "tok"


def test_a_telegram_notice_is_claimed_once_retried_for_the_chats_left_and_settled(store: Store) -> None:
    case = Case("c1", "v1", "v1", 2, "", NOW, alert_at=NOW, due_at=NOW + timedelta(hours=1))
    assert store.create_case(case)
    assert store.claim_case_notice("c1", "v1", NOW, NOW + CLAIM) is None  # nothing wanted yet
    assert store.want_case_notice("c1", "v1", "complaint", NOW) is True
    assert store.want_case_notice("c1", "v1", "words", NOW) is True
    wanted = store.get_case("c1", "v1")
    assert (wanted.tg_wanted, wanted.tg_reason, wanted.due_at) == (2, "words", NOW)
    before = store.claim_case_notice("c1", "v1", NOW, NOW + CLAIM)
    assert before is not None and before.tg_state == "" and before.tg_wanted == 2
    assert store.claim_case_notice("c1", "v1", NOW, NOW + CLAIM) is None  # held
    store.finish_case_notice("c1", "v1", "retry", NOW, told=2, chats="11", error="Telegram 429",
                             retry_at=NOW + timedelta(minutes=1))
    assert store.claim_case_notice("c1", "v1", NOW, NOW + CLAIM) is None  # not before its retry time
    retry = store.claim_case_notice("c1", "v1", NOW + timedelta(minutes=2), NOW + CLAIM * 2)
    assert retry is not None and (retry.tg_state, retry.tg_chats) == ("retry", "11")
    store.finish_case_notice("c1", "v1", "sent", NOW, told=2)
    done = store.get_case("c1", "v1")
    assert (done.tg_state, done.tg_told, done.tg_chats) == ("sent", 2, "")
    # A claim a dead run left behind shows as "claimed" to the run that takes it over.
    store.want_case_notice("c1", "v1", "whatsapp", NOW)
    store.claim_case_notice("c1", "v1", NOW, NOW + CLAIM)
    assert store.claim_case_notice("c1", "v1", NOW + CLAIM * 2, NOW + CLAIM * 3).tg_state == "claimed"
    # The sweep may not unschedule a case whose notices moved since it read it.
    assert store.schedule_case(done, None) is False


def test_members_chats_link_by_a_code_used_once_and_unlink(store: Store) -> None:
    store.put_link_code("hash1", "c1", "boss@clinic.ru", NOW + timedelta(minutes=15))
    store.put_link_code("hash2", "c1", "late@clinic.ru", NOW - timedelta(seconds=1))
    assert store.take_link_code("hash1", NOW) == ("c1", "boss@clinic.ru")
    assert store.take_link_code("hash1", NOW) is None
    assert store.take_link_code("hash2", NOW) is None  # expired
    store.link_telegram(TelegramLink("c1", "boss@clinic.ru", "111", "boss", NOW))
    store.link_telegram(TelegramLink("c2", "boss@clinic.ru", "111", "boss", NOW))
    store.link_telegram(TelegramLink("c1", "boss@clinic.ru", "222", "boss2", NOW))  # a new phone replaces the old
    assert [(x.email, x.chat_id) for x in store.telegram_links("c1")] == [("boss@clinic.ru", "222")]
    assert [x.clinic_id for x in store.chat_links("111")] == ["c2"]
    assert [x.clinic_id for x in store.chat_links("222")] == ["c1"]
    assert store.unlink_telegram("c1", "boss@clinic.ru") is True
    assert store.unlink_telegram("c1", "boss@clinic.ru") is False
    assert store.telegram_links("c1") == [] and store.chat_links("222") == []


def test_the_patient_window_the_phones_case_and_button_refs(store: Store) -> None:
    assert store.last_patient_message("c1", "+79161234501", "whatsapp") is None
    store.note_patient_message("c1", "+79161234501", "whatsapp", NOW)
    store.note_patient_message("c1", "+79161234501", "whatsapp", NOW - timedelta(hours=1))  # a late older one
    assert store.last_patient_message("c1", "+79161234501", "whatsapp") == NOW
    assert store.last_patient_message("c2", "+79161234501", "whatsapp") is None
    store.link_case_phone("c1", "+79161234501", "v1", NOW + timedelta(days=16))
    store.link_case_phone("c1", "+79161234501", "v7", NOW + timedelta(days=16))
    assert store.case_of_phone("c1", "+79161234501") == "v7"
    assert store.case_of_phone("c2", "+79161234501") is None
    store.put_case_ref("r1", "c1", "v7")
    assert store.case_ref("r1") == ("c1", "v7") and store.case_ref("r2") is None
