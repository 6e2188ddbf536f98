"""The rating page: rendered from templates per locale, small, and free of words in JavaScript."""

from __future__ import annotations

import gzip
import re

from functions.site import build_site
from functions.texts import SITE


def test_build_writes_both_locales_and_the_assets(tmp_path) -> None:
    written = build_site(tmp_path, "https://api.otklik.ru/")
    assert {p.relative_to(tmp_path).as_posix() for p in written} == {
        "index.html", "en/index.html", "assets/page.css", "assets/page.js"}
    ru = (tmp_path / "index.html").read_text(encoding="utf-8")
    en = (tmp_path / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in ru and "Как прошёл ваш визит?" in ru
    assert '<html lang="en">' in en and "How was your visit?" in en
    assert 'data-api="https://api.otklik.ru"' in ru
    assert len(re.findall(r'<button type="submit" name="score" class="score" value="\d"', ru)) == 5
    assert '<form method="post" action="rating"' in ru  # works without JavaScript
    assert "одинаковое за любую оценку" in ru  # the reward is the same for every answer


def test_javascript_holds_no_words() -> None:
    script = (SITE / "page.js").read_text(encoding="utf-8")
    assert not re.search(r"[А-Яа-яЁё]", script)


def test_everything_needed_to_render_and_tap_fits_one_round_trip(tmp_path) -> None:
    build_site(tmp_path, "https://api.otklik.ru")
    total = sum(len(gzip.compress(p.read_bytes(), 9)) for p in (
        tmp_path / "index.html", tmp_path / "assets" / "page.css", tmp_path / "assets" / "page.js"))
    assert total <= 14 * 1024


def test_page_locale_follows_lang_then_accept_language(client) -> None:
    token = "AAAAAAAAAAAA"
    assert '<html lang="ru">' in client.get(f"/{token}/").get_data(as_text=True)
    assert '<html lang="en">' in client.get(f"/{token}/?lang=en").get_data(as_text=True)
    assert client.get(f"/{token}").headers["Location"] == f"/{token}/"
    english = client.get(f"/{token}/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert client.get("/not-a-token-at-all").status_code == 404


def test_outbox_is_styled_within_the_content_security_policy(client) -> None:
    page = client.get("/outbox").get_data(as_text=True)
    assert "<style" not in page and 'href="/outbox.css"' in page
    css = client.get("/outbox.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
