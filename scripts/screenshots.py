"""Take the README's screenshots from the running app (headless Chromium, as the browser
tests run it): a digit drawn on the pad, a colour photo through the classic filters
(Sobel x and y among them), the network overview with the sliding window paused
mid-way, and what the trained network responds to (saliency and occlusion of a drawn
digit after Max Epoch 1). Writes docs/images/*.png; `why` takes only the last two,
`teachers` only the "For teachers" ones (the guided lesson at a step that asked, and a
class's lesson link on the Predict tab).

    python scripts/screenshots.py [why | teachers]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browsertools import FIND_PAD_JS, MAPS_TAB_CHARTS, draw_stroke, launch, streamlit_server, wait_for_app  # noqa: E402

OUT = ROOT / "docs" / "images"
SEVEN = [[(70, 60), (210, 60), (120, 240)], [(100, 150), (190, 150)]]  # a crossed 7, in pad pixels


def draw_seven(page, keys: tuple[str, ...] = MAPS_TAB_CHARTS) -> None:
    page.wait_for_function(f"() => {{ const r = ({FIND_PAD_JS})(); return r && r.querySelector('.dp-canvas'); }}",
                           timeout=60000)
    for stroke in SEVEN:
        draw_stroke(page, stroke, steps=15)
        page.wait_for_timeout(800)
        wait_for_app(page, keys)


def why(page, url: str) -> list[str]:
    """The Trained tab's saliency and occlusion of the drawn 7 (the blog network, Max Epoch 1)."""
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(f"{url}/?pick=draw&max_epoch=1&train_images=5000&view=trained")
    page.get_by_text("Nothing is drawn yet").first.wait_for(timeout=60000)
    draw_seven(page, ())
    page.get_by_text("Trained with seed 0, 1 epoch, 5,000 images").wait_for(timeout=180000)
    section = page.locator(".st-key-why")
    wait_for_app(page, ("chart-why-saliency",))
    page.wait_for_timeout(500)
    section.screenshot(path=OUT / "why-saliency.png")
    section.get_by_role("radio", name="Occlusion", exact=True).click()
    wait_for_app(page, ("chart-occlusion", "chart-occlusion-input"))
    page.wait_for_timeout(500)
    section.screenshot(path=OUT / "why-occlusion.png")
    return ["why-saliency.png", "why-occlusion.png"]


CLASS_LINK = ("note=Change+only+KernelShape+and+Strides.+Predict+the+output+size+before+you+look%21"
              "&allow=kernel_shape.strides&quiz_kinds=output_size.multiply_adds&quiz=2&view=quiz")


def teachers(page, url: str) -> list[str]:
    """The guided lesson's second step, answered; a lesson link on the Predict tab, answered."""
    page.set_viewport_size({"width": 1400, "height": 1300})
    page.goto(f"{url}/?lesson=blog&step=1")
    wait_for_app(page, MAPS_TAB_CHARTS)
    panel = page.locator(".st-key-lesson-panel")
    panel.get_by_text("16 x 24 x 24", exact=True).click()
    panel.get_by_text("Right:").wait_for(timeout=30000)
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.wait_for_timeout(500)
    page.screenshot(path=OUT / "lesson.png")
    page.goto(f"{url}/?{CLASS_LINK}")
    wait_for_app(page)
    box = page.locator("[class*='st-key-quiz-box-output_size']")
    box.locator("label").nth(1).click()
    box.get_by_text("How it comes about:").wait_for(timeout=30000)
    wait_for_app(page)
    page.wait_for_timeout(500)
    page.screenshot(path=OUT / "class-link.png")
    return ["lesson.png", "class-link.png"]


def main(only: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1250})
        if only in (["why"], ["teachers"]):
            written = why(page, url) if only == ["why"] else teachers(page, url)
            browser.close()
            print(f"wrote {', '.join(str(OUT / n) for n in written)}")
            return
        page.goto(f"{url}/?pick=draw&net=conv-10-3x3-same-iClassicFilters_max-2x2&columns=5")
        wait_for_app(page, MAPS_TAB_CHARTS)
        draw_seven(page)
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
        written = ["drawn-digit.png", "photo-classic-filters.png", "overview.png", "sliding-window.png", *why(page, url)]
        browser.close()
    print(f"wrote {', '.join(str(OUT / n) for n in written)}")


if __name__ == "__main__":
    main(sys.argv[1:])
