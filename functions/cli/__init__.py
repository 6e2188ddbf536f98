"""The command line: ``python -m functions --help``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from functions import logs
from functions.cli.cases import cases
from functions.cli.members import members
from functions.cli.rewards import rewards
from functions.clinics.clinic import Clinic
from functions.config import ConfigError, load_settings
from functions.services import Services, utcnow


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Otklik: the one-tap feedback funnel for clinics."""
    try:
        settings = load_settings()
    except ConfigError as err:
        raise click.ClickException(str(err)) from None
    logs.configure(settings.log_level)
    ctx.obj = Services(settings)


# Files this long get a progress bar on stderr (stdout stays the JSON report).
PROGRESS_FROM = 2000


def echo_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@main.command()
@click.pass_obj
def init(services: Services) -> None:
    """Create the store (SQLite file or DynamoDB table)."""
    store = services.store
    if hasattr(store, "create_table"):
        store.create_table()
    click.echo(f"store ready: {services.settings.store}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT or 8000.")
@click.pass_obj
def serve(services: Services, host: str, port: int | None) -> None:
    """Serve the page, the API and the outbox (embedded mode)."""
    from functions.server import run

    run(services, host, port or services.settings.port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT or 8000.")
@click.option("--no-serve", is_flag=True, help="Seed and dispatch, print the links, then stop.")
@click.pass_obj
def demo(services: Services, host: str, port: int | None, no_serve: bool) -> None:
    """Seed a demo clinic and today's visits, text them, print the links and serve."""
    from functions.demo import DEMO_OWNER, seed_demo

    port = port or services.settings.port
    base = f"http://{host}:{port}"
    services.settings = services.settings.with_overrides(public_url=base)
    links = seed_demo(services, utcnow())
    click.echo("Demo clinic ready. Open an invite link as the patient would:")
    for name, link in links:
        click.echo(f"  {name:<18} {link}")
    click.echo(f"Outbox (what was 'sent'): {base}/outbox")
    click.echo(f"Dashboard: {base}/admin/ - sign in as {DEMO_OWNER}; the link arrives in the outbox")
    if not no_serve:
        from functions.server import run

        run(services, host, port)


@main.command()
@click.pass_obj
def dispatch(services: Services) -> None:
    """Text every eligible visit of each clinic's local today, once."""
    from functions.invites.dispatch import send_due_invites

    echo_json(send_due_invites(services, utcnow()).as_dict())


@main.command()
@click.pass_obj
def sweep(services: Services) -> None:
    """Retry director emails whose send failed and whose retry time has come; pay rewards owed."""
    from functions.cases.sweep import sweep_all

    echo_json(sweep_all(services, utcnow()))


@main.command()
@click.pass_obj
def purge(services: Services) -> None:
    """Delete expired visits and invites (their phone numbers go with them)."""
    click.echo(f"purged {services.store.purge_expired(utcnow())} rows")


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
    from functions.clinics.clinic import ClinicError, save_clinic

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
        saved = save_clinic(services.store, doc, utcnow())
    except ClinicError as err:
        raise click.ClickException("invalid clinic:\n  " + "\n  ".join(err.problems)) from None
    click.echo(f"saved clinic {saved.id}")
    _warn_about_segments(services, saved)


def _warn_about_segments(services: Services, saved: Clinic) -> dict:
    from functions.invites.text import SEGMENT_WARNING, sample_invite

    text, segments = sample_invite(saved, services.settings.link_base)
    if segments.count > SEGMENT_WARNING:
        click.echo(f"warning: the invite SMS takes {segments.count} {segments.encoding} segments "
                   f"(more than {SEGMENT_WARNING}); every extra segment is paid for each patient", err=True)
    return {"text": text, "encoding": segments.encoding, "units": segments.units, "segments": segments.count}


@clinic.command("show")
@click.argument("clinic_id")
@click.pass_obj
def clinic_show(services: Services, clinic_id: str) -> None:
    """Print a clinic's configuration."""
    found = services.clinic(clinic_id)
    if found is None:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    echo_json({**found.to_doc(), "sample_sms": _warn_about_segments(services, found)})


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


@main.group()
def visits() -> None:
    """Bring visits in from the clinic's system."""


@visits.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--clinic", "clinic_id", required=True)
@click.option("--map", "mapping", multiple=True, metavar="FIELD=HEADER",
              help="Name an odd header, e.g. --map phone='Моб. тел.'")
@click.pass_obj
def visits_import(services: Services, file: Path, clinic_id: str, mapping: tuple[str, ...]) -> None:
    """Import a CSV export; print what was imported, updated and rejected (with line numbers)."""
    from functions.visits.csv_files import import_csv

    found = services.clinic(clinic_id)
    if found is None:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    pairs = dict(item.split("=", 1) for item in mapping if "=" in item)

    def progress(rows: list) -> Iterator:
        if len(rows) < PROGRESS_FROM:
            yield from rows
            return
        with click.progressbar(rows, label="importing", file=sys.stderr) as bar:
            yield from bar

    report = import_csv(services.store, found, file.read_bytes(), services.settings.token_days, pairs, progress)
    echo_json(report.as_dict())
    if report.rejected and not (report.imported or report.updated):
        sys.exit(1)


@main.group()
def site() -> None:
    """The static rating page."""


@site.command("build")
@click.option("--api-url", required=True, help="Where the API answers, e.g. https://api.otklik.ru")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/site"), show_default=True)
def site_build(api_url: str, out: Path) -> None:
    """Write the deployable page folder."""
    from functions.answers.page import build_site

    for path in build_site(out, api_url):
        click.echo(path)


@site.command("deploy")
@click.option("--bucket", required=True, help="The S3 bucket behind the page's CDN.")
@click.option("--api-url", required=True, help="Where the API answers, e.g. https://api.otklik.ru")
@click.pass_obj
def site_deploy(services: Services, bucket: str, api_url: str) -> None:
    """Build the page and upload it with the right Content-Type and Cache-Control."""
    import tempfile

    from functions.answers.page import build_site, deploy_site
    from functions.transports.aws import client

    with tempfile.TemporaryDirectory() as folder:
        build_site(Path(folder), api_url)
        for key, content_type, cache_control in deploy_site(Path(folder), client("s3", services.settings), bucket):
            click.echo(f"{key}  {content_type}  {cache_control}")


main.add_command(cases)
main.add_command(rewards)
main.add_command(members)
