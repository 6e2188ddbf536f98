"""``python -m functions patients …``, ``campaigns …`` and ``handoffs …``: the patient register from the command
line — who stopped coming (with the call script), call outcomes, erase on request, campaign letters, hand-offs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from functions.cli.group import AT_HELP, MomentType, as_of, echo_json, main
from functions.clinics.clinic import Clinic
from functions.patients import campaigns as letters
from functions.patients import handoffs as recommendations
from functions.patients.erase import erase_patient
from functions.patients.reactivation import date_words, inactive, record_call, rows_csv
from functions.services import Services, utcnow
from functions.store.patient_records import CALL_OUTCOMES
from functions.visits.intake import RowError, parse_phone
from functions.visits.reasons import reason


def _clinic(services: Services, clinic_id: str) -> Clinic:
    clinic = services.clinic(clinic_id)
    if clinic is None:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    return clinic


def _phone(clinic: Clinic, raw: str) -> str:
    try:
        return parse_phone(raw, clinic.region)[0]
    except RowError as err:
        raise click.ClickException(f"--phone: {reason(err.code, clinic.locale, **err.params)}") from None


@main.group()
def patients() -> None:
    """The patient register: who stopped coming, call outcomes, erase on request."""


@patients.command("inactive")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the call list here (Excel: UTF-8 with BOM, ';').")
@click.option("--all", "settled_too", is_flag=True, help="Also patients whose call settled something.")
@click.option("--at", type=MomentType(), default=None, help=AT_HELP)
@click.pass_obj
def inactive_patients(services: Services, clinic_id: str, months: int, csv_path: Path | None, settled_too: bool,
                      at: datetime | None) -> None:
    """Patients whose last visit is older than N months and who agreed to offers, with the call script."""
    clinic = _clinic(services, clinic_id)
    rows, left_out = inactive(services.store, clinic, months, as_of(at), settled_too)
    report: dict = {"patients": len(rows), "left_out": dict(left_out)}
    if csv_path is not None:
        csv_path.write_text(rows_csv(clinic, rows), encoding="utf-8")
        report["csv"] = str(csv_path)
    else:
        report["list"] = [{"name": r.patient.name, "phone": r.patient.phone,
                           "last_visit": date_words(clinic, r.patient.last_visit_at), "doctor": r.patient.doctor,
                           "service": r.patient.service, "note": r.patient.note,
                           "last_call": r.outcome.outcome if r.outcome else "", "script": r.script} for r in rows]
    echo_json(report)


@patients.command("called")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--phone", required=True)
@click.option("--outcome", type=click.Choice(CALL_OUTCOMES), required=True)
@click.option("--by", "who", required=True, help="Who called.")
@click.pass_obj
def called(services: Services, clinic_id: str, phone: str, outcome: str, who: str) -> None:
    """Record what came of a reactivation call."""
    clinic = _clinic(services, clinic_id)
    record_call(services.store, clinic, _phone(clinic, phone), outcome, who, utcnow())
    click.echo(f"recorded: {outcome}")


@patients.command("erase")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--phone", required=True)
@click.option("--yes", is_flag=True, help="Do not ask.")
@click.pass_obj
def erase(services: Services, clinic_id: str, phone: str, yes: bool) -> None:
    """Remove the patient from every item of this clinic (reward rows keep no phone; opt-outs stay)."""
    clinic = _clinic(services, clinic_id)
    number = _phone(clinic, phone)
    if not yes:
        click.confirm(f"Erase this patient from clinic {clinic_id}? This cannot be undone", abort=True)
    echo_json({"erased": erase_patient(services, clinic.id, number, utcnow())})


@main.group()
def campaigns() -> None:
    """Campaign letters to patients who stopped coming (advertising consent only)."""


@campaigns.command("send")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--name", required=True, help="The campaign's name: the same name continues the same campaign.")
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True)
@click.option("--channel", type=click.Choice(letters.CHANNELS), default="email", show_default=True)
@click.option("--by", "who", default="operator", show_default=True)
@click.option("--dry-run", is_flag=True, help="Count who would get a letter and show one; send nothing.")
@click.option("--at", type=MomentType(), default=None, help=AT_HELP)
@click.pass_obj
def send(services: Services, clinic_id: str, name: str, months: int, channel: str, who: str, dry_run: bool,
         at: datetime | None) -> None:
    """Start (or continue) a campaign and send each patient's letter once."""
    from functions.patients.letters import sample_letter

    clinic, now = _clinic(services, clinic_id), as_of(at)
    try:
        if dry_run:
            campaign = services.store.get_campaign(clinic.id, letters.campaign_id(name))
            if campaign is None:
                campaign = letters.new_campaign(clinic, name, months, channel, who, now)
        else:
            campaign, _ = letters.start_campaign(services.store, clinic, name, months, channel, who, now)
    except letters.CampaignError as err:
        raise click.ClickException(str(err)) from None
    report = letters.send_campaign(services, clinic, campaign, now, dry_run=dry_run).as_dict()
    if dry_run:
        email, sms, segments = sample_letter(clinic, campaign.letter, services.settings.link_base)
        report["sample"] = {"subject": email.subject, "text": email.text} if channel == "email" else {
            "sms": sms, "segments": segments.count, "encoding": segments.encoding}
    echo_json(report)


@campaigns.command("list")
@click.option("--clinic", "clinic_id", required=True)
@click.pass_obj
def list_campaigns(services: Services, clinic_id: str) -> None:
    """Campaigns, newest first: sent, returned (visited after the letter) and the share."""
    clinic = _clinic(services, clinic_id)
    echo_json([{"name": n.campaign.name, "channel": n.campaign.channel, "months": n.campaign.months,
                "state": n.campaign.state, "sent": n.sent, "returned": n.returned, "share": n.share,
                "failed": n.failed} for c in services.store.list_campaigns(clinic.id)
               for n in [letters.campaign_numbers(services.store, clinic, c)]])


@main.group()
def handoffs() -> None:
    """Doctors' recommendations nobody booked: the curator's call list."""


@handoffs.command("list")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--at", type=MomentType(), default=None, help=AT_HELP)
@click.pass_obj
def list_handoffs(services: Services, clinic_id: str, at: datetime | None) -> None:
    """Recommendations not booked within the clinic's days, oldest first."""
    clinic = _clinic(services, clinic_id)
    echo_json([{"id": h.handoff_id, "name": h.name, "phone": h.phone, "wanted": h.wanted, "doctor": h.doctor,
                "recommended": date_words(clinic, h.visit_at), "last_call": h.outcome}
               for h in recommendations.call_list(services.store, clinic, as_of(at))])


@handoffs.command("called")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--outcome", type=click.Choice(CALL_OUTCOMES), required=True)
@click.option("--by", "who", required=True)
@click.argument("handoff_id")
@click.pass_obj
def handoff_called(services: Services, clinic_id: str, outcome: str, who: str, handoff_id: str) -> None:
    """Record the curator's call: declined or a wrong number take it off the list."""
    clinic = _clinic(services, clinic_id)
    if not recommendations.settle(services.store, clinic, handoff_id, outcome, who, utcnow()):
        raise click.ClickException(f"no open recommendation {handoff_id!r}")
    click.echo(f"recorded: {outcome}")
