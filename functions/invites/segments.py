"""How many SMS segments a text costs: GSM-7 when every character is in the GSM 03.38 alphabet,
otherwise UCS-2 for the whole text (one «, one emoji or one Cyrillic letter doubles the price)."""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
# Sent as ESC + character: two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
SINGLE = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}  # a multi-part SMS spends the rest on its header


@dataclass(frozen=True)
class Segments:
    encoding: str
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int


def _cost(char: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # a character outside the BMP is a surrogate pair


def count_segments(text: str) -> Segments:
    gsm = all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)
    encoding = "GSM-7" if gsm else "UCS-2"
    costs = [_cost(c, encoding) for c in text]
    units = sum(costs)
    if units <= SINGLE[encoding]:
        return Segments(encoding, units, 1)
    # Pack greedily: an escape pair or a surrogate pair is never split across two parts.
    count, used = 1, 0
    for cost in costs:
        if used + cost > PART[encoding]:
            count, used = count + 1, 0
        used += cost
    return Segments(encoding, units, count)
