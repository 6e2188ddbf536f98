"""The rating page's budget: gzip bytes of everything needed to render and tap (goal <= 14 KB), and the time
to tappable buttons (goal <= 1.5 s) on a slow mobile link, three ways:

1. A model with connection set-up. 400 ms round trip, 400 kbit/s both ways; DNS already resolved; one TCP
   handshake (1 round trip) and one TLS 1.3 handshake (1 round trip, the server's first flight carrying a
   3,000-byte certificate chain); then the request and the response (1 round trip plus the bytes at
   400 kbit/s: response headers of 600 bytes and the gzipped page). Everything before the first paint
   fits TCP's initial window (10 segments, 14.6 KB), so no extra round trip for slow start. What the
   first paint waits for is found in Chromium: the page with every request but the document refused.
2. Chromium with DevTools' slow-3G emulation (400 ms latency per request, 400 kbit/s), which adds no
   handshakes; with the model's two set-up round trips added.
3. The same model for the page as it was, with its stylesheet as a second request on the connection.

The built site is served from a local static server on 127.0.0.1."""

from __future__ import annotations

import functools
import gzip
import statistics
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from functions.answers.page import build_site, inline_css

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
RUNS = 5
RTT, BITS_PER_SECOND = 0.4, 400_000
CERTIFICATES, HEADERS = 3_000, 600
LINKED = '<link rel="stylesheet" href="/assets/page.0a1b2c3d4e.css">'
# When the five targets are on screen, styled (64 px tall) and enabled: the patient can tap.
TAPPABLE = """() => {
  const buttons = document.querySelectorAll('#rate .score');  // the first screen's (the change form has its own)
  return buttons.length === 5 && [...buttons].every(b => b.offsetHeight >= 48 && !b.disabled)
    && getComputedStyle(buttons[0]).minHeight === '64px';
}"""


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def send_head(self):  # a static host answers every /<token>/ with the page, as the CDN is told to
        if not self.path.startswith("/assets/"):
            self.path = "/index.html"
        return super().send_head()


def transfer(size: int) -> float:
    return size * 8 / BITS_PER_SECOND


def model(critical: list[int]) -> float:
    """TCP + TLS 1.3 set-up, then one round trip per critical request in turn, each with its bytes."""
    setup = RTT + RTT + transfer(CERTIFICATES)
    return setup + sum(RTT + transfer(HEADERS + size) for size in critical)


def tappable_in_chromium(browser, url: str, *, only_the_document: bool) -> tuple[float, list[str]]:
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    refused: list[str] = []
    if only_the_document:
        def answer(route) -> None:
            if route.request.resource_type == "document":
                route.continue_()
            else:
                refused.append(route.request.url.rsplit("/", 1)[-1])
                route.abort()

        page.route("**/*", answer)
    else:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": RTT * 1000, "downloadThroughput": BITS_PER_SECOND / 8,
            "uploadThroughput": BITS_PER_SECOND / 8})
    page.goto(url, wait_until="commit")
    page.wait_for_function(TAPPABLE, polling=10)
    seconds = page.evaluate("performance.now()") / 1000
    context.close()
    return seconds, refused


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        files = [p for p in build_site(out, "http://127.0.0.1:9") if p.parent.name != "en"]
        sizes = {p.name: len(gzip.compress(p.read_bytes(), 9)) for p in files}
        total = sum(sizes.values())
        page_bytes = next(size for name, size in sizes.items() if name == "index.html")
        html = (out / "index.html").read_text(encoding="utf-8")
        # The page as it was: the same HTML with a <link> to the stylesheet instead of the stylesheet.
        linked = html.replace(f"<style>{inline_css()}</style>", LINKED)
        before = [len(gzip.compress(linked.encode(), 9)), len(gzip.compress(inline_css().encode(), 9))]
        print(f"page, gzip: {total} bytes = {total / 1024:.1f} KB (goal <= 14 KB): {sizes}")

        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/AbCdEfGhIjKl/"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            _, refused = tappable_in_chromium(browser, url, only_the_document=True)
            emulated = [tappable_in_chromium(browser, url, only_the_document=False)[0] for _ in range(RUNS)]
            browser.close()
        server.shutdown()

    print(f"first paint needs: the document alone (tappable in Chromium with {', '.join(refused) or 'nothing'} "
          "refused)")
    print(f"model, {RTT * 1000:.0f} ms RTT, {BITS_PER_SECOND // 1000} kbit/s, TCP + TLS 1.3 set-up, "
          f"{CERTIFICATES} B of certificates: tappable after {model([page_bytes]):.2f} s (goal <= 1.5 s); "
          f"with the stylesheet as a second request, as before: {model(before):.2f} s")
    median = statistics.median(emulated)
    print(f"Chromium, slow 3G emulated ({RTT * 1000:.0f} ms per request, {BITS_PER_SECOND // 1000} kbit/s): tappable "
          f"after median {median:.2f} s (min {min(emulated):.2f}, max {max(emulated):.2f}, {RUNS} runs); "
          f"with the two set-up round trips it does not emulate: {median + 2 * RTT + transfer(CERTIFICATES):.2f} s")


if __name__ == "__main__":
    main()
