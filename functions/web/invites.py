"""The patient's API: read the invite, rate it, complain privately, opt out, follow a platform link."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect

from functions.answers.answer import (
    Opened,
    clean_feedback,
    contact_wish,
    give_feedback,
    note_opened,
    open_invite,
    platform_for_click,
    rate,
    route,
    visible_platforms,
)
from functions.dashboard.counters import count
from functions.errors import FunnelError
from functions.rewards.grants import reward_offer
from functions.services import Services, utcnow
from functions.store import Invite
from functions.texts import money
from functions.web.errors import json_body

bp = Blueprint("invites", __name__)


def services() -> Services:
    return current_app.extensions["otklik"]


def _answer_state(invite: Invite, clinic_route: str | None) -> dict:
    return {"score": invite.score, "route": clinic_route, "feedback_sent": invite.feedback is not None,
            "opted_out": invite.opted_out_at is not None}


def _reward_now(opened: Opened) -> str:
    """The reward's state after an answer (the invite is read again: it now holds the score)."""
    invite = services().store.get_invite(opened.invite.token) or opened.invite
    return reward_offer(services(), opened.clinic, opened.visit, invite, utcnow())


@bp.get("/api/v1/invites/<token>")
def show(token: str):
    now = utcnow()
    opened = open_invite(services(), token, now)
    note_opened(services(), opened, now)
    invite, clinic = opened.invite, opened.clinic
    chosen = route(clinic, invite.score) if invite.score else None
    body = {
        "clinic": {"name": clinic.name, "locale": clinic.locale, "logo": clinic.logo, "accent": clinic.accent},
        "reward": {"amount_minor": clinic.reward_minor, "currency": clinic.currency,
                   "display": money(clinic.reward_minor, clinic.currency, clinic.locale),
                   "state": reward_offer(services(), clinic, opened.visit, invite, now)},
        "policy": clinic.policy,
        "answer": _answer_state(invite, chosen),
        "platforms": visible_platforms(services(), clinic, token, chosen),
    }
    return jsonify(body)


@bp.post("/api/v1/invites/<token>/rating")
def rating(token: str):
    body = json_body()
    score = body.get("score")
    if type(score) is not int or not 1 <= score <= 5:
        raise FunnelError(400, "invalid_score", "score must be a whole number from 1 to 5.")
    opened = open_invite(services(), token, utcnow())
    note_opened(services(), opened, utcnow())  # whoever answers has opened the link, whatever the page did before
    score, first = rate(services(), opened, score, utcnow())
    chosen = route(opened.clinic, score)
    return jsonify({
        "score": score, "first": first, "route": chosen,
        "platforms": visible_platforms(services(), opened.clinic, token, chosen),
        "reward": _reward_now(opened),
    })


@bp.post("/api/v1/invites/<token>/feedback")
def feedback(token: str):
    body = json_body()
    text = clean_feedback(body.get("text"))
    contact = body.get("contact") if isinstance(body.get("contact"), dict) else {}
    wish = contact_wish(contact.get("channel"), contact.get("hours"))
    opened = open_invite(services(), token, utcnow())
    first = give_feedback(services(), opened, text, utcnow(), wish)
    return jsonify({"received": True, "first": first, "reward": _reward_now(opened)})


@bp.post("/api/v1/invites/<token>/optout")
def optout(token: str):
    now = utcnow()
    opened = open_invite(services(), token, now)
    services().store.record_optout(token, opened.clinic.id, opened.visit.phone, now)
    return jsonify({"opted_out": True})


@bp.get("/r/<token>/<platform_id>")
def follow_platform(token: str, platform_id: str):
    """Count the click and send the patient on to the clinic's configured page, nowhere else."""
    now = utcnow()
    opened = open_invite(services(), token, now)
    platform = platform_for_click(opened, platform_id)
    services().store.record_click(token, platform.id, now)
    services().store.count_platform_click(opened.clinic.id, platform.id)
    count(services().store, opened.visit, clicks=1, **{f"click:{platform.id}": 1})
    return redirect(platform.url, code=302)
