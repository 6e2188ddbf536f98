"""Running the funnel: create the store, serve, the demo, and the scheduled jobs by hand."""

from __future__ import annotations

from datetime import datetime

import click

from functions.cli.group import AT_HELP, MomentType, as_of, echo_json, main
from functions.services import Services, utcnow


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
