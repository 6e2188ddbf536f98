"""The Rewards page (owner only): the month's money, the accountant's export, and payments marked by hand.

The page works the same ledger as ``rewards export`` / ``mark-paid`` / ``mark-rejected`` on the command line,
through the same functions: an export hands each pending reward over once (a second export lists only what was
answered since; an earlier file can be downloaded again), and a reward is marked paid or rejected once, with who
did it and the payment's reference or the reason. Every export and mark is in the audit.
"""

from __future__ import annotations

import re

from flask import Response, redirect, request

from functions.dashboard.audit import record
from functions.dashboard.formats import month_name
from functions.rewards.ledger import MONTH, OWED, batch_rewards, export_csv, hand_over, month_report, settle_by_hand
from functions.services import utcnow
from functions.web.admin.core import OWNER, Refused, bp, member, page, services, signed_in

BATCH = re.compile(r"^\d{8}T\d{6}$")
SHOWN = {"sending": 0, "pending": 1, "failed": 2, "promised": 3, "paid": 4, "rejected": 5, "declined": 6,
         "expired": 7}


def _month(clinic) -> str:
    asked = request.values.get("month", "")
    if asked and not MONTH.match(asked):
        raise Refused(400, "Месяц указывается так: 2026-11.")
    return asked or utcnow().astimezone(clinic.zone).strftime("%Y-%m")


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


@bp.get("/c/<clinic_id>/rewards")
def rewards_page(clinic_id: str) -> Response:
    clinic, _ = member(clinic_id, OWNER)
    month = _month(clinic)
    rows = sorted(services().store.rewards_in_month(clinic_id, month),
                  key=lambda r: (SHOWN.get(r.status, 9), r.batch, r.created_at))
    batches = sorted({r.batch for r in rows if r.batch}, reverse=True)
    batch = request.args.get("batch", "")
    return page("rewards.html", clinic=clinic, role=OWNER, month=month, month_title=month_name(month),
                report=month_report(services(), clinic, month), rows=rows, batches=batches,
                batch=batch if batch in batches else "", done=request.args.get("done", ""),
                n=request.args.get("n", type=int, default=0), skipped=request.args.get("skipped", type=int, default=0),
                manual=services().settings.reward_provider == "manual", owed=OWED, me_email=signed_in())


@bp.post("/c/<clinic_id>/rewards/export")
def rewards_export(clinic_id: str) -> Response:
    """Hand the month's pending rewards over to one batch; the page then offers its file."""
    clinic, _ = member(clinic_id, OWNER)
    month = _month(clinic)
    now = utcnow()
    batch, handed = hand_over(services(), [clinic_id], month, now)
    if not handed:
        return redirect(f"/admin/c/{clinic_id}/rewards?month={month}&done=nothing", code=303)
    record(services(), clinic_id, signed_in(), "rewards: export", {},
           {"batch": batch, "rewards": len(handed), "amount_minor": sum(r.amount_minor for r in handed)}, now)
    return redirect(f"/admin/c/{clinic_id}/rewards?month={month}&batch={batch}&done=exported", code=303)


@bp.get("/c/<clinic_id>/rewards.csv")
def rewards_csv(clinic_id: str) -> Response:
    """An export's file (again, if need be): the rows that batch handed over, nothing new."""
    clinic, _ = member(clinic_id, OWNER)
    month, batch = _month(clinic), request.args.get("batch", "")
    if not BATCH.match(batch):
        raise Refused(400, "Укажите выгрузку.")
    found = batch_rewards(services(), [clinic_id], month, batch)
    if not found:
        raise Refused(404, "Такой выгрузки нет.")
    name = f"{clinic_id}-rewards-{month}-{batch}.csv"
    return Response(export_csv(found, lambda _: clinic.zone), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/c/<clinic_id>/rewards/settle")
def rewards_settle(clinic_id: str) -> Response:
    """Mark the chosen rewards (or a whole export) paid with a reference, or rejected with a reason."""
    clinic, _ = member(clinic_id, OWNER)
    month, form = _month(clinic), request.form
    status = form.get("status", "")
    if status not in ("paid", "rejected"):
        raise Refused(400, "Нет такого действия.")
    by = _one_line(form.get("by", ""), 120) or signed_in()
    reference, reason = _one_line(form.get("reference", ""), 120), _one_line(form.get("reason", ""), 200)
    if status == "paid" and not reference:
        raise Refused(400, "Укажите платёжный документ (например, «п/п 118»): по нему выплату найдут потом.")
    if status == "rejected" and not reason:
        raise Refused(400, "Укажите причину отказа: её увидит тот, кто будет разбираться с выплатой.")
    ids = form.getlist("reward")
    batch = form.get("batch", "")
    if batch and BATCH.match(batch):
        ids += [r.reward_id for r in batch_rewards(services(), [clinic_id], month, batch) if r.status == "sending"]
    ids = [i for i in dict.fromkeys(ids) if i.startswith(f"{month}/")]
    if not ids:
        raise Refused(400, "Отметьте хотя бы одну выплату.")
    now = utcnow()
    changed = [reward_id for reward_id in ids
               if settle_by_hand(services(), clinic_id, reward_id, status, now, by=by, reference=reference,
                                 reason=reason) == status]
    if changed:
        record(services(), clinic_id, signed_in(), f"rewards: {status}", {"rewards": changed, "status": "sending"},
               {"rewards": changed, "status": status, "by": by, **({"reference": reference} if reference else {}),
                **({"reason": reason} if reason else {})}, now)
    skipped = len(ids) - len(changed)
    return redirect(f"/admin/c/{clinic_id}/rewards?month={month}&done={status}&n={len(changed)}&skipped={skipped}",
                    code=303)
