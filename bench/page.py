"""The rating page's budget: gzip bytes of everything needed to render and tap (goal <= 14 KB), and in
Chromium with emulated slow 3G (400 ms RTT, 400 kbit/s) the time from navigation start to tappable
targets (goal <= 1.5 s). The built site is served from a local static server on 127.0.0.1."""

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

from functions.answers.page import build_site

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
RUNS = 5
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


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        files = [p for p in build_site(out, "http://127.0.0.1:9") if p.parent.name != "en"]
        sizes = {p.name: len(gzip.compress(p.read_bytes(), 9)) for p in files}
        total = sum(sizes.values())
        print(f"page, gzip: {total} bytes = {total / 1024:.1f} KB (goal <= 14 KB): {sizes}")

        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/AbCdEfGhIjKl/"
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for _ in range(RUNS):
                context = browser.new_context(viewport={"width": 360, "height": 640})
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send("Network.emulateNetworkConditions", {
                    "offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
                    "uploadThroughput": 400_000 / 8})
                page.goto(url, wait_until="commit")
                page.wait_for_function(TAPPABLE, polling=10)
                times.append(page.evaluate("performance.now()") / 1000)
                context.close()
            browser.close()
        server.shutdown()
    print(f"slow 3G (400 ms RTT, 400 kbit/s): tappable after median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {RUNS} runs; goal <= 1.5 s)")


if __name__ == "__main__":
    main()
