"""The demo clinic: what ``make demo`` seeds, and its day played faster than real time.

The clinic keeps its real rules (texts two hours after the visit, inside 10:00-21:00, one reminder an
hour later when the link was never opened); the day's visits end one after another, and the server's
schedules run on a clock that moves ``speed`` times faster, so invites and reminders go out over a few
minutes as they would over an afternoon. Running it again duplicates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from functions.clinics.clinic import save_clinic
from functions.invites.dispatch import dispatch_clinic
from functions.invites.links import invite_link
from functions.services import Services, utcnow
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
    "sending": {"delay_minutes": 120, "window": "10:00-21:00", "reminders": 1, "reminder_hours": 1},
    # Channels: a patient who prefers WhatsApp gets the clinic's template; the director's phone gets Telegram.
    # In the demo both are recorded in the outbox (FUNNEL_WHATSAPP_TRANSPORT / FUNNEL_TELEGRAM_TRANSPORT=outbox).
    "whatsapp": {"phone_number_id": "106540352242922", "templates": {
        "invite": {"name": "otklik_invite", "language": "ru", "params": ["clinic", "reward"], "button": True},
        "invite_plain": {"name": "otklik_invite_plain", "language": "ru", "params": ["clinic", "link"]},
        "reminder": {"name": "otklik_reminder", "language": "ru", "params": ["clinic", "link"]},
        "reply": {"name": "otklik_reply", "language": "ru", "params": ["clinic", "text"]}}},
    "telegram": {"bot": "otklik_demo_bot"},
    # After the visit: «как вы себя чувствуете?» the day after an extraction or an implant, the visit's doctor
    # hears of a low answer; the register keeps patients 3 years, a recommendation is called after 14 days.
    "phone": "+7 495 123-45-67",
    "followups": {"rules": [{"stems": ["удален", "имплант"], "when": "next_day"}]},
    "doctors": {"Иванов И. И.": "ivanov@zdorovie.example"},
    "patients": {"letter": {"offer": "Осмотр и профессиональная чистка", "price": "2 500 ₽"}},
}

DEMO_OWNER = "owner@zdorovie.example"

# Who came today, and how long before the demo's start their visit ended: the first three are due at once
# (two hours have passed), the rest become due one after another as the demo's day goes on.
PATIENTS = (
    ("Анна Смирнова", "+7 916 123-45-01", "Иванов И. И.", 190, ""),
    ("Пётр Кузнецов", "8 (916) 123-45-02", "Петрова А. С.", 170, ""),
    ("Мария Соколова", "+79161234503", "Иванов И. И.", 150, "WhatsApp"),
    ("Ольга Морозова", "+79161234504", "Петрова А. С.", 105, ""),
    ("Игорь Волков", "+79161234505", "Иванов И. И.", 80, ""),
    ("Елена Лебедева", "+79161234506", "Петрова А. С.", 55, ""),
    ("Денис Новиков", "+79161234507", "Иванов И. И.", 30, ""),
)
# Earlier visits from the clinic's records, so the register has patients who stopped coming (with the export's
# own note, the reason to call) and a recommendation nobody booked: (name, phone, doctor, service, days ago,
# advertising consent, note, referral).
HISTORY = (
    ("Татьяна Орлова", "+79161234511", "Иванов И. И.", "Лечение кариеса", 400, "да",
     "План лечения: пломба 36, осмотр через полгода", ""),
    ("Сергей Павлов", "+79161234512", "Петрова А. С.", "Профессиональная гигиена", 430, "да", "", ""),
    ("Ирина Козлова", "+79161234513", "Петрова А. С.", "Удаление зуба", 455, "нет", "", ""),
    ("Наталья Фёдорова", "+79161234514", "Иванов И. И.", "Консультация терапевта", 20, "да", "",
     "Ортодонт"),
)
DEMO_CHAT = "100000001"  # the director's Telegram, as if linked from the dashboard's Telegram page

# The demo plays this part of the clinic's day; started outside it, it plays today's midday instead.
PLAYED = (time(10, 30), time(17, 0))


@dataclass(frozen=True)
class DemoClock:
    """Clinic time for the demo's schedules: from ``start``, ``speed`` times faster than the wall clock."""

    start: datetime
    real_start: datetime
    speed: float
    zone: ZoneInfo

    @classmethod
    def starting(cls, real_now: datetime, speed: float) -> DemoClock:
        zone = ZoneInfo(str(DEMO_CLINIC["timezone"]))
        local = real_now.astimezone(zone)
        if not PLAYED[0] <= local.time() <= PLAYED[1]:
            local = local.replace(hour=12, minute=0, second=0, microsecond=0)
        return cls(local.astimezone(UTC), real_now, speed, zone)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.zone)

    def __call__(self) -> datetime:
        return self.start + (utcnow() - self.real_start) * self.speed


def seed_demo(services: Services, start: datetime) -> list[tuple[str, str]]:
    """Save the clinic and today's visits, dispatch at ``start``, and return (patient, link) of those texted."""
    clinic = save_clinic(services.store, DEMO_CLINIC, start)
    services.store.put_member(clinic.id, DEMO_OWNER, "owner", start)
    services.store.put_member(clinic.id, str(DEMO_CLINIC["directors"][0]), "director", start)
    # The director's Telegram, linked already, so a complaint shows its instant alert in the outbox.
    services.store.link_telegram(TelegramLink(clinic.id, str(DEMO_CLINIC["directors"][0]), DEMO_CHAT,
                                              "demo_director", start))
    local_start = start.astimezone(clinic.zone)
    rows = []
    for n, (name, phone, doctor, minutes_ago, channel) in enumerate(PATIENTS, start=1):
        at = local_start - timedelta(minutes=minutes_ago)
        rows.append((n, {"external_id": f"demo-{local_start:%Y%m%d}-{n}", "patient_name": name, "phone": phone,
                         "visit_at": at.strftime("%d.%m.%Y %H:%M"), "doctor": doctor, "consent": "да",
                         "contact_channel": channel}))
    for n, (name, phone, doctor, service, days_ago, ads, note, referral) in enumerate(HISTORY, start=len(rows) + 1):
        at = (local_start - timedelta(days=days_ago)).replace(hour=11, minute=0)
        rows.append((n, {"external_id": f"demo-history-{n}", "patient_name": name, "phone": phone,
                         "visit_at": at.strftime("%d.%m.%Y %H:%M"), "doctor": doctor, "service": service,
                         "consent": "да", "ad_consent": ads, "note": note, "referral": referral}))
    import_rows(services.store, clinic, rows, services.settings.token_days, now=start)
    dispatch_clinic(services, clinic, start)
    links = []
    for _, row in rows[:len(PATIENTS)]:
        visit = services.store.get_visit(clinic.id, str(row["external_id"]))
        if visit and visit.invite_token:
            links.append((visit.patient_name, invite_link(services.settings.link_base, visit.invite_token)))
    return links
