"""The dashboard's pages: tenant isolation on every route, settings with validation and audit, numbers from
counters (reads that do not grow with invites), cases, the import page and the weekly digest."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest

from functions.cases.digest import send_digests
from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.visits.intake import import_rows
from functions.web import invites as api
from tests.admin_helpers import csrf_of, last_link, sign_in
from tests.conftest import NOW, visit_row
from tests.dispatch_helpers import RecordingSms


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    monkeypatch.setattr(api, "utcnow", lambda: NOW)
    import functions.web.admin.numbers as numbers_view

    monkeypatch.setattr(numbers_view, "utcnow", lambda: NOW)


@pytest.fixture
def world(services, clinic, clinic_doc):
    """Two clinics with a member each, visits, invites, an answer, a click and a complaint in each."""
    save_clinic(services.store, {**clinic_doc, "id": "c2", "name": "Другая клиника"}, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    services.store.put_member("c2", "boss@other.ru", "owner", NOW)
    for cid in ("c1", "c2"):
        c = services.clinic(cid)
        rows = [(2, visit_row(1)), (3, visit_row(2, doctor="Петрова А. А.", branch="Север"))]
        import_rows(services.store, c, rows, 14)
    send_due_invites(services, NOW)
    return services


def token_of(services, clinic_id: str, visit: str) -> str:
    return services.store.get_visit(clinic_id, visit).invite_token


def answer(client, services, clinic_id: str) -> None:
    happy, unhappy = token_of(services, clinic_id, "v1"), token_of(services, clinic_id, "v2")
    client.get(f"/api/v1/invites/{happy}")
    client.post(f"/api/v1/invites/{happy}/rating", json={"score": 5})
    client.get(f"/r/{happy}/2gis")
    client.post(f"/api/v1/invites/{unhappy}/rating", json={"score": 2})
    client.post(f"/api/v1/invites/{unhappy}/feedback", json={"text": "Долго ждали администратора"})


def admin_routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/c/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule))
    return found


def test_every_clinic_route_refuses_another_clinics_member(client, world, outbox, app) -> None:
    answer(client, world, "c2")
    before = (world.store.get_clinic("c2"), [vars(c) for c in world.store.list_cases("c2")])
    sent_before = len(outbox.messages())
    sign_in(client, outbox, "owner@clinic.ru")
    csrf = csrf_of(client, "/admin/c/c1/")
    routes = admin_routes(app)
    assert len(routes) >= 12
    for method, rule in routes:
        path = (rule.replace("<clinic_id>", "c2").replace("<case_id>", "v2").replace("<action>", "contacted"))
        data = {"csrf": csrf, "action": "remove", "platform": "yandex", "threshold": "5", "kind": "simple",
                "outcome": "returned", "text": "Здравствуйте"}
        answer_ = client.get(path) if method == "GET" else client.post(path, data=data)
        assert answer_.status_code in (403, 404), (method, path, answer_.status_code)
        assert "Другая клиника" not in answer_.get_data(as_text=True)
    assert (world.store.get_clinic("c2"), [vars(c) for c in world.store.list_cases("c2")]) == before
    assert len(outbox.messages()) == sent_before + 1  # only the sign-in email left


def test_settings_are_validated_saved_and_audited(client, world, outbox) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    page = client.get("/admin/c/c1/settings").get_data(as_text=True)
    form = dict(re.findall(r'<input name="(\w+)"[^>]*value="([^"]*)"', page))
    form.update(csrf=csrf_of(client, "/admin/c/c1/settings"), threshold="5", directors="a@clinic.ru\nb@clinic.ru",
                reward_amount="150", monthly_budget="30000", per_phone_days="30", earned_by="tap", locale="ru",
                policy="gated", primary="order", template="", branches="")
    saved = client.post("/admin/c/c1/settings", data=form)
    assert saved.status_code == 303
    clinic = world.clinic("c1")
    assert (clinic.threshold, clinic.directors, clinic.reward_minor) == (5, ("a@clinic.ru", "b@clinic.ru"), 15000)
    assert clinic.reward.monthly_budget_minor == 3_000_000
    bad = client.post("/admin/c/c1/settings", data={**form, "directors": "", "window": "03:00-23:00"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Почта директоров — нужен хотя бы один адрес почты" in text
    assert "Окно отправки — в пределах 08:00–22:00" in text
    assert world.clinic("c1").directors == ("a@clinic.ru", "b@clinic.ru")  # nothing stored
    audit = client.get("/admin/c/c1/audit").get_data(as_text=True)
    assert "owner@clinic.ru" in audit and "<dt>Довольный — от оценки</dt>" in audit and "<dt>За ответ, ₽</dt>" in audit
    [entry] = world.store.list_audit("c1", 10)
    assert '"threshold": 4' in entry.before and '"threshold": 5' in entry.after


def test_platforms_are_added_checked_by_type_reordered_and_removed(client, world, outbox) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    csrf = csrf_of(client, "/admin/c/c1/settings")

    def act(**data: str):
        return client.post("/admin/c/c1/platforms", data={"csrf": csrf, **data})

    wrong = act(action="add", type="google", name="Google", url="https://evil.example.com/reviews")
    assert wrong.status_code == 400 and "это не адрес площадки «Google»: ссылка должна вести на google.com" in \
        wrong.get_data(as_text=True)
    twice = act(action="add", type="yandex_maps", name="Яндекс", url="https://yandex.ru/maps/org/1124715036/reviews/")
    assert twice.status_code == 400 and "эта площадка уже есть в списке (Яндекс Карты)" in twice.get_data(as_text=True)
    assert act(action="add", type="google", name="", url="https://g.page/r/clinic/review").status_code == 303
    custom = act(action="add", type="custom", name="Отзовик", url="https://otzovik.com/reviews/clinic")
    assert custom.headers["Location"].endswith("saved=custom#platforms")
    assert [p.name for p in world.clinic("c1").platforms] == ["Яндекс Карты", "2ГИС", "ПроДокторов", "Google",
                                                               "Отзовик"]
    act(action="up", platform="google")
    act(action="down", platform="yandex")
    act(action="remove", platform="custom")
    assert [p.id for p in world.clinic("c1").platforms] == ["2gis", "yandex", "google", "prodoctorov"]
    assert act(action="shares", **{"share-2gis": "60", "share-yandex": "50"}).status_code == 400  # 110%
    assert act(action="explode").status_code == 400
    assert len(world.store.list_audit("c1", 50)) == 5


def test_the_sms_preview_counts_segments_live(client, world, outbox) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    short = client.get("/admin/c/c1/sms-preview", query_string={"template": "{{ clinic }}: оцените {{ link }}"})
    assert short.get_json()["segments"] == 1 and short.get_json()["encoding"] == "UCS-2"
    long = client.get("/admin/c/c1/sms-preview", query_string={"template": "Оцените визит " * 12 + "{{ link }}"})
    assert long.get_json()["segments"] == 4  # 202 UCS-2 units: 67 per part
    broken = client.get("/admin/c/c1/sms-preview", query_string={"template": "{{ link "})
    assert broken.status_code == 400 and broken.get_json()["problems"]


def test_numbers_show_the_funnel_per_doctor_and_branch(client, world, outbox) -> None:
    answer(client, world, "c1")
    sign_in(client, outbox, "owner@clinic.ru")
    page = client.get("/admin/c/c1/?from=2026-11-01&to=2026-11-30").get_data(as_text=True)

    def step(key: str) -> str:
        return re.search(rf'data-step="{key}"><td>[^<]+</td><td class="num">(\d+)</td>', page).group(1)

    assert [step(k) for k in ("visits", "invited", "opened", "answered", "clicked", "complaints")] == [
        "2", "2", "2", "2", "1", "1"]
    assert "Петрова А. А." in page and "Север" in page and "<svg" in page
    assert re.search(r'data-figure="average"><dt>Средняя оценка</dt><dd>3,5</dd>', page)
    doctors = client.get("/admin/c/c1/numbers.csv?table=doctors&from=2026-11-01&to=2026-11-30")
    assert doctors.headers["Content-Type"].startswith("text/csv")
    lines = doctors.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Врач;Визиты;Приглашены") and any(line.startswith("Петрова А. А.;1;1") for line in lines)
    assert client.get("/admin/c/c1/?from=2026-12-01&to=2026-11-01").status_code == 400
    assert client.get("/admin/c/c1/?from=yesterday").status_code == 400
    assert client.get("/admin/c/c1/numbers.csv?table=invites").status_code == 400


def statements(services, run) -> int:
    """How many SQL statements the store runs for ``run``: the store's requests, counted at the database."""
    executed: list[str] = []
    db: sqlite3.Connection = services.store._db
    db.set_trace_callback(executed.append)
    try:
        run()
    finally:
        db.set_trace_callback(None)
    return len(executed)


