"""The patient's API: routing, bad input, and answers that never pay or email twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row


@pytest.fixture
def tokens(services, clinic) -> list[str]:
    import_rows(services.store, clinic, [(2, visit_row(1)), (3, visit_row(2))], services.settings.token_days)
    send_due_invites(services, NOW)
    return [services.store.get_visit("c1", f"v{n}").invite_token for n in (1, 2)]


def emails(outbox) -> list[dict]:
    return outbox.messages("email")


def test_reading_the_invite_shows_clinic_and_reward_but_no_personal_data(client, tokens) -> None:
    answer = client.get(f"/api/v1/invites/{tokens[0]}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["clinic"] == {"name": "Клиника Тест", "locale": "ru", "logo": "", "accent": ""}
    assert body["reward"]["display"] == "100\u00a0₽"
    assert body["answer"] == {"score": None, "route": None, "feedback_sent": False, "opted_out": False}
    assert "+7916" not in answer.get_data(as_text=True) and "Иванов" not in answer.get_data(as_text=True)


def test_happy_score_shows_platforms_and_pays_one_reward(client, services, tokens, outbox) -> None:
    answer = client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5})
    body = answer.get_json()
    assert (answer.status_code, body["route"], body["first"]) == (200, "public", True)
    assert [p["href"] for p in body["platforms"]] == [
        f"/r/{tokens[0]}/yandex", f"/r/{tokens[0]}/2gis", f"/r/{tokens[0]}/prodoctorov"]
    rewards = services.store.list_rewards("c1")
    assert [(r.visit_id, r.phone, r.amount_minor, r.currency, r.status) for r in rewards] == [
        ("v1", "+79161234501", 10000, "RUB", "pending")]
    assert emails(outbox) == []


def test_platform_link_counts_the_click_and_redirects_only_to_the_configured_url(client, services, tokens) -> None:
    answer = client.get(f"/r/{tokens[0]}/2gis")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "https://2gis.ru/moscow/firm/70000001006794445/tab/reviews"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert services.store.get_invite(tokens[0]).clicks == {"2gis": 1}


@pytest.mark.parametrize("platform", ["evil", "https:%2F%2Fevil.example", "..", "yandex.ru"])
def test_no_open_redirect_to_a_platform_the_clinic_does_not_have(client, tokens, platform) -> None:
    answer = client.get(f"/r/{tokens[0]}/{platform}")
    assert answer.status_code == 404
    assert "Location" not in answer.headers
    assert answer.get_json()["error"]["code"] in ("unknown_platform", "not_found")


def test_low_score_then_complaint_emails_the_director_once(client, services, tokens, outbox) -> None:
    rated = client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2}).get_json()
    assert (rated["route"], rated["platforms"]) == ("private", [])
    assert emails(outbox) == []  # gated policy: the email carries the patient's words
    text = "Администратор нагрубил, ждали 40 минут"
    sent = client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": text})
    assert sent.get_json() == {"received": True, "first": True, "reward": "earned"}
    again = client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "ещё раз"})
    assert again.get_json() == {"received": True, "first": False, "reward": "earned"}
    [email] = emails(outbox)
    assert email["to"] == ["director@clinic.example"]
    assert text in email["text"] and text in email["html"]
    assert "+79161234502" in email["text"] and "Пациент 2" in email["text"]
    assert "оценка 2 из 5" in email["subject"]
    assert tokens[1] not in email["text"] + email["html"] + email["subject"]
    case = services.store.get_case("c1", "v2")
    assert (case.score, case.text, case.email_state) == (2, text, "sent")


def test_second_rating_neither_pays_again_nor_changes_the_score(client, services, tokens, outbox) -> None:
    client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2})
    client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Плохо"})
    second = client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 5}).get_json()
    assert (second["score"], second["first"], second["route"]) == (2, False, "private")
    assert len(services.store.list_rewards("c1")) == 1
    assert len(emails(outbox)) == 1


def test_unhappy_answer_earns_the_same_reward_as_a_happy_one(client, services, tokens) -> None:
    client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5})
    client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 1})
    assert {r.amount_minor for r in services.store.list_rewards("c1")} == {10000}
    assert len(services.store.list_rewards("c1")) == 2


@pytest.mark.parametrize("body", [{"score": 0}, {"score": 6}, {"score": "5"}, {"score": None}, {"score": 4.5},
                                  {"score": True}, {}, [5], "5"])
def test_bad_score_is_400_json_and_changes_nothing(client, services, tokens, body) -> None:
    answer = client.post(f"/api/v1/invites/{tokens[0]}/rating", json=body)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] in ("invalid_score", "invalid_json", "not_an_object") and error["message"]
    assert services.store.get_invite(tokens[0]).score is None
    assert services.store.list_rewards("c1") == []


@pytest.mark.parametrize("raw,content_type", [(b"", "application/json"), (b"{not json", "application/json"),
                                              (b"score=5", "application/x-www-form-urlencoded"),
                                              (b"\xff\xfe", "application/json")])
def test_missing_or_broken_body_is_400_json(client, tokens, raw, content_type) -> None:
    answer = client.post(f"/api/v1/invites/{tokens[0]}/rating", data=raw, content_type=content_type)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] in ("empty_body", "invalid_json")


@pytest.mark.parametrize("path", ["/api/v1/invites/AAAAAAAAAAAA", "/api/v1/invites/short",
                                  "/r/AAAAAAAAAAAA/yandex"])
def test_unknown_token_is_404_json(client, tokens, path) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "unknown_invite"


def test_unknown_token_rating_is_404_json(client, tokens) -> None:
    answer = client.post("/api/v1/invites/AAAAAAAAAAAA/rating", json={"score": 5})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, "unknown_invite")


def test_expired_invite_is_410(client, services, tokens, monkeypatch) -> None:
    import functions.web.invites as view

    monkeypatch.setattr(view, "utcnow", lambda: NOW + timedelta(days=15))
    answer = client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (410, "expired_invite")
    assert services.store.list_rewards("c1") == []


@pytest.mark.parametrize("body,code", [({"text": ""}, "empty_text"), ({"text": "   "}, "empty_text"),
                                       ({"text": 5}, "empty_text"), ({"text": "x" * 2001}, "text_too_long")])
def test_bad_complaint_is_400_and_nothing_is_stored(client, services, tokens, outbox, body, code) -> None:
    client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2})
    answer = client.post(f"/api/v1/invites/{tokens[1]}/feedback", json=body)
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, code)
    assert services.store.get_invite(tokens[1]).feedback is None
    assert emails(outbox) == []


def test_complaint_before_a_score_is_409(client, tokens) -> None:
    answer = client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Плохо"})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (409, "not_rated")


def test_optout_stops_future_invites_from_this_clinic(client, services, clinic, tokens) -> None:
    assert client.post(f"/api/v1/invites/{tokens[0]}/optout").get_json() == {"opted_out": True}
    assert services.store.opted_out("c1", ["+79161234501"]) == {"+79161234501"}
    # The same patient's next visit is not texted.
    import_rows(services.store, clinic, [(2, visit_row(1, external_id="next", visit_at="23.11.2026 10:00"))], 14)
    assert send_due_invites(services, NOW + timedelta(minutes=1)).skipped["opted_out"] == 1


def test_open_policy_shows_both_paths_and_a_low_score_alerts_the_director(client, services, clinic_doc,
                                                                          tokens, outbox) -> None:
    save_clinic(services.store, {**clinic_doc, "policy": "open"}, NOW)
    body = client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2}).get_json()
    assert body["route"] == "both" and len(body["platforms"]) == 3
    [alert] = emails(outbox)
    assert "оценка 2 из 5" in alert["subject"] and "не оставил текста" in alert["text"]
    client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Долго ждали"})
    assert [e["text"].count("Долго ждали") for e in emails(outbox)] == [1, 0]
    happy = client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5}).get_json()
    assert happy["route"] == "both" and len(emails(outbox)) == 2


def test_every_answer_carries_the_security_headers(client, tokens) -> None:
    for answer in (client.get(f"/api/v1/invites/{tokens[0]}"), client.get("/nope/nope"), client.get(f"/{tokens[0]}")):
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def test_unknown_route_and_wrong_method_are_json(client) -> None:
    assert client.get("/api/v1/nothing").get_json()["error"]["code"] == "not_found"
    answer = client.get("/api/v1/invites/AAAAAAAAAAAA/rating")
    assert answer.status_code == 405 and answer.get_json()["error"]["code"] == "method_not_allowed"


def test_a_crash_between_score_and_reward_is_completed_by_the_retry(client, services, tokens, monkeypatch) -> None:
    import functions.answers.answer as answers

    def crash(*args, **kwargs):
        raise RuntimeError("process died")

    monkeypatch.setattr(answers, "grant_reward", crash)
    assert client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5}).status_code == 500
    assert services.store.get_invite(tokens[0]).score == 5 and services.store.list_rewards("c1") == []
    monkeypatch.undo()
    retry = client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5}).get_json()
    assert retry["first"] is False
    assert [r.visit_id for r in services.store.list_rewards("c1")] == ["v1"]


def test_a_crash_before_the_email_is_completed_by_the_retry_or_the_sweep(client, services, tokens, outbox,
                                                                          monkeypatch) -> None:
    import functions.answers.answer as answers
    from functions.cases.sweep import sweep_cases

    client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2})
    monkeypatch.setattr(answers, "alert_director", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("died")))
    assert client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Плохо"}).status_code == 500
    monkeypatch.undo()
    assert services.store.get_case("c1", "v2").email_state == ""
    assert sweep_cases(services, NOW)["sent"] == 1
    client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Плохо"})
    assert sweep_cases(services, NOW + timedelta(hours=1))["sent"] == 0
    assert len(emails(outbox)) == 1
