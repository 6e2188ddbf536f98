"""Keyword stems as clinics write them: a stem matches at the start of a word ("груб" finds «грубо»), a stem
ending in ``$`` is a whole word ("хам$" finds «хам» but not «Хамовники»); case and ё do not matter.

Complaint topics, care-message services, urgent words and doctors' recommendations are all read this way."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache


def normalise(text: str) -> str:
    return text.lower().replace("ё", "е")


@cache
def stem_pattern(stem: str) -> re.Pattern[str]:
    whole = stem.endswith("$")
    return re.compile(r"(?<!\w)" + re.escape(normalise(stem.rstrip("$"))) + (r"(?!\w)" if whole else ""))


def mentions(text: str, stems: Iterable[str]) -> bool:
    """Does the text name any of the stems?"""
    words = normalise(text)
    return bool(words.strip()) and any(stem_pattern(stem).search(words) for stem in stems)
