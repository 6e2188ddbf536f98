"""Visits in: the CSV importer and the API, each row imported or reported with its reason."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest

from functions.clinics.clinic import parse_clinic
from functions.visits.apikeys import create_key
from functions.visits.csv_files import import_csv
from functions.visits.intake import RowError, build_visit
from tests.conftest import NOW, visit_row

DATA = Path(__file__).parent / "data"


def test_cp1251_semicolon_export_with_russian_headers_row_by_row(services, clinic) -> None:
    report = import_csv(services.store, clinic, (DATA / "visits_cp1251.csv").read_bytes(), 14).as_dict()
    assert report["errors"] == [
        {"line": 4, "column": "Телефон", "code": "phone_invalid",
         "reason": "номер неполный или такого не бывает: «8 (916) 12-34»"},
        {"line": 5, "column": "Дата приёма", "code": "date_unknown",
         "reason": "непонятная дата «завтра утром»; пишите 23.11.2026 14:30 или 2026-11-23T14:30"},
        {"line": 6, "column": "ФИО", "code": "empty", "reason": "пусто"},
        {"line": 7, "column": "Номер визита", "code": "same_visit", "reason": "тот же визит, что в строке 2"},
    ]
    assert (report["imported"], report["updated"], report["rejected"]) == (5, 0, 4)
    assert (report["no_consent"], report["not_mobile"]) == (1, 1)
    first = services.store.get_visit("c1", "10231")
    assert (first.phone, first.patient_name, first.doctor, first.branch, first.service, first.consent) == (
        "+79161234501", "Смирнова Анна Петровна", "Иванов И. И.", "Центр", "Приём терапевта", True)
    assert first.visit_at == datetime.fromisoformat("2026-11-23T09:30:00+03:00")  # Moscow time
    landline = services.store.get_visit("c1", "10236")
    assert (landline.phone, landline.invitable) == ("+74951234567", False)
    assert services.store.get_visit("c1", "10237").consent is False
    assert services.store.get_visit("c1", "10238").consent is True  # empty cell: the clinic's default


def test_utf8_bom_excel_export_with_split_date_and_time(services, clinic) -> None:
    report = import_csv(services.store, clinic, (DATA / "visits_excel_bom.csv").read_bytes(), 14)
    assert (report.imported, report.rejected) == (2, [])
    visits = services.store.visits_on("c1", "2026-11-23")
    assert sorted((v.patient_name, v.visit_at.astimezone(clinic.zone).strftime("%H:%M")) for v in visits) == [
        ("Anna Smirnova", "09:30"), ("Kuznetsov, Petr", "10:00")]


def test_tab_separated_file(services, clinic) -> None:
    report = import_csv(services.store, clinic, (DATA / "visits_tab.tsv").read_bytes(), 14)
    assert (report.imported, report.rejected) == (2, [])


def test_reimport_updates_in_place_and_never_invites_twice(services, clinic) -> None:
    from functions.invites.dispatch import send_due_invites

    data = (DATA / "visits_cp1251.csv").read_bytes()
    import_csv(services.store, clinic, data, 14)
    send_due_invites(services, NOW)
    sent = len(services.sms.outbox.messages("sms"))
    again = import_csv(services.store, clinic, data.replace("Центр".encode("cp1251"), "Юг".encode("cp1251")), 14)
    assert (again.imported, again.updated) == (0, 5)
    assert services.store.get_visit("c1", "10231").branch == "Юг"
    assert send_due_invites(services, NOW).sent == 0
    assert len(services.sms.outbox.messages("sms")) == sent == 2  # 09:30 and 10:00; 13:00 is yet to come


def test_without_an_id_the_same_phone_and_time_is_the_same_visit(services, clinic) -> None:
    data = "ФИО;Телефон;Дата приёма\nАнна;89161234501;23.11.2026 10:00\n".encode()
    import_csv(services.store, clinic, data, 14)
    again = import_csv(services.store, clinic, data.replace("Анна".encode(), "Анна П.".encode()), 14)
    assert (again.imported, again.updated) == (0, 1)


def test_explicit_header_map_for_odd_headers(services, clinic) -> None:
    data = "Клиент\tМоб. тел.\tКогда\n Анна \t89161234501\t23.11.2026 10:30\n".encode()
    mapping = {"patient_name": "Клиент", "phone": "Моб. тел.", "visit_at": "Когда"}
    assert import_csv(services.store, clinic, data, 14, mapping).imported == 1


def test_a_file_the_importer_cannot_read_rejects_every_row_with_the_reason(services, clinic) -> None:
    report = import_csv(services.store, clinic, b"name;date\nAnna;23.11.2026 10:30\n\nBoris;x\n", 14)
    reason = "среди заголовков нет столбцов: Телефон (в файле: name; date)"
    assert [(e["line"], e["code"], e["reason"]) for e in report.rejected] == [
        (2, "missing_columns", reason), (4, "missing_columns", reason)]
    assert import_csv(services.store, clinic, b"", 14).as_dict()["rejected"] == 0


def test_landline_is_kept_but_never_invited(clinic_doc) -> None:
    visit = build_visit(parse_clinic(clinic_doc), visit_row(1, phone="+7 495 123-45-67"), 14)
    assert (visit.phone, visit.invitable) == ("+74951234567", False)


@pytest.mark.parametrize("field,value,column", [
    ("phone", "not a phone", "phone"), ("phone", "+7 916 12", "phone"), ("visit_at", "32.13.2026 10:00", "visit_at"),
    ("consent", "может быть", "consent"), ("patient_name", "x" * 121, "patient_name"), ("phone", 79161234501, "phone"),
])
def test_bad_fields_name_their_column(clinic_doc, field, value, column) -> None:
    with pytest.raises(RowError) as err:
        build_visit(parse_clinic(clinic_doc), visit_row(1, **{field: value}), 14)
    assert err.value.column == column


def post(client, key: str | None, body: object):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/api/v1/visits", json=body, headers=headers)


def test_api_batch_reports_per_item(client, services, clinic) -> None:
    key = create_key(services.store, "c1", NOW)
    items = [visit_row(1, contact_hours="когда-нибудь"), visit_row(2, phone="nope"), "junk"]
    answer = post(client, key, {"visits": items})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["imported"], body["rejected"]) == (1, 2)
    assert [(e["index"], e["column"]) for e in body["errors"]] == [(1, "phone"), (2, "")]
    assert [(w["index"], w["column"]) for w in body["warnings"]] == [(0, "contact_hours")]
    assert services.store.get_visit("c1", "v1").phone == "+79161234501"


def test_api_key_is_required_valid_and_for_this_clinic(client, services, clinic, clinic_doc) -> None:
    from functions.clinics.clinic import save_clinic

    save_clinic(services.store, {**clinic_doc, "id": "c2"}, NOW)
    key_b = create_key(services.store, "c2", NOW)
    assert post(client, None, {"visits": [visit_row(1)]}).status_code == 401
    assert post(client, "otk_0123456789ab_wrong", {"visits": [visit_row(1)]}).status_code == 401
    forbidden = post(client, key_b, {"clinic_id": "c1", "visits": [visit_row(1)]})
    assert (forbidden.status_code, forbidden.get_json()["error"]["code"]) == (403, "forbidden")
    assert services.store.get_visit("c1", "v1") is None
    key_id = key_b.split("_")[1]
    services.store.revoke_api_key(key_id, NOW)
    assert post(client, key_b, {"visits": [visit_row(1)]}).status_code == 401


def test_api_refuses_oversized_and_empty_batches(client, services, clinic) -> None:
    key = create_key(services.store, "c1", NOW)
    too_many = post(client, key, {"visits": [visit_row(1)] * 1001})
    assert (too_many.status_code, too_many.get_json()["error"]["code"]) == (413, "batch_too_large")
    assert post(client, key, {"visits": []}).status_code == 400
    assert post(client, key, {"nothing": 1}).status_code == 400
    assert services.store.visits_on("c1", "2026-11-23") == []


def test_only_the_hash_of_the_key_is_stored(services, clinic) -> None:
    key = create_key(services.store, "c1", NOW)
    stored = services.store.get_api_key(key.split("_")[1])
    assert key.split("_", 2)[2] not in stored.secret_hash and len(stored.secret_hash) == 64


@pytest.mark.parametrize("raw", ["23.11.2026", "2026-11-23"])
def test_a_date_without_a_time_is_rejected_so_nobody_is_asked_before_the_visit(clinic_doc, raw) -> None:
    with pytest.raises(RowError) as err:
        build_visit(parse_clinic(clinic_doc), visit_row(1, visit_at=raw), 14)
    assert (err.value.column, err.value.code) == ("visit_at", "date_without_time")


OUT_OF_RANGE = ["31.12.9999 23:00", "0001-01-01T00:00", "01.01.0001 10:00", "9999-12-31T23:00+14:00",
                "25.11.2027 10:00", "21.11.2023 10:00"]


def test_a_visit_too_far_ahead_or_back_is_that_rows_error_and_the_rest_is_stored(store, clinic_doc) -> None:
    clinic = parse_clinic(clinic_doc)
    lines = ["Номер визита;ФИО;Телефон;Дата приёма", "1;Анна;89161234501;23.11.2026 10:00"]
    lines += [f"{n};Пациент {n};8916123450{n};{raw}" for n, raw in enumerate(OUT_OF_RANGE, start=2)]
    report = import_csv(store, clinic, "\n".join(lines).encode(), 14, now=NOW)
    assert report.imported == 1
    assert [(e["line"], e["column"], e["code"]) for e in report.rejected] == [
        (n + 1, "Дата приёма", "date_out_of_range") for n in range(2, 2 + len(OUT_OF_RANGE))]
    assert report.rejected[0]["reason"] == ("дата «31.12.9999 23:00» вне допустимого окна: "
                                            "принимаются визиты с 23.11.2023 по 24.11.2027")
    assert [v.visit_id for v in store.visits_on("c1", "2026-11-23")] == ["1"]


def test_a_two_digit_year_is_this_century_and_a_four_digit_one_is_taken_as_written(clinic_doc) -> None:
    clinic = parse_clinic(clinic_doc)
    assert build_visit(clinic, visit_row(1, visit_at="23.11.26 10:00"), 14, NOW).visit_at.year == 2026
    with pytest.raises(RowError) as err:
        build_visit(clinic, visit_row(1, visit_at="01.01.0001 10:00"), 14, NOW)  # once stored as 2001
    assert err.value.code == "date_out_of_range"


@pytest.mark.parametrize("raw", ["+7-916-ABC-DEFG", "8 916 123 45 67 доб. 2", "+7916123450l", "tel:+79161234567"])
def test_letters_in_the_number_are_refused_never_dialled(clinic_doc, raw) -> None:
    with pytest.raises(RowError) as err:
        build_visit(parse_clinic(clinic_doc), visit_row(1, phone=raw), 14, NOW)
    assert (err.value.column, err.value.code) == ("phone", "phone_letters")


def test_the_api_batch_keeps_its_good_items_when_one_is_out_of_range(client, services, clinic) -> None:
    key = create_key(services.store, "c1", NOW)
    items = [visit_row(1), visit_row(2, visit_at="31.12.9999 23:00"), visit_row(3, visit_at="0001-01-01T00:00"),
             visit_row(4, visit_at="2026-11-23T10:00+14:00"), visit_row(5, phone="+7-916-ABC-DEFG")]
    answer = post(client, key, {"visits": items})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["imported"], body["rejected"]) == (2, 3)
    assert [(e["index"], e["column"], e["code"]) for e in body["errors"]] == [
        (1, "visit_at", "date_out_of_range"), (2, "visit_at", "date_out_of_range"), (4, "phone", "phone_letters")]
    assert body["errors"][2]["reason"] == "в номере есть буквы: «+7-916-ABC-DEFG»"  # the clinic is Russian
    assert services.store.get_visit("c1", "v4").visit_at == datetime.fromisoformat("2026-11-23T10:00+14:00")


def test_a_surprise_inside_one_row_is_that_rows_error(client, services, clinic, monkeypatch) -> None:
    import functions.visits.intake as intake

    real = intake.parse_consent

    def fragile(raw, clinic):
        if raw == "boom":
            raise OverflowError("a bug of ours, not the clinic's")
        return real(raw, clinic)

    monkeypatch.setattr(intake, "parse_consent", fragile)
    data = "ФИО;Телефон;Дата приёма;Согласие на SMS\nАнна;89161234501;23.11.2026 10:00;boom\n" \
           "Борис;89161234502;23.11.2026 10:00;да\n"
    report = import_csv(services.store, clinic, data.encode(), 14, now=NOW)
    assert (report.imported, [(e["line"], e["code"]) for e in report.rejected]) == (1, [(2, "row_failed")])
    key = create_key(services.store, "c1", NOW)
    body = post(client, key, {"visits": [visit_row(1, consent="boom"), visit_row(2)]}).get_json()
    assert (body["imported"], [(e["index"], e["code"]) for e in body["errors"]]) == (1, [(0, "row_failed")])


def test_an_english_clinic_reads_its_report_in_english(services, clinic_doc) -> None:
    from functions.clinics.clinic import save_clinic

    clinic = save_clinic(services.store, {**clinic_doc, "id": "en1", "locale": "en"}, NOW)
    data = "Patient,Phone,Visit time\nAnna,+7-916-ABC-DEFG,23.11.2026 10:00\n"
    [error] = import_csv(services.store, clinic, data.encode(), 14, now=NOW).rejected
    assert error == {"line": 2, "column": "Phone", "code": "phone_letters",
                     "reason": "letters in the number: '+7-916-ABC-DEFG'"}


def test_the_dashboard_upload_reports_a_year_9999_row_and_imports_the_rest(client, services, clinic, outbox) -> None:
    from tests.admin_helpers import csrf_of, sign_in

    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    sign_in(client, outbox, "owner@clinic.ru")
    data = "ФИО;Телефон;Дата приёма\nАнна;89161234501;23.11.2026 10:00\nБорис;89161234502;31.12.9999 23:00\n"
    answer = client.post("/admin/c/c1/import", content_type="multipart/form-data", data={
        "csrf": csrf_of(client, "/admin/c/c1/import"), "file": (io.BytesIO(data.encode("cp1251")), "v.csv")})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Новых: <b>1</b>" in page and "вне допустимого окна" in page
