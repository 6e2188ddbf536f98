"""The patient's API: routing, bad input, and answers that never pay or email twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    """The patient answers at the test's clock, so the clinic's wait and the sweep run on the same time."""
    from functions.web import forms, invites

    for module in (invites, forms):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)


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
    assert body["answer"] == {"score": None, "route": None, "tone": None, "feedback_sent": False, "opted_out": False,
                              "can_change": False}
    assert (body["reward"]["within"], body["reward"]["often"]) == ("в течение 3 дней",
                                                                   "Не чаще раза в 30 дней на один номер.")
    assert "+7916" not in answer.get_data(as_text=True) and "Иванов" not in answer.get_data(as_text=True)


def test_happy_score_shows_platforms_and_pays_one_reward(client, services, tokens, outbox) -> None:
    answer = client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5})
    body = answer.get_json()
    assert (answer.status_code, body["route"], body["first"]) == (200, "public", True)
    assert [p["href"] for p in body["platforms"]] == [
        f"/r/{tokens[0]}/yandex", f"/r/{tokens[0]}/2gis", f"/r/{tokens[0]}/prodoctorov"]
    rewards = services.store.list_rewards("c1")
    assert [(r.visit_id, r.phone, r.amount_minor, r.currency, r.status) for r in rewards] == [
        ("v1", "+79161234501", 10000, "RUB", "pending"), ("v2", "+79161234502", 10000, "RUB", "promised")]
    assert emails(outbox) == []


def test_platform_link_counts_the_click_once_and_redirects_only_to_the_configured_url(client, services,
                                                                                     tokens) -> None:
    client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5})
    for _ in range(3):  # the patient taps the button again: still taken there, counted once
        answer = client.get(f"/r/{tokens[0]}/2gis")
        assert answer.status_code == 302
        assert answer.headers["Location"] == "https://2gis.ru/moscow/firm/70000001006794445/tab/reviews"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert services.store.get_invite(tokens[0]).clicks == {"2gis": 1}
    assert services.store.platform_clicks("c1") == {"2gis": 1}


@pytest.mark.parametrize("platform", ["evil", "https:%2F%2Fevil.example", "..", "yandex.ru"])
def test_no_open_redirect_to_a_platform_the_clinic_does_not_have(client, tokens, platform) -> None:
    client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5})
    answer = client.get(f"/r/{tokens[0]}/{platform}")
    assert answer.status_code == 404
    assert "Location" not in answer.headers
    if answer.mimetype == "text/html":  # a name Flask routes here gets the page, with the notice in words
        html = answer.get_data(as_text=True)
        assert 'data-notice="unknown_platform">Этого сайта отзывов у клиники больше нет' in html
    else:
        assert answer.get_json()["error"]["code"] == "not_found"  # a path that is not a platform link at all


@pytest.mark.parametrize("score", [None, 2])
def test_a_platform_link_the_score_did_not_open_shows_the_page_and_counts_nothing(client, services, tokens,
                                                                                 score) -> None:
    if score:
        client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": score})
    for _ in range(3):
        answer = client.get(f"/r/{tokens[0]}/yandex")
        assert answer.status_code == 200 and answer.mimetype == "text/html" and "Location" not in answer.headers
    html = answer.get_data(as_text=True)
    assert ('<section id="rate">' in html) is (score is None) and ('<section id="private">' in html) is bool(score)
    assert services.store.get_invite(tokens[0]).clicks == {} and services.store.platform_clicks("c1") == {}


def test_low_score_then_complaint_emails_the_director_once(client, services, tokens, outbox) -> None:
    rated = client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2}).get_json()
    assert (rated["route"], rated["platforms"], rated["tone"]) == ("private", [], "sorry")
    assert services.store.get_case("c1", "v2").score == 2  # a case at once
    assert emails(outbox) == []  # the email waits a little for the patient's words
    text = "Администратор нагрубил, ждали 40 минут"
    sent = client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": text})
    assert sent.get_json() == {"received": True, "first": True, "reward": "earned"}
    retry = client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": text})  # a retried request
    assert retry.get_json() == {"received": True, "first": False, "reward": "earned"}
    again = client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "ещё раз"})
    assert again.status_code == 409 and again.get_json()["error"] == {
        "code": "answered", "message": "Ваш ответ уже получен: после отзыва директору его нельзя изменить."}
    [email] = emails(outbox)
    assert email["to"] == ["director@clinic.example"]
    assert text in email["text"] and text in email["html"]
    assert "+79161234502" in email["text"] and "Пациент 2" in email["text"]
    assert "оценка 2 из 5" in email["subject"]
    assert tokens[1] not in email["text"] + email["html"] + email["subject"]
    case = services.store.get_case("c1", "v2")
    assert (case.score, case.text, case.email_state, case.kind) == (2, text, "sent", "rudeness")


def test_after_the_words_the_score_no_longer_changes(client, services, tokens, outbox) -> None:
    client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2})
    client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Плохо"})
    second = client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 5})
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "answered"
    assert services.store.get_invite(tokens[1]).score == 2
    assert [r.status for r in services.store.list_rewards("c1")] == ["promised", "pending"]
    assert len(emails(outbox)) == 1


def test_a_double_tap_changes_nothing(client, services, tokens) -> None:
    first = client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 4}).get_json()
    second = client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 4}).get_json()
    assert (first["first"], second["first"], second["changed"]) == (True, False, False)
    assert services.store.read_stats("c1", "2026-11-23", "2026-11-23")[("2026-11-23", "all")]["answered"] == 1


def test_unhappy_answer_earns_the_same_reward_as_a_happy_one(client, services, tokens) -> None:
    client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5})
    client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 1})
    assert {(r.amount_minor, r.status) for r in services.store.list_rewards("c1")} == {(10000, "pending")}
    assert len(services.store.list_rewards("c1")) == 2


@pytest.mark.parametrize("body", [{"score": 0}, {"score": 6}, {"score": "5"}, {"score": None}, {"score": 4.5},
                                  {"score": True}, {}, [5], "5"])
def test_bad_score_is_400_json_and_changes_nothing(client, services, tokens, body) -> None:
    answer = client.post(f"/api/v1/invites/{tokens[0]}/rating", json=body)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] in ("invalid_score", "invalid_json", "not_an_object") and error["message"]
    assert services.store.get_invite(tokens[0]).score is None
    assert [r.status for r in services.store.list_rewards("c1")] == ["promised", "promised"]


@pytest.mark.parametrize("raw,content_type", [(b"", "application/json"), (b"{not json", "application/json"),
                                              (b"score=5", "application/x-www-form-urlencoded"),
                                              (b"\xff\xfe", "application/json")])
def test_missing_or_broken_body_is_400_json(client, tokens, raw, content_type) -> None:
    answer = client.post(f"/api/v1/invites/{tokens[0]}/rating", data=raw, content_type=content_type)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] in ("empty_body", "invalid_json")


@pytest.mark.parametrize("path", ["/api/v1/invites/AAAAAAAAAAAA", "/api/v1/invites/short"])
def test_unknown_token_is_404_json(client, tokens, path) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.get_json()["error"] == {"code": "unknown_invite",
                                          "message": "Мы не нашли эту ссылку. Проверьте ссылку в SMS."}


def test_a_patient_never_gets_json_from_a_link(client, tokens) -> None:
    for path in ("/r/AAAAAAAAAAAA/yandex", "/AAAAAAAAAAAA/rating", f"/{tokens[0]}/rating", f"/{tokens[0]}/feedback",
                 f"/{tokens[0]}/optout"):
        answer = client.get(path)
        assert answer.mimetype == "text/html", path
    assert "Мы не нашли эту ссылку" in client.get("/r/AAAAAAAAAAAA/yandex").get_data(as_text=True)


def test_unknown_token_rating_is_404_json(client, tokens) -> None:
    answer = client.post("/api/v1/invites/AAAAAAAAAAAA/rating", json={"score": 5})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, "unknown_invite")


def test_expired_invite_is_410(client, services, tokens, monkeypatch) -> None:
    import functions.web.invites as view

    monkeypatch.setattr(view, "utcnow", lambda: NOW + timedelta(days=15))
    answer = client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (410, "expired_invite")
    assert [r.status for r in services.store.list_rewards("c1")] == ["promised", "promised"]


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


def test_refusals_speak_the_pages_language(client, tokens) -> None:
    english = client.post(f"/api/v1/invites/{tokens[1]}/feedback?lang=en", json={"text": "Bad"})
    assert english.get_json()["error"]["message"] == "Please score the visit first."
    by_header = client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Bad"},
                            headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert by_header.get_json()["error"]["message"] == "Please score the visit first."


def test_optout_stops_future_invites_from_this_clinic(client, services, clinic, tokens) -> None:
    assert client.post(f"/api/v1/invites/{tokens[0]}/optout").get_json() == {"opted_out": True}
    assert services.store.opted_out("c1", ["+79161234501"]) == {"+79161234501"}
    # The same patient's next visit is not texted.
    import_rows(services.store, clinic, [(2, visit_row(1, external_id="next", visit_at="23.11.2026 10:00"))], 14)
    assert send_due_invites(services, NOW + timedelta(minutes=1)).skipped["opted_out"] == 1


def test_open_policy_shows_both_paths_and_a_low_score_alerts_the_director(client, services, clinic_doc,
                                                                          tokens, outbox, monkeypatch) -> None:
    from functions.cases.sweep import sweep_cases

    save_clinic(services.store, {**clinic_doc, "policy": "open"}, NOW)
    body = client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2}).get_json()
    assert (body["route"], body["tone"], len(body["platforms"])) == ("both", "sorry", 3)
    assert sweep_cases(services, NOW + timedelta(minutes=10))["sent"] == 1  # no words: after the clinic's wait
    [alert] = emails(outbox)
    assert "оценка 2 из 5" in alert["subject"] and "не оставил текста" in alert["text"]
    from functions.web import invites

    monkeypatch.setattr(invites, "utcnow", lambda: NOW + timedelta(minutes=12))
    client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Долго ждали"})
    [followup] = [e for e in emails(outbox) if e["subject"] != alert["subject"]]
    assert "Долго ждали" in followup["text"] and followup["subject"] == (
        "Клиника Тест: пациент дописал к оценке 2 из 5 — «Долго ждали»")
    assert [c.case_id for c in services.store.list_cases("c1")] == ["v2"]  # the words joined the same case
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


def test_a_crash_between_score_and_reward_undoes_the_score_and_the_retry_completes_it(client, services, tokens,
                                                                                     monkeypatch) -> None:
    import functions.answers.answer as answers

    def crash(*args, **kwargs):
        raise RuntimeError("process died")

    monkeypatch.setattr(answers, "grant_reward", crash)
    assert client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5}).status_code == 500
    # The request's writes are one unit: the score, its counters and the open mark went with the crash.
    invite = services.store.get_invite(tokens[0])
    assert (invite.score, invite.opened_at) == (None, None)
    assert services.store.get_reward("c1", "2026-11/v1").status == "promised"
    monkeypatch.undo()
    retry = client.post(f"/api/v1/invites/{tokens[0]}/rating", json={"score": 5}).get_json()
    assert retry["first"] is True
    assert [(r.visit_id, r.status) for r in services.store.list_rewards("c1")] == [("v1", "pending"),
                                                                                 ("v2", "promised")]


def test_a_crash_before_the_email_is_completed_by_the_sweep_and_the_retry(client, services, tokens, outbox,
                                                                          monkeypatch) -> None:
    import functions.answers.answer as answers
    from functions.cases.sweep import sweep_cases

    client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2})
    monkeypatch.setattr(answers, "join_words", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("died")))
    assert client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Плохо"}).status_code == 500
    monkeypatch.undo()
    # The request's writes went with the crash; the case stays due, so the sweep still tells the directors.
    assert services.store.get_invite(tokens[1]).feedback is None
    assert services.store.get_case("c1", "v2").text == ""
    assert sweep_cases(services, NOW + timedelta(minutes=10))["sent"] == 1
    assert len(emails(outbox)) == 1
    # The patient sends the words again: they join the case and go as one follow-up.
    retry = client.post(f"/api/v1/invites/{tokens[1]}/feedback", json={"text": "Плохо"})
    assert retry.status_code == 200 and retry.get_json()["first"] is True
    sweep_cases(services, NOW + timedelta(hours=1))
    sent = emails(outbox)
    assert len(sent) == 2 and sum("Плохо" in email["text"] for email in sent) == 1
