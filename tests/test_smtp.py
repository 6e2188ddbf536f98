"""SMTP for self-hosted clinics: a real message to a real (local) SMTP server, and its error mapping."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from functions.cases.alerts import complaint_email
from functions.clinics.clinic import parse_clinic
from functions.store import Case
from functions.transports import Email, TransportError
from functions.transports.smtp import SmtpEmail
from functions.visits.intake import build_visit
from tests.conftest import NOW, visit_row


class Mailbox:
    """An SMTP server's handler that keeps what it receives, or answers RCPT with a set reply."""

    def __init__(self, rcpt_reply: str = "") -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.rcpt_reply = rcpt_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    servers = []

    def start(handler: Mailbox) -> int:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return port

    yield start
    for controller in servers:
        controller.stop()


def test_the_director_email_arrives_with_text_and_html(smtp_server, clinic_doc) -> None:
    mailbox = Mailbox()
    port = smtp_server(mailbox)
    clinic = parse_clinic(clinic_doc)
    case = Case(clinic_id="c1", case_id="v1", visit_id="v1", score=2, text="Администратор нагрубил",
                created_at=NOW, kind="simple")
    email = complaint_email(clinic, case, build_visit(clinic, visit_row(1), 14))
    SmtpEmail("127.0.0.1", port, "Отклик <noreply@otklik.ru>", security="none").send(email)
    [(sender, recipients, raw)] = mailbox.messages
    assert (sender, recipients) == ("noreply@otklik.ru", ["director@clinic.example"])
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == email.subject
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Администратор нагрубил" in text and "Администратор нагрубил" in html and 'href="tel:+79161234501"' in html


def test_no_header_can_be_injected(clinic_doc) -> None:
    transport = SmtpEmail("127.0.0.1", 1, "noreply@otklik.ru", security="none")
    with pytest.raises(TransportError) as err:
        transport.message(Email(to=("director@clinic.example",), subject="Жалоба\r\nBcc: victim@example.com",
                                text="t", html="<p>t</p>"))
    assert err.value.permanent


@pytest.mark.parametrize("reply,permanent", [("550 No such user", True), ("451 Try again later", False)])
def test_smtp_replies_map_to_permanent_or_transient(smtp_server, reply, permanent) -> None:
    port = smtp_server(Mailbox(rcpt_reply=reply))
    with pytest.raises(TransportError) as err:
        SmtpEmail("127.0.0.1", port, "noreply@otklik.ru", security="none").send(
            Email(to=("director@clinic.example",), subject="s", text="t", html="<p>t</p>"))
    assert err.value.permanent is permanent


def test_a_server_that_is_down_is_transient() -> None:
    with pytest.raises(TransportError) as err:
        SmtpEmail("127.0.0.1", free_port(), "noreply@otklik.ru", security="none").send(
            Email(to=("d@clinic.example",), subject="s", text="t", html="<p>t</p>"))
    assert err.value.permanent is False
