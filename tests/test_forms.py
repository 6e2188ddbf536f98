"""The page's forms without JavaScript: each answer is the next page, server-rendered; errors are friendly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row


@pytest.fixture
def token(services, clinic) -> str:
    import_rows(services.store, clinic, [(2, visit_row(1))], 14)
    send_due_invites(services, NOW)
    return services.store.get_visit("c1", "v1").invite_token


def visible(html: str, section: str) -> bool:
    return f'<section id="{section}">' in html  # a hidden section carries the hidden attribute


def test_a_happy_score_answers_with_the_platform_links(client, token, services) -> None:
    answer = client.post(f"/{token}/rating", data={"score": "5"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert visible(html, "public") and not visible(html, "rate")
    assert f'href="/r/{token}/yandex"' in html and "Клиника Тест" in html
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert services.store.get_invite(token).score == 5
    assert len(services.store.list_rewards("c1")) == 1


def test_open_policy_shows_both_paths(client, token, services, clinic_doc) -> None:
    save_clinic(services.store, {**clinic_doc, "policy": "open"}, NOW)
    html = client.post(f"/{token}/rating", data={"score": "2"}).get_data(as_text=True)
    assert visible(html, "public") and visible(html, "private")


def test_a_tampered_score_changes_nothing(client, token, services) -> None:
    answer = client.post(f"/{token}/rating", data={"score": "7"})
    assert answer.status_code == 400 and visible(answer.get_data(as_text=True), "rate")
    assert services.store.get_invite(token).score is None


def test_complaint_problems_are_shown_in_words_and_nothing_is_stored(client, token, services) -> None:
    client.post(f"/{token}/rating", data={"score": "2"})
    answer = client.post(f"/{token}/feedback", data={"text": "Плохо", "hours": "вечером"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'data-problem="bad_hours" role="alert">' in html
    assert ">Плохо</textarea>" in html  # what they wrote is kept
    assert services.store.get_invite(token).feedback is None
    done = client.post(f"/{token}/feedback", data={"text": "Плохо", "channel": "call", "hours": "9-12"})
    assert visible(done.get_data(as_text=True), "thanks")
    assert services.store.contacts("c1", ["+79161234501"])["+79161234501"].channel == "call"


def test_unknown_and_expired_links_get_a_friendly_page(client, token, monkeypatch) -> None:
    import functions.web.forms as forms

    unknown = client.post("/AAAAAAAAAAAA/rating", data={"score": "5"})
    assert unknown.status_code == 404 and "Мы не нашли эту ссылку" in unknown.get_data(as_text=True)
    monkeypatch.setattr(forms, "utcnow", lambda: NOW + timedelta(days=15))
    expired = client.post(f"/{token}/rating", data={"score": "5"})
    assert expired.status_code == 410 and "Срок действия ссылки истёк" in expired.get_data(as_text=True)
    assert "Traceback" not in expired.get_data(as_text=True)


def test_optout_form(client, token, services) -> None:
    html = client.post(f"/{token}/optout").get_data(as_text=True)
    assert '<p id="optout-done">' in html
    assert services.store.opted_out("c1", ["+79161234501"]) == {"+79161234501"}
