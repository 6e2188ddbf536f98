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


def test_complaint_problems_are_shown_in_words_and_what_was_typed_is_kept(client, token, services) -> None:
    client.post(f"/{token}/rating", data={"score": "2"})
    answer = client.post(f"/{token}/feedback", data={"text": "Плохо", "channel": "whatsapp", "hours": "когда-нибудь"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'data-problem="bad_hours" role="alert">Не поняли время.' in html
    assert ">Плохо</textarea>" in html and '<option value="whatsapp" selected>' in html
    assert 'name="hours" maxlength="40" placeholder="например, вечером или 18-21" value="когда-нибудь"' in html
    assert 'inputmode="numeric"' not in html  # «вечером» needs letters
    assert services.store.get_invite(token).feedback is None
    asked = client.post(f"/{token}/feedback", data={"text": "Плохо", "channel": "telegram", "hours": "вечером"})
    assert asked.status_code == 400 and 'data-problem="need_telegram" role="alert">' in asked.get_data(as_text=True)
    done = client.post(f"/{token}/feedback", data={"text": "Плохо", "channel": "telegram", "hours": "после 18",
                                                   "address": "t.me/masha_p"})
    assert visible(done.get_data(as_text=True), "thanks")
    saved = services.store.contacts("c1", ["+79161234501"])["+79161234501"]
    assert (saved.channel, saved.address, saved.hours_from, saved.hours_to) == ("telegram", "@masha_p", 18, 21)


def test_a_mis_tapped_score_can_be_changed_until_words_are_sent(client, token, services) -> None:
    first = client.post(f"/{token}/rating", data={"score": "1"}).get_data(as_text=True)
    assert visible(first, "private") and '<details class="change" id="change">' in first
    assert "Нам жаль. Что пошло не так?" in first and services.store.get_case("c1", "v1").status == "new"
    changed = client.post(f"/{token}/rating", data={"score": "5"}).get_data(as_text=True)
    assert visible(changed, "public") and "Спасибо! Расскажете другим?" in changed
    case = services.store.get_case("c1", "v1")
    assert (services.store.get_invite(token).score, case.status, case.outcome) == (5, "resolved", "changed")
    client.post(f"/{token}/rating", data={"score": "2"})
    client.post(f"/{token}/feedback", data={"text": "Всё-таки плохо"})
    late = client.post(f"/{token}/rating", data={"score": "4"})
    assert late.status_code == 409 and visible(late.get_data(as_text=True), "thanks")
    assert services.store.get_invite(token).score == 2


def test_a_mid_score_under_threshold_five_gets_neutral_words(client, token, services, clinic_doc) -> None:
    save_clinic(services.store, {**clinic_doc, "threshold": 5}, NOW)
    html = client.post(f"/{token}/rating", data={"score": "4"}).get_data(as_text=True)
    assert visible(html, "private")
    assert '<h2 data-title="neutral">Что нам стоит улучшить?</h2>' in html
    assert '<h2 data-title="sorry" hidden>' in html


def test_open_policy_puts_the_private_path_first_for_a_low_score(client, token, services, clinic_doc) -> None:
    save_clinic(services.store, {**clinic_doc, "policy": "open"}, NOW)
    html = client.post(f"/{token}/rating", data={"score": "2"}).get_data(as_text=True)
    assert 'data-first="private"' in html and '<h2 data-title="sorry">Нам жаль. Что пошло не так?</h2>' in html
    assert '<h2 data-tone="glad" hidden>Спасибо! Расскажете другим?</h2>' in html
    assert '<h2 data-tone="other">Отзыв на сайте — тоже по желанию</h2>' in html


def test_an_opted_out_invite_takes_no_answer(client, token, services) -> None:
    client.post(f"/{token}/optout")
    answer = client.post(f"/{token}/rating", data={"score": "1"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and visible(html, "stopped") and "Вы отказались от SMS этой клиники" in html
    assert services.store.get_invite(token).score is None and services.store.get_case("c1", "v1") is None
    assert services.store.get_reward("c1", "2026-11/v1").status == "promised"
    api = client.post(f"/api/v1/invites/{token}/rating", json={"score": 5})
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "opted_out"
    words = client.post(f"/api/v1/invites/{token}/feedback", json={"text": "Плохо"})
    assert words.status_code == 409 and services.store.get_invite(token).feedback is None


def test_a_get_of_a_form_address_shows_the_page_as_it_stands(client, token, services) -> None:
    first = client.get(f"/{token}/rating")  # the static page's no-JavaScript first screen lands here
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and visible(html, "rate") and "Клиника Тест" in html
    assert ("За любой ответ — <b data-reward>100\u00a0₽</b> на этот номер телефона "
            "<span data-reward-within>в течение 3 дней</span>. "
            "<span data-reward-often>Не чаще раза в 30 дней на один номер.</span>") in html
    assert services.store.get_invite(token).opened_at is None  # a look is not an answer: nothing written
    client.post(f"/{token}/rating", data={"score": "2"})
    client.post(f"/{token}/feedback", data={"text": "Долго ждали"})
    again = client.get(f"/{token}/feedback").get_data(as_text=True)
    assert visible(again, "thanks") and "Ваша оценка: <b data-score>2</b>" in again


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
