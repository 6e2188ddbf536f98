"""Complaint kinds and suggested replies: guessed by per-locale keyword rules the clinic can edit."""

from __future__ import annotations

import pytest

from functions.cases.alerts import complaint_email
from functions.cases.kinds import guess_kind
from functions.cases.replies import suggested_reply
from functions.clinics.clinic import ClinicError, parse_clinic
from functions.store import Case
from functions.visits.intake import build_visit
from tests.conftest import NOW, visit_row


@pytest.mark.parametrize("text,kind", [
    ("Администратор нагрубил на ресепшене", "rudeness"),
    ("Ждали приёма 40 минут, никто не извинился", "waiting"),
    ("Ждали 40 минут, а потом администратор ещё и нагрубил", "rudeness"),  # the more serious topic wins
    ("Слишком дорого, цены выросли вдвое", "price"),
    ("Навязывали лишние анализы", "price"),
    ("Было очень больно, анестезия не подействовала", "pain"),
    ("Боюсь теперь идти к стоматологу", "pain"),
    ("Пломба выпала через день, стало только хуже", "result"),
    ("Врач не помог", "result"),
    ("В туалете грязно и неприятный запах", "cleanliness"),
    ("Хамовники — далеко ехать", "unclear"),  # a stem matches at a word's start only, "хам$" the whole word
    ("Врач — хам", "rudeness"),
    ("Мне не понравилось", "unclear"),
    ("", "unclear"),
])
def test_russian_topics(clinic_doc, text, kind) -> None:
    assert guess_kind(parse_clinic(clinic_doc), text) == kind


@pytest.mark.parametrize("text,kind", [
    ("The receptionist was rude", "rudeness"),
    ("We waited an hour in the queue", "waiting"),
    ("Far too expensive for what it was", "price"),
    ("The injection really hurt and I was scared", "pain"),
    ("The filling fell out, it is worse now", "result"),
    ("The toilet was dirty", "cleanliness"),
    ("Not great", "unclear"),
])
def test_english_topics(clinic_doc, text, kind) -> None:
    assert guess_kind(parse_clinic({**clinic_doc, "locale": "en"}), text) == kind


def test_the_clinic_edits_a_topics_stems_and_its_draft(clinic_doc) -> None:
    clinic = parse_clinic({**clinic_doc, "director_name": "Мария Ивановна",
                           "reply_rules": {"result": ["стоматолог"], "price": []},
                           "replies": {"result": "{{ greeting }} Это {{ director }}: перезвоню по поводу лечения."}})
    assert guess_kind(clinic, "Стоматолог сделал не то") == "result"
    assert guess_kind(clinic, "Дорого") == "unclear"  # the clinic emptied the price topic
    assert guess_kind(clinic, "Долго ждали") == "waiting"  # topics it did not touch keep their stems
    expected = "Анна Сергеевна, здравствуйте! Это Мария Ивановна: перезвоню по поводу лечения."
    assert suggested_reply(clinic, "result", "Петрова Анна Сергеевна") == expected
    assert suggested_reply(clinic, "waiting", "Петрова Анна Сергеевна").startswith(
        "Анна Сергеевна, здравствуйте! Это Мария Ивановна, Клиника Тест.")


@pytest.mark.parametrize("change", [{"reply_rules": {"angry": ["x"]}}, {"reply_rules": {"waiting": "x"}},
                                    {"reply_rules": {"waiting": ["x" * 41]}}, {"replies": {"waiting": "{% broken"}},
                                    {"replies": {"weird": "text"}}, {"offers": {"price": "{{ x }}"}},
                                    {"offers": {"price": "x" * 201}}, {"alert_wait_minutes": 61},
                                    {"alert_wait_minutes": -1}, {"phone": "звоните"}, {"reward": {"amount_minor": 100,
                                                                                                  "pay_days": 0}}])
def test_bad_rules_drafts_and_offers_are_refused(clinic_doc, change) -> None:
    with pytest.raises(ClinicError):
        parse_clinic({**clinic_doc, **change})


def test_a_document_from_before_the_topics_still_loads(clinic_doc) -> None:
    clinic = parse_clinic({**clinic_doc, "reply_rules": {"simple": ["кофе"]}, "replies": {"specific": "Текст"}})
    assert (clinic.reply_rules, clinic.replies) == ({}, {})


def test_the_email_names_the_topic_and_suggests_the_reply(clinic_doc) -> None:
    clinic = parse_clinic(clinic_doc)
    visit = build_visit(clinic, visit_row(1, patient_name="Сидорова Ольга Петровна"), 14)
    case = Case(clinic_id="c1", case_id="v1", visit_id="v1", score=2, text="Слишком дорого",
                created_at=NOW, kind=guess_kind(clinic, "Слишком дорого"))
    email = complaint_email(clinic, case, visit)
    assert "О чём жалоба: Цена" in email.text
    assert "Пациентка недовольна визитом. Позвоните или напишите ей сегодня." in email.text
    assert "Ольга Петровна, здравствуйте! Это Клиника Тест. Спасибо, что написали нам. Понимаем" in email.text
    assert "из чего она сложилась" in email.html


