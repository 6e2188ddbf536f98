"""The patient's API: read the invite, rate it (or correct a mis-tap), complain privately, opt out.

Every refusal is ``{"error": {"code", "message"}}`` with a 4xx, its message in the page's language
(``?lang=`` or Accept-Language, as the page itself chooses), from the page's catalog.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from functions.aftercare.answer import give_care_words, is_care, page_route, page_tone, rate_care
from functions.aftercare.text import question
from functions.answers.answer import (
    Opened,
    answering,
    give_feedback,
    note_opened,
    open_invite,
    opt_out,
    rate,
    visible_platforms,
)
from functions.answers.words import refusal_words, reward_terms
from functions.errors import FunnelError
from functions.rewards.grants import reward_offer
from functions.services import Services, utcnow
from functions.store import Invite
from functions.texts import money
from functions.web.errors import error_response, json_body
from functions.web.pages import page_locale

bp = Blueprint("invites", __name__)


def services() -> Services:
    return current_app.extensions["otklik"]


@bp.errorhandler(FunnelError)
def refused(err: FunnelError):
    """The page's own words for a refusal where it has them; else the API's catalog (both in the page's language)."""
    words = refusal_words(page_locale(), err.code, "")
    if words:
        return jsonify({"error": {"code": err.code, "message": words}}), err.status
    return error_response(err.status, err.code, err.message, **err.params)


def _answer_state(opened: Opened, invite: Invite) -> dict:
    chosen = page_route(opened, invite.score) if invite.score else None
    return {"score": invite.score, "route": chosen, "tone": page_tone(opened, invite.score) or None,
            "feedback_sent": invite.feedback is not None, "opted_out": invite.opted_out_at is not None,
            "can_change": invite.score is not None and invite.feedback is None and invite.opted_out_at is None}


def _reward_now(opened: Opened) -> str:
    """The reward's state after an answer, as its ledger row now stands."""
    if is_care(opened):
        return "none"
    return reward_offer(services(), opened.clinic, opened.visit, utcnow())


@bp.get("/api/v1/invites/<token>")
def show(token: str):
    now = utcnow()
    opened = open_invite(services(), token, now)
    note_opened(services(), opened, now)
    invite, clinic = opened.invite, opened.clinic
    answer = _answer_state(opened, invite)
    body = {
        "clinic": {"name": clinic.name, "locale": clinic.locale, "logo": clinic.logo, "accent": clinic.accent},
        "reward": {"amount_minor": clinic.reward_minor, "currency": clinic.currency,
                   "display": money(clinic.reward_minor, clinic.currency, clinic.locale),
                   "state": "none" if is_care(opened) else reward_offer(services(), clinic, opened.visit, now),
                   **reward_terms(clinic, page_locale())},
        "policy": clinic.policy,
        "answer": answer,
        "platforms": [] if is_care(opened) else visible_platforms(services(), clinic, token, answer["route"]),
    }
    if is_care(opened):
        body["care"] = {"question": question(clinic, opened.visit)}
    return jsonify(body)


@bp.post("/api/v1/invites/<token>/rating")
def rating(token: str):
    body = json_body()
    score = body.get("score")
    if type(score) is not int or not 1 <= score <= 5:
        raise FunnelError(400, "invalid_score", "score must be a whole number from 1 to 5.")
    opened = open_invite(services(), token, utcnow())
    answer = rate_care if is_care(opened) else rate
    with answering(services(), opened, score):
        note_opened(services(), opened, utcnow())  # whoever answers has opened the link, whatever the page did
        score, first, changed = answer(services(), opened, score, utcnow())
    chosen = page_route(opened, score)
    return jsonify({
        "score": score, "first": first, "changed": changed, "route": chosen, "tone": page_tone(opened, score),
        "platforms": [] if is_care(opened) else visible_platforms(services(), opened.clinic, token, chosen),
        "reward": _reward_now(opened),
    })


@bp.post("/api/v1/invites/<token>/feedback")
def feedback(token: str):
    body = json_body()
    contact = body.get("contact") if isinstance(body.get("contact"), dict) else {}
    opened = open_invite(services(), token, utcnow())
    words = give_care_words if is_care(opened) else give_feedback
    with answering(services(), opened):
        first = words(services(), opened, body.get("text"), utcnow(), channel=contact.get("channel"),
                      hours=contact.get("hours"), address=contact.get("address"))
    return jsonify({"received": True, "first": first, "reward": _reward_now(opened)})


@bp.post("/api/v1/invites/<token>/optout")
def optout(token: str):
    opened = open_invite(services(), token, utcnow())
    with answering(services(), opened):
        opt_out(services(), opened, utcnow())
    return jsonify({"opted_out": True})
