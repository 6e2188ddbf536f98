"""Segment counting: GSM-7 vs UCS-2, extension characters counted double, exact part counts."""

from __future__ import annotations

import pytest

from functions.invites.segments import count_segments


@pytest.mark.parametrize("text,encoding,units,count", [
    ("", "GSM-7", 0, 1),
    ("Hello", "GSM-7", 5, 1),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€", "GSM-7", 2, 1),
    ("[", "GSM-7", 2, 1),
    ("Price: 100 € [VAT]", "GSM-7", 21, 1),
    ("€" * 80, "GSM-7", 160, 1),
    ("€" * 81, "GSM-7", 162, 2),
    ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),  # the escape pair moves whole to part two
    ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # 152 | € + 151 | 1: the pair cannot straddle
    ("«", "UCS-2", 1, 1),
    ("Hello «world»", "UCS-2", 13, 1),
    ("a" * 159 + "«", "UCS-2", 160, 3),  # one « turns 160 GSM-7 characters into three UCS-2 parts
    ("Привет", "UCS-2", 6, 1),
    ("Я" * 70, "UCS-2", 70, 1),
    ("Я" * 71, "UCS-2", 71, 2),
    ("Я" * 134, "UCS-2", 134, 2),
    ("Я" * 135, "UCS-2", 135, 3),
    ("😀", "UCS-2", 2, 1),
    ("a" * 66 + "😀" + "a" * 67, "UCS-2", 135, 3),  # 66 | 😀 + 65 | 2
    ("100\u00a0₽", "UCS-2", 5, 1),
])
def test_known_texts(text, encoding, units, count) -> None:
    result = count_segments(text)
    assert (result.encoding, result.units, result.count) == (encoding, units, count)
