"""The patient's answer: one tap routes to the public platforms or to the director.

Every write asks ``refusal`` first (the one place that knows an opted-out, answered or unrated invite),
then stores, and only then starts a side effect (reward, case, director email), each behind its own
claim, so a double tap or a retried request never pays or emails twice.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from functions.answers.contact import contact_wish
from functions.answers.primary import ordered_platforms
from functions.answers.store import AnswerStore
from functions.cases.lifecycle import change_score, is_low, join_words, open_case
from functions.clinics.clinic import Clinic
from functions.clinics.platforms import Platform
from functions.dashboard.counters import count, rating_counts
from functions.errors import FunnelError
from functions.invites.links import is_token
from functions.rewards.grants import earns, grant_reward
from functions.services import Services
from functions.store import Invite, Visit

FEEDBACK_LIMIT = 2000
RATE, WORDS, OPT_OUT, CLICK = "rate", "words", "optout", "click"
# Why an invite takes no more of an answer (the page says each in its own words, from its catalog).
REFUSALS = {
    "opted_out": (409, "This number opted out: the answer is not taken."),
    "answered": (409, "This answer is complete: the words were sent already."),
    "not_rated": (409, "Choose a score first."),
    "not_routed": (409, "The review sites open after a happy score."),
}


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


def refusal(opened: Opened, action: str, text: str | None = None) -> str | None:
    """Why this invite may not take ``action`` now, or None. Every patient write asks here first (the link's
    expiry is ``open_invite``'s). Words sent again unchanged are a retry, not a second answer."""
    invite = opened.invite
    if action == OPT_OUT:
        return None
    if action == CLICK:
        # The care message asks how the patient feels: it never leads to the review platforms.
        routed = not invite.purpose and invite.score is not None and route(opened.clinic, invite.score) in (
            "public", "both")
        return None if routed else "not_routed"
    if invite.opted_out_at is not None:
        return "opted_out"
    if invite.feedback is not None and not (action == WORDS and invite.feedback == text):
        return "answered"
    if action == WORDS and invite.score is None:
        return "not_rated"
    return None


def refuse_unless_allowed(opened: Opened, action: str, text: str | None = None) -> None:
    code = refusal(opened, action, text)
    if code:
        refuse(code)


def refuse(code: str) -> None:
    status, message = REFUSALS[code]
    raise FunnelError(status, code, message)


def answering(services: Services, opened: Opened, score: int | None = None) -> AbstractContextManager[None]:
    """One unit of work for what a patient's request writes (opened, the score, its counters, the reward, the
    case), so it commits once; the emails it starts wait for that commit. A tap of the score already stored
    writes nothing, so it takes no write lock."""
    if score is not None and opened.invite.score == score:
        return nullcontext()
    store: AnswerStore = services.store
    return store.atomic()


def note_opened(services: Services, opened: Opened, now: datetime) -> None:
    """The first time the patient's page reaches us (the API read, or a form post without JavaScript)."""
    if opened.invite.opened_at is not None:
        return  # the invite as this request read it was opened already: nothing to ask the store
    if services.store.mark_opened(opened.invite.token, now) and not opened.invite.purpose:
        count(services.store, opened.visit, opened=1)  # the funnel counts the visit's invite, not the care message


def route(clinic: Clinic, score: int) -> str:
    """``public``: show the platforms; ``private``: show the complaint form; ``both`` in the open policy."""
    if clinic.policy == "open":
        return "both"
    return "public" if score >= clinic.threshold else "private"


def visible_platforms(services: Services, clinic: Clinic, token: str, chosen: str | None) -> list[dict]:
    """The platform buttons this route shows: none until the patient has scored, none on the private path."""
    return platform_links(services, clinic, token) if chosen in ("public", "both") else []


def rate(services: Services, opened: Opened, score: int, now: datetime) -> tuple[int, bool, bool]:
    """Record the score (the first, or a mis-tap corrected before any words); answer the score that stands,
    whether this call set the first one and whether it changed an earlier one.

    The side effects are ensured on every call: each is a conditional claim, so a repeat is a no-op, and a
    retry after a crash between the score and its reward or case completes them.
    """
    refuse_unless_allowed(opened, RATE)
    store: AnswerStore = services.store
    invite, clinic, visit = opened.invite, opened.clinic, opened.visit
    first = store.record_rating(invite.token, score, now)
    changed = False
    if first:
        count(store, visit, **rating_counts(score))
    else:
        current = store.get_invite(invite.token) or invite
        old = current.score or score
        if current.feedback is not None:
            refuse("answered")  # the words arrived a moment ago, from another tab
        if old != score and store.change_rating(invite.token, old, score, now):
            changed = True
            count(store, visit, **{f"score{old}": -1, f"score{score}": 1, "score_sum": score - old})
            change_score(services, clinic, visit, old, score, now)
        elif old != score:
            score = (store.get_invite(invite.token) or current).score or score  # someone else changed it
    if earns(clinic, score, with_text=False):
        grant_reward(services, clinic, visit, now)
    if is_low(clinic, score) and not changed:
        open_case(services, clinic, visit, score, now)  # a case at once, in every policy (a no-op when it exists)
    return score, first, changed


def clean_feedback(text: object) -> str:
    """The complaint as the director will read it; a 400 for empty or over-long text."""
    if not isinstance(text, str) or not text.strip():
        raise FunnelError(400, "empty_text", "Write a few words for the director.")
    text = text.replace("\x00", "").strip()
    if len(text) > FEEDBACK_LIMIT:
        raise FunnelError(400, "text_too_long", f"Please keep it under {FEEDBACK_LIMIT} characters.")
    return text


def take_words(services: Services, opened: Opened, raw: object, now: datetime, *, channel: object = None,
               hours: object = None, address: object = None) -> tuple[str, bool]:
    """The one check, then the words (and how to reach the patient) stored once: the words, and whether this call
    stored them. The same words again are a retry; other words after words are refused."""
    refuse_unless_allowed(opened, WORDS, raw.replace("\x00", "").strip() if isinstance(raw, str) else None)
    text = clean_feedback(raw)
    store: AnswerStore = services.store
    wish = contact_wish(opened.clinic, opened.visit, channel, hours, address, now)
    if wish is not None:
        store.save_contacts([wish])
    first = store.record_feedback(opened.invite.token, text, now)
    if not first and (store.get_invite(opened.invite.token) or opened.invite).feedback != text:
        refuse("answered")
    return text, first


def give_feedback(services: Services, opened: Opened, raw: object, now: datetime, *, channel: object = None,
                  hours: object = None, address: object = None) -> bool:
    """Store the words (and how to reach the patient), then make sure the director hears them; the same words
    again (a retry) change nothing but complete what a crash left undone."""
    text, first = take_words(services, opened, raw, now, channel=channel, hours=hours, address=address)
    invite, clinic, visit = opened.invite, opened.clinic, opened.visit
    score = invite.score if invite.score is not None else 0
    join_words(services, clinic, visit, score, text, now)
    # The words complete the answer (with ``earned_by: answer`` a low score earns only now); a repeat is a no-op.
    grant_reward(services, clinic, visit, now)
    return first


def opt_out(services: Services, opened: Opened, now: datetime) -> None:
    refuse_unless_allowed(opened, OPT_OUT)
    services.store.record_optout(opened.invite.token, opened.clinic.id, opened.visit.phone, now)
    if opened.invite.opted_out_at is None:  # a repeated opt-out (a retry, a second tap) counts nothing
        count(services.store, opened.visit, optouts=1)


def follow_platform(services: Services, opened: Opened, platform_id: str, now: datetime) -> Platform | None:
    """The platform to send the patient on to, its click counted once per invite; None when this invite's
    score did not route to the platforms (the link then shows the page: no redirect, nothing counted)."""
    platform = opened.clinic.platform(platform_id)
    if platform is None:
        raise FunnelError(404, "unknown_platform", "This clinic has no such review platform.")
    if refusal(opened, CLICK):
        return None
    # Counted once per invite and platform: the clicks steer the "needs most" choice, so repeats must not.
    if services.store.record_click(opened.invite.token, platform.id, now):
        services.store.count_platform_click(opened.clinic.id, platform.id)
        # ``clicked`` once per invite (the funnel's step, a share of the answers); per platform for each one.
        first = {"clicked": 1} if not any(opened.invite.clicks.values()) else {}
        count(services.store, opened.visit, clicks=1, **first, **{f"click:{platform.id}": 1})
    return platform


def platform_links(services: Services, clinic: Clinic, token: str) -> list[dict]:
    """Buttons for the public path, the clinic's primary first; each goes through /r/ so the click is counted."""
    clicks = services.store.platform_clicks(clinic.id) if clinic.primary == "needs_most" else None
    return [{"id": p.id, "name": p.name, "type": p.type, "href": f"/r/{token}/{p.id}"}
            for p in ordered_platforms(clinic, clicks)]
