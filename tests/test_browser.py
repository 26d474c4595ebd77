"""A real browser: headless Chromium (Debian) driven by Playwright against `streamlit run app.py`."""

import os
import re
from pathlib import Path

import pytest

import numpy as np

from browsertools import (CELL_XY_JS, FIND_HEATMAP_JS, FIND_ROOT_JS, FIND_PAD_JS, FINGERPRINT_JS, HEATMAP, MAPS_TAB_CHARTS,
                          PAD_BOX_JS, PAINTED_JS, draw_stroke, Z_SHAPE_JS, _children, chromium_path, launch, streamlit_process,
                          streamlit_server, wait_for_app)
from apptools import allowed_words
from cnnlab.heatmaps import decode as decode_payload
from cnnlab.data import load_mnist
from cnnlab.explain import format_number
from cnnlab.pipeline import run
from cnnlab.layers import BLOG_NETWORK

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def server():
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing on CI: the browser tests must run there")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    with streamlit_server() as url:
        yield url


@pytest.fixture()
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        yield page
        browser.close()


def cell_xy(page, key: str, row: int, col: int) -> tuple[float, float]:
    """Scroll the heatmap into view; the screen position of mosaic cell (row, col)."""
    page.locator(HEATMAP.format(key=key)).scroll_into_view_if_needed()
    return page.evaluate(CELL_XY_JS, [key, row, col])


HOVER_VALUE = r"value (\S+?)(?:click to|tap to|inspected|$)"  # the tip's lines run together in its text


def hover_value(text: str) -> str:
    """The value a hover label writes, as written."""
    return re.search(HOVER_VALUE, text).group(1)


def hover(page, key: str, row: int, col: int) -> str:
    """The hover label's text over mosaic cell (row, col), once it names the value (a large
    mosaic's values are fetched on the first hover; until then the label says "…")."""
    page.mouse.move(*cell_xy(page, key, row, col))
    return tip_text(page, key)


def tip_text(page, key: str) -> str:
    """Heatmap `key`'s hover label, once it names the cell's value."""
    tip = f".st-key-{key} .hm-tip"
    page.wait_for_selector(tip, state="visible", timeout=10000)
    page.wait_for_function(f"() => !({FIND_HEATMAP_JS})('{key}').querySelector('.hm-tip').textContent.includes('…')",
                           timeout=20000)
    return page.locator(tip).text_content()


def test_page_loads_renders_heatmaps_and_hover_shows_the_engine_value(page, server):
    outside = []  # no network at run time: every request stays on the app's own server
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else outside.append(r.url))
    page.goto(server)
    wait_for_app(page, MAPS_TAB_CHARTS)
    assert outside == []
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlert']").count() == 0
    for key in ("chart-input", "chart-kernels-1", "chart-stage-1", "chart-stage-2"):
        assert page.locator(HEATMAP.format(key=key)).count() == 1, key
        assert page.evaluate(Z_SHAPE_JS, key) is not None, key
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "app-default.png", full_page=True)
    # the canvas shows the colours NumPy computed: gray, tinted receptive field, diverging kernels
    for key, cell in (("chart-input", (5, 5)), ("chart-input", (16, 12)), ("chart-kernels-1", (2, 8)),
                      ("chart-stage-1", (30, 60))):
        payload, shown = page.evaluate(PAINTED_JS, [key, *cell])
        assert shown == decode_payload(bytes(payload))[0][cell].tolist(), (key, cell)

    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    for key, stage, cell in (("chart-stage-1", stages[1], (30, 60)), ("chart-stage-2", stages[2], (5, 20))):
        text = hover(page, key, *cell)
        m, i, j, value = re.search(r"map (\d+)\s*row (\d+), column (\d+)\s*" + HOVER_VALUE, text).groups()
        assert value == format_number(stage.output[int(m), int(i), int(j)])  # the page's one number format
    text = hover(page, "chart-input", 10, 14)
    raw = int(re.search(r"raw (\d+) / 255", text).group(1))
    assert raw == load_mnist().images[4][10, 14]


def test_changing_a_control_redraws_the_maps_and_updates_the_url(page, server):
    page.goto(server)
    wait_for_app(page, MAPS_TAB_CHARTS)
    conv = "chart-stage-1"
    page.wait_for_function(f"() => {{ const s = ({Z_SHAPE_JS})('{conv}'); return s && s[0] === 49; }}", timeout=20000)
    assert page.evaluate(Z_SHAPE_JS, conv) == [49, 199]  # 2 rows x 8 maps of 24x24 with gutters
    thumb = page.locator(".st-key-edit-0-ConvolutionSpec-out_maps input[type='range']")
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.get_by_text("Convolution → 19 x 24 x 24").wait_for(timeout=20000)
    page.wait_for_function(f"() => {{ const s = ({Z_SHAPE_JS})('{conv}'); return s && s[0] === 74; }}", timeout=20000)
    page.wait_for_function("() => location.search.includes('net=conv-19-5x5_max-2x2')", timeout=10000)
    # the URL reproduces the view in a fresh page
    fresh = page.context.browser.new_page()
    fresh.goto(page.url)
    wait_for_app(fresh, MAPS_TAB_CHARTS)
    fresh.get_by_text("MaxPooling → 19 x 12 x 12").wait_for(timeout=20000)
    page.screenshot(path=ARTIFACTS / "app-19-maps.png", full_page=True)


def test_tampered_url_shows_a_notice_in_the_browser(page, server):
    page.goto(f"{server}/?out_maps=-3&pooling=Nope")
    wait_for_app(page, MAPS_TAB_CHARTS)
    assert page.locator("[data-testid='stException']").count() == 0
    assert "out_maps=-3" in page.locator("[data-testid='stAlert']").first.text_content()
    assert page.get_by_text("MaxPooling → 16 x 12 x 12").count() == 1
    # a fractional OutMaps: the notice names the value really used, the page uses it, the link is clean
    page.goto(f"{server}/?out_maps=4.5")
    wait_for_app(page, MAPS_TAB_CHARTS)
    notice = page.locator("[data-testid='stAlert']").first.text_content()
    assert "out_maps=4.5" in notice and "(using 16)" in notice
    assert page.get_by_text("Convolution → 16 x 24 x 24").count() == 1
    assert page.evaluate(Z_SHAPE_JS, "chart-stage-1") == [49, 199]  # 16 maps drawn
    page.wait_for_function("() => !location.search.includes('out_maps')", timeout=10000)


def test_clicking_a_pixel_explains_it_and_the_total_equals_the_hover_value(page, server):
    page.goto(server)
    wait_for_app(page)
    page.get_by_role("tab", name="Inspect a pixel").click()
    page.locator(HEATMAP.format(key="chart-pick")).wait_for(timeout=20000)
    wait_for_app(page, ("chart-pick",))
    text = hover(page, "chart-pick", 9, 6)
    row, col, value = re.search(r"row (\d+), column (\d+)\s*" + HOVER_VALUE, text).groups()
    assert (row, col) == ("9", "6")
    page.mouse.click(*cell_xy(page, "chart-pick", 9, 6))
    page.get_by_text("Inspect a pixel: layer 1, map 0, row 9, column 6").wait_for(timeout=20000)  # the sidebar group
    # The sidebar label is drawn early in the rerun; the explanation comes later in the same run.
    page.get_by_text(re.compile(r"map 0, row 9, column 6 = ")).first.wait_for(timeout=20000)
    wait_for_app(page)
    for _ in range(100):  # the rerun may still be drawing the explanation below the title
        total = page.get_by_text("Sum of the products").first.text_content()
        shown = re.search(r"= (\S+)\s*$", total.strip()).group(1)
        if shown == value:
            break
        page.wait_for_timeout(200)
    assert shown == value  # the hover and the total write one value one way
    assert "insp_row=9" in page.url and "insp_col=6" in page.url
    page.screenshot(path=ARTIFACTS / "app-inspector.png", full_page=True)


