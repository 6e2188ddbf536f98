"""The patient's answer: one tap routes to the public platforms or to the director.

Every step stores first and only then starts a side effect (reward, director email), each
behind its own claim, so a double tap or a retried request never pays or emails twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from functions.alerts import alert_director
from functions.clinics import Clinic, Platform
from functions.errors import FunnelError
from functions.invites import is_token
from functions.rewards import grant_reward
from functions.services import Services
from functions.store import Case, Invite, Visit

FEEDBACK_LIMIT = 2000


@dataclass
class Opened:
    invite: Invite
    clinic: Clinic
    visit: Visit


def open_invite(services: Services, token: str, now: datetime) -> Opened:
    """Find a live invite; unknown and expired tokens are told apart for a friendly page."""
    invite = services.store.get_invite(token) if is_token(token) else None
    if invite is None:
        raise FunnelError(404, "unknown_invite", "This link is unknown. Check the link in the SMS.")
    if invite.expires_at <= now:
        raise FunnelError(410, "expired_invite", "This link has expired.")
    clinic = services.clinic(invite.clinic_id)
    visit = services.store.get_visit(invite.clinic_id, invite.visit_id)
    if clinic is None or visit is None:
        raise FunnelError(410, "expired_invite", "This link has expired.")
    return Opened(invite, clinic, visit)


def route(clinic: Clinic, score: int) -> str:
    """``public``: show the platforms; ``private``: show the complaint form; ``both`` in the open policy."""
    if clinic.policy == "open":
        return "both"
    return "public" if score >= clinic.threshold else "private"


def is_low(clinic: Clinic, score: int) -> bool:
    return score < clinic.threshold


def rate(services: Services, opened: Opened, score: int, now: datetime) -> tuple[int, bool]:
    """Record the first score; return the score that stands and whether this call set it."""
    store, invite, clinic = services.store, opened.invite, opened.clinic
    first = store.record_rating(invite.token, score, now)
    if not first:
        current = store.get_invite(invite.token)
        return (current.score if current and current.score else score), False
    grant_reward(services, clinic, opened.visit, now)
    if clinic.policy == "open" and is_low(clinic, score):
        # In the open policy nobody is steered, so a low score alerts the director by itself.
        open_case(services, opened, score, "", now)
    return score, True


def give_feedback(services: Services, opened: Opened, text: str, now: datetime) -> bool:
    """Store the complaint, then email the director; a repeat is accepted and changes nothing."""
    invite = opened.invite
    if invite.score is None:
        raise FunnelError(409, "not_rated", "Choose a score first.")
    if not services.store.record_feedback(invite.token, text, now):
        return False
    open_case(services, opened, invite.score, text, now, update_text=True)
    return True


def open_case(services: Services, opened: Opened, score: int, text: str, now: datetime,
              *, update_text: bool = False) -> None:
    clinic, visit = opened.clinic, opened.visit
    case = Case(clinic_id=clinic.id, case_id=visit.visit_id, visit_id=visit.visit_id, score=score,
                text=text, created_at=now)
    if services.store.create_case(case):
        alert_director(services, clinic, case, visit, now)
        return
    if update_text:
        # The open policy already opened the case on the low score; the words come as a second alert.
        text_case = Case(clinic_id=clinic.id, case_id=f"{visit.visit_id}-text", visit_id=visit.visit_id,
                         score=score, text=text, created_at=now)
        if services.store.create_case(text_case):
            alert_director(services, clinic, text_case, visit, now)


def platform_for_click(opened: Opened, platform_id: str) -> Platform:
    platform = opened.clinic.platform(platform_id)
    if platform is None:
        raise FunnelError(404, "unknown_platform", "This clinic has no such review platform.")
    return platform


def platform_links(clinic: Clinic, token: str) -> list[dict]:
    """Buttons for the public path: every link goes through /r/ so the click is counted."""
    return [{"id": p.id, "name": p.name, "type": p.type, "href": f"/r/{token}/{p.id}"} for p in clinic.platforms]
