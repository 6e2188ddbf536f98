"""``python -m functions members …``: who may sign in to a clinic's dashboard, as owner or director."""

from __future__ import annotations

import click

from functions.cli.group import echo_json, main
from functions.dashboard.signin import ROLES, normal_email, remove_member
from functions.services import Services, utcnow


def _email(ctx: click.Context, param: click.Parameter, value: str) -> str:
    email = normal_email(value)
    if email is None:
        raise click.BadParameter("not an email address")
    return email


@main.group()
def members() -> None:
    """Dashboard access: owners (everything) and directors (cases and numbers)."""


@members.command("add")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--email", required=True, callback=_email)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.pass_obj
def add(services: Services, clinic_id: str, email: str, role: str) -> None:
    """Give an address access to a clinic (or change its role); they sign in with a link sent to it."""
    if services.clinic(clinic_id) is None:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    services.store.put_member(clinic_id, email, role, utcnow())
    click.echo(f"{email} is {role} of {clinic_id}")


@members.command("remove")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--email", required=True, callback=_email)
@click.pass_obj
def remove(services: Services, clinic_id: str, email: str) -> None:
    """Take an address's access away and end its open sessions (at the next page they ask for)."""
    if not remove_member(services, clinic_id, email):
        raise click.ClickException(f"{email} has no access to {clinic_id!r}")
    click.echo(f"{email} removed from {clinic_id}")


@members.command("list")
@click.option("--clinic", "clinic_id", required=True)
@click.pass_obj
def list_members(services: Services, clinic_id: str) -> None:
    echo_json(services.store.members(clinic_id))