def test_clicking_a_pixel_of_a_map_inspects_it(page, server):
    page.goto(server)
    wait_for_app(page, MAPS_TAB_CHARTS)
    # pooled map 10 sits in mosaic row 1, column 2 (8 maps a row, 12x12 maps, 1-cell gutters)
    row, col = 13 + 4, 2 * 13 + 7
    text = hover(page, "chart-stage-2", row, col)
    assert "map 10" in text and "row 4, column 7" in text and "click to inspect" in text
    page.mouse.click(*cell_xy(page, "chart-stage-2", row, col))
    page.wait_for_function("() => location.search.includes('insp_layer=2')", timeout=20000)
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.get_by_text("Inspect a pixel: layer 2, map 10, row 4, column 7").wait_for(timeout=20000)
    page.get_by_text("Inspect a pixel: layer 2, map 10, row 4, column 7").click()  # open the group: the controls agree
    assert [page.locator(f".st-key-{k} input").input_value() for k in ("insp_map", "insp_row", "insp_col")] == [
        "10", "4", "7"]
    boxes = page.evaluate(f"() => ({FIND_HEATMAP_JS})('chart-stage-1').__payload.boxes")
    assert boxes == [[25 + 8, 2 * 25 + 14, 25 + 9, 2 * 25 + 15]]  # its 2x2 window on conv map 10


def test_a_workspace_control_keeps_every_other_setting_in_the_url(page, server):
    """The network editor and the seed rerun only the workspace fragment: the controls
    outside it (input, display) must keep their values, on the page and in the URL."""
    query = "digit=5&net=conv-16-5x5_max-2x2_relu&color_scale=diverging&columns=4"
    page.goto(f"{server}/?{query}")
    wait_for_app(page, MAPS_TAB_CHARTS)
    seed_box = page.locator(".st-key-seed input")
    seed_box.fill("7")
    seed_box.press("Enter")
    page.wait_for_function("() => location.search.includes('seed=7')", timeout=20000)
    wait_for_app(page, MAPS_TAB_CHARTS)
    for pair in query.split("&"):
        assert pair in page.url, pair
    assert page.get_by_text("ReLU → 16 x 12 x 12").count() == 1
    assert page.evaluate(Z_SHAPE_JS, "chart-stage-1") == [4 * 25 - 1, 4 * 25 - 1]  # 16 maps, 4 a row
    fresh = page.context.browser.new_page()
    fresh.goto(page.url)
    wait_for_app(fresh, MAPS_TAB_CHARTS)
    kernels = fresh.evaluate(f"() => ({FIND_HEATMAP_JS})('chart-kernels-1').__payload.colorbar.max")
    assert kernels == page.evaluate(f"() => ({FIND_HEATMAP_JS})('chart-kernels-1').__payload.colorbar.max")


def test_tapping_a_heatmap_shows_its_value_on_a_touch_screen(page, server):
    """A phone-like page: touch, narrow, two device pixels per CSS pixel."""
    touch = page.context.browser.new_context(has_touch=True, viewport={"width": 900, "height": 1400},
                                             device_scale_factor=2)
    phone = touch.new_page()
    phone.goto(server)
    wait_for_app(phone, MAPS_TAB_CHARTS)
    x, y = cell_xy(phone, "chart-input", 10, 14)
    phone.touchscreen.tap(x, y)
    text = phone.wait_for_selector(".st-key-chart-input .hm-tip", state="visible", timeout=10000).text_content()
    assert f"raw {load_mnist().images[4][10, 14]} / 255" in text
    payload, shown = phone.evaluate(PAINTED_JS, ["chart-input", 16, 12])  # drawn at the device's resolution
    assert shown == decode_payload(bytes(payload))[0][16, 12].tolist()
    assert phone.evaluate(f"() => ({FIND_HEATMAP_JS})('chart-input').querySelector('canvas').width") == 2 * 28 * 15
    phone.touchscreen.tap(*cell_xy(phone, "chart-stage-1", 3, 3))  # a map one can inspect: the tap inspects
    text = phone.wait_for_selector(".st-key-chart-stage-1 .hm-tip", state="visible", timeout=10000).text_content()
    assert "inspected (boxed)" in text and "tap to inspect" not in text and "click" not in text
    touch.close()


def test_keyboard_moves_over_a_heatmap_and_enter_inspects(page, server):
    page.goto(server)
    wait_for_app(page, MAPS_TAB_CHARTS)
    canvas = page.locator(HEATMAP.format(key="chart-stage-2"))
    canvas.focus()
    tip = ".st-key-chart-stage-2 .hm-tip"
    assert "map 0" in page.text_content(tip) and "row 0, column 0" in page.text_content(tip)
    for _ in range(12):  # past the right edge of map 0: over the gutter into map 1
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert "map 1" in page.text_content(tip) and "row 1, column 0" in page.text_content(tip)
    page.keyboard.press("Enter")
    page.get_by_text("Inspect a pixel: layer 2, map 1, row 1, column 0").wait_for(timeout=20000)


INJECTIONS = {
    "out_maps": "[click here to log in](https://evil.example/login)",
    "kernel_h": "![t](http://evil.example/x.png)",
    "seed": "inf",
    "pooling": ":red[red] :material/home: <img src=http://evil.example/y.png>",
    "more": "conv-8-3x3_![t](http://evil.example/z.png)_[x](https://evil.example)",
    "net": "conv-8-3x3_[x](https://evil.example/net)",
}


def test_hostile_url_values_render_no_link_no_image_and_no_request(page, server):
    from urllib.parse import urlencode

    outside = []
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else outside.append(r.url))
    page.goto(f"{server}/?{urlencode(INJECTIONS)}")
    wait_for_app(page, MAPS_TAB_CHARTS)
    notice = page.locator("[data-testid='stAlert']").first
    text = notice.inner_text()
    for key, value in INJECTIONS.items():
        assert key in text
    assert "[click here to log in](https://evil.example/login)" in text  # shown as typed, literally
    main = page.locator("[data-testid='stMain']")
    assert main.locator("a[href*='evil']").count() == 0 and page.locator("img[src*='evil']").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    assert "evil" not in page.url and "inf" not in page.url.split("?")[-1]  # taken out of the link
    page.wait_for_timeout(500)
    assert outside == []
    page.screenshot(path=str(ARTIFACTS / "hostile-link.png"))


def test_a_deep_layer_is_edited_by_keyboard_three_presses_in_a_row(page, server):
    page.goto(f"{server}/?net=conv-16-5x5_relu_max-2x2_conv-8-3x3_relu_max-2x2")
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.locator("[data-testid='stExpander'] summary").filter(has_text="4. Convolution").click()  # the deep layer
    slider = page.locator(".st-key-edit-3-ConvolutionSpec-out_maps input[type='range']")
    slider.wait_for(state="attached", timeout=20000)
    slider.focus()
    for expected in (9, 10, 11):
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(n) => location.search.includes('_conv-' + n + '-3x3')", arg=expected,
                               timeout=20000)
        wait_for_app(page)
        focused = page.evaluate("() => document.activeElement && document.activeElement.getAttribute('aria-label')")
        assert focused == "OutMaps", f"focus lost after the press that made OutMaps {expected}"
    page.get_by_text("Convolution → 11 x 10 x 10").wait_for(timeout=20000)  # the maps follow the last press


def test_an_old_style_link_opens_the_same_view(page, server):
    page.goto(f"{server}/?out_maps=8&kernel_h=3&kernel_w=3&activation=ReLU&pooling=AveragePooling"
              "&more=conv-4-3x3_relu&seed=7")
    wait_for_app(page, MAPS_TAB_CHARTS)
    text = page.locator("[data-testid='stMain']").inner_text()
    for title in ("Convolution → 8 x 26 x 26", "ReLU → 8 x 26 x 26", "AveragePooling → 8 x 13 x 13",
                  "Convolution → 4 x 11 x 11", "ReLU → 4 x 11 x 11"):
        assert title in text
    assert page.locator("[data-testid='stAlert']").count() == 0
    assert "net=conv-8-3x3_relu_avg-2x2_conv-4-3x3_relu" in page.url and "out_maps" not in page.url


# --- the drawing pad ----------------------------------------------------------------

