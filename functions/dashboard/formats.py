"""Numbers, money, percentages and dates as a Russian reader writes them («3,57», «1 250,50 ₽», «23 нояб.»).

Babel carries CLDR's rules for each locale (the decimal comma, the narrow no-break space between thousands,
the rouble sign after the amount), so no page formats a number by hand. Imported on the first number a page
shows, never at start-up: the patient's API never needs it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

LOCALE = "ru"


def number(value: float | int | None, digits: int = 2, empty: str = "—", grouping: bool = True) -> str:
    """3.5714 as «3,57», 12345 as «12 345» (in a spreadsheet's cell, ``grouping=False``: «12345»); None (nothing
    to average) as a dash."""
    from babel.numbers import format_decimal

    if value is None:
        return empty
    pattern = ("#,##0" if grouping else "0") + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def signed(value: float | int | None, digits: int = 2) -> str:
    """A change with its sign: «+0,4», «−12», «0»."""
    if value is None:
        return "—"
    text = number(abs(value), digits)
    return text if round(value, digits) == 0 else ("+" if value > 0 else "\u2212") + text


def percent(part: int, base: int) -> str:
    """``part`` of ``base`` as «46 %»; a dash when there is no base. Never above 100 % for a real share."""
    from babel.numbers import format_percent

    if base <= 0:
        return "—"
    return format_percent(min(part / base, 1.0), locale=LOCALE)


def rubles(minor: int | None, currency: str = "RUB") -> str:
    """Kopecks as «1 250,50 ₽», whole roubles without «,00»."""
    from babel.numbers import format_currency

    if minor is None:
        return "—"
    pattern = "#,##0.00\u00a0¤" if minor % 100 else "#,##0\u00a0¤"
    return format_currency(minor / 100, currency, format=pattern, locale=LOCALE, currency_digits=False)


def day(value: date | str, pattern: str = "d MMM") -> str:
    from babel.dates import format_date

    return format_date(date.fromisoformat(value) if isinstance(value, str) else value, pattern, locale=LOCALE)


def month_name(month: str) -> str:
    """"2026-11" as «ноябрь 2026»."""
    return day(f"{month}-01", "LLLL y")


def moment(value: datetime | None, zone: Any, pattern: str = "d MMM, HH:mm") -> str:
    """A stored UTC time in the clinic's zone: «23 нояб., 14:30»."""
    from babel.dates import format_datetime

    if value is None:
        return "—"
    return format_datetime(value.astimezone(zone), pattern, locale=LOCALE)


def duration(seconds: float | None) -> str:
    """How long something took, in the largest unit that reads well: «45 мин», «3,5 ч», «2 дн.»."""
    if seconds is None:
        return "—"
    minutes = seconds / 60
    if minutes < 90:
        return f"{number(minutes, 0)}\u00a0мин"
    hours = minutes / 60
    if hours < 48:
        return f"{number(hours, 1)}\u00a0ч"
    return f"{number(hours / 24, 1)}\u00a0дн."


def phone(e164: str, region: str | None = None) -> str:
    """+79161234502 as «+7 916 123-45-02»: how a person reads a number aloud; with the clinic's ``region``, as
    staff dial it there («8 (916) 123-45-02», which a spreadsheet never takes for a formula); as stored when it
    does not parse."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    style = phonenumbers.PhoneNumberFormat.NATIONAL if region else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, style)


def ago(seconds: float) -> str:
    """How long ago: «только что», «25 мин назад», «3 ч назад»."""
    return "только что" if seconds < 60 else f"{duration(seconds)} назад"
