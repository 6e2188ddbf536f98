"""Hand-offs, driven by 18 months of a clinic's history, on both stores: a recommendation not booked within the
clinic's days appears on the curator's call list, clears when a matching visit is imported (counted for the
recommending doctor), and a call settles it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from functions.cli import main
from functions.patients.handoffs import call_list, matches, per_doctor, settle
from functions.services import Services
from functions.store import Visit
from functions.visits.intake import import_rows
from tests.conftest import NOW, visit_row
from tests.patients_helpers import PHONE, history_clinic


def listed(store, clinic, at) -> list[tuple[str, str]]:
    return [(h.name.split()[0], h.wanted) for h in call_list(store, clinic, at)]


def test_an_unbooked_recommendation_appears_after_the_clinics_days(store, settings, clinic_doc) -> None:
    clinic = history_clinic(Services(settings, store=store), clinic_doc)
    # Волков was sent to the orthodontist on 20 October; 14 days passed without such a visit.
    assert listed(store, clinic, NOW) == [("Волков", "Ортодонт")]
    assert listed(store, clinic, NOW.replace(month=11, day=2)) == []  # not due yet then
    # Козлов's CT, recommended three days ago, joins the list when its days are over.
    assert listed(store, clinic, NOW + timedelta(days=12)) == [("Волков", "Ортодонт"), ("Козлов", "КТ")]
    # Федорова went to the surgeon within the days: never on the list, and booked for Иванов.
    assert store.get_handoff("c1", "50901").state == "booked"


def test_a_matching_visit_clears_it_and_counts_for_the_recommending_doctor(store, settings, clinic_doc) -> None:
    clinic = history_clinic(Services(settings, store=store), clinic_doc)
    import_rows(store, clinic, [(2, visit_row(1, phone=PHONE["volkov"], patient_name="Волков Андрей Павлович",
                                              visit_at="27.11.2026 10:00", doctor="Зубова Е. Е.",
                                              service="Консультация ортодонта"))], 14)
    assert listed(store, clinic, NOW + timedelta(days=4)) == []
    booked = store.get_handoff("c1", "50801")
    assert (booked.state, booked.booked_visit_id) == ("booked", "v1")
    rows = {r.doctor: (r.recommended, r.booked, r.share)
            for r in per_doctor(store, clinic, date(2026, 10, 1), date(2026, 11, 30))}
    assert rows == {"Иванов И. И.": (2, 2, 100), "Петрова А. С.": (1, 0, 0)}
    # Re-importing the same file changes nothing: each recommendation is counted once.
    history_clinic(Services(settings, store=store), clinic_doc)
    assert per_doctor(store, clinic, date(2026, 10, 1), date(2026, 11, 30))[0].recommended == 2


def test_a_call_settles_it_declined_or_a_wrong_number_takes_it_off(store, settings, clinic_doc) -> None:
    clinic = history_clinic(Services(settings, store=store), clinic_doc)
    assert settle(store, clinic, "50801", "call_back", "curator@clinic.ru", NOW) is True
    assert [h.outcome for h in call_list(store, clinic, NOW)] == ["call_back"]
    assert settle(store, clinic, "50801", "declined", "curator@clinic.ru", NOW) is True
    assert call_list(store, clinic, NOW) == []
    assert settle(store, clinic, "50801", "booked", "curator@clinic.ru", NOW) is False
    with pytest.raises(ValueError):
        settle(store, clinic, "51001", "maybe", "x", NOW)


def visit(service: str, doctor: str = "") -> Visit:
    return Visit(clinic_id="c1", visit_id="x", patient_name="", phone="", visit_at=NOW, local_date="",
                 expires_at=NOW, service=service, doctor=doctor)


@pytest.mark.parametrize(("wanted", "service", "doctor", "found"), [
    ("Ортодонт", "Консультация ортодонта", "", True),
    ("к хирургу на удаление 38", "Приём хирурга-имплантолога", "", True),
    ("Имплантация", "Установка импланта", "", True),
    ("КТ", "КТ челюсти", "", True),
    ("к Петровой А. С.", "Приём терапевта", "Петрова А. С.", True),
    ("Ортопед", "Консультация ортодонта", "", False),
    ("Консультация", "Консультация терапевта", "", False),  # a word that names no specialty matches nothing
    ("КТ", "Контрольный осмотр", "", False),
])
def test_a_visit_matches_what_was_recommended(wanted, service, doctor, found) -> None:
    assert matches("ru", wanted, visit(service, doctor)) is found


def test_the_command_line_lists_them_as_of_a_moment(settings, services, clinic_doc, monkeypatch) -> None:
    monkeypatch.setenv("FUNNEL_SQLITE_PATH", settings.sqlite_path)
    history_clinic(services, clinic_doc)
    early = CliRunner().invoke(main, ["handoffs", "list", "--clinic", "c1", "--at", "2026-11-02T12:00+03:00"])
    assert early.exit_code == 0 and early.output.strip() == "[]"
    later = CliRunner().invoke(main, ["handoffs", "list", "--clinic", "c1", "--at", "2026-12-05T12:00+03:00"])
    assert '"wanted": "Ортодонт"' in later.output and '"wanted": "КТ"' in later.output
