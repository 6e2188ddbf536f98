"""A clinic's configuration: parsed from a JSON document, validated as a whole, then stored."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from functions.aftercare.rules import CareRules, Doctors, parse_doctors, parse_followups
from functions.channels.settings import TelegramSettings, WhatsAppSettings, parse_telegram, parse_whatsapp
from functions.clinics.drafts import parse_drafts, parse_phone
from functions.clinics.ids import EMAIL, SLUG
from functions.clinics.platforms import Platform, parse_platforms
from functions.clinics.store import ClinicStore
from functions.invites.timing import SendRules, parse_rules
from functions.patients.settings import PatientRules, parse_patient_rules
from functions.rewards.rules import RewardRules, parse_reward

SENDER_ID = re.compile(r"^[A-Za-z0-9]{1,11}$")
LOGO = re.compile(r"^data:image/(png|jpeg|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*$")
LOGO_LIMIT = 16_000
POLICIES = ("gated", "open")
LOCALES = ("ru", "en")


class ClinicError(ValueError):
    """The document is not a valid clinic; ``problems`` lists every field that is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Clinic:
    id: str
    name: str
    timezone: str
    platforms: tuple[Platform, ...]
    directors: tuple[str, ...]
    reward: RewardRules = field(default_factory=RewardRules)
    locale: str = "ru"
    region: str = "RU"
    threshold: int = 4
    policy: str = "gated"
    sender_id: str = ""
    consent_default: bool = False
    logo: str = ""  # a small data: image (no request to anyone else's server)
    accent: str = ""  # "#RRGGBB" for the page's buttons
    director_name: str = ""  # signs the suggested replies
    branch_directors: dict = field(default_factory=dict, compare=False)  # branch name -> its directors' emails
    case_reminder_hours: int = 24  # remind the directors of a case still new after this long; 0: never
    reply_rules: dict = field(default_factory=dict, compare=False)  # topic -> keyword stems (the clinic's own)
    replies: dict = field(default_factory=dict, compare=False)  # topic -> the clinic's own reply text
    offers: dict = field(default_factory=dict, compare=False)  # topic -> a sentence the draft adds (none by default)
    phone: str = ""  # the clinic's number: drafts offer it (an SMS from an alphanumeric sender takes no reply)
    alert_wait_minutes: int = 10  # how long a low score without words waits for them before the director's email
    primary: str = "order"  # which platform the happy patient sees first: order, rotation or needs_most
    sending: SendRules = field(default_factory=SendRules)
    whatsapp: WhatsAppSettings | None = None  # patients who prefer WhatsApp get it (SMS without this)
    telegram: TelegramSettings | None = None  # directors' alerts through the bot (the deployment's, or its own)
    followups: CareRules = field(default_factory=CareRules)  # the next-day care message (off: no rules)
    doctors: Doctors = field(default_factory=Doctors)  # doctor's name -> emails: they hear of low care answers
    patients: PatientRules = field(default_factory=PatientRules)  # the register, hand-offs, scripts, letters

    @property
    def reward_minor(self) -> int:
        return self.reward.amount_minor

    @property
    def currency(self) -> str:
        return self.reward.currency

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).date().isoformat()

    def directors_for(self, branch: str) -> tuple[str, ...]:
        """Every clinic director, and the branch's own directors when it has them."""
        own = self.branch_directors.get(" ".join(branch.split()).casefold(), ())
        return self.directors + tuple(e for e in own if e not in self.directors)

    def platform(self, platform_id: str) -> Platform | None:
        return next((p for p in self.platforms if p.id == platform_id), None)

    def to_doc(self) -> dict:
        doc = asdict(self)
        doc["platforms"] = [asdict(p) for p in self.platforms]
        doc["directors"] = list(self.directors)
        doc["reward"] = self.reward.to_doc()
        doc["sending"] = self.sending.to_doc()
        doc["followups"] = self.followups.to_doc()
        doc["doctors"] = self.doctors.to_doc()
        doc["patients"] = self.patients.to_doc()
        doc["reply_rules"] = {k: list(v) for k, v in self.reply_rules.items()}
        doc["branches"] = {name: {"directors": list(emails)} for name, emails in doc.pop("branch_directors").items()}
        for channel in ("whatsapp", "telegram"):
            settings = getattr(self, channel)
            if settings is None:
                doc.pop(channel)
            else:
                doc[channel] = settings.to_doc()
        return doc


