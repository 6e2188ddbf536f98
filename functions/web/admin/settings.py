"""The clinic's settings (owner only): the general form, the review platforms, the SMS text with a preview."""

from __future__ import annotations

from flask import Response, jsonify, redirect, request
from jinja2 import TemplateError

from functions.cases.kinds import kind_names
from functions.clinics.clinic import Clinic, ClinicError, parse_clinic
from functions.clinics.platforms import PLATFORM_HOSTS, TYPE_NAMES, looks_like_reviews
from functions.dashboard.problems import said_all
from functions.dashboard.settings_edit import (
    custom_warning,
    gating_forbidden,
    general_settings,
    platform_change,
    save_change,
)
from functions.invites.text import invite_problems, sample_invite
from functions.rewards.ledger import MonthReport, month_report
from functions.services import utcnow
from functions.web.admin.core import OWNER, Refused, bp, member, page, services, signed_in


def _settings_page(clinic: Clinic, status: int = 200, **extra: object) -> Response:
    try:
        text, segments = sample_invite(clinic, services().settings.link_base)
    except TemplateError:  # a text saved before today's limits: the page shows it, the form fixes it
        text, segments = "", None
    doc = clinic.to_doc()
    if request.args.get("saved") == "budget_below":
        extra["month"] = _this_month(clinic)
    return page("settings.html", status, clinic=clinic, doc=doc, role=OWNER, types=TYPE_NAMES, hosts=PLATFORM_HOSTS,
                gated_against=gating_forbidden(doc), shaped=looks_like_reviews, kinds=kind_names("ru"),
                sample=text, segments=segments, custom=custom_warning(doc), saved=request.args.get("saved", ""),
                **extra)


@bp.get("/c/<clinic_id>/settings")
def settings_page(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    return _settings_page(clinic)


@bp.post("/c/<clinic_id>/settings")
def settings_save(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    new_doc = general_settings(clinic.to_doc(), request.form)
    now = utcnow()
    try:
        changed = save_change(services(), clinic, new_doc, signed_in(), "settings", now)
    except ClinicError as err:
        return _settings_page(clinic, 400, problems=said_all(err.problems, new_doc), form=request.form)
    budget = changed.reward.monthly_budget_minor
    if budget and budget != clinic.reward.monthly_budget_minor and budget < _this_month(changed).committed_minor:
        return redirect(f"/admin/c/{clinic_id}/settings?saved=budget_below", code=303)
    return redirect(f"/admin/c/{clinic_id}/settings?saved=settings", code=303)


def _this_month(clinic: Clinic) -> MonthReport:
    return month_report(services(), clinic, utcnow().astimezone(clinic.zone).strftime("%Y-%m"))


@bp.post("/c/<clinic_id>/settings/policy")
def policy_save(clinic_id: str) -> Response:
    """The one-click switch the review-gating warning offers: every patient sees the platforms."""
    clinic, _ = member(clinic_id, OWNER)
    if request.form.get("policy") not in ("open", "gated"):
        raise Refused(400, "Нет такого правила.")
    new_doc = {**clinic.to_doc(), "policy": request.form["policy"]}
    save_change(services(), clinic, new_doc, signed_in(), "settings", utcnow())
    return redirect(f"/admin/c/{clinic_id}/settings?saved=policy", code=303)


@bp.post("/c/<clinic_id>/platforms")
def platforms_save(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    action = request.form.get("action", "")
    if action not in ("add", "remove", "up", "down", "shares"):
        raise Refused(400, "Нет такого действия.")
    new_doc = platform_change(clinic.to_doc(), request.form)
    try:
        save_change(services(), clinic, new_doc, signed_in(), f"platforms: {action}", utcnow())
    except ClinicError as err:
        return _settings_page(clinic, 400, problems=said_all(err.problems, new_doc), adding=request.form)
    saved = "custom" if action == "add" and custom_warning(new_doc) and request.form.get("type") == "custom" else action
    return redirect(f"/admin/c/{clinic_id}/settings?saved={saved}#platforms", code=303)


@bp.get("/c/<clinic_id>/sms-preview")
def sms_preview(clinic_id: str) -> Response:
    """The invite as a patient would get it with the text being edited, and its segments (for the live count)."""
    clinic, _ = member(clinic_id, OWNER)
    doc = clinic.to_doc()
    doc["sending"]["template"] = request.args.get("template", "")[:1000].strip()
    try:
        edited = parse_clinic(doc)
        text, segments = sample_invite(edited, services().settings.link_base)
    except ClinicError as err:
        return jsonify({"problems": said_all(err.problems, doc)}), 400
    except TemplateError as err:
        return jsonify({"problems": said_all([f"sending.template: {err.message or err}"], doc)}), 400
    answer = {"text": text, "encoding": segments.encoding, "segments": segments.count, "units": segments.units}
    problems = said_all(invite_problems(edited, services().settings.link_base), doc)
    return jsonify({**answer, "problems": problems} if problems else answer)
