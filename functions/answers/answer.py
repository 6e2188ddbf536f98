"""The patient's answer: one tap routes to the public platforms or to the director.

Every step stores first and only then starts a side effect (reward, director email), each
behind its own claim, so a double tap or a retried request never pays or emails twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from functions.answers.primary import ordered_platforms
from functions.answers.store import AnswerStore
from functions.cases.alerts import alert_director
from functions.cases.kinds import guess_kind
from functions.clinics.clinic import Clinic
from functions.clinics.platforms import Platform
from functions.dashboard.counters import count, rating_counts
from functions.errors import FunnelError
from functions.invites.links import is_token
from functions.rewards.grants import earns, grant_reward
from functions.services import Services
from functions.store import Case, Contact, Invite, Visit
from functions.visits.contacts import parse_preferences

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


def note_opened(services: Services, opened: Opened, now: datetime) -> None:
    """The first time the patient's page reaches us (the API read, or a form post without JavaScript)."""
    if services.store.mark_opened(opened.invite.token, now):
        count(services.store, opened.visit, opened=1)


def route(clinic: Clinic, score: int) -> str:
    """``public``: show the platforms; ``private``: show the complaint form; ``both`` in the open policy."""
    if clinic.policy == "open":
        return "both"
    return "public" if score >= clinic.threshold else "private"


def visible_platforms(services: Services, clinic: Clinic, token: str, chosen: str | None) -> list[dict]:
    """The platform buttons this route shows: none until the patient has scored, none on the private path."""
    return platform_links(services, clinic, token) if chosen in ("public", "both") else []


def is_low(clinic: Clinic, score: int) -> bool:
    return score < clinic.threshold


def rate(services: Services, opened: Opened, score: int, now: datetime) -> tuple[int, bool]:
    """Record the first score; return the score that stands and whether this call set it.

    The side effects are ensured on every call, not only the first: each is a conditional claim,
    so a repeat is a no-op, and a retry after a crash between the score and its reward completes it.
    """
    store: AnswerStore = services.store
    invite, clinic = opened.invite, opened.clinic
    first = store.record_rating(invite.token, score, now)
    rated_at = now
    if first:
        count(store, opened.visit, **rating_counts(score))
    if not first:
        current = store.get_invite(invite.token)
        score = current.score if current and current.score else score
        rated_at = current.rated_at if current and current.rated_at else now
    if earns(clinic, score, with_text=False):
        grant_reward(services, clinic, opened.visit, rated_at, now)
    if clinic.policy == "open" and is_low(clinic, score):
        # In the open policy nobody is steered, so a low score alerts the director by itself.
        ensure_case(services, opened, opened.visit.visit_id, score, "", now)
    return score, first


def clean_feedback(text: object) -> str:
    """The complaint as the director will read it; a 400 for empty or over-long text."""
    if not isinstance(text, str) or not text.strip():
        raise FunnelError(400, "empty_text", "Write a few words for the director.")
    text = text.replace("\x00", "").strip()
    if len(text) > FEEDBACK_LIMIT:
        raise FunnelError(400, "text_too_long", f"Please keep it under {FEEDBACK_LIMIT} characters.")
    return text


def contact_wish(channel: object, hours: object) -> dict:
    """How and when the patient wants to be reached, from the complaint form; a 400 for an unreadable time."""
    found, problems = parse_preferences({"contact_channel": channel or "", "contact_hours": hours or ""})
    if problems:
        code = "bad_hours" if problems[0].column == "contact_hours" else "bad_channel"
        raise FunnelError(400, code, problems[0].reason)
    return found


def give_feedback(services: Services, opened: Opened, text: str, now: datetime, wish: dict | None = None) -> bool:
    """Store the complaint, then make sure the director hears of it; a repeat changes nothing."""
    store: AnswerStore = services.store
    invite, clinic = opened.invite, opened.clinic
    if invite.score is None:
        raise FunnelError(409, "not_rated", "Choose a score first.")
    if wish:
        store.save_contacts([Contact(clinic_id=clinic.id, phone=opened.visit.phone, updated_at=now,
                                     expires_at=opened.visit.expires_at, **wish)])
    first = store.record_feedback(invite.token, text, now)
    if not first:
        current = store.get_invite(invite.token)
        text = current.feedback if current and current.feedback else text
    visit_id = opened.visit.visit_id
    # In the open policy a low score already has its own alert; the words come as a second case.
    words_follow_alert = clinic.policy == "open" and is_low(clinic, invite.score)
    ensure_case(services, opened, f"{visit_id}-text" if words_follow_alert else visit_id, invite.score, text, now)
    # The words complete the answer (with ``earned_by: answer`` a low score earns only now); a repeat is a no-op.
    grant_reward(services, clinic, opened.visit, invite.rated_at or now, now)
    return first


def ensure_case(services: Services, opened: Opened, case_id: str, score: int, text: str, now: datetime) -> None:
    """Create the case unless it exists, then claim and send its email unless that is done or under way."""
    clinic, visit = opened.clinic, opened.visit
    case = Case(clinic_id=clinic.id, case_id=case_id, visit_id=visit.visit_id, score=score, text=text,
                created_at=now, kind=guess_kind(clinic, text))
    if services.store.create_case(case):
        count(services.store, visit, complaints=1, **{f"kind:{case.kind}": 1})
    alert_director(services, clinic, case, visit, now)


def platform_for_click(opened: Opened, platform_id: str) -> Platform:
    platform = opened.clinic.platform(platform_id)
    if platform is None:
        raise FunnelError(404, "unknown_platform", "This clinic has no such review platform.")
    return platform


def platform_links(services: Services, clinic: Clinic, token: str) -> list[dict]:
    """Buttons for the public path, the clinic's primary first; each goes through /r/ so the click is counted."""
    clicks = services.store.platform_clicks(clinic.id) if clinic.primary == "needs_most" else None
    return [{"id": p.id, "name": p.name, "type": p.type, "href": f"/r/{token}/{p.id}"}
            for p in ordered_platforms(clinic, clicks)]
