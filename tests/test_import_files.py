"""Odd files from odd systems: every row is imported, updated or rejected at its own line, and a broken
line never costs the good rows around it. The file streams through; phone parsing is remembered."""

from __future__ import annotations

import io

import pytest

from functions.visits.csv_files import import_csv
from tests.conftest import NOW

HEADER = "ФИО;Телефон;Дата приёма"
GOOD = ["Анна;89161234501;23.11.2026 10:00", "Борис;89161234502;23.11.2026 11:00", "Вера;89161234503;23.11.2026 12:00"]


def imported(store, clinic, data: bytes):
    report = import_csv(store, clinic, data, 14, now=NOW)
    return report, sorted(v.patient_name for v in store.visits_on("c1", "2026-11-23"))


def test_excel_unicode_text_utf16_has_no_phantom_row(store, clinic_doc) -> None:
    from functions.clinics.clinic import parse_clinic

    text = "\r\n".join([HEADER.replace(";", "\t"), *(g.replace(";", "\t") for g in GOOD)]) + "\r\n"
    report, names = imported(store, parse_clinic(clinic_doc), text.encode("utf-16"))  # LE with a BOM, as Excel
    assert (report.imported, report.rejected, names) == (3, [], ["Анна", "Борис", "Вера"])


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark(services, clinic, encoding) -> None:
    text = "\n".join([HEADER, *GOOD]) + "\n"
    report, _ = imported(services.store, clinic, text.encode(encoding))
    assert (report.imported, report.rejected) == (3, [])


def test_old_mac_line_ends_a_lone_cr(services, clinic) -> None:
    report, _ = imported(services.store, clinic, "\r".join([HEADER, *GOOD]).encode("cp1251"))
    assert (report.imported, report.rejected) == (3, [])


def test_an_unclosed_quote_costs_its_own_line_and_the_next_rows_are_read(store, clinic_doc) -> None:
    from functions.clinics.clinic import parse_clinic

    lines = [HEADER, GOOD[0], '"Борис;89161234502;23.11.2026 11:00', GOOD[2], "Глеб;89161234504;23.11.2026 13:00"]
    report, names = imported(store, parse_clinic(clinic_doc), "\n".join(lines).encode())
    assert [(e["line"], e["code"]) for e in report.rejected] == [(3, "unterminated_quote")]
    assert names == ["Анна", "Вера", "Глеб"]


def test_a_quote_closed_by_a_later_line_does_not_swallow_the_rows_between(services, clinic) -> None:
    lines = [HEADER, 'Анна;"89161234501;23.11.2026 10:00', GOOD[1], 'Вера;"89161234503";23.11.2026 12:00']
    report, names = imported(services.store, clinic, "\n".join(lines).encode())
    assert [(e["line"], e["code"]) for e in report.rejected] == [(2, "unterminated_quote")]
    assert names == ["Борис", "Вера"]


def test_a_comment_with_line_breaks_stays_one_row(services, clinic) -> None:
    text = 'ФИО;Телефон;Дата приёма;Комментарий\nАнна;89161234501;23.11.2026 10:00;"перезвонить\nвечером; после 18"\n'
    report, names = imported(services.store, clinic, text.encode())
    assert (report.imported, report.rejected, names) == (1, [], ["Анна"])


def test_one_over_long_field_rejects_its_own_line_only(services, clinic) -> None:
    lines = [HEADER, GOOD[0], "Б" * 200_000 + ";89161234502;23.11.2026 11:00", GOOD[2]]
    report, names = imported(services.store, clinic, "\n".join(lines).encode())
    assert [(e["line"], e["code"]) for e in report.rejected] == [(3, "line_too_long")]
    assert names == ["Анна", "Вера"]


def test_nul_bytes_are_dropped_and_undecodable_bytes_cost_their_line(services, clinic) -> None:
    data = "\n".join([HEADER, "Ан\x00на;8916\x001234501;23.11.2026 10:00", GOOD[1]]).encode("cp1251")
    data += b"\n\x98\x98;89161234503;23.11.2026 12:00\n"  # 0x98 is no Windows-1251 character
    report, names = imported(services.store, clinic, data)
    assert names == ["Анна", "Борис"]
    assert [(e["line"], e["code"]) for e in report.rejected] == [(4, "bad_encoding")]
    assert "Windows-1251" in report.rejected[0]["reason"]


def test_a_utf8_file_with_one_broken_line_keeps_the_others(services, clinic) -> None:
    data = "\n".join([HEADER, GOOD[0]]).encode() + b"\n\xd0;89161234502;23.11.2026 11:00\n" + GOOD[2].encode()
    report, names = imported(services.store, clinic, data)
    assert (names, [(e["line"], e["code"]) for e in report.rejected]) == (["Анна", "Вера"], [(3, "bad_encoding")])


class Trickle:
    """A file that hands out what it is asked for, and remembers how much that was."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)
        self.asked: list[int] = []

    def read(self, size: int = -1, /) -> bytes:
        self.asked.append(size)
        return self.data.read(size)


def test_the_file_streams_through_in_chunks(services, clinic) -> None:
    rows = [f"Пациент {n};+7916{n:07d};23.11.2026 10:00" for n in range(20_000)]
    source = Trickle(("\n".join([HEADER, *rows]) + "\n").encode("cp1251"))
    report = import_csv(services.store, clinic, source, 14, now=NOW)
    assert report.imported == 20_000
    assert -1 not in source.asked and max(source.asked) <= 64 * 1024 and len(source.asked) > 10


def test_each_distinct_number_is_parsed_once(services, clinic, monkeypatch) -> None:
    import phonenumbers

    from functions.visits import fields

    fields._phone.cache_clear()
    calls = []
    real = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda raw, region: calls.append(raw) or real(raw, region))
    rows = [f"Пациент {n};8 916 123-45-0{n % 3};23.11.2026 {10 + n // 60}:{n % 60:02d}" for n in range(300)]
    report = import_csv(services.store, clinic, "\n".join([HEADER, *rows]).encode(), 14, now=NOW)
    assert report.imported == 300 and sorted(calls) == ["8 916 123-45-00", "8 916 123-45-01", "8 916 123-45-02"]
