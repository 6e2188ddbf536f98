"""Patients' names as people say them: who «Петрова Мария Ивановна» is, and how a director greets her.

Clinic systems export ФИО surname first, some write «Мария Ивановна Петрова» or «Мария Петрова», English
files write "Mary Smith". A greeting uses the first name and the patronymic in Russian («Мария Ивановна»),
the first name in English, and nothing when unsure (the draft then says a plain «Здравствуйте!»).
Grammatical gender comes from the patronymic, else from the first name, else from the surname's form;
unsure stays unsure and the words stay neutral.

Which word is a first name and which a surname is looked up in pymorphy3's dictionary (OpenCorpora:
first names, surnames and patronymics are tagged ``Name``, ``Surn``, ``Patr``, with gender). The dictionary
loads on the first name read (about half a second, 20 MB), never at import: the patient's page and the
Lambda's cold start do not pay for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
INITIAL = re.compile(r"^(?:[A-Za-zА-Яа-яЁё]\.)+$")
# Turkic patronymics are two words: «Лутфияр оглы» (son of), «Ильхам кызы» (daughter of).
PARTICLES = {"оглы": "m", "улы": "m", "уулу": "m", "кызы": "f", "гызы": "f"}
PATRONYMIC_ENDINGS = (("ович", "m"), ("евич", "m"), ("ич", "m"), ("овна", "f"), ("евна", "f"), ("ична", "f"),
                      ("инична", "f"))
TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam"}
GENDERS = {"masc": "m", "femn": "f"}


@dataclass(frozen=True)
class PatientName:
    first: str = ""
    patronymic: str = ""
    last: str = ""
    gender: str = ""  # "m", "f", or "" when unsure

    def addressed(self, locale: str) -> str:
        """What a greeting calls the patient: «Мария Ивановна», "Mary", or "" when unsure."""
        if locale == "ru" and self.first and self.patronymic:
            return f"{self.first} {self.patronymic}"
        return self.first


@cache
def morph() -> Any:
    """pymorphy3's Russian analyser, loaded once on first use (names here, a service's case in the care message)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=4096)
def _tags(word: str) -> tuple[tuple[frozenset[str], float], ...]:
    """The nominative readings of one word that are a name part: (grammemes, score)."""
    found = []
    for parse in morph().parse(word):
        grammemes = frozenset(parse.tag.grammemes)
        if "nomn" in grammemes and grammemes & {"Name", "Surn", "Patr"}:
            found.append((grammemes, parse.score))
    return tuple(found)


def _score(word: str, kind: str) -> float:
    head = word.split("-")[0]  # «Анна-Мария», «Петрова-Водкина»: the first part tells
    return sum(score for grammemes, score in _tags(head.lower()) if kind in grammemes)


def _gender(word: str, kind: str) -> str:
    """The gender a word shows as this name part, when every reading agrees ("Саша" is either: unsure)."""
    head = word.split("-")[-1].lower()  # a double surname declines by its last part
    found = {g for grammemes, _ in _tags(head) if kind in grammemes for g in grammemes & {"masc", "femn", "ms-f"}}
    return GENDERS.get(found.pop(), "") if len(found) == 1 else ""


def _capitalised(word: str) -> str:
    if word.lower() in PARTICLES:
        return word.lower()
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def _patronymic_gender(word: str) -> str:
    """"m" or "f" when the word is a patronymic: the dictionary's word first, the ending for rarer ones."""
    lower = word.lower()
    readings = _tags(lower)
    if any("Patr" in grammemes for grammemes, _ in readings):
        return _gender(lower, "Patr")
    if readings:
        return ""  # a known first name or surname («Шостакович») is not a patronymic
    for ending, gender in PATRONYMIC_ENDINGS:
        if lower.endswith(ending) and len(lower) > len(ending) + 2:
            return gender
    return ""


def read_name(full: str) -> PatientName:
    """Who the patient is, from the name as the clinic's file has it (any order, any case)."""
    words = [w.strip(",;") for w in full.split() if w.strip(",;")]
    if not words:
        return PatientName()
    if not CYRILLIC.search(full):
        return _western(full, words)
    words = [_capitalised(w) for w in words if not INITIAL.match(w)]
    return _russian(words)


def _western(full: str, words: list[str]) -> PatientName:
    """Latin-script names: "First Last" (or "Last, First"); one word alone could be either, so unsure."""
    if "," in full.split()[0]:
        words = words[1:] + words[:1]
    words = [w for w in words if w.lower().rstrip(".") not in TITLES and not INITIAL.match(w)]
    if len(words) < 2:
        return PatientName()
    return PatientName(first=words[0], last=words[-1])


def _russian(words: list[str]) -> PatientName:
    patronymic, gender, at = "", "", -1
    for n, word in enumerate(words):
        if n + 1 < len(words) and words[n + 1] in PARTICLES:
            patronymic, gender, at = f"{word} {words[n + 1]}", PARTICLES[words[n + 1]], n
            words = words[:n + 1] + words[n + 2:]
            break
        found = _patronymic_gender(word) if n > 0 else ""
        if found:
            patronymic, gender, at = word, found, n
            break
    if at > 0:
        # The first name stands right before the patronymic: «Петрова Мария Ивановна», «Мария Ивановна Петрова».
        first = words[at - 1]
        last = " ".join(w for n, w in enumerate(words) if n not in (at - 1, at))
        return PatientName(first=first, patronymic=patronymic, last=last,
                           gender=gender or _gender(first, "Name"))
    # No patronymic: the word most likely a first name is one; a tie goes to the later word (ФИО order).
    scored = [(_score(w, "Name") - _score(w, "Surn"), n) for n, w in enumerate(words)]
    best, index = max(scored)
    if best <= 0 or (len(words) == 1 and _score(words[0], "Surn") > 0):
        surname = words[0] if len(words) == 1 else ""
        return PatientName(last=" ".join(words), gender=_gender(surname, "Surn") if surname else "")
    first = words[index]
    last = " ".join(w for n, w in enumerate(words) if n != index)
    gender = _gender(first, "Name") or (_gender(last, "Surn") if last and " " not in last else "")
    return PatientName(first=first, last=last, gender=gender)
