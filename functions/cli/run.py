"""Running the funnel: create the store, serve, the demo, and the scheduled jobs by hand."""

from __future__ import annotations

from collections.abc import Callable

import click

from functions.cli.group import echo_json, main
from functions.config import Settings
from functions.services import Services, utcnow


@main.command()
@click.pass_obj
def init(services: Services) -> None:
    """Create the store (SQLite file or DynamoDB table)."""
    store = services.store
    if hasattr(store, "create_table"):
        store.create_table()
    click.echo(f"store ready: {services.settings.store}")


SERVER_OPTIONS = (
    click.option("--host", default="127.0.0.1", show_default=True),
    click.option("--port", type=int, default=None, help="Default: $PORT or 8000."),
    click.option("--workers", type=click.IntRange(1, 32), default=None, help="Default: $FUNNEL_WORKERS or 2."),
    click.option("--threads", type=click.IntRange(1, 64), default=None, help="Default: $FUNNEL_THREADS or 8."),
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
    click.echo(f"Outbox (what was 'sent'): {base}/outbox")
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
@click.pass_obj
def dispatch(services: Services) -> None:
    """Text every eligible visit of each clinic's local today, once."""
    from functions.invites.dispatch import send_due_invites

    echo_json(send_due_invites(services, utcnow()).as_dict())


@main.command()
@click.pass_obj
def sweep(services: Services) -> None:
    """Retry director emails whose send failed and whose retry time has come; pay rewards owed."""
    from functions.jobs import sweep_all

    echo_json(sweep_all(services, utcnow()))


@main.command()
@click.pass_obj
def purge(services: Services) -> None:
    """Delete expired visits and invites (their phone numbers go with them)."""
    click.echo(f"purged {services.store.purge_expired(utcnow())} rows")
