"""The static rating page: ``site/index.html`` rendered with one locale's words.

``python -m functions site build`` writes the deployable folder; the embedded server renders the
same page on the fly. The page's JavaScript never holds words: every text is in the HTML.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from functions.texts import SITE, page_words, render

ASSETS = ("page.css", "page.js")


@cache
def render_page(locale: str, api_url: str) -> str:
    """The static page: it learns the invite's state from the API in the browser."""
    return render_state_page(locale, api_url, None)


BLANK_STATE = {"view": "rate", "clinic": "", "reward": "", "platforms": [], "text": "", "problem": "", "error": "",
               "opted_out": False}


def render_state_page(locale: str, api_url: str, state: dict | None) -> str:
    """The same page with the invite's state already in it (the no-JavaScript answers)."""
    return render("index.html", t=page_words(locale), lang=locale, api=api_url.rstrip("/"),
                  static=state is None, s={**BLANK_STATE, **(state or {})})


def build_site(out: Path, api_url: str) -> list[Path]:
    """Write index.html (Russian), en/index.html and the assets; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for locale, target in (("ru", out / "index.html"), ("en", out / "en" / "index.html")):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_page(locale, api_url), encoding="utf-8")
        written.append(target)
    (out / "assets").mkdir(exist_ok=True)
    for name in ASSETS:
        written.append(Path(shutil.copyfile(SITE / name, out / "assets" / name)))
    return written
