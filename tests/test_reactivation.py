"""Reactivation, driven by 18 months of a clinic's history (a Windows-1251 export), on both stores: who stopped
coming (N months to the day), only with advertising consent, never after an opt-out or an erase; the call script
names the last visit and the real reason to call; staff mark outcomes; the call list opens in Russian Excel."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from functions.cli import main
from functions.patients.erase import erase_patient
from functions.patients.reactivation import inactive, record_call, rows_csv
from functions.services import Services
from tests.conftest import NOW
from tests.patients_helpers import PHONE, history_clinic


def names(rows) -> list[str]:
    return [r.patient.name.split()[0] for r in rows]


def test_the_register_keeps_each_patients_latest_visit_from_18_months_of_history(store, settings, clinic_doc) -> None:
    history_clinic(Services(settings, store=store), clinic_doc)
    smirnova = store.get_patient("c1", PHONE["smirnova"])
    assert (smirnova.name, smirnova.doctor, smirnova.service) == (
        "Смирнова Анна Петровна", "Петрова А. С.", "Профессиональная гигиена")
    assert smirnova.last_visit_at.isoformat() == "2025-09-15T06:00:00+00:00"
    # What only an earlier visit said stays: the plan, the address, the consent (the last file left it empty).
    assert (smirnova.note, smirnova.email, smirnova.ad_consent) == (
        "План лечения: пломбы на 36 и 37", "anna.smirnova@mail.example", True)
    assert sorted(smirnova.visits) == ["50101", "50102", "50103"]
    assert store.get_patient("c1", PHONE["popov"]).ad_consent is False


def test_the_list_is_n_months_to_the_day_with_consent_and_without_opt_outs(store, settings, clinic_doc) -> None:
    services = Services(settings, store=store)
    clinic = history_clinic(services, clinic_doc)
    rows, left_out = inactive(store, clinic, 12, NOW)
    # Кузнецов's last visit was on this day a year ago: not yet twelve months; Соколова's was the evening before.
    assert names(rows) == ["Соколова", "Смирнова", "Новиков", "Лебедева"]
    assert left_out == {"no_consent": 1}  # Попов never agreed to offers
    assert names(inactive(store, clinic, 18, NOW)[0]) == ["Новиков", "Лебедева"]
    assert names(inactive(store, clinic, 1, NOW + timedelta(days=60))[0])[:3] == ["Козлов", "Федорова", "Морозова"]
    store.add_optout("*", PHONE["lebedeva"], NOW)  # she replied STOP
    erase_patient(services, "c1", PHONE["novikov"], NOW)  # he asked to be forgotten
    rows, left_out = inactive(store, clinic, 12, NOW)
    assert names(rows) == ["Соколова", "Смирнова"] and left_out == {"no_consent": 1, "opted_out": 1}


def test_the_script_names_the_last_visit_the_reason_and_answers_three_objections(store, settings, clinic_doc) -> None:
    clinic = history_clinic(Services(settings, store=store), clinic_doc)
    script = next(r for r in inactive(store, clinic, 12, NOW)[0] if r.patient.phone == PHONE["smirnova"]).script
    assert script["opening"] == (
        "Анна Петровна, здравствуйте! Это Клиника Тест. Вы были у нас 15 сентября 2025 (Профессиональная гигиена, "
        "доктор Петрова А. С.). Тогда доктор записал: «План лечения: пломбы на 36 и 37». Звоню узнать, как вы себя "
        "чувствуете, и предложить удобное время, чтобы показаться доктору.")
    assert "бесплатный осмотр" in script["money"] and "дешевле" in script["money"]
    assert "обещание мы держим" in script["fear"]
    assert "будет вас не хватать" in script["other_doctor"] and "+7 495 123-45-67" in script["other_doctor"]


def test_the_clinic_edits_the_script_in_its_own_words(store, settings, clinic_doc) -> None:
    services = Services(settings, store=store)
    clinic = history_clinic(services, clinic_doc, patients={"scripts": {
        "money": "{{ person }}, первичный осмотр у нас стоит 500 ₽, и он засчитывается в лечение."}})
    script = inactive(store, clinic, 12, NOW)[0][0].script
    assert script["money"] == "Мария Сергеевна, первичный осмотр у нас стоит 500 ₽, и он засчитывается в лечение."


def test_a_settled_call_takes_the_patient_off_until_they_come_again(store, settings, clinic_doc) -> None:
    clinic = history_clinic(Services(settings, store=store), clinic_doc)
    record_call(store, clinic, PHONE["smirnova"], "booked", "anna@clinic.ru", NOW)
    record_call(store, clinic, PHONE["sokolova"], "call_back", "anna@clinic.ru", NOW)
    rows, left_out = inactive(store, clinic, 12, NOW)
    assert names(rows) == ["Соколова", "Новиков", "Лебедева"] and left_out["called_booked"] == 1
    assert rows[0].outcome.outcome == "call_back"
    assert "Смирнова" in names(inactive(store, clinic, 12, NOW, settled_too=True)[0])


def test_the_call_list_opens_in_russian_excel_and_formulas_stay_text(settings, services, clinic_doc, tmp_path) -> None:
    clinic = history_clinic(services, clinic_doc)
    services.store.note_patients([services.store.get_patient("c1", PHONE["sokolova"])])
    rows, _ = inactive(services.store, clinic, 12, NOW)
    rows[0].patient.note = "=HYPERLINK(\"http://x\")"
    text = rows_csv(clinic, rows)
    assert text.startswith("\ufeffФИО;Телефон;Последний визит;Месяцев;Врач;Услуга;Заметка;")
    assert "'=HYPERLINK" in text and "Соколова Мария Сергеевна;8 (916) 123-00-03;22 ноября 2025;12;" in text


def test_the_command_line_writes_the_list_as_of_a_moment(settings, services, clinic_doc, tmp_path,
                                                         monkeypatch) -> None:
    for name, value in {"FUNNEL_SQLITE_PATH": settings.sqlite_path, "FUNNEL_OUTBOX_PATH": settings.outbox_path}.items():
        monkeypatch.setenv(name, value)
    history_clinic(services, clinic_doc)
    out = tmp_path / "calls.csv"
    result = CliRunner().invoke(main, ["patients", "inactive", "--clinic", "c1", "--months", "12", "--csv", str(out),
                                       "--at", "2026-11-23T12:00+03:00"])
    assert result.exit_code == 0, result.output
    assert '"patients": 4' in result.output and out.read_bytes().startswith(b"\xef\xbb\xbf")
    # A year on, Кузнецов has lapsed too.
    later = CliRunner().invoke(main, ["patients", "inactive", "--clinic", "c1", "--months", "12", "--at",
                                      "2026-11-24T12:00+03:00"])
    assert '"patients": 5' in later.output
    bad = CliRunner().invoke(main, ["patients", "inactive", "--clinic", "c1", "--at", "2026-11-24 12:00"])
    assert bad.exit_code == 2 and "no UTC offset" in bad.output
