"""Exactly once: a crash between send and mark, a Lambda retry, a claim left by a dead run — on both backends."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import responses

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.transports import Sms
from functions.transports.outbox import Outbox, OutboxSms
from functions.transports.twilio import TwilioSms
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.dispatch_helpers import RecordingSms

AFTER_CLAIM = NOW + timedelta(minutes=6)  # past the 5-minute claim of the run that died


class DiesAfterSending:
    """The provider accepts the SMS, then the process dies before the outcome is recorded."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.dead = True

    def send(self, sms: Sms) -> str:
        message_id = self.inner.send(sms)
        if self.dead:
            raise SystemExit("Lambda timed out") from None  # not an Exception: nothing in our code catches it
        return message_id

    def __getattr__(self, name):
        return getattr(self.inner, name)


def setup(store, settings, clinic_doc, sms):
    services = Services(settings, store=store, sms=sms)
    clinic = save_clinic(store, clinic_doc, NOW)
    import_rows(store, clinic, [(2, visit_row(1))], 14)
    return services


def crash_once(services) -> None:
    with contextlib.suppress(SystemExit):
        send_due_invites(services, NOW)


def test_crash_after_the_provider_accepted_is_recovered_without_a_second_sms(store, settings, clinic_doc) -> None:
    outbox = Outbox(settings.outbox_path)
    sms = DiesAfterSending(OutboxSms(outbox))
    services = setup(store, settings, clinic_doc, sms)
    crash_once(services)
    assert store.get_visit("c1", "v1").invite_state == "claimed"
    sms.dead = False
    # The Lambda retry comes at once: the dead run's claim still holds.
    assert send_due_invites(services, NOW + timedelta(seconds=30)).skipped["in_progress"] == 1
    recovered = send_due_invites(services, AFTER_CLAIM)
    assert recovered.skipped["recovered"] == 1 and recovered.sent == 0
    assert len(outbox.messages("sms")) == 1
    visit = store.get_visit("c1", "v1")
    assert visit.invite_state == "sent" and visit.message_id == outbox.messages("sms")[0]["id"]
    assert send_due_invites(services, AFTER_CLAIM + timedelta(minutes=15)).skipped["already_invited"] == 1


def test_crash_before_the_provider_got_it_is_sent_after_the_claim_expires(store, settings, clinic_doc) -> None:
    outbox = Outbox(settings.outbox_path)

    class DiesBeforeSending(OutboxSms):
        dead = True

        def send(self, sms: Sms) -> str:
            if self.dead:
                raise SystemExit("killed")
            return super().send(sms)

    sms = DiesBeforeSending(outbox)
    services = setup(store, settings, clinic_doc, sms)
    crash_once(services)
    sms.dead = False
    assert send_due_invites(services, AFTER_CLAIM).sent == 1
    [message] = outbox.messages("sms")
    assert store.get_visit("c1", "v1").invite_token in message["text"]  # the same link the dead run made


def test_a_provider_that_cannot_tell_never_gets_a_second_sms(store, settings, clinic_doc) -> None:
    inner = RecordingSms()
    sms = DiesAfterSending(inner)
    services = setup(store, settings, clinic_doc, sms)
    crash_once(services)
    sms.dead = False
    assert not hasattr(inner, "find_sent")
    assert send_due_invites(services, AFTER_CLAIM).skipped["unconfirmed"] == 1
    assert len(inner.sent) == 1
    visit = store.get_visit("c1", "v1")
    assert visit.invite_state == "unconfirmed" and "cannot say" in visit.last_error
    assert send_due_invites(services, AFTER_CLAIM + timedelta(hours=1)).skipped["unconfirmed_before"] == 1


@responses.activate
def test_twilio_is_asked_whether_the_message_left(store, settings, clinic_doc) -> None:
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    responses.post(url, status=201, json={"sid": "SM1"})
    sms = DiesAfterSending(TwilioSms("AC1", "token", "+15005550006"))
    services = setup(store, settings, clinic_doc, sms)
    crash_once(services)
    sent_text = responses.calls[0].request.body
    token = store.get_visit("c1", "v1").invite_token
    assert token in sent_text
    responses.get(url, json={"messages": [{"sid": "SM0", "body": "something else"},
                                          {"sid": "SM1", "body": _text_for(services, token)}]})
    sms.dead = False
    assert send_due_invites(services, AFTER_CLAIM).skipped["recovered"] == 1
    listing = responses.calls[1].request
    assert listing.method == "GET" and "To=%2B79161234501" in listing.url
    assert store.get_visit("c1", "v1").message_id == "SM1"
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1


def _text_for(services, token: str) -> str:
    from functions.invites.links import invite_link
    from functions.invites.text import invite_text

    clinic = services.clinic("c1")
    return invite_text(clinic, invite_link(services.settings.link_base, token), services.store.get_visit("c1", "v1"))
