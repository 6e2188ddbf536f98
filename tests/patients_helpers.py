"""A clinic with 18 months of history from a Windows-1251 export (tests/data/patients_history_cp1251.csv)."""

from __future__ import annotations

from pathlib import Path

from functions.clinics.clinic import save_clinic
from functions.services import Services
from functions.visits.csv_files import import_csv
from tests.conftest import NOW

HISTORY = Path(__file__).parent / "data" / "patients_history_cp1251.csv"
LETTER = {"news": "Мы открыли второй кабинет гигиены на Лесной.",
          "offer": "Осмотр и профессиональная чистка за 2 500 ₽ до 31 декабря", "price": "4 000 ₽"}
PHONE = {"smirnova": "+79161230001", "kuznetsov": "+79161230002", "sokolova": "+79161230003",
         "popov": "+79161230004", "lebedeva": "+79161230005", "novikov": "+79161230006",
         "morozova": "+79161230007", "volkov": "+79161230008", "fedorova": "+79161230009", "kozlov": "+79161230010"}


def history_clinic(services: Services, clinic_doc: dict, **changes):
    doc = {**clinic_doc, "phone": "+7 495 123-45-67", "patients": {"letter": LETTER}, **changes}
    clinic = save_clinic(services.store, doc, NOW)
    report = import_csv(services.store, clinic, HISTORY.read_bytes(), services.settings.token_days)
    assert report.as_dict()["rejected"] == 0 and report.imported + report.updated == 14, report.as_dict()
    return clinic
