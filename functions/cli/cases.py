"""``python -m functions cases …``: the director's work on complaint cases, from the command line."""

from __future__ import annotations

import click

from functions.cases import moves
from functions.cases.alerts import alert_problem
from functions.cases.kinds import KINDS, reclassify
from functions.cases.replies import case_reply
from functions.cli.group import echo_json, main
from functions.services import Services, utcnow
from functions.store import Case

ORDER = {"new": 0, "contacted": 1, "resolved": 2}
EMAIL_STATES = {"retry": "waiting", "claimed": "sending"}


def _summary(case: Case) -> dict:
    summary = {"case": case.case_id, "status": case.status, "kind": case.kind, "score": case.score,
               "created_at": case.created_at.isoformat(), "first_words": " ".join(case.text.split()[:8]),
               "email": EMAIL_STATES.get(case.email_state, case.email_state or "pending")}
    reason, error = alert_problem(case)
    if case.email_state == "retry":
        # Waiting, not lost: the sweep sends it at the next attempt, once the reason is fixed.
        summary.update(email_waiting_for=reason or "other", email_attempts=case.attempts,
                       email_next_attempt=case.claim_until.isoformat() if case.claim_until else None)
    if case.email_state in ("retry", "failed"):
        summary["email_error"] = error
    return summary


def _case(services: Services, clinic_id: str, case_id: str) -> Case:
    case = services.store.get_case(clinic_id, case_id)
    if case is None:
        raise click.ClickException(f"no case {case_id!r} in clinic {clinic_id!r}")
    return case


@main.group()
def cases() -> None:
    """Complaint cases: list, show, change the kind, mark contacted, resolve."""


@cases.command("list")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--status", type=click.Choice(tuple(ORDER)), default=None)
@click.pass_obj
def list_cases(services: Services, clinic_id: str, status: str | None) -> None:
    """New cases first, then contacted, then resolved; oldest first within each."""
    found = [c for c in services.store.list_cases(clinic_id) if status in (None, c.status)]
    echo_json([_summary(c) for c in sorted(found, key=lambda c: (ORDER.get(c.status, 3), c.created_at))])


@cases.command("show")
@click.option("--clinic", "clinic_id", required=True)
@click.argument("case_id")
@click.pass_obj
def show_case(services: Services, clinic_id: str, case_id: str) -> None:
    """The whole case, with the patient's contact and the suggested first reply."""
    case = _case(services, clinic_id, case_id)
    clinic = services.clinic(clinic_id)
    visit = services.store.get_visit(clinic_id, case.visit_id)
    details = {**vars(case), "patient": visit.patient_name if visit else "", "phone": visit.phone if visit else ""}
    if clinic:
        details["suggested_reply"] = case_reply(clinic, case, visit)
    details["timeline"] = [{"at": e.at.isoformat(), "kind": e.kind, "who": e.who, "text": e.text, **e.data}
                           for e in services.store.case_events(clinic_id, case_id)]
    echo_json(details)


@cases.command("kind")
@click.option("--clinic", "clinic_id", required=True)
@click.argument("case_id")
@click.argument("kind", type=click.Choice(KINDS))
@click.pass_obj
def change_kind(services: Services, clinic_id: str, case_id: str, kind: str) -> None:
    """Correct the guessed kind (the suggested reply follows it)."""
    reclassify(services, _case(services, clinic_id, case_id), kind, "cli")
    click.echo(f"case {case_id}: {kind}")


@cases.command("contacted")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--by", "who", required=True, help="Who reached the patient (an email or a name).")
@click.argument("case_id")
@click.pass_obj
def contacted(services: Services, clinic_id: str, case_id: str, who: str) -> None:
    """The patient was called or written to."""
    case = _case(services, clinic_id, case_id)
    if not moves.mark_contacted(services, case, who, utcnow()):
        raise click.ClickException(f"case {case_id} is {case.status}, not new")
    click.echo(f"case {case_id}: contacted by {who}")


@cases.command("resolve")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--by", "who", required=True)
@click.option("--returned/--not-returned", required=True, help="Did the patient come back?")
@click.argument("case_id")
@click.pass_obj
def resolve(services: Services, clinic_id: str, case_id: str, who: str, returned: bool) -> None:
    """Close the case, saying whether the patient came back."""
    case = _case(services, clinic_id, case_id)
    outcome = "returned" if returned else "not_returned"
    if not moves.resolve(services, case, who, returned, utcnow()):
        raise click.ClickException(f"case {case_id} is already {case.status}")
    click.echo(f"case {case_id}: resolved ({outcome}) by {who}")


@cases.command("reply")
@click.option("--clinic", "clinic_id", required=True)
@click.option("--text", default=None, help="The SMS; by default the suggested reply for the case's kind.")
@click.option("--by", "who", default="cli", help="Who sends it (an email or a name), for the case's timeline.")
@click.option("--yes", is_flag=True, help="Send without showing the text and its SMS segments first.")
@click.argument("case_id")
@click.pass_obj
def reply(services: Services, clinic_id: str, case_id: str, text: str | None, who: str, yes: bool) -> None:
    """Text the patient from the case (once per case); it counts as contact. Shows the SMS and asks first."""
    from functions.cases.replies import NOT_SENT_EN, reply_by_sms
    from functions.invites.segments import count_segments
    from functions.texts import one_line

    case = _case(services, clinic_id, case_id)
    clinic = services.clinic(clinic_id)
    visit = services.store.get_visit(clinic_id, case.visit_id)
    if clinic is None or visit is None:
        raise click.ClickException("the visit has expired: call the patient instead")
    body = one_line(text or case_reply(clinic, case, visit))
    segments = count_segments(body)
    click.echo(f"{body}\n({len(body)} characters, {segments.encoding}, {segments.count} SMS segment(s))")
    if not yes and not click.confirm("Send this SMS to the patient?", default=False):
        raise click.ClickException("not sent")
    outcome = reply_by_sms(services, clinic, case, visit, body, utcnow(), who)
    if outcome != "sent":
        raise click.ClickException(NOT_SENT_EN.get(outcome, outcome))
    click.echo(f"case {case_id}: SMS sent to the patient; the case is marked contacted")
