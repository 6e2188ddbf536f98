"""The invite SMS: default texts within their segment budgets, the clinic's own text, details only on opt-in."""

from __future__ import annotations

import json

import pytest

from functions.clinics.clinic import ClinicError, parse_clinic
from functions.invites.links import invite_link
from functions.invites.segments import count_segments
from functions.invites.text import invite_text, sample_invite
from functions.visits.intake import build_visit
from tests.conftest import visit_row

HOST = "https://otk-clinic.ru"  # a 12-character host
NAME_20 = "Клиника Здоровье+ 12"
NAME_20_EN = "Zdorovie Clinic 1234"


def test_default_russian_text_with_a_20_character_name_fits_two_ucs2_segments(clinic_doc) -> None:
    assert len(NAME_20) == 20 and len(HOST) == 8 + 12 + 1
    clinic = parse_clinic({**clinic_doc, "name": NAME_20})
    link = invite_link(HOST, "x" * 12)
    text = invite_text(clinic, link)
    assert len(link) <= 35 and link in text
    segments = count_segments(text)
    assert (segments.encoding, segments.count) == ("UCS-2", 2)


def test_default_english_text_with_a_20_character_name_fits_one_gsm7_segment(clinic_doc) -> None:
    clinic = parse_clinic({**clinic_doc, "name": NAME_20_EN, "locale": "en"})
    text = invite_text(clinic, invite_link(HOST, "x" * 12))
    segments = count_segments(text)
    assert (segments.encoding, segments.count) == ("GSM-7", 1), text


def test_doctor_and_service_only_when_the_clinic_opts_in(clinic_doc) -> None:
    template = "{{ clinic }}: оцените приём, {{ doctor }} ({{ service }}): {{ link }}"
    with pytest.raises(ClinicError, match="details: true"):
        parse_clinic({**clinic_doc, "sending": {"template": template}})
    clinic = parse_clinic({**clinic_doc, "sending": {"template": template, "details": True}})
    visit = build_visit(clinic, visit_row(1, service="УЗИ"), 14)
    assert invite_text(clinic, "https://otk.ru/abc", visit) == (
        "Клиника Тест: оцените приём, Иванов И. И. (УЗИ): https://otk.ru/abc")
    default = parse_clinic(clinic_doc)
    assert "Иванов" not in invite_text(default, "https://otk.ru/abc", visit)


@pytest.mark.parametrize("template,problem", [
    ("Оцените визит", "{{ link }}"),
    ("{{ link }} {{ clinic.__class__.__mro__ }}", "sending.template"),
    ("{{ link }} {% for %}", "sending.template"),
    ("{{ link }} {{ diagnosis }}", "sending.template"),
])
def test_broken_or_sneaky_templates_are_refused(clinic_doc, template, problem) -> None:
    with pytest.raises(ClinicError, match=problem.replace("{", r"\{").replace("}", r"\}")):
        parse_clinic({**clinic_doc, "sending": {"template": template}})


def test_clinic_show_gives_the_sample_and_warns_past_two_segments(tmp_path, settings, monkeypatch,
                                                                  clinic_doc) -> None:
    from click.testing import CliRunner

    from functions.cli import main

    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    long_text = "{{ clinic }}: " + "Спасибо, что выбрали нас! " * 6 + "{{ link }}"
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**clinic_doc, "sending": {"template": long_text}}), encoding="utf-8")
    created = CliRunner().invoke(main, ["clinic", "create", str(path)])
    assert "warning: the invite SMS takes 4 UCS-2 segments" in created.stderr  # 205 units
    shown = json.loads(CliRunner().invoke(main, ["clinic", "show", "c1"]).stdout)
    assert (shown["sample_sms"]["segments"], shown["sample_sms"]["encoding"]) == (4, "UCS-2")
    assert shown["sending"]["template"] == long_text


def test_sample_uses_long_values_to_show_the_worst_case(clinic_doc) -> None:
    clinic = parse_clinic({**clinic_doc, "sending": {"template": "{{ doctor }} {{ link }}", "details": True}})
    text, segments = sample_invite(clinic, HOST)
    assert text.startswith("Константинопольская") and segments.count == 1
