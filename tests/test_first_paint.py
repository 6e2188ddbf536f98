"""The rating page's first paint needs the HTML alone: with every other request refused, Chromium shows the
five score buttons styled, on a phone and on a desktop (screenshots in test-artifacts/)."""

from __future__ import annotations

import re

from tests.test_browser import ARTIFACTS, browser, live  # noqa: F401 (fixtures)

ACCENT = "rgb(47, 111, 219)"  # the page's default accent, #2f6fdb


def only_the_document(page) -> list[str]:
    """Refuse every request of ``page`` but the document itself; return the refused addresses."""
    refused: list[str] = []

    def answer(route) -> None:
        if route.request.resource_type == "document":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", answer)
    return refused


def test_the_html_alone_paints_the_five_buttons_styled(browser, live) -> None:  # noqa: F811
    base, tokens = live
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((360, 640), (1280, 800)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
        page = context.new_page()
        refused = only_the_document(page)
        page.goto(f"{base}/{tokens[0]}/", wait_until="load")
        buttons = page.locator("#rate button.score")  # the first question's five (not the later "change it")
        assert buttons.count() == 5
        style = buttons.first.evaluate(
            "b => { const s = getComputedStyle(b); return [s.minHeight, s.borderTopColor, s.borderTopLeftRadius, "
            "s.fontSize, s.backgroundColor]; }")
        assert style == ["64px", ACCENT, "12px", "26px", "rgb(255, 255, 255)"]
        boxes = [buttons.nth(n).bounding_box() for n in range(5)]
        assert len({round(b["y"]) for b in boxes}) == 1  # one row of five
        assert all(b["height"] >= 64 and b["x"] >= 0 and b["x"] + b["width"] <= width for b in boxes)
        assert page.get_by_role("heading", level=1).is_visible()
        # The script (under its hashed name) was asked for and refused.
        assert any(re.search(r"/page(\.[0-9a-f]{10})?\.js$", url) for url in refused)
        assert not any(url.endswith(".css") for url in refused)  # and no stylesheet was ever needed
        page.screenshot(path=str(ARTIFACTS / f"first-paint-html-only-{width}.png"))
        context.close()