def test_the_numbers_page_reads_the_same_with_10_or_1000_invites(client, services, clinic, outbox) -> None:
    services.sms = RecordingSms()
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    sign_in(client, outbox, "owner@clinic.ru")
    path = "/admin/c/c1/?from=2026-11-01&to=2026-11-30"
    counts = {}
    for start, end in ((0, 10), (10, 1000)):
        rows = [(n + 2, visit_row(n, phone=f"+7916{n:07d}", external_id=f"x{n}")) for n in range(start, end)]
        import_rows(services.store, clinic, rows, 14)
        assert send_due_invites(services, NOW).sent == end - start
        counts[end] = statements(services, lambda: client.get(path))
        shown = client.get(path).get_data(as_text=True)
        assert f'data-step="invited"><td>Приглашены</td><td class="num">{end}<' in shown
    assert counts[10] == counts[1000] <= 6, counts


def test_cases_are_worked_from_the_dashboard(client, world, outbox) -> None:
    answer(client, world, "c1")
    world.store.save_contacts([])
    sign_in(client, outbox, "owner@clinic.ru")
    listing = client.get("/admin/c/c1/cases").get_data(as_text=True)
    assert "Долго ждали администратора" in listing and "/admin/c/c1/cases/v2" in listing
    page = client.get("/admin/c/c1/cases/v2").get_data(as_text=True)
    assert 'href="tel:+79161234502"' in page and "Петрова А. А." in page and "Здравствуйте! Это" in page
    # The draft's cost in SMS segments, and the case's timeline.
    assert "155 знаков, частей SMS: 3 (UCS-2)" in page and 'data-kind="words"' in page
    csrf = csrf_of(client, "/admin/c/c1/cases/v2")
    assert client.post("/admin/c/c1/cases/v2/kind", data={"csrf": csrf, "kind": "price"}).status_code == 303
    assert client.post("/admin/c/c1/cases/v2/kind", data={"csrf": csrf, "kind": "specific"}).status_code == 400
    # Nothing goes before the director has seen the text and its segments.
    check = client.post("/admin/c/c1/cases/v2/reply", data={"csrf": csrf, "text": "Перезвоню вам сегодня."})
    shown = check.get_data(as_text=True)
    assert check.status_code == 200 and "Перезвоню вам сегодня." in shown and "частей SMS — 1" in shown
    assert [m for m in outbox.messages("sms") if "Перезвоню" in m["text"]] == []
    edit = client.post("/admin/c/c1/cases/v2/reply", data={"csrf": csrf, "text": "Перезвоню", "edit": "1"})
    assert ">Перезвоню</textarea>" in edit.get_data(as_text=True)
    sent = client.post("/admin/c/c1/cases/v2/reply",
                       data={"csrf": csrf, "text": "Перезвоню вам сегодня.", "confirm": "1"})
    assert sent.status_code == 303
    again = client.post("/admin/c/c1/cases/v2/reply", data={"csrf": csrf, "text": "ещё", "confirm": "1"})
    assert again.status_code == 409 and "уже отправлено" in again.get_data(as_text=True)
    # Sending is contact: the case is no longer new, and the timeline says who texted what.
    assert client.post("/admin/c/c1/cases/v2/contacted", data={"csrf": csrf}).status_code == 409
    assert client.post("/admin/c/c1/cases/v2/resolve", data={"csrf": csrf, "outcome": "maybe"}).status_code == 400
    assert client.post("/admin/c/c1/cases/v2/resolve", data={"csrf": csrf, "outcome": "returned"}).status_code == 303
    case = world.store.get_case("c1", "v2")
    assert (case.kind, case.status, case.outcome, case.contacted_by) == ("price", "resolved", "returned",
                                                                         "owner@clinic.ru")
    replies = [m for m in outbox.messages("sms") if "Перезвоню" in m["text"]]
    assert [m["to"] for m in replies] == ["+79161234502"]  # one reply, however often the button is pressed
    kinds = [e.kind for e in world.store.case_events("c1", "v2")]
    assert kinds[-4:] == ["kind_changed", "reply_sms", "contacted", "resolved"]
    timeline = client.get("/admin/c/c1/cases/v2").get_data(as_text=True)
    assert "SMS пациенту</strong> (отправлено, частей: 1)" in timeline
    assert client.get("/admin/c/c1/cases/nope").status_code == 404
    assert client.post("/admin/c/c1/cases/v2/explode", data={"csrf": csrf}).status_code == 404


