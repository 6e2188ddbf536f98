"""``python -m functions rewards …``: the reward ledger, its payments and its monthly report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from functions.cli.group import echo_json, main
from functions.rewards.ledger import (
    MONTH,
    amount_text,
    batch_rewards,
    export_csv,
    hand_over,
    month_report,
    read_export,
    retry_payment,
    settle_by_hand,
)
from functions.services import Services, utcnow


def _month(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not MONTH.match(value):
        raise click.BadParameter("a month like 2026-11")
    return value


def _clinic_ids(services: Services, clinic_id: str | None) -> list[str]:
    ids = services.store.list_clinic_ids()
    if clinic_id is not None and clinic_id not in ids:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    return [clinic_id] if clinic_id else ids



@main.group()
def rewards() -> None:
    """The reward ledger: list, pay (manual export and marks, or the automatic provider), report."""


@rewards.command("list")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--month", default=None, callback=lambda c, p, v: v if v is None else _month(c, p, v))
@click.pass_obj
def list_rewards(services: Services, clinic_id: str, month: str | None) -> None:
    """Every ledger row of a clinic (or of one month)."""
    found = services.store.rewards_in_month(clinic_id, month) if month else services.store.list_rewards(clinic_id)
    echo_json([{**vars(r), "month": r.month} for r in found])


@rewards.command("export")
@click.option("--month", required=True, callback=_month, help="The clinics' local month, e.g. 2026-11.")
@click.option("--clinic", "clinic_id", default=None, help="One clinic; every clinic when left out.")
@click.option("--batch", default=None, help="Write an earlier export's file again instead of handing over new rewards.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The CSV file (stdout if left out).")
@click.pass_obj
def export(services: Services, month: str, clinic_id: str | None, batch: str | None, out: Path | None) -> None:
    """The accountant's work list: every pending manual reward of the month, handed over once.

    A second export lists only rewards granted since; --batch writes an earlier file again.
    """
    ids = _clinic_ids(services, clinic_id)
    if batch:
        found = batch_rewards(services, ids, month, batch)
    else:
        batch, found = hand_over(services, ids, month, utcnow())
    text = export_csv(found, lambda cid: (c.zone if (c := services.clinic(cid)) else None))
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    total = sum(r.amount_minor for r in found)
    click.echo(f"batch {batch}: {len(found)} rewards, {amount_text(total)} in all", err=True)


def _marked(services: Services, pairs: list[tuple[str, str, str]], status: str, by: str, reason: str) -> None:
    now = utcnow()
    outcome: dict[str, list[str]] = {}
    for clinic_id, reward_id, reference in pairs:
        result = settle_by_hand(services, clinic_id, reward_id, status, now, by=by, reference=reference, reason=reason)
        outcome.setdefault(result, []).append(f"{clinic_id} {reward_id}")
    echo_json(outcome)
    if set(outcome) - {status, "already"}:
        sys.exit(1)


def _pairs(clinic_id: str | None, reward_ids: tuple[str, ...], file: Path | None, reference: str) -> list:
    if file is not None:
        data = file.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1251")  # the file saved again by Russian Excel
        rows = read_export(text)
        if rows and not {"clinic", "reward_id"} <= set(rows[0]):
            raise click.ClickException("the file needs the export's clinic and reward_id columns")
        return [(r["clinic"], r["reward_id"], r.get("reference") or reference) for r in rows]
    if not clinic_id or not reward_ids:
        raise click.UsageError("give --clinic and reward ids, or --file with the exported CSV")
    return [(clinic_id, reward_id, reference) for reward_id in reward_ids]


@rewards.command("mark-paid")
@click.argument("reward_ids", nargs=-1)
@click.option("--clinic", "clinic_id", default=None)
@click.option("--file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The exported CSV (a reference column, if added, is kept per row).")
@click.option("--by", required=True, help="Who paid: kept on each row.")
@click.option("--reference", default="", help="The payment's reference, e.g. the bank's order number.")
@click.pass_obj
def mark_paid(services: Services, reward_ids: tuple[str, ...], clinic_id: str | None, file: Path | None,
              by: str, reference: str) -> None:
    """Record manual payments; a row already paid is reported, never paid twice."""
    _marked(services, _pairs(clinic_id, reward_ids, file, reference), "paid", by, "")


@rewards.command("mark-rejected")
@click.argument("reward_ids", nargs=-1, required=True)
@click.option("--clinic", "clinic_id", required=True)
@click.option("--by", required=True)
@click.option("--reason", required=True, help="Why it cannot be paid, e.g. the operator refused the number.")
@click.pass_obj
def mark_rejected(services: Services, reward_ids: tuple[str, ...], clinic_id: str, by: str, reason: str) -> None:
    """Record that a manual reward cannot be paid; its amount goes back to the month's budget."""
    _marked(services, _pairs(clinic_id, reward_ids, None, ""), "rejected", by, reason)


@rewards.command("pay")
@click.pass_obj
def pay(services: Services) -> None:
    """Pay what the automatic provider owes now (the sweep job does this every few minutes)."""
    from functions.rewards.payouts import pay_due_rewards

    if services.rewards is None:
        raise click.ClickException("FUNNEL_REWARD_PROVIDER is manual: use rewards export and mark-paid")
    echo_json(pay_due_rewards(services, utcnow()))


@rewards.command("retry")
@click.argument("reward_id")
@click.option("--clinic", "clinic_id", required=True)
@click.pass_obj
def retry(services: Services, reward_id: str, clinic_id: str) -> None:
    """Give a failed automatic payment one more attempt (it is looked up before any new top-up)."""
    if not retry_payment(services, clinic_id, reward_id, utcnow()):
        raise click.ClickException(f"{reward_id!r} is not a failed payment of clinic {clinic_id!r}")
    echo_json({"retry": reward_id})


@rewards.command("report")
@click.option("--month", required=True, callback=_month)
@click.option("--clinic", "clinic_id", default=None)
@click.pass_obj
def report(services: Services, month: str, clinic_id: str | None) -> None:
    """Per clinic: paid, still to pay, failed, rejected, declined, and the budget left."""
    found = []
    for cid in _clinic_ids(services, clinic_id):
        clinic = services.clinic(cid)
        if clinic is not None:
            found.append(month_report(services, clinic, month).as_dict())
    echo_json(found)
