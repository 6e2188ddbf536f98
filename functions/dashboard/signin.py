"""Signing in to the dashboard by email: a signed link, good for 15 minutes and for one use.

The link carries the address and a random nonce, signed with the deployment's secret (so it cannot be
forged or altered); using it takes a one-time mark on the nonce (so it cannot be used twice). Requests
are limited per address and per client address, and the answer never says whether an address may
sign in.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from functions.clinics.clinic import EMAIL
from functions.services import Services
from functions.texts import render
from functions.transports import Email, TransportError

log = logging.getLogger(__name__)

LINK_MINUTES = 15
PER_ADDRESS = 5  # sign-in emails per address per quarter hour
PER_CLIENT = 20  # sign-in requests per client address per quarter hour
SALT = "otklik-signin"
ROLES = ("owner", "director")


def normal_email(text: str) -> str | None:
    email = text.strip().lower()
    return email if len(email) <= 254 and EMAIL.match(email) else None


def _serializer(services: Services):
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(services.secret_key, salt=SALT)


def _period(now: datetime) -> str:
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0).isoformat()[:16]


def request_link(services: Services, email: str, client: str, now: datetime) -> str:
    """Send a sign-in link to a member's address: "sent" (also said for non-members) or "limited"."""
    period = _period(now)
    if not services.store.count_hit(f"signin-client:{client}", period, PER_CLIENT):
        return "limited"
    if not services.store.count_hit(f"signin-email:{email}", period, PER_ADDRESS):
        return "limited"
    if not services.store.memberships(email):
        return "sent"  # the same answer: nobody learns which addresses have an account
    token = _serializer(services).dumps({"e": email, "n": secrets.token_urlsafe(16)})
    link = f"{services.settings.hooks_base}/admin/signin/{token}"
    context = {"link": link, "minutes": LINK_MINUTES}
    try:
        services.email.send(Email(to=(email,), subject=render("admin/emails/signin_subject.txt"),
                                  text=render("admin/emails/signin.txt", **context),
                                  html=render("admin/emails/signin.html", **context)))
    except TransportError as err:
        log.warning("sign-in email not sent: %s", err.message)
        return "failed"
    return "sent"


def _payload(services: Services, token: str) -> tuple[str, str] | None:
    """(address, nonce) of a good link; None when it is forged, altered or older than 15 minutes."""
    from itsdangerous import BadSignature, SignatureExpired

    try:
        payload = _serializer(services).loads(token, max_age=LINK_MINUTES * 60)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str) or not isinstance(payload.get("n"), str):
        return None
    return payload["e"], payload["n"]


def read_link(services: Services, token: str) -> str | None:
    """The address a link is for, or None when it is no good."""
    found = _payload(services, token)
    return None if found is None else found[0]


def use_link(services: Services, token: str, now: datetime) -> str | None:
    """Use a link once: its address, or None when it is invalid, expired or already used."""
    found = _payload(services, token)
    if found is None or not services.store.mark_once("signin", found[1], now, now + timedelta(minutes=LINK_MINUTES)):
        return None
    services.store.record_sign_in(found[0], now)  # the owner's members page shows who still uses their access
    return found[0]


def end_sessions(services: Services, email: str) -> None:
    """End every open session of a member: a copy of the cookie stops working at its next request."""
    services.store.end_sessions(email)
    log.info("dashboard sessions ended for a member")  # no address in the log


def remove_member(services: Services, clinic_id: str, email: str) -> bool:
    """Take a member's access to a clinic away and end their open sessions; False when they had none."""
    if not services.store.remove_member(clinic_id, email):
        return False
    end_sessions(services, email)
    return True
