"""A director's email that cannot go out yet waits and is retried; the owner hears of it; only what can never
be sent fails for good."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from botocore.stub import Stubber

from functions.transports import Email, TransportError
from functions.transports.ses import SesEmail
from tests.admin_helpers import sign_in
from tests.conftest import NOW, visit_row

EMAIL = Email(to=("director@clinic.example",), subject="Жалоба", text="Плохо", html="<p>Плохо</p>")
UNVERIFIED = ("Email address is not verified. The following identities failed the check in region "
              "EU-CENTRAL-1: {}")


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

    from functions.answers.answer import give_feedback, open_invite, rate
    from functions.cases.sweep import sweep_cases
    from functions.cli import main
    from functions.invites.dispatch import send_due_invites
    from functions.visits.intake import import_rows

    services.store.put_member("c1", "owner@clinic.example", "owner", NOW)
    sign_in(client, outbox, "owner@clinic.example")
    import_rows(services.store, clinic, [(2, visit_row(1))], 14)
    send_due_invites(services, NOW)
    working, services.email = services.email, UnverifiedSender()
    opened = open_invite(services, services.store.get_visit("c1", "v1").invite_token, NOW)
    rate(services, opened, 1, NOW)
    give_feedback(services, open_invite(services, opened.invite.token, NOW), "Нагрубили", NOW)

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
