"""Take the README's screenshots from the running app (headless Chromium, as the browser
tests run it): a digit drawn on the pad, and a colour photo through the classic filters
(Sobel x and y among them). Writes docs/images/*.png.

    python scripts/screenshots.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browsertools import MAPS_TAB_CHARTS, PAD_BOX_JS, launch, streamlit_server, wait_for_app  # noqa: E402

OUT = ROOT / "docs" / "images"
SEVEN = [[(70, 60), (210, 60), (120, 240)], [(100, 150), (190, 150)]]  # a crossed 7, in pad pixels


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1250})
        page.goto(f"{url}/?pick=draw&net=conv-10-3x3-same-iClassicFilters_max-2x2&columns=5")
        wait_for_app(page, MAPS_TAB_CHARTS)
        left, top, width, _ = page.evaluate(PAD_BOX_JS)
        for stroke in SEVEN:
            page.mouse.move(left + stroke[0][0] * width / 280, top + stroke[0][1] * width / 280)
            page.mouse.down()
            for x, y in stroke[1:]:
                page.mouse.move(left + x * width / 280, top + y * width / 280, steps=15)
            page.mouse.up()
            page.wait_for_timeout(800)
            wait_for_app(page, MAPS_TAB_CHARTS)
        page.screenshot(path=OUT / "drawn-digit.png")
        page.set_viewport_size({"width": 1400, "height": 2350})
        page.goto(f"{url}/?pick=photo&photo=cat&net=conv-10-3x3-same-iClassicFilters&columns=6&colorbar=false")
        wait_for_app(page, MAPS_TAB_CHARTS)
        page.wait_for_timeout(500)
        page.screenshot(path=OUT / "photo-classic-filters.png")
        browser.close()
    print(f"wrote {OUT / 'drawn-digit.png'} and {OUT / 'photo-classic-filters.png'}")


if __name__ == "__main__":
    main()
