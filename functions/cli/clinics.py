"""``python -m functions clinic …``: create, update and show clinics; make and revoke their API keys."""

from __future__ import annotations

import json
from pathlib import Path

import click

from functions.cli.group import echo_json, main
from functions.clinics.clinic import Clinic
from functions.services import Services, utcnow


@main.group()
def clinic() -> None:
    """Create, update and show clinics; make and revoke their API keys."""


@clinic.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def clinic_create(services: Services, file: Path) -> None:
    """Create a clinic from a JSON file (see tests/data/clinic.json)."""
    _save_clinic(services, file, must_exist=False)


@clinic.command("update")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def clinic_update(services: Services, file: Path) -> None:
    """Replace an existing clinic's configuration with the JSON file."""
    _save_clinic(services, file, must_exist=True)


def _save_clinic(services: Services, file: Path, must_exist: bool) -> None:
    from functions.clinics.clinic import ClinicError, parse_clinic, save_clinic
    from functions.invites.text import invite_problems

    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise click.ClickException(f"{file}: not a JSON file ({err})") from None
    exists = isinstance(doc, dict) and services.store.get_clinic(str(doc.get("id", ""))) is not None
    if must_exist and not exists:
        raise click.ClickException(f"no clinic {doc.get('id')!r}; use 'clinic create'")
    if not must_exist and exists:
        raise click.ClickException(f"clinic {doc.get('id')!r} exists; use 'clinic update'")
    try:
        problems = invite_problems(parse_clinic(doc), services.settings.link_base)
        if problems:
            raise ClinicError(problems)
        saved = save_clinic(services.store, doc, utcnow())
    except ClinicError as err:
        raise click.ClickException("invalid clinic:\n  " + "\n  ".join(err.problems)) from None
    click.echo(f"saved clinic {saved.id}")
    _warn_about_segments(services, saved)
    _care_samples(services, saved)


def _warn_about_segments(services: Services, saved: Clinic) -> dict:
    from functions.invites.text import SEGMENT_WARNING, sample_invite

    text, segments = sample_invite(saved, services.settings.link_base)
    if segments.count > SEGMENT_WARNING:
        click.echo(f"warning: the invite SMS takes {segments.count} {segments.encoding} segments "
                   f"(more than {SEGMENT_WARNING}); every extra segment is paid for each patient", err=True)
    return {"text": text, "encoding": segments.encoding, "units": segments.units, "segments": segments.count}


def _care_samples(services: Services, saved: Clinic) -> list[dict]:
    """Each care-message rule's SMS as a patient would get it, with a warning past two segments."""
    from functions.aftercare.text import sample_care
    from functions.invites.text import SEGMENT_WARNING

    found = []
    for n, rule in enumerate(saved.followups.rules):
        text, segments = sample_care(saved, rule, services.settings.link_base)
        if segments.count > SEGMENT_WARNING:
            click.echo(f"warning: the care SMS of followups.rules[{n}] takes {segments.count} {segments.encoding} "
                       f"segments (more than {SEGMENT_WARNING})", err=True)
        found.append({"text": text, "encoding": segments.encoding, "segments": segments.count})
    return found


@clinic.command("show")
@click.argument("clinic_id")
@click.pass_obj
def clinic_show(services: Services, clinic_id: str) -> None:
    """Print a clinic's configuration, its sample SMS and its channels (secrets named by source, never shown)."""
    from functions.channels.status import channel_status, masked_doc

    found = services.clinic(clinic_id)
    if found is None:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    echo_json({**masked_doc(found.to_doc()), "sample_sms": _warn_about_segments(services, found),
               "sample_care_sms": _care_samples(services, found),
               "channels": channel_status(services, found)})


@clinic.command("key")
@click.argument("clinic_id")
@click.option("--revoke", "revoke_id", default=None, help="Revoke the key with this id instead.")
@click.pass_obj
def clinic_key(services: Services, clinic_id: str, revoke_id: str | None) -> None:
    """Make an API key for POST /api/v1/visits (shown once), or revoke one."""
    from functions.visits.apikeys import create_key

    if services.clinic(clinic_id) is None:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    if revoke_id:
        key = services.store.get_api_key(revoke_id)
        if key is None or key.clinic_id != clinic_id or not services.store.revoke_api_key(revoke_id, utcnow()):
            raise click.ClickException(f"no live key {revoke_id!r} for clinic {clinic_id!r}")
        click.echo(f"revoked {revoke_id}")
        return
    key = create_key(services.store, clinic_id, utcnow())
    click.echo("API key (shown once; keep it secret):", err=True)
    click.echo(key)
