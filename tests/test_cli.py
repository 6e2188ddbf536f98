"""The command line, as an operator uses it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from functions.cli import main


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    monkeypatch.setenv("FUNNEL_OUTBOX_PATH", settings.outbox_path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def write(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_clinic_create_show_update(run, tmp_path, clinic_doc) -> None:
    path = write(tmp_path, "c.json", json.dumps(clinic_doc, ensure_ascii=False))
    assert run("clinic", "create", path).output.strip() == "saved clinic c1"
    again = run("clinic", "create", path)
    assert again.exit_code == 1 and "exists; use 'clinic update'" in again.output
    changed = write(tmp_path, "c2.json", json.dumps({**clinic_doc, "threshold": 5}))
    assert run("clinic", "update", changed).exit_code == 0
    assert json.loads(run("clinic", "show", "c1").output)["threshold"] == 5


def test_invalid_clinic_file_lists_every_problem_and_saves_nothing(run, tmp_path, clinic_doc) -> None:
    bad = {**clinic_doc, "directors": ["nope"], "platforms": [{"id": "y", "name": "Y", "url": "http://y.ru"}]}
    result = run("clinic", "create", write(tmp_path, "bad.json", json.dumps(bad)))
    assert result.exit_code == 1
    assert "directors[0]: not a valid email address" in result.output
    assert "platforms[0].url: must be an https:// address" in result.output
    assert run("clinic", "show", "c1").exit_code == 1
    assert "not a JSON file" in run("clinic", "create", write(tmp_path, "x.json", "{oops")).output


def test_visits_import_prints_the_report(run, tmp_path, clinic_doc) -> None:
    run("clinic", "create", write(tmp_path, "c.json", json.dumps(clinic_doc)))
    csv = "ФИО;Телефон;Дата приёма\nАнна;89161234501;23.11.2026 10:00\nБорис;123;23.11.2026 10:00\n"
    result = run("visits", "import", write(tmp_path, "v.csv", csv), "--clinic", "c1")
    report = json.loads(result.output)
    assert (report["imported"], report["rejected"]) == (1, 1)
    assert report["errors"] == [{"line": 3, "column": "Телефон", "code": "phone_invalid",
                                 "reason": "номер неполный или такого не бывает: «123»"}]
    unknown = run("visits", "import", write(tmp_path, "w.csv", csv), "--clinic", "nobody")
    assert unknown.exit_code == 1 and "no clinic 'nobody'" in unknown.output


def test_api_key_is_shown_once_and_can_be_revoked(run, tmp_path, clinic_doc) -> None:
    run("clinic", "create", write(tmp_path, "c.json", json.dumps(clinic_doc)))
    key = run("clinic", "key", "c1").stdout.strip()
    assert key.startswith("otk_")
    key_id = key.split("_")[1]
    assert run("clinic", "key", "c1", "--revoke", key_id).output.strip() == f"revoked {key_id}"
    assert run("clinic", "key", "c1", "--revoke", key_id).exit_code == 1


def test_bad_configuration_stops_with_a_message(monkeypatch) -> None:
    monkeypatch.setenv("FUNNEL_STORE", "mongodb")
    result = CliRunner().invoke(main, ["dispatch"])
    assert result.exit_code == 1 and "FUNNEL_STORE must be one of" in result.output


def test_long_files_show_progress_on_stderr_and_keep_stdout_json(run, tmp_path, clinic_doc) -> None:
    run("clinic", "create", write(tmp_path, "c.json", json.dumps(clinic_doc)))
    rows = "".join(f"Пациент {n};+7916{n:07d};23.11.2026 10:00\n" for n in range(2100))
    result = run("visits", "import", write(tmp_path, "big.csv", "ФИО;Телефон;Дата приёма\n" + rows), "--clinic", "c1")
    assert json.loads(result.stdout)["imported"] == 2100
    assert "importing" in result.stderr
