"""Dashboard sign-in: magic links that cannot be reused or forged, limits, sessions, CSRF and roles."""

from __future__ import annotations

import time

import pytest

from functions.clinics.clinic import save_clinic
from tests.admin_helpers import csrf_of, last_link, sign_in
from tests.conftest import NOW


@pytest.fixture
def members(services, clinic, clinic_doc):
    save_clinic(services.store, {**clinic_doc, "id": "c2", "name": "Другая клиника"}, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    services.store.put_member("c1", "dir@clinic.ru", "director", NOW)
    services.store.put_member("c2", "boss@other.ru", "owner", NOW)
    return services


def ask(client, email: str):
    return client.post("/admin/signin", data={"email": email, "csrf": csrf_of(client)})


def test_a_link_signs_in_once_and_lands_on_the_clinic(client, members, outbox) -> None:
    assert ask(client, " Owner@Clinic.RU ").status_code == 200
    email = outbox.messages("email")[0]
    assert email["to"] == ["owner@clinic.ru"] and "15 минут" in email["text"]
    path = "/admin/signin/" + last_link(outbox).rsplit("/admin/signin/", 1)[1]
    confirm = client.get(path)  # a mail scanner opening the link uses nothing up
    assert confirm.status_code == 200 and "Войти в кабинет?" in confirm.get_data(as_text=True)
    token = csrf_of(client, path)
    assert client.post(path, data={"csrf": token}).headers["Location"] == "/admin/"
    assert client.get("/admin/").headers["Location"] == "/admin/c/c1/"
    assert client.get("/admin/c/c1/").status_code == 200
    other = client.application.test_client()
    reused = other.post(path, data={"csrf": csrf_of(other, path)})
    assert reused.status_code == 400 and "уже использована" in reused.get_data(as_text=True)


def test_forged_altered_and_expired_links_are_refused(client, members, outbox, monkeypatch) -> None:
    ask(client, "owner@clinic.ru")
    token = last_link(outbox).rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    altered = f"{payload[:-2]}xx.{stamp}.{signature}"
    for bad in (altered, f"{payload}.{stamp}.{'A' * len(signature)}", "nonsense"):
        assert client.get(f"/admin/signin/{bad}").status_code == 400
        assert client.post(f"/admin/signin/{bad}", data={"csrf": csrf_of(client)}).status_code == 400
    csrf = csrf_of(client)
    later = time.time() + 16 * 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert client.post(f"/admin/signin/{token}", data={"csrf": csrf}).status_code == 400
    assert client.get("/admin/c/c1/").status_code == 303  # still signed out


def test_unknown_addresses_get_the_same_answer_and_no_email(client, members, outbox) -> None:
    known, unknown = ask(client, "owner@clinic.ru"), ask(client, "stranger@example.ru")
    assert known.status_code == unknown.status_code == 200
    assert "ссылка для входа уже в пути" in unknown.get_data(as_text=True)
    assert [m["to"] for m in outbox.messages("email")] == [["owner@clinic.ru"]]
    assert ask(client, "not an email").status_code == 400


def test_sign_in_requests_are_limited(client, members, outbox) -> None:
    answers = [ask(client, "owner@clinic.ru").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    assert len(outbox.messages("email")) == 5


def test_a_post_without_the_session_form_token_changes_nothing(client, members, outbox, services) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    before = services.store.get_clinic("c1")
    for token in ("", "forged-token"):
        answer = client.post("/admin/c/c1/settings", data={"csrf": token, "threshold": "5", "window": "10:00-21:00"})
        assert answer.status_code == 403
    assert services.store.get_clinic("c1") == before
    stranger = client.application.test_client()
    stolen = csrf_of(client, "/admin/c/c1/settings")
    assert stranger.post("/admin/c/c1/settings", data={"csrf": stolen}).status_code == 403


def test_the_session_cookie_is_http_only_and_scoped(client, members, outbox) -> None:
    ask(client, "owner@clinic.ru")
    path = "/admin/signin/" + last_link(outbox).rsplit("/admin/signin/", 1)[1]
    answer = client.post(path, data={"csrf": csrf_of(client, path)})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/admin" in cookie


def test_a_director_sees_numbers_and_cases_but_not_settings(client, members, outbox) -> None:
    sign_in(client, outbox, "dir@clinic.ru")
    for path in ("/admin/c/c1/", "/admin/c/c1/cases"):
        assert client.get(path).status_code == 200
    for path in ("/admin/c/c1/settings", "/admin/c/c1/import", "/admin/c/c1/audit", "/admin/c/c1/sms-preview"):
        assert client.get(path).status_code == 403
    csrf = csrf_of(client, "/admin/c/c1/")
    assert client.post("/admin/c/c1/platforms", data={"csrf": csrf, "action": "remove",
                                                      "platform": "yandex"}).status_code == 403
    assert "Настройки" not in client.get("/admin/c/c1/").get_data(as_text=True)


def test_signing_out_ends_the_session(client, members, outbox) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    client.post("/admin/signout", data={"csrf": csrf_of(client, "/admin/c/c1/")})
    assert client.get("/admin/c/c1/").headers["Location"] == "/admin/signin"


def test_removing_a_member_closes_their_open_session(client, members, outbox, services) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    services.store.remove_member("c1", "owner@clinic.ru")
    assert client.get("/admin/c/c1/").status_code == 404


def copy_of_the_cookie(client, app):
    other = app.test_client()
    cookie = client.get_cookie("session", path="/admin")
    other.set_cookie("session", cookie.value, path="/admin")
    return other


def test_signing_out_ends_every_copy_of_the_session(client, app, members, outbox) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    stolen = copy_of_the_cookie(client, app)
    assert stolen.get("/admin/c/c1/").status_code == 200
    client.post("/admin/signout", data={"csrf": csrf_of(client, "/admin/c/c1/")})
    assert stolen.get("/admin/c/c1/").headers["Location"] == "/admin/signin"
    assert stolen.post("/admin/c/c1/settings", data={"threshold": "2"}).status_code in (303, 403)
    assert members.clinic("c1").threshold == 4
    sign_in(client, outbox, "owner@clinic.ru")  # a new sign-in works again
    assert client.get("/admin/c/c1/").status_code == 200


def test_removing_a_member_ends_their_session_for_every_clinic(client, app, members, outbox, settings,
                                                                monkeypatch) -> None:
    from click.testing import CliRunner

    from functions.cli import main

    members.store.put_member("c2", "owner@clinic.ru", "director", NOW)
    sign_in(client, outbox, "owner@clinic.ru")
    assert client.get("/admin/c/c2/").status_code == 200
    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    removed = CliRunner().invoke(main, ["members", "remove", "--clinic", "c1", "--email", "owner@clinic.ru"])
    assert removed.exit_code == 0
    assert client.get("/admin/c/c2/").headers["Location"] == "/admin/signin"  # signed out; may sign in again to c2
