"""Under an API Gateway stage (``/dev``) the dashboard and the page keep working: every root-relative link,
redirect and the session cookie carry the prefix; through CloudFront (which maps paths one to one) none does."""

from __future__ import annotations

import re

STAGE = "https://abc.execute-api.eu-central-1.amazonaws.com/dev"  # Zappa sets SCRIPT_NAME=/dev there


def test_dashboard_links_redirects_and_cookie_follow_the_stage(client) -> None:
    signin = client.get("/admin/signin", base_url=STAGE)
    html = signin.get_data(as_text=True)
    assert 'action="/dev/admin/signin"' in html and 'href="/dev/admin/assets/admin.css"' in html
    assert "Path=/dev/admin" in signin.headers["Set-Cookie"]
    assert not re.search(r'(href|action|src)="/admin', html)
    home = client.get("/admin/", base_url=STAGE)
    assert home.status_code == 303 and home.headers["Location"] == "/dev/admin/signin"


def test_the_page_under_the_stage_links_its_assets_and_api_there(client) -> None:
    page = client.get("/AbCdEfGhIjKl/", base_url=STAGE).get_data(as_text=True)
    script = re.search(r'src="(/dev/assets/page\.[0-9a-f]{10}\.js)"', page).group(1)
    assert 'data-api="/dev"' in page
    asset = client.get(script.removeprefix("/dev"), base_url=STAGE)
    assert asset.status_code == 200 and asset.mimetype == "text/javascript"
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_through_cloudfront_the_stage_is_left_out(client) -> None:
    signin = client.get("/admin/signin", base_url=STAGE, headers={"X-Amz-Cf-Id": "abc=="})
    assert 'action="/admin/signin"' in signin.get_data(as_text=True)
    assert "Path=/admin" in signin.headers["Set-Cookie"]


def test_without_a_prefix_nothing_changes(client) -> None:
    html = client.get("/admin/signin").get_data(as_text=True)
    assert 'action="/admin/signin"' in html
