"""The ``main`` group every command registers on, and the JSON printer the commands share."""

from __future__ import annotations

import json
from datetime import UTC, datetime

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


class MomentType(click.ParamType):
    """An ISO-8601 moment with its offset (``2026-11-23T10:00+03:00``, ``…Z``): a run "as if" then."""

    name = "ISO-8601-TIME"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("z", "Z"))
        except ValueError:
            self.fail(f"{value!r} is not an ISO-8601 time like 2026-11-23T10:00+03:00", param, ctx)
        if moment.tzinfo is None:
            self.fail(f"{value!r} has no UTC offset: add one (+03:00 for Moscow, Z for UTC)", param, ctx)
        return moment.astimezone(UTC)


# Replays after an outage (and tests): run as if at that moment. The scheduled jobs always run at the real now.
AT_HELP = "Run as if at this moment (ISO-8601 with an offset, e.g. 2026-11-23T10:00+03:00); default: now."


def as_of(at: datetime | None) -> datetime:
    from functions.services import utcnow

    return at or utcnow()
