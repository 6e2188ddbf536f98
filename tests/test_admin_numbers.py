"""The numbers a clinic steers by: response rate, average and index with Russian formatting, every share of a
named base and never above 100 %, clicks once per invite, opt-outs, per doctor and branch adding up with their
trend, complaint handling times, and labelled charts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from functions.cases.moves import mark_contacted, resolve
from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import send_due_invites
from functions.visits.intake import import_rows
from functions.web import invites as api
from tests.admin_helpers import sign_in
from tests.conftest import NOW, visit_row

RANGE = "/admin/c/c1/?from=2026-11-01&to=2026-11-30"


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    import functions.web.admin.numbers as numbers_view

    monkeypatch.setattr(api, "utcnow", lambda: NOW)
    monkeypatch.setattr(numbers_view, "utcnow", lambda: NOW)


@pytest.fixture
def answered(services, clinic_doc, client, outbox):
    """Four invited: 5 (two platforms opened, twice), 4, 2 (a complaint, handled) and one who opted out."""
    clinic = save_clinic(services.store, {**clinic_doc, "policy": "open"}, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    rows = [(2, visit_row(1, branch="Север")), (3, visit_row(2, doctor="Петрова А. А.", branch="Север")),
            (4, visit_row(3, doctor="")), (5, visit_row(4))]
    import_rows(services.store, clinic, rows, 14)
    send_due_invites(services, NOW)
    token = {n: services.store.get_visit("c1", f"v{n}").invite_token for n in range(1, 5)}
    for n, score in ((1, 5), (2, 4), (3, 2)):
        client.post(f"/api/v1/invites/{token[n]}/rating", json={"score": score})
    for platform in ("yandex", "2gis", "yandex", "2gis"):
        client.get(f"/r/{token[1]}/{platform}")
    client.post(f"/api/v1/invites/{token[3]}/feedback", json={"text": "Долго ждали"})
    for _ in range(2):
        client.post(f"/api/v1/invites/{token[4]}/optout")
    case = services.store.get_case("c1", "v3")
    mark_contacted(services, case, "owner@clinic.ru", case.created_at + timedelta(minutes=30))
    later = case.created_at + timedelta(hours=5)
    resolve(services, services.store.get_case("c1", "v3"), "owner@clinic.ru", True, later)
    sign_in(client, outbox, "owner@clinic.ru")
    return services


def step(page: str, key: str) -> tuple[str, str]:
    found = re.search(rf'data-step="{key}"><td>[^<]+</td><td class="num">(\d+)</td><td class="num">([^<]*)', page)
    assert found, key
    return found.group(1), found.group(2).replace("\xa0", " ").strip()


def test_every_share_names_its_base_and_none_passes_100(client, answered) -> None:
    page = client.get(RANGE).get_data(as_text=True)
    assert step(page, "answered") == ("3", "75 %")  # of the 4 invited: the response rate
    assert step(page, "clicked") == ("1", "33 %")  # one invite opened two platforms twice: one who clicked
    assert step(page, "complaints") == ("1", "33 %") and step(page, "optouts") == ("1", "25 %")
    assert 'data-step="delivered"' not in page  # no delivery reports in the outbox: not a step of 0
    assert step(page, "opened")[1] == "75 %" and "Отчётов о доставке нет" in page
    shares = [int(s) for s in re.findall(r"(\d+)\xa0%", page)]
    assert shares and max(shares) <= 100
    bases = re.findall(r'<span class="muted base">([^<]+)</span>', page)
    assert set(bases) == {"от визитов", "от приглашённых", "от ответивших"}


def test_scores_read_as_a_russian_reader_writes_them(client, answered) -> None:
    page = client.get(RANGE).get_data(as_text=True).replace("\xa0", " ")
    assert re.search(r'data-figure="average"><dt>Средняя оценка</dt><dd>3,67</dd>', page)
    assert re.search(r'data-figure="index"><dt>Индекс</dt><dd>0</dd>', page)  # one 5, one 2: 33 % − 33 %
    assert re.search(r'data-figure="response"><dt>Ответили</dt><dd>75 %</dd>', page)
    assert re.search(r'data-figure="to-contact"><dt>До связи с пациентом</dt><dd>30 мин</dd>', page)
    assert re.search(r'data-figure="to-resolve"><dt>До закрытия</dt><dd>5 ч</dd>', page)
    assert "3.67" not in page


def test_doctors_and_branches_add_up_to_the_clinic(client, answered) -> None:
    page = client.get(RANGE).get_data(as_text=True)
    branches = page.split('id="branches"', 1)[1].split("</table>", 1)[0]
    named = re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num" data-label="Визиты">(\d+)', branches)
    assert named == [("Север", "2"), ("Филиал не указан", "2")]
    doctors = page.split('id="doctors"', 1)[1].split("</table>", 1)[0]
    visits = [int(v) for v in re.findall(r'data-label="Визиты">(\d+)', doctors)]
    assert sum(visits) == 4 and "Врач не указан" in doctors


def test_the_charts_carry_dates_scales_and_values(client, answered) -> None:
    page = client.get(RANGE).get_data(as_text=True)
    average = page.split('id="chart-average"', 1)[1].split("</figure>", 1)[0]
    assert re.findall(r'class="y-label"[^>]*>(\d)</text>', average) == ["1", "2", "3", "4", "5"]
    assert "1 нояб." in average and "23 нояб." in re.sub(r"<[^>]+>", " ", average)  # dates, in words
    assert '>3,67</text>' in average  # the day's value written at its point
    index = page.split('id="chart-index"', 1)[1].split("</figure>", 1)[0]
    assert "\u2212100" in index and "+100" in index


def test_a_long_range_is_charted_by_week_with_a_label_each(client, answered) -> None:
    page = client.get("/admin/c/c1/?from=2026-09-01&to=2026-11-30").get_data(as_text=True)
    chart = page.split('id="chart-average"', 1)[1].split("</figure>", 1)[0]
    labels = re.findall(r'class="x-label"[^>]*>([^<]+)</text>', chart)
    assert 5 <= len(labels) <= 8 and labels[0] == "1.09–6.09" and all("–" in label for label in labels)
    assert len(re.findall(r"<rect ", chart)) == 14  # 13 weeks and the start of a fourteenth


def test_the_csv_opens_in_russian_excel(client, answered) -> None:
    text = client.get("/admin/c/c1/numbers.csv?table=branches&from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert text.startswith("\ufeffФилиал;Визиты;Приглашены;")
    header, *rows = [line.split(";") for line in text.lstrip("\ufeff").splitlines()]
    north = dict(zip(header, next(r for r in rows if r[0] == "Север"), strict=True))
    assert north["Средняя оценка"] == "4,5" and north["Выплачено, ₽"] == "0,00"
