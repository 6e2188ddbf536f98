"""A director's email that cannot go out yet waits and is retried; the owner hears of it; only what can never
be sent fails for good."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import boto3
import pytest
from botocore.stub import Stubber

from functions.transports import Email, TransportError
from functions.transports.ses import SesEmail
from tests.admin_helpers import sign_in
from tests.conftest import NOW, visit_row
from tests.live_server import serving

EMAIL = Email(to=("director@clinic.example",), subject="Жалоба", text="Плохо", html="<p>Плохо</p>")
UNVERIFIED = ("Email address is not verified. The following identities failed the check in region "
              "EU-CENTRAL-1: {}")


def complain_while_the_sender_is_unverified(services, clinic, words: str):
    """A texted patient scores 1 and writes ``words`` while SES refuses the unverified sender; returns the
    working email transport, to put back when the test wants the sender verified."""
    from functions.answers.answer import give_feedback, open_invite, rate
    from functions.invites.dispatch import send_due_invites
    from functions.visits.intake import import_rows

    import_rows(services.store, clinic, [(2, visit_row(1))], 14)
    send_due_invites(services, NOW)
    working, services.email = services.email, UnverifiedSender()
    opened = open_invite(services, services.store.get_visit("c1", "v1").invite_token, NOW)
    rate(services, opened, 1, NOW)
    give_feedback(services, open_invite(services, opened.invite.token, NOW), words, NOW)
    return working


@pytest.mark.parametrize("code,message,permanent,reason", [
    ("MessageRejected", UNVERIFIED.format("noreply@otklik.ru, director@clinic.example"), False, "sender_unverified"),
    ("MessageRejected", UNVERIFIED.format("director@clinic.example"), False, "recipient_unverified"),
    ("MailFromDomainNotVerifiedException", "", False, "sender_unverified"),
    ("TooManyRequestsException", "Maximum sending rate exceeded.", False, "throttled"),
    ("LimitExceededException", "Daily message quota exceeded.", False, "throttled"),
    ("AccessDeniedException", "not authorized to perform: ses:SendEmail", False, "not_permitted"),
    ("SendingPausedException", "", False, "paused"),
    ("MessageRejected", "Message length is more than 10485760 bytes long", True, "rejected"),
    ("BadRequestException", "Missing final '@domain'", True, "rejected"),
])
def test_only_what_can_never_be_sent_is_permanent(code, message, permanent, reason) -> None:
    client = boto3.client("sesv2", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("send_email", service_error_code=code, service_message=message, http_status_code=400)
        with pytest.raises(TransportError) as err:
            SesEmail(client, "Отклик <noreply@otklik.ru>").send(EMAIL)
    assert (err.value.permanent, err.value.reason) == (permanent, reason)


class UnverifiedSender:
    """The email seam while SES has not verified the sender: every send refused, as SES refuses it."""

    def send(self, email: Email) -> str:
        raise TransportError("SES MessageRejected: Email address is not verified.", reason="sender_unverified")


def test_a_complaint_waits_for_the_sender_and_the_owner_is_told(settings, services, clinic, outbox, client,
                                                                  monkeypatch) -> None:
    from click.testing import CliRunner

    from functions.cases.sweep import sweep_cases
    from functions.cli import main

    services.store.put_member("c1", "owner@clinic.example", "owner", NOW)
    sign_in(client, outbox, "owner@clinic.example")
    working = complain_while_the_sender_is_unverified(services, clinic, "Нагрубили")

    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    [listed] = json.loads(CliRunner().invoke(main, ["cases", "list", "--clinic", "c1"]).stdout)
    assert (listed["email"], listed["email_waiting_for"], listed["email_attempts"]) == (
        "waiting", "sender_unverified", 1)
    assert "не подтверждён" in client.get("/admin/c/c1/cases/v1").get_data(as_text=True)
    assert 'id="undelivered"' not in client.get("/admin/c/c1/").get_data(as_text=True)  # one attempt: not yet

    later = NOW
    for _ in range(2):  # each retry when its backoff has passed
        later = services.store.get_case("c1", "v1").claim_until + timedelta(seconds=1)
        assert sweep_cases(services, later)["retry"] == 1
    numbers = client.get("/admin/c/c1/").get_data(as_text=True)
    assert 'id="undelivered"' in numbers and "адрес отправителя не подтверждён" in numbers
    assert 'href="/admin/c/c1/cases/v1"' in numbers

    services.email = working  # the operator verified the sender
    assert sweep_cases(services, services.store.get_case("c1", "v1").claim_until + timedelta(seconds=1))["sent"] == 1
    assert [e["subject"] for e in outbox.messages("email") if "Нагрубили" in e["text"]]
    assert 'id="undelivered"' not in client.get("/admin/c/c1/").get_data(as_text=True)


def test_the_notice_reads_well_on_a_phone_and_a_desktop(settings, clinic_doc, outbox) -> None:
    """The owner in a real Chromium at 360 and 1280 px: the notice on the numbers page, the reason on the case."""
    from functions.app import create_app
    from functions.cases.sweep import sweep_cases
    from functions.clinics.clinic import save_clinic
    from functions.services import Services
    from tests.admin_helpers import last_link
    from tests.test_browser import ARTIFACTS, CHROMIUM, phone_page

    if not os.path.exists(CHROMIUM):
        pytest.skip("no /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    local = settings.with_overrides(public_url="http://127.0.0.1")
    services = Services(local)
    clinic = save_clinic(services.store, clinic_doc, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    working = complain_while_the_sender_is_unverified(services, clinic, "Нагрубили на ресепшене")
    for _ in range(2):
        sweep_cases(services, services.store.get_case("c1", "v1").claim_until + timedelta(seconds=1))
    services.email = working
    # The next retry is not due yet when the owner looks: the case still waits, the notice stays.
    assert services.store.get_case("c1", "v1").email_state == "retry"
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with serving(create_app(local, services=services)) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            page = phone_page(browser)
            page.goto(f"{base}/admin/")
            page.get_by_label("Рабочая почта").fill("owner@clinic.ru")
            page.get_by_role("button", name="Прислать ссылку для входа").click()
            page.get_by_text("Проверьте почту").wait_for()
            page.goto(base + "/admin/signin/" + last_link(outbox).rsplit("/admin/signin/", 1)[1])
            page.get_by_role("button", name="Войти").click()
            notice = page.locator("#undelivered")
            notice.wait_for()
            assert "Директор не получил письма о 1 жалобе" in notice.inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(ARTIFACTS / "undelivered-360.png"), full_page=True)
            notice.get_by_role("link").click()
            assert "ждёт отправки" in page.locator("#alert").inner_text()
            page.screenshot(path=str(ARTIFACTS / "case-waiting-360.png"), full_page=True)
            wide = browser.new_context(viewport={"width": 1280, "height": 900},
                                       storage_state=page.context.storage_state()).new_page()
            wide.goto(f"{base}/admin/c/c1/")
            wide.locator("#undelivered").wait_for()
            wide.screenshot(path=str(ARTIFACTS / "undelivered-1280.png"), full_page=True)
            browser.close()
    finally:
        services.store.close()
