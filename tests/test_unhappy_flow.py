"""Every unhappy patient is heard: a low score is a case at once, the director's email goes when the words come
or after the clinic's wait, later words and changes go as one follow-up, and nothing is lost to a crash —
on SQLite and on DynamoDB (moto), with the sweep finding due work by key query only."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from functions.answers.answer import give_feedback, open_invite, rate
from functions.cases.sweep import sweep_cases
from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.transports import Email, TransportError
from functions.transports.outbox import Outbox
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.dispatch_helpers import RecordingSms

WAITED = NOW + timedelta(minutes=10)


def world(store, settings, clinic_doc, **changes):
    services = Services(settings, store=store, sms=RecordingSms())
    clinic = save_clinic(store, {**clinic_doc, **changes}, NOW)
    import_rows(store, clinic, [(2, visit_row(1, patient_name="Петрова Мария Ивановна")), (3, visit_row(2))], 14)
    send_due_invites(services, NOW)
    return services


def opened(services, n: int = 1, at=NOW):
    return open_invite(services, services.store.get_visit("c1", f"v{n}").invite_token, at)


def emails(settings) -> list[dict]:
    return list(reversed(Outbox(settings.outbox_path).messages("email")))  # oldest first


def test_tap_1_and_leave_is_a_case_at_once_and_one_email_after_the_wait(store, settings, clinic_doc) -> None:
    services = world(store, settings, clinic_doc)
    rate(services, opened(services), 1, NOW)
    case = store.get_case("c1", "v1")
    assert (case.score, case.status, case.text, case.kind) == (1, "new", "", "unclear")
    assert emails(settings) == []
    assert sweep_cases(services, NOW + timedelta(minutes=9))["sent"] == 0
    assert sweep_cases(services, WAITED)["sent"] == 1
    assert sweep_cases(services, WAITED + timedelta(minutes=5))["sent"] == 0
    [email] = emails(settings)
    assert email["subject"] == "Клиника Тест: оценка 1 из 5"
    assert "Пациентка недовольна визитом. Позвоните или напишите ей сегодня." in email["text"]
    assert "Письмо ушло через 10 мин после оценки: пациент не дописал ни слова." in email["text"]
    assert ("Мария Ивановна, здравствуйте! Это Клиника Тест. Мы видим вашу оценку визита, и нам важно понять, "
            "что можно было сделать лучше. Мы позвоним вам сегодня.") in email["text"]  # no thanks for words
    assert [e.kind for e in store.case_events("c1", "v1")] == ["created", "alert_sent"]


def test_words_before_the_wait_send_the_alert_at_once_with_them(store, settings, clinic_doc) -> None:
    services = world(store, settings, clinic_doc)
    rate(services, opened(services), 2, NOW)
    give_feedback(services, opened(services, at=NOW + timedelta(minutes=2)), "Долго ждали в коридоре",
                  NOW + timedelta(minutes=2))
    [email] = emails(settings)
    assert "Долго ждали в коридоре" in email["text"] and "Простите, что вам пришлось ждать" in email["text"]
    assert sweep_cases(services, WAITED + timedelta(hours=1))["sent"] == 0
    assert len(emails(settings)) == 1


def test_words_after_the_alert_join_the_same_case_as_one_follow_up(store, settings, clinic_doc) -> None:
    services = world(store, settings, clinic_doc)
    rate(services, opened(services), 1, NOW)
    sweep_cases(services, WAITED)
    later = WAITED + timedelta(minutes=20)
    give_feedback(services, opened(services, at=later), "Врач нагрубил", later)
    assert [c.case_id for c in store.list_cases("c1")] == ["v1"]
    alert, followup = emails(settings)
    assert followup["subject"] == "Клиника Тест: пациент дописал к оценке 1 из 5 — «Врач нагрубил»"
    assert "Врач нагрубил" in followup["text"] and "Нам очень жаль, что с вами так разговаривали" in followup["text"]
    assert "Врач нагрубил" not in alert["text"]
    assert sweep_cases(services, later + timedelta(hours=1)) == {"sent": 0, "retry": 0, "failed": 0, "reminded": 0}
    assert len(emails(settings)) == 2
    case = store.get_case("c1", "v1")
    assert (case.kind, case.followups_sent, case.told_words) == ("rudeness", 1, True)


def test_a_crash_between_the_tap_and_the_alert_still_sends_the_alert_once(store, settings, clinic_doc,
                                                                         monkeypatch) -> None:
    import functions.cases.lifecycle as lifecycle

    services = world(store, settings, clinic_doc, alert_wait_minutes=0)
    real = lifecycle.deliver

    def dies(*args, **kwargs):
        raise SystemExit("the Lambda timed out right after storing the case")

    monkeypatch.setattr(lifecycle, "deliver", dies)
    with contextlib.suppress(SystemExit):
        rate(services, opened(services), 1, NOW)
    monkeypatch.setattr(lifecycle, "deliver", real)
    assert store.get_case("c1", "v1").email_state == "" and emails(settings) == []
    assert sweep_cases(services, NOW + timedelta(minutes=5))["sent"] == 1
    assert sweep_cases(services, NOW + timedelta(minutes=10))["sent"] == 0
    assert len(emails(settings)) == 1


def test_a_crash_while_the_alert_is_claimed_is_taken_over_after_the_claim(store, settings, clinic_doc) -> None:
    services = world(store, settings, clinic_doc, alert_wait_minutes=0)

    class Dies:
        def send(self, email: Email) -> str:
            raise SystemExit("killed before the provider got it")

    services.email = Dies()
    with contextlib.suppress(SystemExit):
        rate(services, opened(services), 1, NOW)
    del services.email  # the next process has the real transport
    assert store.get_case("c1", "v1").email_state == "claimed"
    assert sweep_cases(services, NOW + timedelta(minutes=4))["sent"] == 0  # the dead run's claim still holds
    assert sweep_cases(services, NOW + timedelta(minutes=6))["sent"] == 1
    assert len(emails(settings)) == 1


def test_a_mis_tap_corrected_before_the_alert_tells_nobody(store, settings, clinic_doc) -> None:
    services = world(store, settings, clinic_doc)
    rate(services, opened(services), 1, NOW)
    score, first, changed = rate(services, opened(services), 5, NOW + timedelta(minutes=1))
    assert (score, first, changed) == (5, False, True)
    case = store.get_case("c1", "v1")
    assert (case.status, case.outcome, case.resolved_by) == ("resolved", "changed", "patient")
    assert sweep_cases(services, WAITED + timedelta(hours=25)) == {"sent": 0, "retry": 0, "failed": 0,
                                                                   "reminded": 0}
    assert emails(settings) == []
    stats = store.read_stats("c1", "2026-11-23", "2026-11-23")[("2026-11-23", "all")]
    assert (stats["answered"], stats["score1"], stats["score5"], stats["complaints"]) == (1, 0, 1, 0)
    assert [(r.visit_id, r.status) for r in store.list_rewards("c1")] == [("v1", "pending"), ("v2", "promised")]


def test_a_score_changed_after_the_alert_goes_as_a_follow_up(store, settings, clinic_doc) -> None:
    services = world(store, settings, clinic_doc)
    rate(services, opened(services), 1, NOW)
    sweep_cases(services, WAITED)
    rate(services, opened(services, at=WAITED), 5, WAITED + timedelta(minutes=1))
    _, followup = emails(settings)
    assert followup["subject"] == "Клиника Тест: пациент изменил оценку на 5 из 5, обращение закрыто"
    assert "звонить не нужно" in followup["text"]
    # Back to a low score: the case opens again, and the directors hear of that too.
    rate(services, opened(services, at=WAITED), 2, WAITED + timedelta(minutes=2))
    assert store.get_case("c1", "v1").status == "new"
    assert emails(settings)[-1]["subject"] == "Клиника Тест: оценка изменена: 5 → 2 из 5"
    events = [(e.kind, e.data.get("closed"), e.data.get("reopened")) for e in store.case_events("c1", "v1")]
    assert events == [("created", None, None), ("alert_sent", None, None), ("score_changed", True, False),
                      ("followup_sent", None, None), ("score_changed", False, True), ("followup_sent", None, None)]


def test_an_email_that_fails_is_retried_by_the_sweep_and_stays_visible(store, settings, clinic_doc) -> None:
    services = world(store, settings, clinic_doc)

    class Throttled:
        def send(self, email: Email) -> str:
            raise TransportError("Throttling: maximum sending rate exceeded")

    services.email = Throttled()
    rate(services, opened(services), 1, NOW)
    assert sweep_cases(services, WAITED)["retry"] == 1
    case = store.get_case("c1", "v1")
    assert (case.email_state, case.last_error) == ("retry", "Throttling: maximum sending rate exceeded")
    del services.email
    assert sweep_cases(services, WAITED + timedelta(seconds=30))["sent"] == 0  # not before its retry time
    assert sweep_cases(services, WAITED + timedelta(minutes=2))["sent"] == 1
    assert [e.kind for e in store.case_events("c1", "v1")] == ["created", "alert_failed", "alert_sent"]


def test_the_still_new_reminder_comes_once_and_not_after_contact(store, settings, clinic_doc) -> None:
    services = world(store, settings, clinic_doc)
    rate(services, opened(services, 1), 1, NOW)
    rate(services, opened(services, 2), 2, NOW)
    sweep_cases(services, WAITED)
    from functions.cases.moves import mark_contacted

    mark_contacted(services, store.get_case("c1", "v2"), "director@clinic.example", WAITED)
    assert sweep_cases(services, NOW + timedelta(hours=24))["reminded"] == 1
    assert sweep_cases(services, NOW + timedelta(hours=48))["reminded"] == 0
    reminder = emails(settings)[-1]
    assert "Пациентка Петрова Мария Ивановна" in reminder["text"] and "с ней ещё никто не связался" in reminder["text"]
    # Nothing is left to do: both cases are out of the due index.
    assert store.due_cases("c1", NOW + timedelta(days=30), 10) == []


@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
def test_the_sweep_finds_due_work_with_key_queries_only(store, settings, clinic_doc) -> None:
    services = world(store, settings, clinic_doc)
    rate(services, opened(services, 1), 1, NOW)
    rate(services, opened(services, 2), 2, NOW)
    calls: list[tuple[str, dict]] = []
    store.client.meta.events.register("provide-client-params.dynamodb.*",
                                      lambda params, model, **_: calls.append((model.name, params)))
    assert sweep_cases(services, WAITED)["sent"] == 2
    names = [name for name, _ in calls]
    assert "Scan" not in names
    queries = [params for name, params in calls if name == "Query"]
    # The clinics' directory, then one query of the due index per clinic: never the clinic's whole case list.
    keys = [(q.get("IndexName"), q["ExpressionAttributeValues"].get(":pk", q["ExpressionAttributeValues"].get(":due")))
            for q in queries]
    assert keys == [(None, {"S": "CLINICS"}), ("by_day", {"S": "CASEDUE#c1"})]
