"""``python -m functions channels …``: test-send through a clinic's channels, connect the bot's webhook, and
keep a clinic's own secrets encrypted."""

from __future__ import annotations

import click

from functions.cli.group import echo_json, main
from functions.services import Services, utcnow


@main.group()
def channels() -> None:
    """WhatsApp and Telegram: test-send, connect the bot, encrypt a clinic's own secrets."""


def _clinic(services: Services, clinic_id: str):
    clinic = services.clinic(clinic_id)
    if clinic is None:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    return clinic


@channels.command("test")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--to", "to", required=True,
              help="A patient's phone (WhatsApp, else SMS) or a member's email (Telegram).")
@click.option("--channel", type=click.Choice(["whatsapp", "sms"]), default=None,
              help="For a phone: force one channel (default: WhatsApp when the clinic has it).")
@click.pass_obj
def test_send(services: Services, clinic_id: str, to: str, channel: str | None) -> None:
    """Send one test message and print what the provider said (a permanent refusal is a configuration problem)."""
    from functions.channels.testing import send_test

    outcome = send_test(services, _clinic(services, clinic_id), to, channel, utcnow())
    echo_json(outcome)
    if not outcome.get("sent"):
        raise click.ClickException(outcome.get("error", "not sent"))


@channels.command("connect")
@click.option("--clinic", "clinic_id", required=True)
@click.pass_obj
def connect(services: Services, clinic_id: str) -> None:
    """Point the clinic's bot at its webhook (setWebhook with the secret) and print WhatsApp's webhook to give Meta."""
    from functions.channels.testing import connect_bot

    echo_json(connect_bot(services, _clinic(services, clinic_id)))


@channels.command("encrypt")
@click.option("--value", prompt=True, hide_input=True, help="The secret (asked for, not echoed, when left out).")
@click.pass_obj
def encrypt_value(services: Services, value: str) -> None:
    """Encrypt a clinic's own token or secret for its JSON (``"access_token": "enc:…"``), with FUNNEL_SETTINGS_KEY."""
    from functions.channels.secrets import encrypt

    click.echo(encrypt(services.settings_key, value.strip()))


@channels.command("key")
def new_key() -> None:
    """Print a new FUNNEL_SETTINGS_KEY (put it in the function's environment, never in zappa_settings.json)."""
    from functions.channels.secrets import new_key as make

    click.echo(make())
