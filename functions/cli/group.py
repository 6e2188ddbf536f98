"""The ``main`` group every command registers on, and the JSON printer the commands share."""

from __future__ import annotations

import json

import click

from functions import logs
from functions.config import ConfigError, load_settings
from functions.services import Services


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Otklik: the one-tap feedback funnel for clinics."""
    try:
        settings = load_settings()
    except ConfigError as err:
        raise click.ClickException(str(err)) from None
    logs.configure(settings.log_level, structured=settings.on_lambda)
    ctx.obj = Services(settings)


def echo_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))
