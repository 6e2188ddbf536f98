"""The static rating page: ``site/index.html`` rendered with one locale's words.

``python -m functions site build`` writes the deployable folder; the embedded server renders the
same page on the fly. The page's JavaScript never holds words: every text is in the HTML.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from functions.texts import SITE, page_words, render

# The stylesheet is inline (the first paint needs the HTML alone: no second round trip before the buttons
# are styled); the script is a deferred file, as it is only needed once the patient taps.
ASSETS = ("page.js",)
STYLESHEET = "page.css"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".js": "text/javascript; charset=utf-8"}
# Hashed assets never change under their name; the page itself must be re-checked on every visit.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@cache
def inline_css() -> str:
    return (SITE / STYLESHEET).read_text(encoding="utf-8").strip()


@cache
def style_source() -> str:
    """The CSP source that allows exactly the inline stylesheet (its SHA-256), never any other inline style."""
    digest = hashlib.sha256(inline_css().encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def render_page(locale: str, api_url: str) -> str:
    """The static page: it learns the invite's state from the API in the browser."""
    return render_state_page(locale, api_url, None)


@cache
def hashed_assets() -> dict[str, tuple[str, bytes]]:
    """Each asset under a name that carries its content hash (page.3f2a9c1d.css), with its bytes."""
    named = {}
    for name in ASSETS:
        data = (SITE / name).read_bytes()
        stem, ext = name.rsplit(".", 1)
        named[name] = (f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{ext}", data)
    return named


def asset_urls() -> dict[str, str]:
    """The page's assets under their hashed names: the same on S3 (``site deploy``) and from the API, so a
    page the API renders for a CDN's visitor links files the CDN has."""
    return {name: f"/assets/{hashed}" for name, (hashed, _) in hashed_assets().items()}


BLANK_STATE = {"view": "rate", "clinic": "", "logo": "", "reward": "", "reward_state": "offered",
               "within": "", "often": "", "platforms": [], "score": None, "tone": "", "notice": "",
               "text": "", "channel": "", "hours": "", "address": "", "problem": "", "error": "", "opted_out": False,
               "purpose": "", "question": ""}


def render_state_page(locale: str, api_url: str, state: dict | None, assets: dict[str, str] | None = None) -> str:
    """The same page with the invite's state already in it (the no-JavaScript answers)."""
    return render("index.html", t=page_words(locale), lang=locale, api=api_url.rstrip("/"),
                  static=state is None, s={**BLANK_STATE, **(state or {})}, assets=assets or asset_urls(),
                  css=Markup(inline_css()), style_source=style_source())  # noqa: S704 - our own file, not input


def build_site(out: Path, api_url: str) -> list[Path]:
    """Write index.html (Russian), en/index.html and the content-hashed script; return the files written."""
    named = hashed_assets()
    urls = asset_urls()
    written = []
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for hashed, data in named.values():
        target = out / "assets" / hashed
        target.write_bytes(data)
        written.append(target)
    for locale, target in (("ru", out / "index.html"), ("en", out / "en" / "index.html")):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_state_page(locale, api_url, None, urls), encoding="utf-8")
        written.append(target)
    return written


def deploy_site(out: Path, s3: Any, bucket: str) -> list[tuple[str, str, str]]:
    """Upload a built folder: each file with its Content-Type; hashed assets cached for good, pages re-checked."""
    uploaded = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        key = path.relative_to(out).as_posix()
        content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        cache_control = IMMUTABLE if key.startswith("assets/") else REVALIDATE
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type,
                      CacheControl=cache_control)
        uploaded.append((key, content_type, cache_control))
    return uploaded
