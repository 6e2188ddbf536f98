"""Visits in: the CSV importer and the API, each row imported or reported with its reason."""

from __future__ import annotations

from datetime import datetime

import pytest

from functions.apikeys import create_key
from functions.clinics import parse_clinic
from functions.visits import RowError, build_visit, import_rows
from functions.visits_csv import CsvError, read_rows
from tests.conftest import NOW, visit_row

CSV_RU = (
    "Номер визита;ФИО;Телефон;Дата приёма;Врач;Согласие на SMS\r\n"
    "A-1;Анна Смирнова;8 (916) 123-45-01;23.11.2026 10:30;Иванов И. И.;да\r\n"
    "A-2;Пётр Кузнецов;+7 916 123 45 02;23.11.2026 11:00;Петрова А. С.;нет\r\n"
    "A-3;;+79161234503;23.11.2026 11:30;Иванов И. И.;да\r\n"
    "A-4;Ольга;12345;23.11.2026 12:00;Иванов И. И.;да\r\n"
    "A-5;Игорь;+79161234505;завтра;Иванов И. И.;да\r\n"
    "A-1;Анна Смирнова;8 (916) 123-45-01;23.11.2026 10:30;Иванов И. И.;да\r\n"
)


def test_cp1251_semicolon_file_with_russian_headers(services, clinic) -> None:
    rows = read_rows(CSV_RU.encode("cp1251"))
    report = import_rows(services.store, clinic, rows, 14).as_dict()
    assert (report["imported"], report["updated"], report["rejected"]) == (2, 0, 4)
    assert [(e["line"], e["column"]) for e in report["errors"]] == [
        (4, "patient_name"), (5, "phone"), (6, "visit_at"), (7, "external_id")]
    visit = services.store.get_visit("c1", "A-1")
    assert (visit.phone, visit.patient_name, visit.doctor, visit.consent) == (
        "+79161234501", "Анна Смирнова", "Иванов И. И.", True)
    assert visit.visit_at == datetime.fromisoformat("2026-11-23T10:30:00+03:00")  # local Moscow time
    assert visit.local_date == "2026-11-23"
    assert services.store.get_visit("c1", "A-2").consent is False


def test_utf8_bom_comma_file_and_reimport_updates_in_place(services, clinic) -> None:
    data = ("\ufeffpatient,phone,visit time,doctor\n"
            "Анна,+79161234501,2026-11-23 10:30,Иванов\n").encode()
    first = import_rows(services.store, clinic, read_rows(data), 14)
    again = import_rows(services.store, clinic, read_rows(data.replace(b"\xd0\x98\xd0\xb2", b"\xd0\x9f")), 14)
    assert (first.imported, again.imported, again.updated) == (1, 0, 1)


def test_tab_file_and_an_explicit_header_map(services, clinic) -> None:
    data = "Клиент\tМоб. тел.\tКогда\n Анна \t89161234501\t23.11.2026 10:30\n".encode()
    rows = read_rows(data, {"patient_name": "Клиент", "phone": "Моб. тел.", "visit_at": "Когда"})
    assert import_rows(services.store, clinic, rows, 14).imported == 1


def test_file_without_a_phone_column_is_refused_whole() -> None:
    with pytest.raises(CsvError, match="no phone column"):
        read_rows(b"name;date\nAnna;23.11.2026 10:30\n")


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
    answer = post(client, key, {"visits": [visit_row(1), visit_row(2, phone="nope"), "junk"]})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["imported"], body["rejected"]) == (1, 2)
    assert [(e["index"], e["column"]) for e in body["errors"]] == [(1, "phone"), (2, "")]
    assert services.store.get_visit("c1", "v1").phone == "+79161234501"


def test_api_key_is_required_valid_and_for_this_clinic(client, services, clinic, clinic_doc) -> None:
    from functions.clinics import save_clinic

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
