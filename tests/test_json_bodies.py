"""Every JSON endpoint reads its body through one reader: too deep or too large is a 400/413 with words,
never a RecursionError 500, and the words are in the caller's language."""

from __future__ import annotations

import pytest

from functions.invites.dispatch import send_due_invites
from functions.visits.apikeys import create_key
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row


@pytest.fixture
def token(services, clinic) -> str:
    import_rows(services.store, clinic, [(2, visit_row(1))], services.settings.token_days)
    send_due_invites(services, NOW)
    return services.store.get_visit("c1", "v1").invite_token


@pytest.fixture
def key(services, clinic) -> str:
    return create_key(services.store, "c1", NOW)


def endpoints(token: str, key: str) -> list[tuple[str, dict]]:
    return [(f"/api/v1/invites/{token}/rating", {}), (f"/api/v1/invites/{token}/feedback", {}),
            ("/api/v1/visits", {"Authorization": f"Bearer {key}"})]


def send(client, path: str, headers: dict, body: bytes):
    return client.post(path, data=body, headers={**headers, "Content-Type": "application/json"})


def test_json_nested_5000_deep_is_a_400_on_every_json_endpoint(client, token, key, services) -> None:
    for path, headers in endpoints(token, key):
        for body in (b"[" * 5000 + b"]" * 5000, b'{"score":' * 5000 + b"1" + b"}" * 5000, b"[" * 50_000):
            answer = send(client, path, headers, body)
            assert answer.status_code == 400, (path, answer.get_data(as_text=True)[:200])
            assert answer.get_json()["error"]["code"] in ("too_deep", "invalid_json")
    assert services.store.get_invite(token).score is None


def test_33_levels_is_too_deep_and_32_is_read(client, token, key) -> None:
    deep = b'{"score": 5, "x": ' + b"[" * 32 + b"]" * 32 + b"}"
    answer = send(client, f"/api/v1/invites/{token}/rating", {}, deep)
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, "too_deep")
    fine = b'{"score": 5, "x": ' + b"[" * 31 + b"]" * 31 + b"}"
    assert send(client, f"/api/v1/invites/{token}/rating", {}, fine).status_code == 200


def test_a_patient_body_over_64_kb_is_a_413(client, token) -> None:
    answer = send(client, f"/api/v1/invites/{token}/feedback", {}, b'{"text": "' + b"a" * 70_000 + b'"}')
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (413, "body_too_large")
    assert answer.get_json()["error"]["message"] == "Тело запроса больше 64 КБ."


def test_a_visits_body_over_the_app_limit_is_a_json_413(client, key) -> None:
    answer = send(client, "/api/v1/visits", {"Authorization": f"Bearer {key}"}, b" " * (1024 * 1024 + 1))
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "body_too_large"


def test_numbers_too_long_to_read_are_invalid_json_not_a_500(client, token) -> None:
    answer = send(client, f"/api/v1/invites/{token}/rating", {}, b'{"score": ' + b"9" * 5000 + b"}")
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, "invalid_json")


def test_words_are_russian_unless_the_caller_asks_for_english(client, token) -> None:
    path = f"/api/v1/invites/{token}/rating"
    russian = client.post(path, json={"score": 9}).get_json()["error"]
    assert russian == {"code": "invalid_score", "message": "Оценка — целое число от 1 до 5."}
    english = client.post(path, json={"score": 9}, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    assert english["error"]["message"] == "The score is a whole number from 1 to 5."
    assert client.get("/api/v1/nothing-here?lang=en").get_json()["error"]["message"] == (
        "There is nothing at this address.")


def test_the_visits_api_speaks_the_clinics_language_once_it_knows_the_clinic(client, key) -> None:
    english = {"Accept-Language": "en"}
    unknown = client.post("/api/v1/visits", json={"visits": []}, headers={**english, "Authorization": "Bearer x"})
    assert unknown.get_json()["error"]["message"].startswith("Send a valid API key")
    empty = client.post("/api/v1/visits", json={"visits": []}, headers={**english, "Authorization": f"Bearer {key}"})
    assert empty.get_json()["error"] == {"code": "no_visits",
                                         "message": 'Пришлите {"visits": [...]} хотя бы с одним визитом.'}
    too_many = client.post("/api/v1/visits", json={"visits": [{}] * 1001}, headers={"Authorization": f"Bearer {key}"})
    assert too_many.get_json()["error"]["message"] == "Не больше 1000 визитов в одном запросе: разделите пакет."
