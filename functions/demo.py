"""The demo clinic: what ``make demo`` seeds. Running it again duplicates nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import dispatch_clinic
from functions.invites.links import invite_link
from functions.services import Services
from functions.store.records import TelegramLink
from functions.visits.intake import import_rows

DEMO_CLINIC = {
    "id": "demo",
    "name": "Клиника «Здоровье»",
    "timezone": "Europe/Moscow",
    "locale": "ru",
    "region": "RU",
    "threshold": 4,
    "policy": "gated",
    "sender_id": "Zdorovie",
    "consent_default": True,
    "platforms": [
        {"id": "yandex", "type": "yandex_maps", "name": "Яндекс Карты", "url": "https://yandex.ru/maps/org/1124715036/reviews/"},
        {"id": "2gis", "type": "2gis", "name": "2ГИС", "url": "https://2gis.ru/moscow/firm/70000001006794445/tab/reviews"},
        {"id": "prodoctorov", "type": "prodoctorov", "name": "ПроДокторов", "url": "https://prodoctorov.ru/moskva/lpu/12345-zdorovie/otzivi/"},
    ],
    "directors": ["director@zdorovie.example"],
    "reward": {"amount_minor": 10000, "currency": "RUB"},
    # Channels: a patient who prefers WhatsApp gets the clinic's template; the director's phone gets Telegram.
    # In the demo both are recorded in the outbox (FUNNEL_WHATSAPP_TRANSPORT / FUNNEL_TELEGRAM_TRANSPORT=outbox).
    "whatsapp": {"phone_number_id": "106540352242922", "templates": {
        "invite": {"name": "otklik_invite", "language": "ru", "params": ["clinic", "reward"], "button": True},
        "invite_plain": {"name": "otklik_invite_plain", "language": "ru", "params": ["clinic", "link"]},
        "reminder": {"name": "otklik_reminder", "language": "ru", "params": ["clinic", "link"]},
        "reply": {"name": "otklik_reply", "language": "ru", "params": ["clinic", "text"]}}},
    "telegram": {"bot": "otklik_demo_bot"},
}

DEMO_OWNER = "owner@zdorovie.example"

PATIENTS = (
    ("Анна Смирнова", "+7 916 123-45-01", "Иванов И. И.", ""),
    ("Пётр Кузнецов", "8 (916) 123-45-02", "Петрова А. С.", ""),
    ("Мария Соколова", "+79161234503", "Иванов И. И.", "WhatsApp"),
)
DEMO_CHAT = "100000001"  # the director's Telegram, as if linked from the dashboard's Telegram page


def seed_demo(services: Services, now: datetime) -> list[tuple[str, str]]:
    """Save the clinic, import three of today's visits, dispatch, and return (patient, link) pairs."""
    clinic = save_clinic(services.store, DEMO_CLINIC, now)
    services.store.put_member(clinic.id, DEMO_OWNER, "owner", now)
    services.store.put_member(clinic.id, DEMO_CLINIC["directors"][0], "director", now)
    services.store.link_telegram(TelegramLink(clinic.id, DEMO_CLINIC["directors"][0], DEMO_CHAT, "demo_director", now))
    local_now = now.astimezone(clinic.zone)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for n, (name, phone, doctor, channel) in enumerate(PATIENTS, start=1):
        # Visits that already happened today, so the dispatcher finds them due.
        at = max(local_now - timedelta(minutes=25 * n), midnight + timedelta(minutes=n))
        rows.append((n, {"external_id": f"demo-{midnight:%Y%m%d}-{n}", "patient_name": name, "phone": phone,
                         "visit_at": at.strftime("%d.%m.%Y %H:%M"), "doctor": doctor, "consent": "да",
                         "contact_channel": channel}))
    import_rows(services.store, clinic, rows, services.settings.token_days)
    # The demo texts its visits at once, whatever the hour: nothing leaves this machine (the outbox),
    # and a newcomer should not have to wait for 10:00 to see the funnel. Only this unsaved copy of
    # the rules says so; the stored clinic keeps the real delay and window.
    anytime = replace(clinic.sending, delay_minutes=0, window_from=time.min, window_to=time.max)
    dispatch_clinic(services, replace(clinic, sending=anytime), now)
    links = []
    for _, row in rows:
        visit = services.store.get_visit(clinic.id, str(row["external_id"]))
        if visit and visit.invite_token:
            links.append((visit.patient_name, invite_link(services.settings.link_base, visit.invite_token)))
    return links
