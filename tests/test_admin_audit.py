"""The audit as an owner reads it: each change under its field's label, before → after, only what changed."""

from __future__ import annotations

import re

from functions.clinics.clinic import save_clinic
from tests.admin_helpers import csrf_of, sign_in
from tests.conftest import NOW


def test_changes_read_as_labels_with_before_and_after_only(client, services, clinic_doc, outbox) -> None:
    save_clinic(services.store, clinic_doc, NOW)
    services.store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    sign_in(client, outbox, "owner@clinic.ru")
    csrf = csrf_of(client, "/admin/c/c1/settings")
    doc = services.clinic("c1").to_doc()
    client.post("/admin/c/c1/settings", data={
        "csrf": csrf, "name": doc["name"], "timezone": doc["timezone"], "locale": "ru", "threshold": "5",
        "policy": "open", "primary": "order", "directors": "director@clinic.example\nnew@clinic.example",
        "reward_amount": "150", "monthly_budget": "0", "per_phone_days": "30", "pay_days": "3", "earned_by": "tap",
        "window": "10:00-21:00", "delay_minutes": "120", "reminders": "1", "reminder_hours": "24",
        "repeat_days": "30", "daily_cap": "0", "template": "", "branches": "", "case_reminder_hours": "24",
        "alert_wait_minutes": "10", "consent_default": "on", "sender_id": "ClinicTest"})
    client.post("/admin/c/c1/platforms", data={"csrf": csrf, "action": "add", "type": "google",
                                               "url": "https://g.page/r/clinic/review"})
    client.post("/admin/c/c1/platforms", data={"csrf": csrf, "action": "up", "platform": "google"})
    page = client.get("/admin/c/c1/audit").get_data(as_text=True)
    changes = [tuple(re.sub(r"<[^>]+>", "", part).strip() for part in found) for found in re.findall(
        r"<dt>(.*?)</dt><dd><span class=\"before\">(.*?)</span> → <span class=\"after\">(.*?)</span>", page)]
    assert ("Довольный — от оценки", "4", "5") in changes
    assert ("За ответ, ₽", "100\xa0₽", "150\xa0₽") in changes
    assert ("Кому показывать площадки", "только довольным", "всем") in changes
    assert ("Почта директоров", "director@clinic.example", "director@clinic.example, new@clinic.example") in changes
    assert ("Площадка «Google»", "—", "Google (https://g.page/r/clinic/review)") in changes
    assert ("Порядок кнопок", "Яндекс Карты, 2ГИС, ПроДокторов, Google",
            "Яндекс Карты, 2ГИС, Google, ПроДокторов") in changes
    assert len(changes) == 6  # nothing that stayed the same
    assert "Настройки" in page and "Площадка добавлена" in page and "[" not in re.sub(r"<[^>]+>", "", page)
