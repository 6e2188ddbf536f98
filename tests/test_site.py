"""The rating page: rendered from templates per locale, small, and free of words in JavaScript."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from html import unescape

from functions.answers.page import build_site
from functions.texts import SITE


def test_build_writes_both_locales_and_the_hashed_script(tmp_path) -> None:
    written = {p.relative_to(tmp_path).as_posix() for p in build_site(tmp_path, "https://api.otklik.ru/")}
    js = next(name for name in written if name.endswith(".js"))
    assert written == {"index.html", "en/index.html", js}
    assert re.fullmatch(r"assets/page\.[0-9a-f]{10}\.js", js)
    ru = (tmp_path / "index.html").read_text(encoding="utf-8")
    en = (tmp_path / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in ru and "Как прошёл ваш визит?" in ru
    assert '<html lang="en">' in en and "How was your visit?" in en
    assert 'data-api="https://api.otklik.ru"' in ru
    # Five to tap, and five more to change a mis-tapped score (hidden until there is one).
    assert len(re.findall(r'<button type="submit" name="score" class="score" value="\d"', ru)) == 10
    assert '<form method="post" action="rating"' in ru  # works without JavaScript
    assert '<noscript><meta http-equiv="refresh" content="0; url=rating"></noscript>' in ru  # its first screen
    assert "одинаковое за любую оценку" in ru  # the reward is the same for every answer
    assert f'<script src="/{js}" defer>' in ru


def test_the_stylesheet_is_inline_and_allowed_by_its_hash_alone(tmp_path, client) -> None:
    build_site(tmp_path, "https://api.otklik.ru")
    for html in ((tmp_path / "index.html").read_text(encoding="utf-8"),
                 client.get("/AAAAAAAAAAAA/").get_data(as_text=True)):
        [css] = re.findall(r"<style>(.*?)</style>", html, re.S)
        assert css == (SITE / "page.css").read_text(encoding="utf-8").strip()  # unescaped, byte for byte
        assert 'rel="stylesheet"' not in html
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        meta = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
        assert f"style-src 'self' 'sha256-{digest}'" in meta and "unsafe-inline" not in meta
    header = client.get("/AAAAAAAAAAAA/").headers["Content-Security-Policy"]
    assert f"style-src 'self' 'sha256-{digest}'" in header and "unsafe-inline" not in header


def test_javascript_holds_no_words() -> None:
    script = (SITE / "page.js").read_text(encoding="utf-8")
    assert not re.search(r"[А-Яа-яЁё]", script)


def test_everything_needed_to_render_and_tap_fits_one_round_trip(tmp_path) -> None:
    total = sum(len(gzip.compress(p.read_bytes(), 9)) for p in build_site(tmp_path, "https://api.otklik.ru")
                if p.name != "index.html" or p.parent == tmp_path)
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


def test_deploy_uploads_with_content_type_and_cache_control(aws_env, tmp_path) -> None:
    import boto3

    from functions.answers.page import deploy_site

    s3 = boto3.client("s3", region_name="eu-central-1")
    s3.create_bucket(Bucket="otklik-site", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    build_site(tmp_path, "https://api.otklik.ru")
    uploaded = {key: (ctype, cache) for key, ctype, cache in deploy_site(tmp_path, s3, "otklik-site")}
    page = s3.get_object(Bucket="otklik-site", Key="index.html")
    assert (page["ContentType"], page["CacheControl"]) == ("text/html; charset=utf-8", "no-cache")
    assert "Как прошёл ваш визит?" in page["Body"].read().decode()
    js = next(key for key in uploaded if key.endswith(".js"))
    head = s3.head_object(Bucket="otklik-site", Key=js)
    assert (head["ContentType"], head["CacheControl"]) == (
        "text/javascript; charset=utf-8", "public, max-age=31536000, immutable")
    assert set(uploaded) == {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