STROKES_JS = "() => (" + FIND_PAD_JS + ")().__strokes"
VALUES_JS = f"(key) => Array.from(({FIND_HEATMAP_JS})(key).__values)"
PATH = [(140, 40), (140, 240), (200, 200)]  # a "1" with a flag, in pad pixels (the pad is 280 wide)


def reference_digit(strokes) -> np.ndarray:
    """The app's preprocessing, restated here: paint the strokes on a 280x280 pad (pixel
    centres within width/2 of a segment, one pixel of linear falloff), crop to the ink,
    area-average so the longer side is 20, scale to a maximum of 1, and shift by whole
    pixels so the centre of mass sits at the centre of 28x28."""
    ys, xs = np.mgrid[0:280, 0:280] + 0.5
    ink = np.zeros((280, 280))
    for stroke in strokes:
        points = np.clip(np.array(stroke["p"], dtype=float), 0, 280)
        if len(points) == 1:
            points = np.vstack([points, points])
        for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
            dx, dy = x1 - x0, y1 - y0
            t = 0.0 if dx == dy == 0 else np.clip(((xs - x0) * dx + (ys - y0) * dy) / (dx * dx + dy * dy), 0, 1)
            distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
            ink = np.maximum(ink, np.clip(stroke["w"] / 2 + 0.5 - distance, 0, 1))
    rows, cols = np.flatnonzero((ink > 0).any(1)), np.flatnonzero((ink > 0).any(0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = (max(1, min(20, round(n * 20 / max(crop.shape)))) for n in crop.shape)
    sy, sx = crop.shape[0] / h, crop.shape[1] / w
    small = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            total = 0.0
            for r in range(int(i * sy), min(crop.shape[0], int(np.ceil((i + 1) * sy)))):
                for c in range(int(j * sx), min(crop.shape[1], int(np.ceil((j + 1) * sx)))):
                    overlap = (min(r + 1, (i + 1) * sy) - max(r, i * sy)) * (min(c + 1, (j + 1) * sx) - max(c, j * sx))
                    total += crop[r, c] * max(overlap, 0.0)
            small[i, j] = total / (sy * sx)
    small /= small.max()
    cy = (small.sum(1) * np.arange(h)).sum() / small.sum()
    cx = (small.sum(0) * np.arange(w)).sum() / small.sum()
    top, left = int(np.clip(round(14 - cy - 0.5), 0, 28 - h)), int(np.clip(round(14 - cx - 0.5), 0, 28 - w))
    out = np.zeros((28, 28))
    out[top:top + h, left:left + w] = small
    return out


def _near_path(point, path, tolerance=1.5) -> bool:
    p = np.array(point, dtype=float)
    for a, b in zip(np.array(path[:-1], float), np.array(path[1:], float)):
        t = np.clip((p - a) @ (b - a) / ((b - a) @ (b - a)), 0, 1)
        if np.hypot(*(p - (a + t * (b - a)))) <= tolerance:
            return True
    return False


def _drawn_and_checked(page, before: float) -> None:
    """After one stroke along PATH: the pad sent it, every map changed, and the input is
    the reference preprocessing of the strokes the pad holds."""
    page.wait_for_function(f"(b) => {{ const f = ({FINGERPRINT_JS})('chart-stage-1'); return f !== null && f !== b; }}",
                           arg=before, timeout=30000)
    wait_for_app(page, MAPS_TAB_CHARTS)
    strokes = page.evaluate(STROKES_JS)
    assert len(strokes) == 1 and len(strokes[0]["p"]) >= 10
    assert all(_near_path(p, PATH) for p in strokes[0]["p"])
    assert _near_path(strokes[0]["p"][0], PATH[:2], 2) and np.hypot(*np.subtract(strokes[0]["p"][-1], PATH[-1])) < 3
    shown = np.array(page.evaluate(VALUES_JS, "chart-input")).reshape(28, 28)
    np.testing.assert_allclose(shown, reference_digit(strokes), atol=1e-4)
    assert page.locator("[data-testid='stAlert']").count() == 0


def test_a_mouse_stroke_draws_a_digit_and_every_map_follows(page, server):
    page.goto(f"{server}/?pick=draw")
    wait_for_app(page, MAPS_TAB_CHARTS)
    assert "Nothing is drawn yet" in page.locator("[data-testid='stAlert']").first.text_content()
    before = page.evaluate(FINGERPRINT_JS, "chart-stage-1")
    draw_stroke(page, PATH)
    _drawn_and_checked(page, before)
    page.screenshot(path=ARTIFACTS / "app-drawn-digit.png")
    page.locator("[data-testid='stSidebar']").get_by_text("Undo").click()  # back to nothing: the notice again
    page.get_by_text("Nothing is drawn yet").wait_for(timeout=20000)


def test_a_touch_drag_draws_on_a_touch_screen(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1200, "height": 1400}, has_touch=True)
        page = context.new_page()
        page.goto(f"{server}/?pick=draw")
        wait_for_app(page, MAPS_TAB_CHARTS)
        before = page.evaluate(FINGERPRINT_JS, "chart-stage-1")
        left, top, width, height = page.evaluate(PAD_BOX_JS)
        cdp = context.new_cdp_session(page)
        points = []
        for (x0, y0), (x1, y1) in zip(PATH[:-1], PATH[1:]):
            points += [(x0 + (x1 - x0) * k / 12, y0 + (y1 - y0) * k / 12) for k in range(12)]
        points.append(PATH[-1])
        screen = [{"x": left + x * width / 280, "y": top + y * height / 280} for x, y in points]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [screen[0]]})
        for point in screen[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        _drawn_and_checked(page, before)
        browser.close()


def test_an_edited_kernel_cell_survives_a_copied_link_in_a_new_browser(page, server):
    page.goto(f"{server}/?net=conv-8-3x3-iClassicFilters&insp_map=4&insp_row=10&insp_col=12")
    wait_for_app(page)
    page.get_by_role("tab", name="Inspect a pixel").click()
    grid = page.locator(".st-key-kernel-1-4-0 textarea")
    grid.wait_for(timeout=20000)
    assert grid.input_value() == "-1 0 1\n-2 0 2\n-1 0 1"
    grid.fill("-1 0 1\n-2 0 7.5\n-1 0 1")
    grid.press("Control+Enter")
    page.wait_for_function("() => location.search.includes('kernels=1.4.0.1.2%3A7.5')"
                           " || location.search.includes('kernels=1.4.0.1.2:7.5')", timeout=20000)
    image = load_mnist().image(4).astype(np.float64)
    expected = float((image[10:13, 12:15] * np.array([[-1, 0, 1], [-2, 0, 7.5], [-1, 0, 1]])).sum())
    page.get_by_text(re.compile(rf"map 4, row 10, column 12 = {format_number(expected)}")).first.wait_for(timeout=20000)
    link = page.url
    other = page.context.browser.new_context()  # nothing shared with the first page but the link
    fresh = other.new_page()
    fresh.goto(link)
    wait_for_app(fresh)
    fresh.get_by_role("tab", name="Inspect a pixel").click()
    fresh.locator(".st-key-kernel-1-4-0 textarea").wait_for(timeout=20000)
    assert fresh.locator(".st-key-kernel-1-4-0 textarea").input_value() == "-1 0 1\n-2 0 7.5\n-1 0 1"
    fresh.get_by_text(re.compile(rf"map 4, row 10, column 12 = {format_number(expected)}")).first.wait_for(timeout=20000)
    other.close()


def test_a_large_colour_page_hovers_float16_values_right(page, server):
    from cnnlab.data import load_photo
    page.goto(f"{server}/?pick=photo&photo=astronaut")
    wait_for_app(page, MAPS_TAB_CHARTS)
    assert page.evaluate(f"() => ({FIND_HEATMAP_JS})('chart-stage-1').__sent.values_url").startswith("/media/")  # float16, on hover
    stages = run(load_photo("astronaut").astype(np.float32) / 255, BLOG_NETWORK, seed=0)
    for row, col, (m, i, j) in [(30, 60, (0, 30, 60)), (253 + 100, 253 * 3 + 7, (11, 100, 7))]:
        text = hover(page, "chart-stage-1", row, col)
        assert f"map {m}" in text and f"row {i}, column {j}" in text
        shown = hover_value(text)
        assert shown == format_number(stages[1].output[m, i, j])  # float16 sent, the float32 value's digits shown


# --- training off the script ----------------------------------------------------------

def _main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def test_a_seed_change_during_training_never_shows_the_old_result_and_does_not_wait_for_it(page, server):
    page.goto(f"{server}/?net=conv-8-5x5_relu_max-2x2&max_epoch=3&train_images=20000&seed=11")
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.get_by_role("tab", name="Trained").click()
    page.get_by_text(re.compile(r"Training: epoch 1/3, batch [1-9]")).first.wait_for(timeout=60000)
    assert "seed 11, 3 epochs, 20,000 images" in _main_text(page)
    seed_box = page.locator(".st-key-seed input")
    seed_box.fill("12")
    seed_box.press("Enter")
    page.get_by_text(re.compile(r"Training: epoch 1/3.*seed 12, 3 epochs, 20,000 images")).first.wait_for(
        timeout=30000)  # seed 12 runs now: the seed-11 training was cancelled, not waited for
    seen = set()
    for _ in range(1200):  # until seed 12's result, looking at the page all along
        text = _main_text(page)
        assert "Waiting:" not in text  # never queued behind the old training
        assert "Trained with seed 11" not in text and "seed 11," not in text
        if "Trained with seed 12, 3 epochs, 20,000 images" in text:
            break
        seen.add("progress" if "Training: epoch" in text else "other")
        page.wait_for_timeout(100)
    else:
        raise AssertionError("seed 12's training did not finish")
    assert "progress" in seen
    wait_for_app(page, ("chart-curves", "chart-confusion", "chart-prediction"))
    for key in ("chart-curves", "chart-confusion", "chart-per-class"):
        assert page.locator(f".st-key-{key} .js-plotly-plot").count() == 1, key
    page.screenshot(path=ARTIFACTS / "trained-evaluation.png", full_page=True)


def test_cancel_and_the_epoch_scrubber_at_0_showing_exactly_the_untrained_maps(page, server):
    from cnnlab.presets import parse_stack
    page.goto(f"{server}/?net=conv-16-5x5_relu_max-2x2&max_epoch=5&train_images=20000&seed=3")
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.get_by_role("tab", name="Trained").click()
    page.get_by_text(re.compile(r"Training: epoch 1/5")).first.wait_for(timeout=60000)
    page.get_by_role("button", name="Cancel the training").click()
    page.get_by_text("was cancelled").wait_for(timeout=20000)
    page.wait_for_timeout(1500)
    assert "Training: epoch" not in _main_text(page)  # it stays cancelled
    query = "net=conv-4-5x5_relu_max-2x2&max_epoch=1&train_images=1000&seed=5"
    page.goto(f"{server}/?{query}")
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.get_by_role("tab", name="Trained").click()
    page.get_by_text("Trained with seed 5, 1 epoch, 1,000 images").wait_for(timeout=60000)
    for epoch in (0, 1):
        fresh = page.context.browser.new_page(viewport={"width": 1400, "height": 1600})
        fresh.goto(f"{server}/?{query}&show_epoch={epoch}")
        wait_for_app(fresh, MAPS_TAB_CHARTS)
        shown = np.array(fresh.evaluate(VALUES_JS, "chart-stage-1"))
        untrained = run(load_mnist().image(4), parse_stack("conv-4-5x5_relu_max-2x2"), 5)[1].output
        from cnnlab.mosaic import tile
        expected = tile(untrained, 8).z.ravel()
        finite = ~np.isnan(expected)
        if epoch == 0:
            np.testing.assert_array_equal(shown[finite].astype(np.float32), expected[finite])
        else:
            assert not np.allclose(shown[finite], expected[finite])
        fresh.close()


def test_use_under_a_confidently_wrong_test_image_makes_it_the_input_and_the_link_says_so(page, server):
    query = "net=conv-4-5x5_relu_max-2x2&max_epoch=1&train_images=1000&seed=5"  # the test above's training
    page.goto(f"{server}/?{query}&view=trained")
    page.get_by_text("Trained with seed 5, 1 epoch, 1,000 images").wait_for(timeout=90000)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert "MNIST test index 4, label 4" in sidebar.inner_text()
    use = page.locator("[class*='st-key-use-']")
    use.first.wait_for(timeout=20000)
    assert use.count() == 8
    index = int(re.search(r"st-key-use-(\d+)", use.nth(1).get_attribute("class")).group(1))
    use.nth(1).get_by_role("button", name="Use").click()
    label = int(load_mnist().labels[index])
    sidebar.get_by_text(f"MNIST test index {index}, label {label}").wait_for(timeout=20000)
    page.wait_for_url(re.compile(rf"[?&]index={index}(&|$)"), timeout=20000)
    assert "pick=index" in page.url
    assert page.locator(".st-key-index input").input_value() == str(index)
    # the whole page ran again with it: the Trained tab's untrained maps are that image's
    from cnnlab.mosaic import tile
    from cnnlab.presets import parse_stack
    expected = tile(run(load_mnist().image(index), parse_stack("conv-4-5x5_relu_max-2x2"), 5)[1].output, 8).z.ravel()
    finite = ~np.isnan(expected)
    for _ in range(100):
        shown = np.array(page.evaluate(VALUES_JS, "chart-untrained-stage-1"), dtype=np.float32)
        if shown.shape == expected.shape and np.array_equal(shown[finite], expected[finite]):
            break
        page.wait_for_timeout(200)
    else:
        raise AssertionError("the Trained tab does not show the image that Use picked")
    # a second one, while "By index" is already the source (its box bound to the link)
    other = int(re.search(r"st-key-use-(\d+)", use.nth(2).get_attribute("class")).group(1))
    use.nth(2).get_by_role("button", name="Use").click()
    sidebar.get_by_text(f"MNIST test index {other}, label {int(load_mnist().labels[other])}").wait_for(timeout=20000)
    page.wait_for_url(re.compile(rf"[?&]index={other}(&|$)"), timeout=20000)


def test_downloads_are_built_on_click_and_hold_the_page_s_values(page, server):
    import io
    from cnnlab.exports import values_csv
    page.goto(server)
    wait_for_app(page, MAPS_TAB_CHARTS)
    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    page.locator("[data-testid='stPopover']").filter(has_text="Download").nth(1).click()  # the pooling layer's
    with page.expect_download() as info:
        page.get_by_role("button", name="Values as CSV (map, row, column, value)").click()
    assert info.value.suggested_filename == "layer2-MaxPooling.csv"
    assert open(info.value.path()).read() == values_csv(stages[2].output)
    import subprocess
    import sys
    import tempfile
    with tempfile.TemporaryDirectory() as out:  # the command line writes the same file for the same settings
        subprocess.run([sys.executable, "-m", "cnnlab", page.url.split("?", 1)[-1] if "?" in page.url else "",
                        "--out", out], check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1])
        assert open(info.value.path(), "rb").read() == (Path(out) / "layer2-MaxPooling.csv").read_bytes()
    page.keyboard.press("Escape")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the whole network").click()
    with np.load(io.BytesIO(open(info.value.path(), "rb").read())) as npz:
        np.testing.assert_array_equal(npz["stage_1"], stages[1].output)
        assert '"net": "conv-16-5x5_max-2x2"' in str(npz["manifest"])


