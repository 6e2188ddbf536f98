"""One visit's fields read the same way from every source: the phone, the moment of the visit, the consent.

Each problem is a ``RowError`` with the column, a code and the values its words need; the words
themselves live in ``templates/visits/<locale>.json`` (``reasons.py`` puts them together).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from functions.clinics.clinic import Clinic

DATE_ONLY = re.compile(r"^(\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2})$")
# 23.11.2026 14:30, 23.11.26 9:05, 23.11.2026 14:30:00 (what Excel writes in Russian locales).
RUSSIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?$")
YES = {"1", "yes", "y", "true", "да", "д", "+", "согласен", "согласна"}
NO = {"0", "no", "n", "false", "нет", "н", "-", "отказ"}
LETTER = re.compile(r"[^\W\d_]")  # any alphabet's letter
# A visit is taken up to a year ahead of the clinic's today, and back as far as the patient register keeps a
# patient (the clinic's ``patients.keep_years``, 3 by default: the history reactivation reads); a date outside
# is a typo (31.12.9999 is what some systems write for "never"), and would overflow the link's expiry besides.
WINDOW = timedelta(days=366)
# Distinct raw numbers remembered across rows and imports: a clinic's regulars repeat in every
# export, and parsing is most of an import's time. Bounded, so a long-lived process stays flat.
PHONES_REMEMBERED = 65_536


class RowError(ValueError):
    """One field of one row is wrong: ``code`` names the reason, ``params`` fill in its words."""

    def __init__(self, column: str, code: str, **params: object) -> None:
        super().__init__(f"{column}: {code}")
        self.column = column
        self.code = code
        self.params = params


@lru_cache(maxsize=PHONES_REMEMBERED)
def _phone(raw: str, region: str) -> tuple[str, bool] | str:
    """(E.164, can take an SMS), or the code of what is wrong; cached, so a failure is a value too."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    # phonenumbers reads keypad letters as digits (+7-916-ABC-DEFG becomes a real number): a clinic's
    # record with letters in the number is a typo or a note, never a number to text.
    if LETTER.search(raw):
        return "phone_letters"
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return "phone_unreadable"
    # is_valid_number is "the type for the number's own region is known", so one number_type call
    # answers both questions; calling both classified every number twice (half the import's time).
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        return "phone_invalid"
    can_sms = kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), can_sms


def parse_phone(raw: str, region: str) -> tuple[str, bool]:
    """Normalise to E.164; say whether the number can take an SMS (fixed lines cannot)."""
    found = _phone(raw, region)
    if isinstance(found, str):
        raise RowError("phone", found, value=raw)
    return found


def visit_window(clinic: Clinic, now: datetime) -> tuple[date, date]:
    """The first and last local day a visit may be on."""
    return _window(clinic.timezone, clinic.patients.keep_years, now)


@lru_cache(maxsize=64)
def _window(timezone: str, keep_years: int, now: datetime) -> tuple[date, date]:
    # One import asks with the same moment for every row: worked out once.
    today = now.astimezone(ZoneInfo(timezone)).date()
    first = today.replace(year=today.year - keep_years, day=min(today.day, 28) if today.month == 2 else today.day)
    return first, today + WINDOW


def parse_visit_time(raw: str, clinic: Clinic, now: datetime) -> datetime:
    """ISO or Russian-style dates; a time without an offset is the clinic's local time."""
    text = re.sub(r"\s+", " ", raw.strip())
    if DATE_ONLY.match(text):
        # A date alone would read as midnight, and the patient would be asked before the visit.
        raise RowError("visit_at", "date_without_time", value=raw)
    moment: datetime | None = None
    russian = RUSSIAN_DATE.match(text)
    try:
        if russian:
            day, month, year, hour, minute, second = (int(g or 0) for g in russian.groups())
            # Only a two-digit year is this century's: 01.01.0001 is year 1 (and refused below), not 2001.
            moment = datetime(year + 2000 if len(russian.group(3)) == 2 else year, month, day, hour, minute, second)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None:
        raise RowError("visit_at", "date_unknown", value=raw)
    first, last = visit_window(clinic, now)
    # Compare the year first: converting year 1 or 9999 between zones overflows.
    local = None
    if first.year <= moment.year <= last.year:
        try:
            if moment.tzinfo is None:  # the clinic's own time: its date is the local date
                local, moment = moment.date(), moment.replace(tzinfo=clinic.zone)
            else:
                local = moment.astimezone(clinic.zone).date()
        except OverflowError:
            local = None
    if local is None or not first <= local <= last:
        raise RowError("visit_at", "date_out_of_range", value=raw, first=first, last=last)
    return moment


def parse_consent(raw: object, clinic: Clinic) -> bool:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return clinic.consent_default
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise RowError("consent", "consent_unknown", value=str(raw)[:40])
