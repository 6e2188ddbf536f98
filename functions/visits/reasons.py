"""The words of an import report: each row problem's code put into the clinic's language."""

from __future__ import annotations

from datetime import date

from functions.texts import catalog


def field_name(field: str, locale: str) -> str:
    """How a person calls a field, where the file's own header is not known (the API's rows, missing columns)."""
    return catalog("visits", locale)["fields"].get(field, field)


def reason(code: str, locale: str, **params: object) -> str:
    """The sentence for ``code`` with its values filled in (dates in the locale's way)."""
    words = catalog("visits", locale)
    shown = {k: (v.strftime(words["date"]) if isinstance(v, date) else v) for k, v in params.items()}
    return words["reasons"][code].format_map(shown)
