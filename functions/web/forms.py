"""The rating page without JavaScript: its forms post to ``/<token>/rating|feedback|optout`` and get the same
page back, server-rendered in its next state. (With JavaScript the page calls the JSON API and changes in
place.) A GET of those addresses shows the page as it stands (the static page's no-JavaScript first
screen comes here), and so does a platform link the invite cannot follow: a patient never sees JSON.
Served everywhere: on AWS the CDN sends these paths and ``/r/*`` to the API."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, Response, current_app, redirect, request

from functions.aftercare.answer import give_care_words, is_care, page_route, page_tone, rate_care
from functions.aftercare.text import question
from functions.answers.answer import (
    REFUSALS,
    Opened,
    answering,
    follow_platform,
    give_feedback,
    note_opened,
    open_invite,
    opt_out,
    rate,
    visible_platforms,
)
from functions.answers.page import render_state_page
from functions.answers.words import reward_terms
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


def state_of(opened: Opened, **extra: object) -> dict:
    """What the page shows for this invite now: the next step after what the patient already did."""
    invite = _services().store.get_invite(opened.invite.token) or opened.invite
    clinic = opened.clinic
    care = is_care(opened)
    view = "rate"
    if invite.feedback is not None:
        view = "thanks"
    elif invite.opted_out_at is not None:
        view = "stopped"
    elif invite.score:
        view = page_route(opened, invite.score)
    locale = page_locale()
    state = {"view": view, "clinic": clinic.name, "logo": clinic.logo, "opted_out": invite.opted_out_at is not None,
             "score": invite.score, "tone": page_tone(opened, invite.score),
             "reward": money(clinic.reward_minor, clinic.currency, locale) if clinic.reward_minor and not care else "",
             "reward_state": "none" if care else reward_offer(_services(), clinic, opened.visit, utcnow()),
             **reward_terms(clinic, locale)}
    state["platforms"] = [] if care else visible_platforms(_services(), clinic, invite.token, view)
    if care:
        state.update(purpose="care", question=question(clinic, opened.visit))
    return {**state, **extra}


def with_invite(view: Callable[[Opened], Response]) -> Callable[..., Response]:
    """Open the invite for the token, or answer with the friendly unknown/expired page."""
    @functools.wraps(view)
    def handler(token: str, **kwargs: str) -> Response:
        try:
            opened = open_invite(_services(), token, utcnow())
        except FunnelError as err:
            return _page({"view": "error", "error": err.code}, err.status)
        if request.method != "POST":
            return view(opened, **kwargs)
        score = request.form.get("score", "")
        # One unit of work for the whole answer; the page is rendered from what it stored.
        with answering(_services(), opened, int(score) if score in SCORES else None):
            note_opened(_services(), opened, utcnow())  # whoever answers has opened the link
            return view(opened, **kwargs)

    return handler


@bp.post("/<token>/rating")
@with_invite
def rate_form(opened: Opened) -> Response:
    score = request.form.get("score", "")
    if score not in SCORES:
        return _page(state_of(opened), 400)
    try:
        (rate_care if is_care(opened) else rate)(_services(), opened, int(score), utcnow())
    except FunnelError as err:  # opted out, or answered already: the page shows where the invite stands
        return _page(state_of(opened), err.status)
    return _page(state_of(opened))


@bp.post("/<token>/feedback")
@with_invite
def feedback_form(opened: Opened) -> Response:
    typed = {name: request.form.get(name, "")[:limit] for name, limit in
             (("text", 2000), ("channel", 20), ("hours", 40), ("address", 100))}
    words = give_care_words if is_care(opened) else give_feedback
    try:
        words(_services(), opened, request.form.get("text", ""), utcnow(), channel=typed["channel"],
              hours=typed["hours"], address=typed["address"])
    except FunnelError as err:
        if err.code in REFUSALS:
            return _page(state_of(opened), err.status)
        # What they typed stays in the form, with the problem said in words.
        return _page(state_of(opened, problem=err.code, **typed), err.status)
    return _page(state_of(opened))


@bp.post("/<token>/optout")
@with_invite
def optout_form(opened: Opened) -> Response:
    opt_out(_services(), opened, utcnow())
    return _page(state_of(opened))


@bp.get("/<token>/<any(rating, feedback, optout):form>")
def form_page(token: str, form: str) -> Response:
    """A GET of a form's address (a reload, a shared link, the no-JavaScript first screen): the page as it stands."""
    return _show(token)


@with_invite
def _show(opened: Opened) -> Response:
    return _page(state_of(opened))


@bp.get("/r/<token>/<platform_id>")
@with_invite
def platform_link(opened: Opened, platform_id: str) -> Response:
    """Count the click and send the patient on to the clinic's configured page, nowhere else; a link this
    invite cannot follow (no happy score yet, an unknown platform) shows the page instead."""
    try:
        platform = follow_platform(_services(), opened, platform_id, utcnow())
    except FunnelError as err:
        return _page(state_of(opened, notice=err.code), err.status)
    if platform is None:
        return _page(state_of(opened, notice="" if opened.invite.score else "not_routed"))
    return redirect(platform.url, code=302)
