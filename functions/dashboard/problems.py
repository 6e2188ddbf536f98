"""A clinic document's problems as the dashboard's reader reads them: the field named as its form labels it,
the reason in words (``templates/problems/<locale>.json``).

The validators speak the document's language (``platforms[4].url: not an address of yandex_maps (…)``): the
command line and the API show that to the operator as it is. The dashboard shows the same problem as
«Площадка 5 «Яндекс Карты»: адрес страницы отзывов — это не адрес площадки «Яндекс Карты»: …».
"""

from __future__ import annotations

import re
from functools import cache

from functions.cases.kinds import kind_names
from functions.clinics.platforms import TYPE_NAMES
from functions.texts import catalog

PATH = re.compile(r"^(?P<path>[A-Za-z_][\w.\[\]-]*(?:\.[^:]+)?): (?P<message>.+)$", re.S)
INDEX = re.compile(r"\[(\d+)\]")
LOCALE = "ru"


@cache
def _rules() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern, re.S), said) for pattern, said in catalog("problems", LOCALE)["messages"]]


def field_label(path: str, doc: dict) -> str:
    """A document path ("sending.window", "platforms[2].url") as the settings form labels its field."""
    return _field(path, doc)


def _field(path: str, doc: dict) -> str:
    fields = catalog("problems", LOCALE)["fields"]
    if path in fields:
        return fields[path]
    index = INDEX.search(path)
    if index:
        n = int(index.group(1))
        shape = INDEX.sub("[]", path, count=1)
        platforms = doc.get("platforms") if isinstance(doc.get("platforms"), list) else []
        item = platforms[n] if n < len(platforms) and isinstance(platforms[n], dict) else {}
        name = str(item.get("name") or TYPE_NAMES.get(str(item.get("type")), ""))
        label = fields.get(shape) or fields.get(shape.split(".")[0] + "[]") or fields.get(path.split("[")[0], path)
        return label.format(n=n + 1, named=f" «{name}»" if name else "")
    head, _, rest = path.partition(".")
    if rest:
        key, _, tail = rest.partition(".")
        label = fields.get(f"{head}.*.{tail}") if tail else fields.get(f"{head}.*")
        if label:
            return label.format(key=key, topic=kind_names(LOCALE).get(key, key))
    return fields.get(head, path)


def _reason(message: str) -> str:
    for pattern, said in _rules():
        found = pattern.match(message.strip())
        if found:
            groups = {str(n): g or "" for n, g in enumerate(found.groups(), start=1)}
            values = {**groups, **{f"type{n}": TYPE_NAMES.get(g, g) for n, g in groups.items()}}
            if "{rub1}" in said:
                values["rub1"] = f"{int(groups['1']) // 100}\u00a0₽"
            return re.sub(r"\{(\w+)\}", lambda m, v=values: v.get(m.group(1), m.group(0)), said)
    return catalog("problems", LOCALE)["fallback"]


def said(problem: str, doc: dict) -> str:
    """One validator problem, "path: message", as the form's reader should read it."""
    found = PATH.match(problem)
    if not found:
        return _reason(problem)
    return f"{_field(found['path'], doc)} — {_reason(found['message'])}"


def said_all(problems: list[str], doc: dict) -> list[str]:
    return list(dict.fromkeys(said(p, doc) for p in problems))