def test_the_case_cli_moves_a_case_and_the_sweep_reminds_once(settings, services, clinic, outbox, monkeypatch) -> None:
    import json
    from datetime import timedelta

    from click.testing import CliRunner

    from functions.answers.answer import give_feedback, open_invite, rate
    from functions.cases.sweep import sweep_cases
    from functions.cli import main
    from functions.invites.dispatch import send_due_invites
    from functions.visits.intake import import_rows

    import_rows(services.store, clinic, [(2, visit_row(1)), (3, visit_row(2))], 14)
    send_due_invites(services, NOW)
    for n, text in ((1, "Нагрубили на ресепшене"), (2, "Врач не помог")):
        opened = open_invite(services, services.store.get_visit("c1", f"v{n}").invite_token, NOW)
        rate(services, opened, 2, NOW)
        give_feedback(services, open_invite(services, opened.invite.token, NOW), text, NOW)
    # 24 hours on, nobody has called: one reminder per case, never two.
    assert sweep_cases(services, NOW + timedelta(hours=23))["reminded"] == 0
    assert sweep_cases(services, NOW + timedelta(hours=24))["reminded"] == 2
    assert sweep_cases(services, NOW + timedelta(hours=30))["reminded"] == 0
    reminders = [e for e in outbox.messages("email") if "всё ещё ждёт ответа" in e["subject"]]
    assert len(reminders) == 2 and "Предлагаемый первый ответ" in reminders[0]["text"]

    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    run = CliRunner().invoke
    listed = json.loads(run(main, ["cases", "list", "--clinic", "c1"]).stdout)
    assert [(c["case"], c["status"], c["kind"]) for c in listed] == [("v1", "new", "rudeness"), ("v2", "new", "result")]
    assert run(main, ["cases", "kind", "--clinic", "c1", "v2", "price"]).exit_code == 0
    shown = json.loads(run(main, ["cases", "show", "--clinic", "c1", "v2"]).stdout)
    assert shown["kind"] == "price" and "из чего она сложилась" in shown["suggested_reply"]
    assert {"created", "words", "alert_sent", "reminder_sent", "kind_changed"} == {e["kind"] for e in shown["timeline"]}
    assert run(main, ["cases", "contacted", "--clinic", "c1", "--by", "director@clinic.example", "v1"]).exit_code == 0
    again = run(main, ["cases", "contacted", "--clinic", "c1", "--by", "x", "v1"])
    assert again.exit_code == 1 and "not new" in again.output
    done = run(main, ["cases", "resolve", "--clinic", "c1", "--by", "director@clinic.example", "--returned", "v1"])
    assert done.exit_code == 0
    case = services.store.get_case("c1", "v1")
    assert (case.status, case.outcome, case.contacted_by) == ("resolved", "returned", "director@clinic.example")
    listed = json.loads(run(main, ["cases", "list", "--clinic", "c1"]).stdout)
    assert [c["case"] for c in listed] == ["v2", "v1"]  # new first
    assert run(main, ["cases", "show", "--clinic", "c1", "ghost"]).exit_code == 1
    # The reply shows the SMS and its segments and asks first; no answer, no SMS.
    asked = run(main, ["cases", "reply", "--clinic", "c1", "v2"], input="n\n")
    assert asked.exit_code == 1 and "SMS segment(s)" in asked.output and "Здравствуйте!" in asked.output
    sent = run(main, ["cases", "reply", "--clinic", "c1", "--by", "director@clinic.example", "v2"], input="y\n")
    assert sent.exit_code == 0 and "marked contacted" in sent.output
    assert services.store.get_case("c1", "v2").status == "contacted"
    assert run(main, ["cases", "reply", "--clinic", "c1", "--yes", "v2"]).exit_code == 1  # once per case


def test_the_director_texts_the_patient_from_the_case_once(store, settings, clinic_doc) -> None:
    from functions.answers.answer import give_feedback, open_invite, rate
    from functions.cases.replies import reply_by_sms
    from functions.clinics.clinic import save_clinic
    from functions.invites.dispatch import send_due_invites
    from functions.services import Services
    from functions.visits.intake import import_rows
    from tests.dispatch_helpers import RecordingSms

    sms = RecordingSms()
    services = Services(settings, store=store, sms=sms)
    clinic = save_clinic(store, {**clinic_doc, "director_name": "Мария Ивановна"}, NOW)
    import_rows(store, clinic, [(2, visit_row(1)), (3, visit_row(2))], 14)
    send_due_invites(services, NOW)
    for n in (1, 2):
        opened = open_invite(services, store.get_visit("c1", f"v{n}").invite_token, NOW)
        rate(services, opened, 2, NOW)
        give_feedback(services, open_invite(services, opened.invite.token, NOW), "Ждали час", NOW)
    case, visit = store.get_case("c1", "v1"), store.get_visit("c1", "v1")
    assert reply_by_sms(services, clinic, case, visit, None, NOW, "director@clinic.example") == "sent"
    reply = sms.sent[-1]
    assert reply.to == "+79161234501" and reply.text.startswith("Здравствуйте! Это Мария Ивановна, Клиника Тест.")
    assert "ответ" not in reply.text.lower() and "Я позвоню вам сегодня." in reply.text  # no SMS reply asked for
    saved = store.get_case("c1", "v1")
    assert (saved.reply_state, saved.reply_text) == ("sent", reply.text)
    # Sending is contact: the case leaves "new", so the still-new reminder never comes.
    assert (saved.status, saved.contacted_by) == ("contacted", "director@clinic.example")
    assert store.mark_case_reminded("c1", "v1", NOW) is False
    [sent] = [e for e in store.case_events("c1", "v1") if e.kind == "reply_sms"]
    assert (sent.who, sent.text, sent.data) == ("director@clinic.example", reply.text,
                                                {"state": "sent", "segments": 3, "encoding": "UCS-2"})
    assert reply_by_sms(services, clinic, saved, visit, "ещё раз", NOW, "x") == "already"
    store.add_optout("c1", "+79161234502", NOW)
    other = reply_by_sms(services, clinic, store.get_case("c1", "v2"), store.get_visit("c1", "v2"), None, NOW, "x")
    assert other == "opted_out"
    assert len(sms.sent) == 3  # two invites and one reply
