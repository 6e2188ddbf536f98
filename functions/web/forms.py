"""The rating page without JavaScript: its forms post to ``/<token>/rating|feedback|optout`` and get
the same page back, server-rendered in its next state. (With JavaScript the page calls the JSON API
and changes in place.) Served everywhere: on AWS the CDN sends these three paths to the API."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, Response, current_app, request

from functions.answers.answer import (
    Opened,
    clean_feedback,
    contact_wish,
    give_feedback,
    note_opened,
    open_invite,
    rate,
    route,
    visible_platforms,
)
from functions.answers.page import render_state_page
from functions.errors import FunnelError
from functions.rewards.grants import reward_offer
from functions.services import Services, utcnow
from functions.texts import money
from functions.web.pages import page_locale

bp = Blueprint("forms", __name__)
SCORES = {"1", "2", "3", "4", "5"}


def _services() -> Services:
    return current_app.extensions["otklik"]


def _page(state: dict, status: int = 200) -> Response:
    settings = _services().settings
    html = render_state_page(page_locale(), settings.api_url, state)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _state(opened: Opened, **extra: object) -> dict:
    """What the page shows for this invite now: the next step after what the patient already did."""
    invite = _services().store.get_invite(opened.invite.token) or opened.invite
    clinic = opened.clinic
    view = "rate"
    if invite.feedback is not None:
        view = "thanks"
    elif invite.score:
        view = route(clinic, invite.score)
    state = {"view": view, "clinic": clinic.name, "logo": clinic.logo, "opted_out": invite.opted_out_at is not None,
             "reward": money(clinic.reward_minor, clinic.currency, page_locale()) if clinic.reward_minor else "",
             "reward_state": reward_offer(_services(), clinic, opened.visit, invite, utcnow())}
    state["platforms"] = visible_platforms(_services(), clinic, invite.token, view)
    return {**state, **extra}


def with_invite(view: Callable[[Opened], Response]) -> Callable[[str], Response]:
    """Open the invite for the form's token, or answer with the friendly unknown/expired page."""
    @functools.wraps(view)
    def handler(token: str) -> Response:
        try:
            opened = open_invite(_services(), token, utcnow())
        except FunnelError as err:
            return _page({"view": "error", "error": err.code}, err.status)
        note_opened(_services(), opened, utcnow())
        return view(opened)

    return handler


@bp.post("/<token>/rating")
@with_invite
def rate_form(opened: Opened) -> Response:
    score = request.form.get("score", "")
    if score not in SCORES:
        return _page(_state(opened), 400)
    rate(_services(), opened, int(score), utcnow())
    return _page(_state(opened))


@bp.post("/<token>/feedback")
@with_invite
def feedback_form(opened: Opened) -> Response:
    text = request.form.get("text", "")
    try:
        cleaned = clean_feedback(text)
        wish = contact_wish(request.form.get("channel"), request.form.get("hours"))
        give_feedback(_services(), opened, cleaned, utcnow(), wish)
    except FunnelError as err:
        if err.code == "not_rated":
            return _page(_state(opened), 409)
        return _page(_state(opened, problem=err.code, text=text[:2000]), 400)
    return _page(_state(opened))


@bp.post("/<token>/optout")
@with_invite
def optout_form(opened: Opened) -> Response:
    _services().store.record_optout(opened.invite.token, opened.clinic.id, opened.visit.phone, utcnow())
    return _page(_state(opened))
