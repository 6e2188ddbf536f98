"""A phone number as staff dial it, for the call lists' CSV files (written by ``exports/spreadsheet.py``)."""

from __future__ import annotations


def dialled(phone: str, region: str) -> str:
    """A number as staff dial it («8 (916) 123-45-67»), not E.164: easier to read aloud and to dial by hand."""
    import phonenumbers

    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