def test_the_import_page_shows_the_row_report(client, world, outbox) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    csrf = csrf_of(client, "/admin/c/c1/import")
    data = "ФИО;Телефон;Дата приёма\nАнна;+79161234599;23.11.2026 09:00\nБорис;12;23.11.2026 09:30\n"
    answer_ = client.post("/admin/c/c1/import", data={"csrf": csrf, "file": (io_bytes(data.encode("cp1251")),
                                                                                  "export.csv")},
                          content_type="multipart/form-data")
    page = answer_.get_data(as_text=True)
    assert answer_.status_code == 200 and "Новых: <b>1</b>" in page and "отклонено: <b>1</b>" in page
    assert re.search(r'<td class="num">3</td><td>Телефон</td>', page)
    empty = client.post("/admin/c/c1/import", data={"csrf": csrf}, content_type="multipart/form-data")
    assert empty.status_code == 400


def io_bytes(data: bytes):
    import io

    return io.BytesIO(data)


def test_the_weekly_digest_goes_to_owners_once(client, world, outbox) -> None:
    answer(client, world, "c1")
    world.store.put_member("c1", "dir@clinic.ru", "director", NOW)
    monday = NOW + timedelta(days=7)  # 30 November; last week is 23-29 November
    assert send_digests(world, monday) == {"sent": 2, "already": 0, "no_owner": 0, "failed": 0}
    assert send_digests(world, monday + timedelta(hours=1))["already"] == 2
    digest = next(m for m in outbox.messages("email") if m["to"] == ["owner@clinic.ru"])
    assert "23.11–29.11.2026" in digest["subject"] and "открытых обращений: 1" in digest["subject"]
    assert "Приглашены: 2" in digest["text"] and "/admin/c/c1/cases/v2" in digest["text"]


