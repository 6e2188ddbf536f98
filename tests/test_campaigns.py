"""Campaign letters, driven by 18 months of a clinic's history, on both stores: advertising consent only, one
letter per patient per campaign with two runs at once and a crash in the middle, an unsubscribe that works (its own
token), and patients who came back after the letter counted as returned."""

from __future__ import annotations

import contextlib
import re
import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner

from functions.cli import main
from functions.clinics.clinic import save_clinic
from functions.patients.campaigns import CampaignError, campaign_numbers, send_campaign, start_campaign
from functions.patients.letters import sample_letter
from functions.patients.reactivation import ads_scope
from functions.services import Services
from functions.transports import Email, Sms
from functions.transports.outbox import Outbox, OutboxEmail, OutboxSms
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.patients_helpers import PHONE, history_clinic

LINK = re.compile(r"https://otk\.example\.ru/u/([A-Za-z0-9_-]{12})")
EMAILS = {"anna.smirnova@mail.example", "denis@mail.example", "olga@mail.example"}


class DiesAfterSending:
    """The provider takes the message, then the process dies before the outcome is recorded (once)."""

    def __init__(self, inner) -> None:
        self.inner, self.dead = inner, True

    def send(self, message: Email | Sms) -> str:
        message_id = self.inner.send(message)
        if self.dead:
            self.dead = False
            raise SystemExit("Lambda timed out")
        return message_id

    def __getattr__(self, name):
        return getattr(self.inner, name)


def world(store, settings, clinic_doc, **transports):
    outbox = Outbox(settings.outbox_path)
    services = Services(settings, store=store, email=transports.get("email") or OutboxEmail(outbox, "x@otk.ru"),
                        sms=transports.get("sms") or OutboxSms(outbox))
    services.settings = settings.with_overrides(secret_key="s" * 32)
    return services, history_clinic(services, clinic_doc), outbox


