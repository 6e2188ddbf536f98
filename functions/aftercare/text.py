"""The care message's words: the SMS, and the page's question «Как вы себя чувствуете после …?».

Neither names a diagnosis. The service is named only when the clinic allows details in its texts
(``sending.details``), in the case Russian wants after «после»: «Удаление зуба» becomes «удаления зуба»,
«Эндодонтическое лечение» «эндодонтического лечения» (pymorphy3 declines the words up to the first noun; a
service it cannot decline is left out, and the question says «после визита»).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache

from functions.aftercare.rules import CareRule
from functions.cases.names import CYRILLIC, morph
from functions.clinics.clinic import Clinic
from functions.invites.segments import Segments, count_segments
from functions.store import Visit
from functions.texts import TEMPLATES, one_line, render, render_clinic_text

DECLINED = {"NOUN", "ADJF", "PRTF"}


@cache
def care_words(locale: str) -> dict:
    return json.loads((TEMPLATES / "aftercare" / locale / "words.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1024)
def genitive(service: str) -> str:
    """«Удаление зуба» -> «удаления зуба»; "" when the words do not decline (a code, a Latin name)."""
    words = service.split()
    out: list[str] = []
    for n, word in enumerate(words):
        parse = next((p for p in morph().parse(word.lower()) if "nomn" in p.tag and p.tag.POS in DECLINED), None)
        form = parse.inflect({"gent"}) if parse is not None else None
        if form is None:
            return ""
        out.append(form.word)
        if parse.tag.POS == "NOUN":
            return " ".join([*out, *words[n + 1:]])
    return ""


def after(clinic: Clinic, visit: Visit) -> str:
    """What the question is about: the service when the clinic allows details and it reads well, else the visit."""
    service = " ".join(visit.service.split())
    if clinic.sending.details and service:
        if clinic.locale == "ru" and CYRILLIC.search(service):
            found = genitive(service)
            if found:
                return found
        elif clinic.locale == "en" and not CYRILLIC.search(service):
            return service.lower()
    return care_words(clinic.locale)["visit"]


def question(clinic: Clinic, visit: Visit) -> str:
    return one_line(render(f"aftercare/{clinic.locale}/question.txt", after=after(clinic, visit)))


def care_text(clinic: Clinic, rule: CareRule, link: str, visit: Visit | None = None) -> str:
    """The SMS: the rule's own text (Jinja: clinic, link, service when details are on) or the locale's."""
    context = {"clinic": clinic.name, "link": link, "after": after(clinic, visit) if visit else
               care_words(clinic.locale)["visit"]}
    if rule.text:
        service = visit.service if visit is not None and clinic.sending.details else ""
        return one_line(render_clinic_text(rule.text, clinic=clinic.name, link=link, service=service))
    return one_line(render(f"sms/{clinic.locale}/care.txt", **context))


def sample_care(clinic: Clinic, rule: CareRule, base_url: str) -> tuple[str, Segments]:
    """The care SMS as a patient would get it, and what it costs."""
    text = care_text(clinic, rule, f"{base_url.rstrip('/')}/{'x' * 12}/")
    return text, count_segments(text)