def test_the_directors_email_links_to_the_case_page(client, world, outbox) -> None:
    answer(client, world, "c1")
    email = next(m for m in outbox.messages("email") if "Долго ждали" in m["text"])
    link = "https://otk.example.ru/admin/c/c1/cases/v2"
    assert link in email["text"] and f'href="{link}"' in email["html"]
    token = token_of(world, "c1", "v2")
    assert token not in email["text"] and token not in email["html"]
    assert client.get("/admin/c/c1/cases/v2").headers["Location"] == "/admin/signin"  # signed out: sign in first
    client.post("/admin/signin", data={"email": "owner@clinic.ru", "csrf": csrf_of(client)})
    path = "/admin/signin/" + last_link(outbox).rsplit("/admin/signin/", 1)[1]
    signed = client.post(path, data={"csrf": csrf_of(client, path)})
    assert signed.headers["Location"] == "/admin/c/c1/cases/v2"  # straight back to the case
    assert "Долго ждали администратора" in client.get("/admin/c/c1/cases/v2").get_data(as_text=True)


@pytest.mark.parametrize("field,value", [
    ("threshold", "пять"), ("reward_amount", "сто"), ("reward_amount", "-5"), ("monthly_budget", "1e9"),
    ("per_phone_days", "9999"), ("window", "23:00-07:00"), ("timezone", "Europe/Atlantis"), ("locale", "fr"),
    ("template", "{{ link"), ("template", "{{ clinic.__class__ }}"), ("branches", "Север: not-an-email"),
    ("directors", "x@y"), ("delay_minutes", "\x00"), ("name", "Клиника" * 40), ("earned_by", "review"),
])
def test_bad_settings_are_explained_and_change_nothing(client, world, outbox, field, value) -> None:
    sign_in(client, outbox, "owner@clinic.ru")
    before = world.store.get_clinic("c1")
    form = {"csrf": csrf_of(client, "/admin/c/c1/settings"), "window": "10:00-21:00", field: value}
    answer_ = client.post("/admin/c/c1/settings", data=form)
    page = answer_.get_data(as_text=True)
    assert answer_.status_code == 400 and "Ничего не сохранено" in page
    assert world.store.get_clinic("c1") == before and world.store.list_audit("c1", 5) == []
    # Every problem in Russian, naming the field as the form labels it: no document keys, no English.
    problems = re.findall(r"<li>(.*?)</li>", page.split('role="alert"', 1)[1].split("</div>", 1)[0])
    assert problems and all(re.search("[а-яё]", p, re.I) for p in problems), problems
    jargon = r"[a-z_]+\.[a-z_]+:|\[\d+\]|\b(must|undefined|one of|not a)\b|значение не подходит"
    assert not [p for p in problems if re.search(jargon, p)], problems


def test_every_form_of_the_dashboard_needs_its_csrf_token(client, world, outbox, app) -> None:
    answer(client, world, "c1")
    sign_in(client, outbox, "owner@clinic.ru")
    before = (world.store.get_clinic("c1"), [vars(c) for c in world.store.list_cases("c1")])
    posts = [rule for method, rule in admin_routes(app) if method == "POST"] + ["/admin/signout", "/admin/signin"]
    for rule in posts:
        path = rule.replace("<clinic_id>", "c1").replace("<case_id>", "v2").replace("<action>", "contacted")
        data = {"action": "remove", "platform": "yandex", "kind": "simple", "outcome": "returned", "text": "x",
                "email": "owner@clinic.ru"}
        assert client.post(path, data=data).status_code == 403, path
    assert (world.store.get_clinic("c1"), [vars(c) for c in world.store.list_cases("c1")]) == before
    assert client.get("/admin/c/c1/").status_code == 200  # still signed in: sign-out needs the token too
