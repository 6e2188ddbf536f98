"""Words live in ``templates/``: SMS texts, emails and page catalogs, per locale."""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
SITE = ROOT / "site"


@cache
def environment() -> Any:
    """The Jinja environment, built on first use: HTML is escaped, plain text is not."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader([str(TEMPLATES), str(SITE)]),
        autoescape=select_autoescape(["html"], default_for_string=False),
        undefined=StrictUndefined, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)


# What a clinic's own text may hold: its values ({{ clinic }}), conditions ({% if reward %}), a few
# filters that change case or fill a gap, and comparisons. Loops, calls, attributes, arithmetic and
# macros are refused before anything runs, so rendering is bounded by the text itself: no
# {{ 'x' * 10**8 }} (75 s and gigabytes), no range(999999), no recursion, nothing to reach Python.
CLINIC_NODES = ("Template", "Output", "TemplateData", "Const", "Name", "If", "CondExpr", "Not", "And", "Or",
                "Compare", "Operand", "Filter", "Test", "Concat", "Keyword")
CLINIC_FILTERS = frozenset({"upper", "lower", "capitalize", "title", "trim", "default", "d"})
CLINIC_TESTS = frozenset({"defined", "undefined", "none", "string"})
REFUSED = {"For": "loops ({% for %})", "Macro": "macros", "CallBlock": "macros", "Call": "calling functions",
           "Getattr": "attributes ({{ a.b }})", "Getitem": "indexing ({{ a[0] }})", "Slice": "slices",
           "Assign": "{% set %}", "AssignBlock": "{% set %}", "Include": "{% include %}", "Import": "{% import %}",
           "FromImport": "{% import %}", "Extends": "{% extends %}", "Block": "{% block %}",
           "FilterBlock": "{% filter %}", "With": "{% with %}", "Scope": "{% with %}", "List": "lists",
           "Tuple": "lists", "Dict": "dictionaries"}
# A clinic's text renders to at most this: an SMS of four UCS-2 segments is 268, a reply 1,000.
CLINIC_OUTPUT = 2000


@cache
def _sandbox() -> Any:
    """For texts the clinic writes itself: nothing but its variables, and no globals (range, lipsum...)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
    env.globals.clear()
    return env


@lru_cache(maxsize=256)
def _clinic_template(source: str) -> Any:
    """The clinic's text checked and compiled once (a dispatch renders it for every patient)."""
    from jinja2 import nodes
    from jinja2.exceptions import SecurityError

    env = _sandbox()
    tree = env.parse(source)
    for node in tree.find_all(nodes.Node):
        kind = type(node).__name__
        if kind not in CLINIC_NODES:
            what = REFUSED.get(kind, "arithmetic" if isinstance(node, nodes.BinExpr | nodes.UnaryExpr) else kind)
            raise SecurityError(f"{what} cannot be used here: only values like {{{{ clinic }}}} and {{% if %}}")
        if isinstance(node, nodes.Filter) and node.name not in CLINIC_FILTERS:
            raise SecurityError(f"the {node.name} filter cannot be used here: only {', '.join(sorted(CLINIC_FILTERS))}")
        if isinstance(node, nodes.Test) and node.name not in CLINIC_TESTS:
            raise SecurityError(f"the test '{node.name}' cannot be used here")
    return env.from_string(tree)


def render_clinic_text(source: str, **context: Any) -> str:
    """Render a clinic-written template; raises jinja2.TemplateError, with words, when it is broken, uses
    more than values and conditions, names an unknown value or renders longer than CLINIC_OUTPUT."""
    from jinja2.exceptions import SecurityError

    text = _clinic_template(source).render(**context).strip()
    if len(text) > CLINIC_OUTPUT:
        raise SecurityError(f"the text comes out {len(text)} characters long; at most {CLINIC_OUTPUT}")
    return text


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context).strip()


LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x85\u2028\u2029]+[ \t]*")


def one_line(text: str) -> str:
    """Fold line breaks into spaces: a header or an SMS must never carry CR/LF from user input.

    Other spacing stays as written (a no-break space in "100 ₽" keeps the amount with its sign).
    """
    return LINE_BREAKS.sub(" ", text).strip()


@cache
def catalog(name: str, locale: str) -> dict[str, Any]:
    """A catalog of words, ``templates/<name>/<locale>.json``; Russian when the locale has none."""
    path = TEMPLATES / name / f"{locale}.json"
    if not re.fullmatch(r"[a-z]{2}", locale) or not path.exists():
        path = TEMPLATES / name / "ru.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def page_words(locale: str) -> dict[str, str]:
    return json.loads((TEMPLATES / "page" / f"{locale}.json").read_text(encoding="utf-8"))


def money(amount_minor: int, currency: str, locale: str) -> str:
    """100 RUB as "100 ₽" in Russian, "100 RUB" in English; kopecks only when there are any."""
    whole, cents = divmod(amount_minor, 100)
    number = f"{whole}" if not cents else f"{whole}.{cents:02d}"
    # Russian texts are UCS-2 anyway, so a no-break space costs nothing there; in English it
    # would turn a GSM-7 SMS into UCS-2 and double its price, so English keeps a plain space.
    if locale == "ru":
        number = number.replace(".", ",")
        return f"{number}\u00a0₽" if currency == "RUB" else f"{number}\u00a0{currency}"
    return f"{number} {currency}"