def parse_clinic(doc: object) -> Clinic:
    """Validate a clinic document; raise ``ClinicError`` naming every problem at once."""
    if not isinstance(doc, dict):
        raise ClinicError(["the clinic must be a JSON object"])
    problems: list[str] = []

    def text(key: str, default: str | None = None, limit: int = 200) -> str:
        value = doc.get(key, default)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key}: required text")
            return ""
        if len(value) > limit:
            problems.append(f"{key}: at most {limit} characters")
        return value.strip()

    def choice(key: str, allowed: tuple[str, ...], default: str) -> str:
        value = doc.get(key, default)
        if value not in allowed:
            problems.append(f"{key}: one of {', '.join(allowed)}")
        return str(value)

    clinic_id = text("id", limit=40)
    if clinic_id and not SLUG.match(clinic_id):
        problems.append("id: lowercase letters, digits and dashes")
    timezone = text("timezone", "Europe/Moscow", limit=64)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone: unknown zone {timezone!r}")
    threshold = doc.get("threshold", 4)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 2 <= threshold <= 5:
        problems.append("threshold: a whole number from 2 to 5")
    sender_id = doc.get("sender_id", "")
    if sender_id and (not isinstance(sender_id, str) or not SENDER_ID.match(sender_id)):
        problems.append("sender_id: up to 11 Latin letters and digits")
    consent_default = doc.get("consent_default", False)
    if not isinstance(consent_default, bool):
        problems.append("consent_default: true or false")
    region = text("region", "RU", limit=2).upper()
    logo, accent = doc.get("logo", ""), doc.get("accent", "")
    if logo and (not isinstance(logo, str) or len(logo) > LOGO_LIMIT or not LOGO.match(logo)):
        problems.append(f"logo: a data:image/png, jpeg, webp or svg+xml;base64 address under {LOGO_LIMIT // 1000} KB")
        logo = ""
    if accent and (not isinstance(accent, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", accent)):
        problems.append("accent: a colour like #2f6fdb")
        accent = ""

    platforms = parse_platforms(doc.get("platforms"), problems)
    directors = _directors(doc.get("directors"), problems)
    reward = parse_reward(doc.get("reward"), problems)
    sending = parse_rules(doc.get("sending"), problems)
    reply_rules, replies, offers = parse_drafts(doc, problems)
    clinic = Clinic(
        id=clinic_id, name=text("name", limit=80), timezone=timezone, platforms=platforms,
        directors=directors, reward=reward,
        locale=choice("locale", LOCALES, "ru"), region=region, threshold=threshold,
        policy=choice("policy", POLICIES, "gated"), sender_id=sender_id or "",
        consent_default=consent_default is True, sending=sending, logo=logo, accent=accent,
        director_name=str(doc.get("director_name", ""))[:80], reply_rules=reply_rules, replies=replies,
        offers=offers, phone=parse_phone(doc.get("phone"), problems),
        alert_wait_minutes=_whole(doc.get("alert_wait_minutes", 10), "alert_wait_minutes", 0, 60, problems, 10),
        case_reminder_hours=_whole(doc.get("case_reminder_hours", 24), "case_reminder_hours", 0, 24 * 14, problems,
                                   24),
        branch_directors=_branches(doc.get("branches"), problems),
        primary=choice("primary", ("order", "rotation", "needs_most"), "order"),
        whatsapp=parse_whatsapp(doc.get("whatsapp"), problems), telegram=parse_telegram(doc.get("telegram"), problems),
        followups=parse_followups(doc.get("followups"), problems), doctors=parse_doctors(doc.get("doctors"), problems),
        patients=parse_patient_rules(doc.get("patients"), problems))
    if problems:
        raise ClinicError(problems)
    return clinic


def _branches(value: object, problems: list[str]) -> dict[str, tuple[str, ...]]:
    """{"Север": {"directors": [...]}}: a branch's own directors also hear of its complaints."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append("branches: {branch name: {directors: [emails]}}")
        return {}
    found = {}
    for name, branch in value.items():
        where = f"branches.{name}.directors"
        emails = branch.get("directors") if isinstance(branch, dict) else None
        if not isinstance(emails, list) or not all(isinstance(e, str) and EMAIL.match(e) for e in emails):
            problems.append(f"{where}: a list of valid email addresses")
            continue
        found[" ".join(str(name).split()).casefold()] = tuple(emails)
    return found


def _whole(value: object, key: str, low: int, high: int, problems: list[str], default: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        problems.append(f"{key}: a whole number from {low} to {high}")
        return default
    return value


def _directors(value: object, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        problems.append("directors: at least one email address")
        return ()
    good = []
    for n, address in enumerate(value):
        if not isinstance(address, str) or len(address) > 254 or not EMAIL.match(address):
            problems.append(f"directors[{n}]: not a valid email address")
        else:
            good.append(address)
    return tuple(good)


def save_clinic(store: ClinicStore, doc: object, now: datetime) -> Clinic:
    clinic = parse_clinic(doc)
    store.put_clinic(clinic.id, clinic.to_doc(), now)
    return clinic
