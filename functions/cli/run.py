"""Running the funnel: create the store (and on AWS what the function needs), serve, the demo, and the
scheduled jobs by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import click

from functions.cli.group import AT_HELP, MomentType, as_of, echo_json, main
from functions.config import ConfigError, Deployment, Settings, load_deployment
from functions.services import Services, utcnow


@main.command()
@click.option("--stage", default=None, help="Prepare AWS for this stage of zappa_settings.json (e.g. dev): "
              "its table, imports bucket and SES sender, in its region.")
@click.option("--settings", "settings_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("zappa_settings.json"), show_default=True)
@click.pass_obj
def init(services: Services, stage: str | None, settings_file: Path) -> None:
    """Create the store (SQLite file or DynamoDB table); with --stage, everything AWS needs before `zappa deploy`."""
    if stage is None:
        store = services.store
        if hasattr(store, "create_table"):
            store.create_table()
        click.echo(f"store ready: {services.settings.store}")
        return
    try:
        deployment = load_deployment(stage, settings_file)
    except ConfigError as err:
        raise click.ClickException(str(err)) from None
    prepare_aws(Services(deployment.settings), deployment)


def prepare_aws(services: Services, deployment: Deployment) -> None:
    """Idempotent: the table with its index and TTL, the private imports bucket, the SES sender's check."""
    from functions.transports.aws import client

    settings, region = services.settings, deployment.region
    if settings.store != "dynamodb":
        raise click.ClickException(f"stage {deployment.stage} does not use DynamoDB (FUNNEL_STORE={settings.store})")
    services.store.create_table()  # type: ignore[attr-defined]
    click.echo(f"table {settings.dynamodb_table} in {region}: ready (index by_day, TTL on ttl)")
    if deployment.imports_bucket:
        made = ensure_bucket(client("s3", settings), deployment.imports_bucket, region, settings.token_days)
        click.echo(f"imports bucket {deployment.imports_bucket} in {region}: {'created' if made else 'exists'}, "
                   f"private, files under imports/ deleted after {settings.token_days} days")
    if settings.email_transport == "ses":
        for line in check_sender(client("sesv2", settings), settings.email_from, region):
            click.echo(line)


def ensure_bucket(s3: Any, bucket: str, region: str, keep_days: int) -> bool:
    """Create the bucket if missing: no public access, and dropped files (patients' phones) kept no longer
    than the invites they became. Answers whether it was created."""
    created = False
    try:
        s3.head_bucket(Bucket=bucket)
    except s3.exceptions.ClientError as err:
        if err.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise click.ClickException(f"bucket {bucket}: {err}") from None
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **where)
        created = True
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
        "ID": "imports-expire", "Status": "Enabled", "Filter": {"Prefix": "imports/"},
        "Expiration": {"Days": keep_days}}]})
    return created


def check_sender(ses: Any, email_from: str, region: str) -> list[str]:
    """Is the sender (its address or its domain) verified in this region? If SES knows neither, ask it to
    verify the address (SES emails it a link). And say whether the account is still in the sandbox."""
    address = parseaddr(email_from)[1].lower()
    domain = address.rpartition("@")[2]
    lines, known = [], False
    for identity in (address, domain):
        try:
            found = ses.get_email_identity(EmailIdentity=identity)
        except ses.exceptions.NotFoundException:
            continue
        known = True
        if found.get("VerifiedForSendingStatus"):
            lines.append(f"SES sender {identity} in {region}: verified")
            break
    else:
        if not known:
            ses.create_email_identity(EmailIdentity=address)
            lines.append(f"SES sender {address} in {region}: NOT verified; SES has emailed it a link to confirm "
                         f"(or verify the domain {domain} with its DKIM records). Director emails wait until then.")
        else:
            lines.append(f"SES sender {address} in {region}: verification pending; director emails wait until then")
    try:
        account = ses.get_account()
    except ses.exceptions.ClientError:
        return lines  # an SES-compatible service without accounts (Postbox, a test double)
    if not account.get("ProductionAccessEnabled", False):
        lines.append(f"SES account in {region} is in the sandbox: every director's address must be verified too, "
                     "or request production access")
    return lines


