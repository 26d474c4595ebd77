"""Take the README's screenshots from the running app (headless Chromium, as the browser
tests run it): a digit drawn on the pad, a colour photo through the classic filters
(Sobel x and y among them), and the network overview with the sliding window paused
mid-way. Writes docs/images/*.png.

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
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.goto(f"{url}/?slide=true&insp_row=9&insp_col=6")
        wait_for_app(page, MAPS_TAB_CHARTS)
        page.locator(".st-key-overview").screenshot(path=OUT / "overview.png")
        player = page.locator(".st-key-slide-1")
        player.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        player.screenshot(path=OUT / "sliding-window.png")
        browser.close()
    print(f"wrote {', '.join(str(OUT / n) for n in ('drawn-digit.png', 'photo-classic-filters.png', 'overview.png', 'sliding-window.png'))}")


if __name__ == "__main__":
    main()
