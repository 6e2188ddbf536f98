"""Texts the clinic writes (the invite SMS, the director's replies) are rendered within limits: values
and conditions only, a bounded length, at most four SMS segments; every problem is a 4xx with words."""

from __future__ import annotations

import json
import re

import pytest
from jinja2 import TemplateError

from functions.clinics.clinic import ClinicError, parse_clinic
from functions.texts import render_clinic_text
from tests.admin_helpers import csrf_of, sign_in
from tests.conftest import NOW

HOSTILE = {
    "{{ link }} {{ 'x' * 100000000 }}": "arithmetic",  # took 75 s in a preview
    "{{ link }} {% for i in range(999999) %}x{% endfor %}": "loops",  # was a 500 on save and preview
    "{{ link }} {{ 2 ** 2 ** 40 }}": "arithmetic",
    "{{ link }} {{ clinic|center(1000000000) }}": "center filter",
    "{{ link }} {{ clinic.center(1000000000) }}": "calling functions",
    "{{ link }} {{ lipsum(100000) }}": "calling functions",
    "{{ link }} {% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f(clinic) }}": "macros",
    "{{ link }} {% set x = clinic %}": "{% set %}",
    "{{ link }} {{ clinic.__class__.__mro__ }}": "attributes",
    "{{ link }} {% include 'admin/base.html' %}": "{% include %}",
}


@pytest.mark.parametrize("template,problem", HOSTILE.items())
def test_more_than_values_and_conditions_is_refused_before_it_runs(clinic_doc, template, problem) -> None:
    with pytest.raises(ClinicError) as err:
        parse_clinic({**clinic_doc, "sending": {"template": template}})
    assert any(p.startswith("sending.template:") and problem in p for p in err.value.problems), err.value.problems


def test_values_conditions_and_case_filters_still_work() -> None:
    text = "{{ clinic|upper }}: {% if reward %}{{ reward }} за ответ, {% endif %}{{ link }}"
    assert render_clinic_text(text, clinic="Здоровье", reward="", link="https://otk.ru/a") == "ЗДОРОВЬЕ: https://otk.ru/a"


def test_a_text_that_comes_out_too_long_is_refused() -> None:
    with pytest.raises(TemplateError, match="at most 2000"):
        render_clinic_text("{{ clinic }}" * 100, clinic="x" * 40)


def test_a_director_reply_with_a_loop_is_refused(clinic_doc) -> None:
    with pytest.raises(ClinicError, match=r"replies.waiting: loops"):
        parse_clinic({**clinic_doc, "replies": {"waiting": "{% for i in range(10**9) %}{{ person }}{% endfor %}"}})


@pytest.fixture
def owner(client, services, clinic, outbox):
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    sign_in(client, outbox, "owner@clinic.ru")
    return client


def settings_form(client) -> dict:
    page = client.get("/admin/c/c1/settings").get_data(as_text=True)
    form = dict(re.findall(r'<input name="(\w+)"[^>]*value="([^"]*)"', page))
    form.update(csrf=csrf_of(client, "/admin/c/c1/settings"), directors="a@clinic.ru", reward_amount="100",
                monthly_budget="0", per_phone_days="30", earned_by="tap", locale="ru", policy="gated",
                primary="order", branches="")
    return form


@pytest.mark.parametrize("template", list(HOSTILE))
def test_the_dashboard_answers_a_hostile_text_with_a_400_and_words(owner, services, template) -> None:
    preview = owner.get("/admin/c/c1/sms-preview", query_string={"template": template})
    said = preview.get_json()["problems"][0]
    assert preview.status_code == 400 and said.startswith("Текст SMS — ") and "значение не подходит" not in said
    saved = owner.post("/admin/c/c1/settings", data={**settings_form(owner), "template": template})
    assert saved.status_code == 400 and "Текст SMS — " in saved.get_data(as_text=True)
    assert services.clinic("c1").sending.template == ""


def test_more_than_four_segments_is_refused_with_the_count(owner, services) -> None:
    long_text = "{{ clinic }}: " + "Спасибо, что выбрали нашу клинику! " * 12 + "{{ link }}"
    preview = owner.get("/admin/c/c1/sms-preview", query_string={"template": long_text}).get_json()
    assert preview["segments"] == 8 and "SMS займёт 8 частей" in preview["problems"][0]
    saved = owner.post("/admin/c/c1/settings", data={**settings_form(owner), "template": long_text})
    page = saved.get_data(as_text=True)
    assert saved.status_code == 400 and "SMS займёт 8 частей (470 знаков), а можно не больше 4" in page
    assert services.clinic("c1").sending.template == ""
    four = "{{ clinic }}: " + "Спасибо, что выбрали нас! " * 6 + "{{ link }}"
    assert owner.post("/admin/c/c1/settings", data={**settings_form(owner), "template": four}).status_code == 303


def test_the_command_line_refuses_a_34_segment_text(tmp_path, settings, monkeypatch, clinic_doc) -> None:
    from click.testing import CliRunner

    from functions.cli import main

    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**clinic_doc, "sending": {"template": "Ж" * 490 + "{{ link }}"}}), encoding="utf-8")
    created = CliRunner().invoke(main, ["clinic", "create", str(path)])
    assert created.exit_code == 1 and "would take 8 UCS-2 segments" in created.output
    assert CliRunner().invoke(main, ["clinic", "show", "c1"]).exit_code == 1  # nothing was saved
