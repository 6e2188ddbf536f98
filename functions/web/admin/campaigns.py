"""Campaign letters on the dashboard (owner only): the campaigns with sent, returned and the share; a new one is
written, checked (who gets it, who is left out and why, the letter as a sample patient reads it, the SMS's
segments) and only then sent. Sending starts here (for a few seconds) and the scheduled job finishes it."""

from __future__ import annotations

from flask import Response, redirect, request

from functions.clinics.clinic import ClinicError
from functions.dashboard.settings_edit import save_change
from functions.patients.campaigns import CHANNELS, CampaignError, campaign_numbers, new_campaign, send_campaign
from functions.patients.campaigns import start_campaign as start
from functions.patients.letters import letter_words, sample_letter
from functions.patients.settings import LETTER_PARTS
from functions.services import utcnow
from functions.web.admin.core import OWNER, bp, member, page, services, signed_in

MONTHS = (6, 12, 18, 24, 36)
IN_REQUEST_SECONDS = 8.0  # what a page may spend sending; the job (every 15 minutes) sends the rest


def _form() -> dict:
    form = {part: request.form.get(part, "").strip()[:1500] for part in LETTER_PARTS}
    form.update(name=request.form.get("name", "").strip()[:80], channel=request.form.get("channel", "email"),
                months=request.form.get("months", "12"), save=request.form.get("save") == "on")
    return form


def _list_page(clinic, status: int = 200, **extra: object) -> Response:
    store = services().store
    numbers = [campaign_numbers(store, clinic, c) for c in store.list_campaigns(clinic.id)]
    form = extra.pop("form", None) or {**clinic.patients.letter, "channel": "email", "months": "12", "save": True}
    return page("campaigns.html", status, clinic=clinic, role=OWNER, numbers=numbers, form=form, parts=LETTER_PARTS,
                defaults=letter_words(clinic.locale), months=MONTHS, channels=CHANNELS, zone=clinic.zone,
                sent=request.args.get("sent"), started=request.args.get("started", ""), **extra)


@bp.get("/c/<clinic_id>/campaigns")
def campaigns_page(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    return _list_page(clinic)


def _checked(clinic, form: dict):
    if not form["months"].isdigit():
        raise CampaignError("months: a whole number")
    letter = {part: form[part] for part in LETTER_PARTS}
    return new_campaign(clinic, form["name"] or "?", int(form["months"]), form["channel"], signed_in(), utcnow(),
                        letter)


@bp.post("/c/<clinic_id>/campaigns/preview")
def campaign_preview(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    form = _form()
    try:
        if not form["name"]:
            raise CampaignError("name: give the campaign a name")
        campaign = _checked(clinic, form)
    except CampaignError as err:
        return _list_page(clinic, 400, form=form, problem=str(err))
    report = send_campaign(services(), clinic, campaign, utcnow(), dry_run=True)
    email, sms, segments = sample_letter(clinic, campaign.letter, services().settings.link_base)
    return page("campaign_preview.html", clinic=clinic, role=OWNER, form=form, parts=LETTER_PARTS,
                campaign=campaign, would=report.other.get("would_send", 0), left_out=report.left_out,
                done_before=report.other.get("already_sent", 0), email=email, sms=sms, segments=segments)


@bp.post("/c/<clinic_id>/campaigns/send")
def campaign_send(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    form, now, who = _form(), utcnow(), signed_in()
    try:
        if form["save"]:
            doc = clinic.to_doc()
            doc["patients"]["letter"] = {part: form[part] for part in LETTER_PARTS if form[part]}
            clinic = save_change(services(), clinic, doc, who, "campaign letter", now)
        if not form["months"].isdigit() or not form["name"]:
            raise CampaignError("name and months are needed")
        campaign, _ = start(services().store, clinic, form["name"], int(form["months"]), form["channel"], who, now,
                            {part: form[part] for part in LETTER_PARTS})
    except (CampaignError, ClinicError) as err:
        problem = "; ".join(err.problems) if isinstance(err, ClinicError) else str(err)
        return _list_page(clinic, 400, form=form, problem=problem)
    report = send_campaign(services(), clinic, campaign, now, seconds=IN_REQUEST_SECONDS)
    return redirect(f"/admin/c/{clinic_id}/campaigns?started={campaign.campaign_id}&sent={report.sent}", code=303)

