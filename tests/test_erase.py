"""Erase on request, on both stores: after a patient has been through everything (history, an invite and its
reward, a complaint with words and a contact wish, the care message and its urgent case, a recommendation, a
campaign letter, a reactivation call), ``patients erase`` leaves no trace of the phone, name or email in any item
of the table or database — checked by reading every one — except the accountant's reward row without the phone
and, when the patient said STOP, a bare suppression of the number."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from functions.aftercare.answer import give_care_words, rate_care
from functions.answers.answer import give_feedback, open_invite, rate
from functions.cli import main
from functions.invites.dispatch import send_due_invites
from functions.patients.campaigns import send_campaign, start_campaign
from functions.patients.erase import erase_patient
from functions.patients.reactivation import inactive, record_call
from functions.services import Services
from functions.transports.outbox import Outbox, OutboxEmail, OutboxSms
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.patients_helpers import PHONE, history_clinic

TRACES = ("+79161230006", "9161230006", "Новиков", "Денис", "denis@mail.example", "denis.new@mail.example")
FOLLOWUPS = {"rules": [{"stems": ["удален"], "when": "next_day"}]}


def everything(store) -> list[tuple[str, str]]:
    """Every row of every table (SQLite) or every item of the table (DynamoDB, scanned here, in a test only)."""
    if hasattr(store, "client"):
        items, kwargs = [], {"TableName": store.table}
        while True:
            page = store.client.scan(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [(i["pk"]["S"] + " " + i["sk"]["S"], json.dumps(i, ensure_ascii=False)) for i in items]
    db = store._db
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [(table, json.dumps(list(row), ensure_ascii=False, default=str))
            for table in tables for row in db.execute(f"SELECT * FROM {table}")]  # noqa: S608


def traces(store) -> list[tuple[str, str]]:
    return [(where, text) for where, text in everything(store) if any(t in text for t in TRACES)]


def through_everything(store, settings, clinic_doc):
    outbox = Outbox(settings.outbox_path)
    services = Services(settings.with_overrides(secret_key="k" * 32), store=store, sms=OutboxSms(outbox),
                        email=OutboxEmail(outbox, "x@otk.ru"))
    clinic = history_clinic(services, clinic_doc, followups=FOLLOWUPS,
                            reward={"amount_minor": 10000, "currency": "RUB"})
    phone, name = PHONE["novikov"], "Новиков Денис Андреевич"
    import_rows(store, clinic, [
        (2, visit_row(1, phone=phone, patient_name=name, referral="Ортопед", email="denis.new@mail.example")),
        (3, visit_row(2, phone=phone, patient_name=name, visit_at="22.11.2026 15:00", service="Удаление зуба")),
    ], 14)
    send_due_invites(services, NOW)  # today's invite (with its reward's promise) and yesterday's care message
    invite = store.get_visit("c1", "v1").invite_token
    rate(services, open_invite(services, invite, NOW), 1, NOW)
    give_feedback(services, open_invite(services, invite, NOW), "Денис: долго ждал", NOW, channel="email",
                  address="denis.new@mail.example")
    care = store.care_messages("c1", ["v2"])["v2"].token
    rate_care(services, open_invite(services, care, NOW), 1, NOW)
    give_care_words(services, open_invite(services, care, NOW), "болит", NOW)
    campaign, _ = start_campaign(store, clinic, "Осень", 1, "email", "owner@clinic.ru", NOW + timedelta(days=40))
    send_campaign(services, clinic, campaign, NOW + timedelta(days=40))
    record_call(store, clinic, phone, "call_back", "anna@clinic.ru", NOW)
    return services, clinic


def test_erase_leaves_no_phone_name_or_email_anywhere(store, settings, clinic_doc) -> None:
    services, clinic = through_everything(store, settings, clinic_doc)
    before = {where.split()[0] if " " not in where else where.split("#")[0] for where, _ in traces(store)}
    assert len(traces(store)) > 15, before  # the patient is everywhere first
    counts = erase_patient(services, "c1", PHONE["novikov"], NOW + timedelta(days=41))
    assert traces(store) == []
    assert counts["rewards_kept"] == 1 and counts["rewards_withdrawn"] == 1
    reward = store.list_rewards("c1")[0]
    assert (reward.phone, reward.status, reward.amount_minor) == ("", "rejected", 10000)
    assert reward.last_error == "erased on the patient's request"
    # Everyone else is as they were.
    assert store.get_patient("c1", PHONE["smirnova"]).name == "Смирнова Анна Петровна"
    assert "Новиков" not in [r.patient.name.split()[0] for r in inactive(store, clinic, 12, NOW)[0]]


def test_a_stop_outlives_the_erase_as_a_bare_suppression(store, settings, clinic_doc) -> None:
    services, _ = through_everything(store, settings, clinic_doc)
    store.add_optout("*", PHONE["novikov"], NOW)
    erase_patient(services, "c1", PHONE["novikov"], NOW + timedelta(days=41))
    left = traces(store)
    assert len(left) == 1, left
    where, text = left[0]
    assert "OPTOUT" in where or where == "optouts"
    assert not any(t in text for t in TRACES[2:])  # the number only: no name, no address
    # The next export still has him: his visit is stored, and never texted.
    clinic = services.clinic("c1")
    import_rows(store, clinic, [(2, visit_row(9, phone=PHONE["novikov"], patient_name="Новиков Денис"))], 14)
    assert send_due_invites(services, NOW + timedelta(minutes=5)).skipped["opted_out"] == 1


def test_the_command_asks_first_and_prints_no_phone(settings, services, clinic_doc, monkeypatch) -> None:
    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    history_clinic(services, clinic_doc)
    refused = CliRunner().invoke(main, ["patients", "erase", "--clinic", "c1", "--phone", "8 916 123-00-06"],
                                 input="n\n")
    assert refused.exit_code == 1 and services.store.get_patient("c1", PHONE["novikov"]) is not None
    done = CliRunner().invoke(main, ["patients", "erase", "--clinic", "c1", "--phone", "8 916 123-00-06", "--yes"])
    assert done.exit_code == 0, done.output
    assert '"patients": 1' in done.output and "9161230006" not in done.output
    assert services.store.get_patient("c1", PHONE["novikov"]) is None
    bad = CliRunner().invoke(main, ["patients", "erase", "--clinic", "c1", "--phone", "123", "--yes"])
    assert bad.exit_code == 1 and "--phone" in bad.output