def test_one_letter_per_patient_who_agreed_even_with_two_runs_at_once(store, settings, clinic_doc) -> None:
    services, clinic, outbox = world(store, settings, clinic_doc)
    campaign, started = start_campaign(store, clinic, "Осень 2026", 12, "email", "owner@clinic.ru", NOW)
    assert started and campaign.campaign_id == "осень-2026"
    runs = [threading.Thread(target=send_campaign, args=(services, clinic, campaign, NOW)) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    sent = outbox.messages("email")
    assert sorted(e["to"][0] for e in sent) == sorted(EMAILS)
    report = send_campaign(services, clinic, campaign, NOW + timedelta(minutes=1)).as_dict()
    assert report == {"sent": 0, "left_out": {"no_consent": 1, "no_email": 1}, "already_sent": 3}
    assert len(outbox.messages("email")) == 3 and store.get_campaign("c1", "осень-2026").state == "done"


def test_the_letter_has_six_parts_and_its_unsubscribe(store, settings, clinic_doc) -> None:
    services, clinic, outbox = world(store, settings, clinic_doc)
    campaign, _ = start_campaign(store, clinic, "Осень 2026", 12, "email", "owner@clinic.ru", NOW)
    send_campaign(services, clinic, campaign, NOW)
    letter = next(e for e in outbox.messages("email") if e["to"] == ["anna.smirnova@mail.example"])
    text = letter["text"]
    assert letter["subject"] == "Клиника Тест: Осмотр и профессиональная чистка за 2 500 ₽ до 31 декабря"
    assert text.startswith("Анна Петровна, здравствуйте!\n\nМы открыли второй кабинет гигиены на Лесной.")
    # She has a treatment plan noted: the letter says why finishing it matters.
    assert "Начатое лечение важно довести до конца" in text
    assert "(обычная цена — 4 000 ₽)" in text and "расскажите о нас друзьям" in text
    assert "Запишитесь в удобное время: +7 495 123-45-67." in text
    token = LINK.search(text).group(1)
    assert letter["unsubscribe"] == f"https://otk.example.ru/u/{token}"
    assert token not in {store.get_visit("c1", v).invite_token for v in ("50101", "50102", "50103")
                         if store.get_visit("c1", v)}


def test_a_crash_mid_send_never_sends_a_second_letter(store, settings, clinic_doc) -> None:
    outbox = Outbox(settings.outbox_path)
    dying = DiesAfterSending(OutboxEmail(outbox, "x@otk.ru"))
    services, clinic, _ = world(store, settings, clinic_doc, email=dying)
    campaign, _ = start_campaign(store, clinic, "Осень 2026", 12, "email", "owner@clinic.ru", NOW)
    with contextlib.suppress(SystemExit):
        send_campaign(services, clinic, campaign, NOW)
    assert len(outbox.messages("email")) == 1
    # A second run at once finds the dead run's claim still held; the other letters go.
    report = send_campaign(services, clinic, campaign, NOW + timedelta(seconds=30)).as_dict()
    assert (report["sent"], report["in_progress"]) == (2, 1)
    # After the claim expires: email cannot tell whether it left, so it is never sent again.
    report = send_campaign(services, clinic, campaign, NOW + timedelta(minutes=6)).as_dict()
    assert (report["sent"], report["unconfirmed"]) == (0, 1)
    assert sorted(e["to"][0] for e in outbox.messages("email")) == sorted(EMAILS)


def test_an_sms_campaign_recovers_a_crashed_send_from_the_provider(store, settings, clinic_doc) -> None:
    outbox = Outbox(settings.outbox_path)
    dying = DiesAfterSending(OutboxSms(outbox))
    services, clinic, _ = world(store, settings, clinic_doc, sms=dying)
    campaign, _ = start_campaign(store, clinic, "Весна", 12, "sms", "owner@clinic.ru", NOW)
    with contextlib.suppress(SystemExit):
        send_campaign(services, clinic, campaign, NOW)
    report = send_campaign(services, clinic, campaign, NOW + timedelta(minutes=6)).as_dict()
    assert (report["sent"], report["recovered"]) == (3, 1) and report["left_out"] == {"no_consent": 1}
    texts = [m["text"] for m in outbox.messages("sms")]
    assert len(texts) == 4 and len({m["to"] for m in outbox.messages("sms")}) == 4
    assert any(t.startswith("Мария Сергеевна, Клиника Тест: Осмотр") and "Отписка: https://otk.example.ru/u/" in t
               for t in texts)


def test_the_unsubscribe_link_stops_the_clinics_offers_but_not_its_visit_sms(store, settings, clinic_doc,
                                                                             ) -> None:
    from functions.app import create_app

    services, clinic, outbox = world(store, settings, clinic_doc)
    client = create_app(services.settings, services=services).test_client()
    campaign, _ = start_campaign(store, clinic, "Осень 2026", 12, "email", "owner@clinic.ru", NOW)
    send_campaign(services, clinic, campaign, NOW)
    letter = next(e for e in outbox.messages("email") if e["to"] == ["olga@mail.example"])
    path = "/u/" + LINK.search(letter["text"]).group(1)
    asked = client.get(path)
    assert asked.status_code == 200 and "Отписаться" in asked.get_data(as_text=True)
    assert store.opted_out(ads_scope("c1"), [PHONE["lebedeva"]]) == set()  # a GET (a mail scanner) changes nothing
    done = client.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and "больше не будет присылать" in done.get_data(as_text=True)
    assert store.opted_out(ads_scope("c1"), [PHONE["lebedeva"]]) == {PHONE["lebedeva"]}
    assert store.opted_out("c1", [PHONE["lebedeva"]]) == set()  # her visit SMS still come
    second, _ = start_campaign(store, clinic, "Зима", 12, "email", "owner@clinic.ru", NOW + timedelta(days=1))
    report = send_campaign(services, clinic, second, NOW + timedelta(days=1)).as_dict()
    assert report["left_out"]["opted_out"] == 1  # a day on, Кузнецов has lapsed too: he gets one, she does not
    assert [e["to"][0] for e in outbox.messages("email")].count("olga@mail.example") == 1
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(forged).status_code == 404 and client.post(forged).status_code == 404


def test_a_patient_who_visits_after_the_letter_counts_as_returned(store, settings, clinic_doc) -> None:
    services, clinic, _ = world(store, settings, clinic_doc)
    campaign, _ = start_campaign(store, clinic, "Осень 2026", 12, "email", "owner@clinic.ru", NOW)
    send_campaign(services, clinic, campaign, NOW)
    numbers = campaign_numbers(store, clinic, campaign)
    assert (numbers.sent, numbers.returned, numbers.share) == (3, 0, 0)
    later = NOW + timedelta(days=10)
    import_rows(store, clinic, [(2, visit_row(1, phone=PHONE["smirnova"], patient_name="Смирнова Анна Петровна",
                                              visit_at="03.12.2026 10:00")),
                                (3, visit_row(2, phone=PHONE["popov"], visit_at="03.12.2026 11:00"))], 14)
    numbers = campaign_numbers(store, clinic, campaign)
    assert (numbers.sent, numbers.returned, numbers.share) == (3, 1, 33)
    # She has come back: a later run of the campaign does not write to her, nor does a new one.
    again = send_campaign(services, clinic, campaign, later).as_dict()
    assert again["sent"] == 0


def test_a_campaign_keeps_its_terms_and_needs_an_offer(store, settings, clinic_doc) -> None:
    _, clinic, _ = world(store, settings, clinic_doc)
    start_campaign(store, clinic, "Осень 2026", 12, "email", "owner@clinic.ru", NOW)
    assert start_campaign(store, clinic, "осень  2026!", 12, "email", "x", NOW)[1] is False  # the same campaign
    with pytest.raises(CampaignError, match="exists with 12 months by email"):
        start_campaign(store, clinic, "Осень 2026", 6, "email", "x", NOW)
    bare = save_clinic(store, {**clinic_doc, "id": "c2"}, NOW)
    with pytest.raises(CampaignError, match="set offer and price"):
        start_campaign(store, bare, "Без предложения", 12, "email", "x", NOW)


def test_letters_wait_for_the_clinics_window(store, settings, clinic_doc) -> None:
    services, clinic, outbox = world(store, settings, clinic_doc)
    campaign, _ = start_campaign(store, clinic, "Осень 2026", 12, "sms", "owner@clinic.ru", NOW)
    night = NOW.replace(hour=20)  # 23:00 in Moscow
    assert send_campaign(services, clinic, campaign, night).as_dict()["outside_window"] == 4
    assert outbox.messages() == []


def test_the_sms_letter_fits_two_segments_with_a_short_offer(clinic_doc) -> None:
    from functions.clinics.clinic import parse_clinic

    clinic = parse_clinic({**clinic_doc, "phone": "+7 495 123-45-67"})
    _, text, segments = sample_letter(clinic, {"offer": "Осмотр и чистка за 2 500 ₽", "price": "4 000 ₽"},
                                      "https://otk.ru")
    assert (segments.encoding, segments.count) == ("UCS-2", 2), text


def test_the_command_line_dry_run_sends_nothing_and_shows_the_letter(settings, services, clinic_doc,
                                                                     monkeypatch) -> None:
    for name, value in {"FUNNEL_SQLITE_PATH": settings.sqlite_path, "FUNNEL_OUTBOX_PATH": settings.outbox_path,
                        "FUNNEL_SECRET_KEY": "k" * 32, "FUNNEL_PUBLIC_URL": "https://otk.example.ru"}.items():
        monkeypatch.setenv(name, value)
    history_clinic(services, clinic_doc)
    at = ["--at", "2026-11-23T12:00+03:00"]
    dry = CliRunner().invoke(main, ["campaigns", "send", "--clinic", "c1", "--name", "Осень", "--dry-run", *at])
    assert dry.exit_code == 0, dry.output
    assert '"would_send": 3' in dry.output and "Анна Петровна, здравствуйте" not in dry.output
    assert "Мария Ивановна, здравствуйте!" in dry.output  # the sample patient
    assert services.store.list_campaigns("c1") == [] and Outbox(settings.outbox_path).messages() == []
    sent = CliRunner().invoke(main, ["campaigns", "send", "--clinic", "c1", "--name", "Осень", *at])
    assert '"sent": 3' in sent.output
    listed = CliRunner().invoke(main, ["campaigns", "list", "--clinic", "c1"])
    assert '"sent": 3' in listed.output and '"returned": 0' in listed.output
