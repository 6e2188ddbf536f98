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


@cache
def _sandbox() -> Any:
    """For texts the clinic writes itself: no attribute access, no imports, nothing but its variables."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


@lru_cache(maxsize=512)
def _clinic_template(source: str) -> Any:
    # Compiling is what costs (about a millisecond); a call list renders the same few texts for every patient.
    return _sandbox().from_string(source)


def render_clinic_text(source: str, **context: Any) -> str:
    """Render a clinic-written template; raises jinja2.TemplateError when it is broken or names an unknown value."""
    return _clinic_template(source).render(**context).strip()


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context).strip()


LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x85\u2028\u2029]+[ \t]*")


def one_line(text: str) -> str:
    """Fold line breaks into spaces: a header or an SMS must never carry CR/LF from user input.

    Other spacing stays as written (a no-break space in "100 ₽" keeps the amount with its sign).
    """
    return LINE_BREAKS.sub(" ", text).strip()


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
