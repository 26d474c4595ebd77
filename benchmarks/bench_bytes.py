"""Bytes on the wire: what the server sends to a browser for the first load and for each
update (a new seed + Enter), counted at the TCP level by throttle.py's proxy (unthrottled)
between headless Chromium and a real `streamlit run app.py`, so WebSocket compression
(per-message deflate) and the HTTP fetches of the component files are included, beside
the WebSocket payloads as the page received them (decompressed).

    python benchmarks/bench_bytes.py [--updates 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browsertools import FINGERPRINT_JS, MAPS_TAB_CHARTS, launch, streamlit_server, wait_for_app  # noqa: E402
from throttle import Network, Throttle  # noqa: E402

PAGES = {
    "defaults (OutMaps 16)": "",
    "OutMaps 64": "?net=conv-64-5x5_max-2x2",
    "OutMaps 256": "?net=conv-256-5x5_max-2x2",
    "colour photo (cat)": "?pick=photo&photo=cat&photo_color=true",
}
UNTHROTTLED = Network(down=10_000, latency=0, up=10_000)


def measure(url: str, query: str, updates: int) -> tuple[int, int, list[int], list[int]]:
    """(first load on the wire, first load as received, per update on the wire, as received).
    The first load leaves out Streamlit's own page and scripts (HTML, /static/: several MB,
    the same for every Streamlit app and cached by the browser after the first visit)."""
    from playwright.sync_api import sync_playwright

    parts = urlsplit(url)
    throttle = Throttle(UNTHROTTLED, parts.port)
    with throttle as port, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        received: list[int] = []
        static: list[int] = []  # Streamlit's own page (index.html, /static/...): the same for any app, then cached
        page.on("requestfinished", lambda r: static.append(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"])
                if "/_stcore/" not in r.url else None)
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda frame: received.append(len(frame) if isinstance(frame, (bytes, str)) else 0)))
        page.goto(f"http://127.0.0.1:{port}/{query}", timeout=120_000)
        wait_for_app(page, MAPS_TAB_CHARTS, timeout_ms=120_000)
        first_wire, first_received = throttle.down.bytes - sum(static), sum(received)
        wire, got = [], []
        for i in range(updates):
            before_wire, received[:] = throttle.down.bytes, []
            before = page.evaluate(FINGERPRINT_JS, "chart-stage-1")
            box = page.locator(".st-key-seed input")
            box.fill(str(i + 1))
            box.press("Enter")
            page.wait_for_function(f"(b) => ({FINGERPRINT_JS})('chart-stage-1') !== b", arg=before, timeout=60_000)
            wait_for_app(page, MAPS_TAB_CHARTS, timeout_ms=120_000)
            wire.append(throttle.down.bytes - before_wire)
            got.append(sum(received))
        browser.close()
    return first_wire, first_received, wire, got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=4)
    args = parser.parse_args()
    print(f"{'page':<24}{'first load: wire / received':<32}{'per update: wire / received (median)'}")
    with streamlit_server() as url:
        for name, query in PAGES.items():
            first_wire, first_got, wire, got = measure(url, query, args.updates)
            print(f"{name:<24}{first_wire / 1e3:>8.0f} / {first_got / 1e3:>6.0f} kB{'':<14}"
                  f"{statistics.median(wire) / 1e3:>8.0f} / {statistics.median(got) / 1e3:>6.0f} kB", flush=True)


if __name__ == "__main__":
    main()