SERVER_OPTIONS = (
    click.option("--host", default="127.0.0.1", show_default=True),
    click.option("--port", type=int, default=None, help="Default: $PORT or 8000."),
    click.option("--workers", type=click.IntRange(1, 32), default=None, help="Default: $FUNNEL_WORKERS or 4."),
    click.option("--threads", type=click.IntRange(1, 64), default=None, help="Default: $FUNNEL_THREADS or 4."),
)


def server_options(command: Callable) -> Callable:
    for option in reversed(SERVER_OPTIONS):
        command = option(command)
    return command


def _server_settings(services: Services, workers: int | None, threads: int | None, **more: object) -> Settings:
    chosen = {k: v for k, v in {"workers": workers, "threads": threads}.items() if v is not None}
    return services.settings.with_overrides(**chosen, **more)


@main.command()
@server_options
@click.pass_obj
def serve(services: Services, host: str, port: int | None, workers: int | None, threads: int | None) -> None:
    """Serve the page, the API, the dashboard and the outbox, and run the schedules (dispatch, sweep, digest,
    purge)."""
    from functions.server.serving import run

    run(_server_settings(services, workers, threads), host, port or services.settings.port)


@main.command()
@server_options
@click.option("--speed", type=click.FloatRange(1, 3600), default=60, show_default=True,
              help="How much faster than real time the demo's clinic day runs.")
@click.option("--no-serve", is_flag=True, help="Seed and dispatch, print the links, then stop.")
@click.pass_obj
def demo(services: Services, host: str, port: int | None, workers: int | None, threads: int | None,
         speed: float, no_serve: bool) -> None:
    """Seed a demo clinic and its day of visits, text the first ones, print the links, and serve while the
    rest of the day's invites and reminders go out, faster than real time."""
    from functions.demo import DEMO_OWNER, DemoClock, seed_demo

    port = port or services.settings.port
    base = f"http://{host}:{port}"
    services.settings = _server_settings(services, workers, threads, public_url=base)
    clock = DemoClock.starting(utcnow(), speed)
    links = seed_demo(services, clock.start)
    click.echo("Demo clinic ready. Open an invite link as the patient would:")
    for name, link in links:
        click.echo(f"  {name:<18} {link}")
    click.echo(f"Outbox (what was 'sent': SMS, WhatsApp, Telegram, email): {base}/outbox")
    click.echo(f"Dashboard: {base}/admin/ - sign in as {DEMO_OWNER}; the link arrives in the outbox")
    if no_serve:
        return
    click.echo(f"The clinic's day runs {speed:g}x faster from {clock.local_start:%H:%M}: more visits end, their "
               "invites and reminders go out (watch /outbox and the log). Ctrl-C stops.")
    from functions.server.schedule import funnel_jobs
    from functions.server.serving import run

    services.store.close()  # the workers open their own; a connection must not cross a fork
    run(services.settings, host, port, jobs_for=lambda worker: funnel_jobs(worker, speed), clock=clock)


@main.command()
@click.option("--at", type=MomentType(), default=None, help=AT_HELP)
@click.pass_obj
def dispatch(services: Services, at: datetime | None) -> None:
    """Text every eligible visit of each clinic's local today, once; and the care messages due."""
    from functions.invites.dispatch import send_due_invites

    echo_json(send_due_invites(services, as_of(at)).as_dict())


@main.command()
@click.option("--at", type=MomentType(), default=None, help=AT_HELP)
@click.pass_obj
def sweep(services: Services, at: datetime | None) -> None:
    """Retry director emails whose send failed and whose retry time has come; pay rewards owed."""
    from functions.jobs import sweep_all

    echo_json(sweep_all(services, as_of(at)))


@main.command()
@click.pass_obj
def purge(services: Services) -> None:
    """Delete expired visits and invites (their phone numbers go with them)."""
    click.echo(f"purged {services.store.purge_expired(utcnow())} rows")