def test_a_large_mosaic_s_values_come_on_the_first_hover_only_and_name_the_engine_values(page, server):
    """64 maps of 24 x 24 (more than INLINE_VALUE_CELLS cells): the update carries colours
    only; the first hover fetches the values file once, and every label names the engine's value."""
    from cnnlab.layers import ConvolutionSpec, PoolingSpec
    fetched = []
    page.on("requestfinished", lambda r: fetched.append(r.url) if r.url.endswith(".bin") else None)
    page.goto(f"{server}/?net=conv-64-5x5_max-2x2")
    wait_for_app(page, MAPS_TAB_CHARTS)
    key = "chart-stage-1"
    sent = page.evaluate(f"() => {{ const s = ({FIND_HEATMAP_JS})('{key}').__sent; return [s.values_url, 'values' in s]; }}")
    assert sent[0].startswith("/media/") and sent[1] is False
    assert fetched == []  # nothing fetched before a hover
    stages = run(load_mnist().image(4), (ConvolutionSpec(out_maps=64), PoolingSpec()), seed=0)
    for row, col in [(0, 0), (3, 30), (40, 70)]:
        text = hover(page, key, row, col)
        m, i, j, value = re.search(r"map (\d+)\s*row (\d+), column (\d+)\s*" + HOVER_VALUE, text).groups()
        mm, ii, jj = (row // 25) * 8 + col // 25, row % 25, col % 25
        assert (int(m), int(i), int(j)) == (mm, ii, jj)
        assert value == format_number(stages[1].output[mm, ii, jj])
    assert len(fetched) == 1, fetched


def test_a_zoomed_heatmap_still_hovers_and_picks_the_right_cell(page, server):
    page.goto(server)
    wait_for_app(page, MAPS_TAB_CHARTS)
    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    key = "chart-stage-1"
    page.mouse.move(*cell_xy(page, key, 30, 60))
    page.keyboard.down("Control")
    for _ in range(3):
        page.mouse.wheel(0, -120)  # Ctrl + wheel (a trackpad pinch sends the same)
    page.keyboard.up("Control")
    zoom_js = f"() => ({FIND_HEATMAP_JS})('{key}').dataset.zoom"
    zoom = float(page.evaluate(zoom_js))
    assert 4 < zoom < 8
    tip = f".st-key-{key} .hm-tip"
    for row, col in [(31, 62), (28, 57), (30, 60)]:  # around the point zoomed at: on screen, the page not scrolled
        x, y = page.evaluate(CELL_XY_JS, [key, row, col])
        page.mouse.move(x, y)
        text = tip_text(page, key)
        m, i, j, value = re.search(r"map (\d+)\s*row (\d+), column (\d+)\s*" + HOVER_VALUE, text).groups()
        mm, ii, jj = (row // 25) * 8 + col // 25, row % 25, col % 25
        assert (int(m), int(i), int(j)) == (mm, ii, jj)
        assert value == format_number(stages[1].output[mm, ii, jj])
    page.mouse.click(*page.evaluate(CELL_XY_JS, [key, 31, 62]))  # a click picks the zoomed cell
    page.get_by_text("Inspect a pixel: layer 1, map 10, row 6, column 12").wait_for(timeout=20000)
    wait_for_app(page, MAPS_TAB_CHARTS)
    assert float(page.evaluate(zoom_js)) == zoom  # kept over the rerun
    page.mouse.dblclick(*page.evaluate(CELL_XY_JS, [key, 31, 62]))
    assert page.evaluate(zoom_js) == "1"


def test_the_open_tab_and_the_learn_controls_restore_from_a_copied_link(page, server):
    page.goto(server)
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.get_by_role("tab", name="Learn").click()
    page.wait_for_function("() => location.search.includes('view=learn')", timeout=20000)
    thumb = page.locator(".st-key-learn_k input[type='range']")
    thumb.focus()
    page.keyboard.press("ArrowRight")  # KernelShape 3 -> 4
    page.wait_for_function("() => location.search.includes('learn_k=4')", timeout=20000)
    fresh = page.context.browser.new_page()
    fresh.goto(page.url)
    fresh.locator(".st-key-learn_k").wait_for(timeout=30000)  # the Learn tab is open at once
    assert fresh.locator(".st-key-learn_k input[type='range']").input_value() == "4"
    fresh.close()
    page.get_by_role("tab", name="Maps").click()
    page.wait_for_function("() => !location.search.includes('view=')", timeout=20000)


@pytest.fixture()
def phone(server):
    """A phone-sized touch page (390 x 844) showing the app at its defaults."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True).new_page()
        page.goto(server)
        wait_for_app(page, MAPS_TAB_CHARTS)
        yield page
        browser.close()


def boxed(page, key: str, box: list[int], timeout: int = 10000) -> None:
    """Until heatmap `key` draws `box` [top, left, bottom, right]: the URL and the page's text
    change while the script runs, the heatmap repaints when its element arrives, a moment later."""
    page.wait_for_function(f"(box) => ({FIND_HEATMAP_JS})('{key}').__payload.boxes.some("
                           "(b) => b.join() === box.join())", arg=box, timeout=timeout)


def test_on_a_phone_no_colour_bar_is_taller_than_its_mosaic(phone):
    page = phone
    page.wait_for_timeout(300)
    heights = page.evaluate(f"""() => ['chart-input', 'chart-kernels-1', 'chart-stage-1', 'chart-stage-2'].map(k => {{
        const root = ({FIND_HEATMAP_JS})(k);
        return [root.querySelector('.hm-canvas').getBoundingClientRect().height,
                root.querySelector('.hm-bar').getBoundingClientRect().height];
    }})""")
    for mosaic, bar in heights:
        assert bar <= 1.2 * mosaic or bar <= 40, heights
    # the grid takes its columns from the width: 4 maps a row, each at least 64 px wide
    stage = page.evaluate(f"""() => {{ const r = ({FIND_HEATMAP_JS})('chart-stage-1');
        return [+r.dataset.columns, r.querySelector('.hm-canvas').getBoundingClientRect().width]; }}""")
    assert stage[0] == 4 and stage[1] / (4 * 25 - 1) * 24 >= 64, stage
    # a cell of the laid-out-again mosaic still names its own map and value: map 5 is row 1, column 1
    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    page.touchscreen.tap(*cell_xy(page, "chart-stage-1", 25 + 3, 25 + 7))
    text = page.wait_for_selector(".st-key-chart-stage-1 .hm-tip", state="visible", timeout=10000).text_content()
    m, i, j, value = re.search(r"map (\d+)\s*row (\d+), column (\d+)\s*" + HOVER_VALUE, text).groups()
    assert (m, i, j) == ("5", "3", "7")
    assert value == format_number(stages[1].output[5, 3, 7])
    # the tap inspects that pixel, boxed where the phone draws it
    page.wait_for_url(re.compile(r"insp_map=5"), timeout=20000)
    wait_for_app(page, ("chart-stage-1",))
    boxed(page, "chart-stage-1", [25 + 3, 25 + 7, 25 + 3, 25 + 7])


def test_on_a_phone_a_tap_inspects_the_pixel_and_its_label_says_so_not_tap_to_inspect(phone):
    page, key = phone, "chart-stage-1"
    tip = f".st-key-{key} .hm-tip"
    # a finger resting on a cell (no tap: a scroll starts so) offers it
    x, y = cell_xy(page, key, 3, 3)
    page.evaluate(f"""([x, y]) => ({FIND_HEATMAP_JS})('{key}').querySelector('.hm-canvas').dispatchEvent(
        new PointerEvent('pointerdown', {{pointerType: 'touch', clientX: x, clientY: y, bubbles: true}}))""", [x, y])
    text = page.wait_for_selector(tip, state="visible", timeout=10000).text_content()
    assert "row 3, column 3" in text and "tap to inspect" in text
    # one tap inspects it, and its label says so at once and after the page has answered
    page.touchscreen.tap(x, y)
    page.wait_for_function(f"() => ({FIND_HEATMAP_JS})('{key}').querySelector('.hm-tip').textContent"
                           ".includes('inspected (boxed)')", timeout=10000)
    assert "tap to inspect" not in page.locator(tip).text_content()
    page.wait_for_url(re.compile(r"insp_row=3&insp_col=3|insp_col=3.*insp_row=3"), timeout=20000)
    page.get_by_text("Inspected (boxed): Convolution, map 0, row 3, column 3").wait_for(timeout=20000)
    wait_for_app(page, (key,))
    boxed(page, key, [3, 3, 3, 3])
    text = page.locator(tip).text_content()
    assert "row 3, column 3" in text and "inspected (boxed)" in text and "tap to inspect" not in text


def player_state(page, layer: int) -> dict:
    """The sliding-window player's step, window origin and the value it computed."""
    return page.evaluate("""(layer) => {
      const root = (""" + FIND_ROOT_JS + """)('slide-' + layer, 'wp');
      if (!root || root.dataset.step === undefined) return null;
      return {step: +root.dataset.step, window: root.dataset.window.split(',').map(Number), value: +root.dataset.sum,
              frames: +root.dataset.frames, playing: root.__state.playing,
              where: root.querySelector('.wp-where').textContent, sum: root.querySelector('.wp-sum').textContent};
    }""", layer)


def test_the_sliding_window_plays_steps_and_computes_what_numpy_computes(page, server):
    image = load_mnist().image(4).reshape(28, 28).astype(np.float64)
    # the blog's layer 1, from the inspected pixel (14, 10): step forward five times by button
    page.goto(f"{server}/?slide=true")
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.wait_for_function("() => (" + FIND_ROOT_JS + ")('slide-1', 'wp') !== null", timeout=20000)
    assert player_state(page, 1)["step"] == 14 * 24 + 10
    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    weight, bias = stages[1].params["W"], stages[1].params["b"]
    for _ in range(5):
        page.locator(".st-key-slide-1 .wp-next").click()
    state = player_state(page, 1)
    assert state["step"] == 14 * 24 + 15 and state["window"] == [14, 15]
    expected = sum(image[14 + u, 15 + v] * float(weight[0, 0, u, v]) for u in range(5) for v in range(5)) + float(bias[0])
    assert state["value"] == pytest.approx(expected, abs=1e-5)
    assert "Step 352 of 576: output row 14, column 15" in state["where"]

    # play at the top speed, pause, and check the step it stopped on
    page.locator(".st-key-slide-1 .wp-first").click()
    page.locator(".st-key-slide-1 .wp-speed").fill("6")
    page.locator(".st-key-slide-1 .wp-play").click()
    page.wait_for_function("() => { const r = (" + FIND_ROOT_JS + ")('slide-1', 'wp'); return +r.dataset.step >= 40; }",
                           timeout=20000)
    page.locator(".st-key-slide-1 .wp-play").click()
    state = player_state(page, 1)
    assert not state["playing"] and state["step"] >= 40
    i, j = divmod(state["step"], 24)
    assert state["window"] == [i, j]
    expected = sum(image[i + u, j + v] * float(weight[0, 0, u, v]) for u in range(5) for v in range(5)) + float(bias[0])
    assert state["value"] == pytest.approx(expected, abs=1e-5)
    assert state["value"] == pytest.approx(float(stages[1].output[0, i, j]), abs=1e-5)

    # a strided, padded Convolution then a 3x3/2 MaxPooling: the pooling layer's tour, by keyboard
    net = "conv-4-3x3-s2x2-p1x1_max-3x3-s2x2"
    page.goto(f"{server}/?net={net}&slide=true&insp_layer=2&insp_map=1&insp_row=0&insp_col=0")
    wait_for_app(page, ("chart-stage-2",))
    page.wait_for_function("() => (" + FIND_ROOT_JS + ")('slide-2', 'wp') !== null", timeout=20000)
    from cnnlab.presets import parse_stack
    stages = run(load_mnist().image(4), parse_stack(net), seed=0)
    before = stages[1].output[1].astype(np.float64)  # 14 x 14
    page.locator(".st-key-slide-2 .wp-where").click()
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    state = player_state(page, 2)
    out_w = stages[2].output.shape[2]
    i, j = divmod(state["step"], out_w)
    assert state["step"] == 9 and state["window"] == [2 * i, 2 * j]
    window = [before[r, c] for r in range(2 * i, 2 * i + 3) for c in range(2 * j, 2 * j + 3)
              if r < before.shape[0] and c < before.shape[1]]
    assert state["value"] == pytest.approx(max(window), abs=1e-6)
    assert state["value"] == pytest.approx(float(stages[2].output[1, i, j]), abs=1e-6)



@pytest.mark.parametrize("net, grids, line", [
    ("conv-4-3x3_deconv-2-3x3-s2x2", ["input patch", "kernel", "patch x kernel"],
     "The grids show channel 0 of 4.Sum of the products over 4 channels = {sum}+ bias {bias} = {value}"),
    ("conv-4-3x3_unpool-2x2", ["window"], "A copy of the input value = {value}"),
    ("conv-4-3x3_relu", [], "ReLU(x) = max(0, x): x = {x} → {value}"),
    ("conv-4-3x3_affine-10", ["input values", "weights W[:, 0]", "input value x weight"],
     "The grids show input channel 0 of 4.Sum of input value x weight over all 4 channels = {sum}+ bias {bias} = {value}"),
])
def test_the_player_draws_the_grids_and_lines_each_kind_s_step_describes(page, server, net, grids, line):
    """The browser knows no kind: a Deconvolution, an Unpooling and an activation are drawn
    from their steps' descriptions (explain.Step.player), with the map's own values."""
    from cnnlab.presets import parse_stack
    page.goto(f"{server}/?net={net}&slide=true&insp_layer=2")
    wait_for_app(page, ("chart-stage-2",))
    page.wait_for_function("() => (" + FIND_ROOT_JS + ")('slide-2', 'wp') !== null", timeout=20000)
    stages = run(load_mnist().image(4), parse_stack(net), seed=0)
    state = player_state(page, 2)
    i, j = divmod(state["step"], stages[2].output.shape[2])
    captions = page.evaluate("() => [...(" + FIND_ROOT_JS + ")('slide-2', 'wp').querySelectorAll('.wp-grid caption')]"
                             ".map((c) => c.textContent)")
    assert captions == grids
    x, y = stages[1].output[0, i, j], stages[2].output[0, i, j]
    bias = stages[2].params["b"][0] if stages[2].params else 0.0
    expected = line.format(value=format_number(y), x=format_number(x), bias=format_number(bias),
                           sum=format_number(y - bias))
    if "{sum}" in line:  # the sum the browser adds up in float64 may differ from y - b in the last digit
        head, _, tail = expected.partition(format_number(y - bias))
        assert state["sum"].startswith(head) and state["sum"].endswith(tail), state["sum"]
    else:
        assert state["sum"] == expected


def test_clicking_a_layer_in_the_overview_selects_it_for_editing_and_inspecting(page, server):
    page.goto(f"{server}/?net=conv-16-5x5_relu_max-2x2")
    wait_for_app(page, MAPS_TAB_CHARTS)
    pool_kernel = page.locator(".st-key-edit-2-PoolingSpec-kernel_shape-h")
    assert not pool_kernel.is_visible()  # the third layer's settings start closed
    page.locator(".st-key-overview .ov-box[data-layer='3']").click()
    page.wait_for_function("() => (" + FIND_ROOT_JS + ")('overview', 'ov').dataset.selected === '3'", timeout=20000)
    pool_kernel.wait_for(state="visible", timeout=20000)
    page.wait_for_url(re.compile(r"insp_layer=3"), timeout=20000)
    wait_for_app(page, ("chart-stage-3",))
    assert page.get_by_text(re.compile(r"Inspected \(boxed\): MaxPooling, map 0, row 7, column 5")).count() == 1
    assert page.locator(".st-key-overview .ov-selected").get_attribute("data-layer") == "3"


# Every text node the page shows (shadow roots included), but not icon ligatures (":material/...").
VISIBLE_TEXT_JS = """() => {
  const out = [];
  const walk = (n) => {
    if (n.nodeType === 3) { out.push(n.textContent); return; }
    if (n.nodeType !== 1 && n.nodeType !== 11) return;
    if (n.nodeType === 1) {
      if (['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(n.tagName)) return;
      if (!n.checkVisibility({visibilityProperty: true, opacityProperty: true})) return;
      if (n.dataset.testid === 'stIconMaterial' || /Material/.test(getComputedStyle(n).fontFamily)) return;
      if (n.shadowRoot) walk(n.shadowRoot);
    }
    for (const c of n.childNodes) walk(c);
  };
  walk(document.body);
  return out.join('\\n');
}"""


def test_a_japanese_page_shows_no_english_outside_nnc_s_names(page, server):
    allowed = allowed_words()
    found = {}
    for query in ("", "view=inspect", "view=learn", "view=trained", "slide=true&insp_layer=2", "view=quiz",
                  "view=compare&net_b=conv-8-3x3", "lesson=blog&step=1"):
        page.goto(f"{server}/?lang=ja&{query}")
        wait_for_app(page)
        if not query:  # the title on one line at this width (no character left alone on a second)
            assert page.locator("h1").first.evaluate(
                "e => { const s = getComputedStyle(e), pad = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom);"
                " return e.getBoundingClientRect().height - pad < 1.5 * parseFloat(s.lineHeight); }")
        text = page.evaluate(VISIBLE_TEXT_JS)
        assert "入力" in text or "学ぶ" in text, query  # the page was read (a test over no text finds nothing)
        text = text.replace("Skip to main content", "")  # Streamlit's own link for screen readers
        text = text.replace("Language / 言語", "")  # the language switch names itself in both
        text = re.sub(r"\b(conv|max|avg|sum|relu|leaky|tanh|sigmoid|dwconv|deconv)(-[0-9a-z.]+)*\b", "", text)  # stack text
        for word in re.findall(r"[A-Za-z]+", text):
            if word not in allowed and len(word) > 1:  # single letters: H, W, k, "5 x 5"
                found.setdefault(word, query)
    assert found == {}


def test_on_a_phone_the_sidebar_closes_after_a_change_so_the_maps_show(phone):
    page = phone
    sidebar = page.locator("[data-testid='stSidebar']")
    page.locator("[data-testid='stExpandSidebarButton']").click()
    page.wait_for_function("() => document.querySelector(\"[data-testid='stSidebar']\").dataset.collapsed === 'false'")
    page.locator(".st-key-layer-0-ConvolutionSpec summary").click()  # opening a layer's settings: no change
    page.wait_for_timeout(1500)
    assert sidebar.get_attribute("data-collapsed") == "false"
    seed = page.locator(".st-key-seed input")
    seed.fill("7")
    seed.press("Enter")
    page.wait_for_function("() => document.querySelector(\"[data-testid='stSidebar']\").dataset.collapsed === 'true'",
                           timeout=20000)
    page.wait_for_url(re.compile(r"seed=7"), timeout=20000)


def test_the_browser_writes_numbers_as_the_inspector_does(page, server):
    """shared.js's formatNumber (the player's numbers) against cnnlab.explain.format_number."""

    rng = np.random.default_rng(0)
    values = [1234.5, 0.000447, 12.345, -0.0312, 999.7, 1.23e-5, 2500000.5, -0.0, 84.0, 0.5, 999999.0, 9.995e-5]
    # exact ties go to even as Python's do (toExponential and toFixed round them up): 1.12, 10.2, 100, 1e+03
    values += [1.125, -1.125, 1.375, 10.25, 10.75, 100.5, 101.5, 999.5, 0.1125, 2.0 ** -10, 1.0625, 1005.0, 0.00390625]
    values += (rng.standard_normal(1000) * 10.0 ** rng.integers(-8, 9, 1000)).tolist()
    shared = (Path(__file__).resolve().parents[1] / "cnnlab" / "ui" / "assets" / "shared.js").read_text(encoding="utf-8")
    shared = shared.replace("export function ", "function ")  # an ES module's text as a function body
    page.goto(server)
    written = page.evaluate("([src, values]) => new Function('values', src + '; return values.map(formatNumber);')(values)",
                            [shared, values])
    assert written == [format_number(v) for v in values]


def test_the_inspected_value_reads_one_way_in_the_heading_the_sum_line_and_every_hover(page, server):
    """The issue's photo pixel (the heading said 0.881329, the sum line 0.881328): the heading,
    the sum line, the hover of the enlarged map and the hover of the layer's mosaic on the Maps
    tab (a float16 mosaic) write one value one way."""
    page.goto(f"{server}/?pick=photo&view=inspect&insp_map=3&insp_row=100&insp_col=120")
    page.locator(HEATMAP.format(key="chart-pick")).wait_for(timeout=30000)
    wait_for_app(page, ("chart-pick",))
    heading = page.get_by_text(re.compile(r"map 3, row 100, column 120 = ")).first.text_content()
    value = re.search(r"= (\S+)$", heading.strip()).group(1)
    total = page.get_by_text("Sum of the products").first.text_content()
    assert re.search(r"= (\S+)\s*$", total.strip()).group(1) == value
    text = hover(page, "chart-pick", 100, 120)
    assert hover_value(text) == value
    page.get_by_role("tab", name="Maps").click()
    wait_for_app(page, ("chart-stage-1",))
    assert page.evaluate(f"() => ({FIND_HEATMAP_JS})('chart-stage-1').__sent.values_url").startswith("/media/")  # float16, on hover
    rows, cols = page.evaluate(Z_SHAPE_JS, "chart-stage-1")
    h, w = (rows + 1) // 2 - 1, (cols + 1) // 8 - 1  # 16 maps, 8 a row
    text = hover(page, "chart-stage-1", 100, 3 * (w + 1) + 120)
    assert "map 3" in text and "row 100, column 120" in text
    assert hover_value(text) == value
    line = re.compile(rf"Inspected \(boxed\): Convolution, map 3, row 100, column 120 = {re.escape(value)};")
    assert page.get_by_text(line).count() == 1


BAR_JS = """(key) => {
  const root = (""" + FIND_HEATMAP_JS + """)(key);
  return ['.hm-max', '.hm-mid', '.hm-min'].map((q) => (root.querySelector(q) || {textContent: ''}).textContent);
}"""


def test_the_colour_bar_labels_say_what_the_colours_mean(page, server):
    """Diverging colours with per-map normalisation: white is 0 in every map and the bar no
    longer reads 0...1; each scale x normalisation pair labels its bar truly."""
    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    out = stages[1].output
    bound = format_number(np.abs(out).max())
    cases = {("diverging", "map"): ["+its map's max |v|", "0", "-its map's max |v|"],
             ("gray", "map"): ["its map's max", "", "its map's min"],
             ("diverging", "nnc"): ["≥ 1", "0", "≤ -1"], ("gray", "nnc"): ["≥ 1", "", "≤ 0"],
             ("diverging", "layer"): [bound, "0", f"-{bound}"],
             ("gray", "layer"): [format_number(out.max()), "", format_number(out.min())]}
    white = [247, 247, 247, 255]  # the diverging scale's middle stop
    for (scale, how), labels in cases.items():
        page.goto(f"{server}/?color_scale={scale}&normalization={how}")
        wait_for_app(page, MAPS_TAB_CHARTS)
        assert page.evaluate(BAR_JS, "chart-stage-1") == labels, (scale, how)
        if scale == "diverging":
            m, i, j = (int(n) for n in np.argwhere(out == 0)[0])  # a cell of value 0: white, whatever the normalisation
            payload, shown = page.evaluate(PAINTED_JS, ["chart-stage-1", (m // 8) * 25 + i, (m % 8) * 25 + j])
            assert shown == white, (how, shown)
    page.goto(f"{server}/?color_scale=diverging&normalization=map&lang=ja")
    wait_for_app(page, MAPS_TAB_CHARTS)
    assert page.evaluate(BAR_JS, "chart-stage-1") == ["+各マップの最大 |値|", "0", "-各マップの最大 |値|"]
    assert page.get_by_text("色: 白 = 0、それより小さいと青、大きいと赤。各マップをそれぞれの").count() >= 1


BAR_EXTENT_JS = f"""(key) => {{
  const root = ({FIND_HEATMAP_JS})(key), bar = root.querySelector('.hm-bar');
  const host = document.querySelector('.st-key-' + key), next = host.nextElementSibling;
  const parts = [bar, ...bar.querySelectorAll('*')].map((e) => e.getBoundingClientRect());
  return {{ bottom: Math.max(...parts.map((b) => b.bottom)), height: bar.getBoundingClientRect().height,
           canvas: root.querySelector('.hm-canvas').getBoundingClientRect().height,
           next: next ? next.getBoundingClientRect().top : null,
           labels: [root.querySelector('.hm-max').textContent, root.querySelector('.hm-min').textContent] }};
}}"""  # the colour bar's lowest edge (its labels' too), its height, the canvas's, and the top of what follows


def test_a_1x1_map_s_colour_bar_stays_above_the_caption_below_and_a_24x24_map_s_keeps_its_height(page, server):
    """An enlarged 1 x 1 map (GlobalAveragePooling, Affine) is 24 px tall: its colour bar,
    labels and all, ends above the next element (the receptive field's caption), not over it;
    an ordinary 24 x 24 map's bar is as tall as before (its canvas's height, at most 240 px)."""
    for net in ("conv-2-3x3_gap", "conv-2-3x3_affine-10"):
        page.goto(f"{server}/?net={net}&view=inspect&insp_layer=2")
        wait_for_app(page, ("chart-pick",))
        bar = page.evaluate(BAR_EXTENT_JS, "chart-pick")
        assert bar["canvas"] < 40 and all(bar["labels"]), bar
        assert bar["next"] is not None and bar["bottom"] <= bar["next"] + 0.5, (net, bar)
    page.goto(f"{server}/?view=inspect")
    wait_for_app(page, ("chart-pick",))
    bar = page.evaluate(BAR_EXTENT_JS, "chart-pick")
    assert bar["canvas"] > 100 and abs(bar["height"] - min(bar["canvas"], 240)) <= 3, bar
    assert bar["bottom"] <= bar["next"] + 0.5, bar


def test_component_scripts_are_fetched_once_and_never_sent_with_an_update(page, server):
    """Each component's module and style come over HTTP once a page (cnnlab/ui/components.py);
    the WebSocket updates carry no script, and a seed change fetches nothing again."""
    from cnnlab.ui.components import ASSETS, inline_script

    fetched, frames = [], []
    page.on("requestfinished", lambda r: fetched.append((r.url.split("/_stcore/bidi-components/")[1],
                                                         r.response().status))
            if "/_stcore/bidi-components/" in r.url else None)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f if isinstance(f, bytes)
                                                                                   else f.encode())))
    page.goto(server)
    wait_for_app(page, MAPS_TAB_CHARTS)
    names = {name for name, _ in fetched}
    assert {"cnnlab.heatmap/heatmap.js", "cnnlab.heatmap/shared.js", "cnnlab.heatmap/heatmap.css",
            "cnnlab.overview/overview.js", "cnnlab.focus/focus.js", "cnnlab.phone_sidebar/phone.js"} <= names
    assert all(status == 200 for _, status in fetched), fetched
    scripts = [name for name, _ in fetched if name.endswith(".js")]
    assert len(scripts) == len(set(scripts)), sorted(fetched)  # one module fetch a page (ES modules by URL)
    # a style sheet is a <link> per mounted instance, served without max-age: one instance
    # mounting while another's fetch is done may fetch it again (1 kB), never per update
    assert len(fetched) - len(names) <= sum(name.endswith(".css") for name in names) * 3, sorted(fetched)
    assert not any(b"export default function" in f for f in frames)
    first, frames[:] = len(fetched), []
    before = page.evaluate(FINGERPRINT_JS, "chart-stage-1")
    seed_box = page.locator(".st-key-seed input")
    seed_box.fill("7")
    seed_box.press("Enter")
    page.wait_for_function(f"(before) => ({FINGERPRINT_JS})('chart-stage-1') !== before", arg=before, timeout=20000)
    wait_for_app(page, MAPS_TAB_CHARTS)
    assert frames and not any(b"export default function" in f for f in frames)
    assert len(fetched) == first, fetched[first:]
    # were a file not served, the component would be sent inline: each module parses so
    for module in sorted(p.name for p in ASSETS.glob("*.js") if p.name != "shared.js"):
        kind = page.evaluate("""async (src) => {
          const url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));
          return typeof (await import(url)).default; }""", inline_script(module))
        assert kind == "function", module


# --- what the trained network responds to ----------------------------------------------

WHY_VIEWS = {"Saliency": "chart-why-saliency", "Occlusion": "chart-occlusion", "The input a map wants": "chart-ascent"}


def _heat_values(page, key: str) -> np.ndarray:
    """The values heatmap `key` shows, once it is painted and the page has settled."""
    wait_for_app(page, (key,), timeout_ms=60000)
    return np.array(page.evaluate(VALUES_JS, key), dtype=float)


def _why_views(page) -> dict[str, np.ndarray]:
    """Each view's heatmap after clicking it; each is a heatmap of varying values."""
    shown = {}
    for label, key in WHY_VIEWS.items():
        option = page.locator(".st-key-why-view").get_by_role("radio", name=label, exact=True)
        if option.get_attribute("aria-checked") != "true":  # a click on the chosen one would unchoose it
            option.click()
        values = _heat_values(page, key)
        finite = values[~np.isnan(values)]
        assert finite.size == 28 * 28 and np.ptp(finite) > 0, label
        shown[label] = finite
    return shown


def test_after_max_epoch_1_the_views_show_heatmaps_for_the_blog_digit_and_a_drawn_one(page, server):
    query = "max_epoch=1&train_images=1000&seed=23&view=trained"
    page.goto(f"{server}/?{query}")
    page.get_by_text("Trained with seed 23, 1 epoch, 1,000 images").wait_for(timeout=120000)
    blog = _why_views(page)
    page.goto(f"{server}/?pick=draw&{query}")
    page.get_by_text("Nothing is drawn yet").first.wait_for(timeout=60000)
    page.wait_for_function(f"() => {{ const r = ({FIND_PAD_JS})(); return r && r.querySelector('.dp-canvas'); }}",
                           timeout=30000)
    wait_for_app(page)
    draw_stroke(page, PATH)
    page.get_by_text("Trained with seed 23, 1 epoch, 1,000 images").wait_for(timeout=60000)
    strokes = page.evaluate(STROKES_JS)
    for _ in range(100):  # the saliency view's input is the drawing, as the app preprocesses it
        try:
            shown = _heat_values(page, "chart-why-input").reshape(28, 28)
            if np.allclose(shown, reference_digit(strokes), atol=1e-4):
                break
        except Exception:  # not drawn yet, or redrawn meanwhile
            pass
        page.wait_for_timeout(200)
    else:
        raise AssertionError("the Trained tab does not explain the drawn digit")
    drawn = _why_views(page)
    for label in WHY_VIEWS:
        if label != "The input a map wants":  # the same map's wish, whatever the input
            assert not np.allclose(drawn[label], blog[label]), label
    page.locator(".st-key-why").screenshot(path=ARTIFACTS / "why-drawn.png")


def _training_children(server_pid: int) -> list[int]:
    """The server's living training processes."""
    found = []
    for pid in _children(server_pid):
        try:
            if b"cnnlab.training_process" in Path(f"/proc/{pid}/cmdline").read_bytes() and \
                    Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append(pid)
        except OSError:
            continue
    return found


def test_closing_a_tab_gives_its_training_up_within_10_s_and_a_shared_one_goes_on_while_a_tab_wants_it():
    """Two tabs train the same network (one training, shared): closing one keeps it; closing
    the last stops its child within 10 s of the tab's closing (its own server: its children
    are counted)."""
    import time
    from playwright.sync_api import sync_playwright
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    with streamlit_process() as (url, proc), sync_playwright() as p:
        browser = launch(p)
        link = f"{url}/?net=conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2&view=trained&max_epoch=10" \
               f"&train_images=20000&seed=77"
        tabs = []
        for _ in range(2):
            tab = browser.new_page(viewport={"width": 1400, "height": 1600})
            tab.goto(link)
            tab.get_by_text(re.compile(r"Training: epoch 1/10, batch [1-9]")).first.wait_for(timeout=90000)
            tabs.append(tab)
        [child] = _training_children(proc.pid)
        tabs[0].close()
        time.sleep(12)
        assert _training_children(proc.pid) == [child]  # the other tab still wants it: the same child trains on
        assert "Training: epoch" in _main_text(tabs[1])
        closed = time.monotonic()
        tabs[1].close()
        while _training_children(proc.pid):
            assert time.monotonic() - closed < 10, "the closed tab's training still runs"
            time.sleep(0.05)
        print(f"tab closed -> training child gone: {time.monotonic() - closed:.2f} s")
        browser.close()
