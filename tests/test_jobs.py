"""Zappa's scheduled entry points, and the sweep that retries a director's email until it goes out."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from functions import jobs
from functions.answers.answer import give_feedback, open_invite, rate
from functions.cases.sweep import sweep_cases
from functions.invites.dispatch import send_due_invites
from functions.services import Services
from functions.transports import TransportError
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row


def test_dispatch_job_takes_event_and_context_and_reads_the_environment(monkeypatch, settings, clinic_doc) -> None:
    from functions.clinics.clinic import save_clinic
    from functions.store import open_store

    store = open_store(settings)
    save_clinic(store, clinic_doc, NOW)
    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    monkeypatch.setenv("FUNNEL_OUTBOX_PATH", settings.outbox_path)
    event = json.loads((Path(__file__).parent / "events" / "schedule.json").read_text())
    assert jobs.dispatch(event, None) == {"sent": 0, "retry": 0, "failed": 0, "skipped": {}}
    assert jobs.sweep(event, None) == {"sent": 0, "retry": 0, "failed": 0, "reminded": 0, "rewards": {
        "paid": 0, "pending": 0, "failed": 0, "rejected": 0, "taken": 0}, "promises_released": 0}


class FlakyEmail:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list = []

    def send(self, email) -> str:
        if self.failures:
            self.failures -= 1
            raise TransportError("SES TooManyRequestsException")
        self.sent.append(email)
        return "e-1"


def test_ses_down_then_retried_by_the_sweep_and_delivered_once(store, clinic_doc, settings) -> None:
    from functions.clinics.clinic import save_clinic

    email = FlakyEmail(failures=1)
    services = Services(settings, store=store, email=email)
    clinic = save_clinic(store, clinic_doc, NOW)
    import_rows(store, clinic, [(2, visit_row(1))], 14)
    send_due_invites(services, NOW)
    token = store.get_visit("c1", "v1").invite_token
    opened = open_invite(services, token, NOW)
    rate(services, opened, 2, NOW)
    give_feedback(services, open_invite(services, token, NOW), "Долго ждали", NOW)
    case = store.get_case("c1", "v1")
    assert (case.email_state, email.sent) == ("retry", [])
    assert sweep_cases(services, NOW + timedelta(seconds=10))["sent"] == 0  # backoff not over yet
    assert sweep_cases(services, NOW + timedelta(minutes=2))["sent"] == 1
    assert sweep_cases(services, NOW + timedelta(hours=2))["sent"] == 0
    assert len(email.sent) == 1 and "Долго ждали" in email.sent[0].text
    assert store.get_case("c1", "v1").email_state == "sent"


def test_the_scheduled_jobs_run_at_the_real_now_whatever_the_event_says(monkeypatch, settings) -> None:
    import functions.invites.dispatch as dispatching
    import functions.patients.campaigns as campaigns

    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    monkeypatch.setenv("FUNNEL_OUTBOX_PATH", settings.outbox_path)
    seen: list = []
    monkeypatch.setattr(jobs, "utcnow", lambda: NOW)
    monkeypatch.setattr(dispatching, "send_due_invites", lambda services, now: seen.append(now) or
                        dispatching.DispatchReport())
    monkeypatch.setattr(campaigns, "send_due_campaigns", lambda services, now: seen.append(now) or {})
    replay = {"at": "2020-01-01T00:00:00Z", "time": "2020-01-01T00:00:00Z"}
    jobs.dispatch(replay, None)
    assert jobs.send_campaigns(replay, None) == {}
    assert seen == [NOW, NOW]
