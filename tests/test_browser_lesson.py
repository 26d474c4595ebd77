"""For teachers, in a real browser (headless Chromium via Playwright against `streamlit
run app.py`): the guided lesson (cnnlab/ui/lesson.py), lesson links, drawings in the link
and the A/B comparison."""

from urllib.parse import parse_qs, urlparse

import pytest

from browsertools import wait_for_app
from test_browser import page, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def selected_tab(page) -> str:
    return page.locator("[role='tab'][aria-selected='true']").first.inner_text().strip()


def outlined(page, key: str) -> bool:
    """Whether the element keyed `key` comes on the page with the lesson's orange outline."""
    page.wait_for_function("""(key) => { const e = document.querySelector('.st-key-' + key);
        return !!e && getComputedStyle(e).outlineStyle === 'solid' && getComputedStyle(e).outlineWidth === '3px'; }""",
                           arg=key, timeout=30000)
    return True


# step -> (title shown, the tab it opens, an element outlined, a text the step's state shows, Max Epoch)
BLOG_STEPS = [
    ('An MNIST "4"', "Maps", "chart-input", "MNIST test index 4, label 4", "0"),
    ("Convolution: OutMaps 16, KernelShape 5x5", "Maps", "chart-stage-1", "Convolution → 16 x 24 x 24", "0"),
    ("One output value: the post's 84", "Learn", "chart-learn-conv-input", "= 84", "0"),
    ('The same sum on the real "4"', "Inspect a pixel", "chart-pick", "map 0, row 14, column 10 =", "0"),
    ("MaxPooling 2x2: 24 x 24 becomes 12 x 12", "Maps", "chart-stage-2", "MaxPooling → 16 x 12 x 12", "0"),
    ("The post's max: 1, 2, 7, 8 gives 8", "Learn", "chart-learn-pool-input", "max(1, 2, 7, 8) = 8", "0"),
    ("Max Epoch 0: random kernels", "Maps", "chart-kernels-1", "Kernels (weights W) → 16 x 1 x 5 x 5", "0"),
    ("Train, then compare", "Trained", "lesson-panel", "Max Epoch 1", "1"),
]


def check_step(page, n: int) -> None:
    title, tab, key, text, epochs = BLOG_STEPS[n]
    page.wait_for_function("(n) => new URLSearchParams(location.search).get('step') === String(n)", arg=n,
                           timeout=30000)
    page.wait_for_function("(t) => { const e = document.querySelector('.st-key-lesson-panel');"
                           " return e && e.innerText.includes(t); }", arg=f"step {n + 1} of {len(BLOG_STEPS)}: {title}",
                           timeout=30000)
    wait_for_app(page)
    page.wait_for_function("(t) => { const e = document.querySelector(\"[role='tab'][aria-selected='true']\");"
                           " return e && e.innerText.trim() === t; }", arg=tab, timeout=30000)
    page.locator(f".st-key-{key}").first.wait_for(state="attached", timeout=30000)
    assert key == "lesson-panel" or outlined(page, key), (n, key)
    page.get_by_text(text, exact=False).first.wait_for(state="attached", timeout=30000)
    page.wait_for_function("(e) => (new URLSearchParams(location.search).get('max_epoch') || '0') === e", arg=epochs,
                           timeout=30000)
    assert query(page)["lesson"] == "blog"


def test_the_blog_lesson_walks_every_step_forward_and_back(page, server):
    page.goto(f"{server}/?lesson=blog")
    wait_for_app(page)
    check_step(page, 0)
    # a step that asks: the explanation only after answering (or "Show me")
    for n in range(1, len(BLOG_STEPS)):
        page.locator(".st-key-lesson-next button").click()
        check_step(page, n)
        if n == 1:
            assert "16 x 24 x 24: the 16 maps" not in page.locator(".st-key-lesson-panel").inner_text()
            page.locator(".st-key-lesson-panel").get_by_text("16 x 24 x 24", exact=True).click()
            page.locator(".st-key-lesson-panel").get_by_text("Right:").wait_for(timeout=30000)
            page.locator(".st-key-lesson-panel").get_by_text("floor((28 + 2*0 - 1*(5 - 1) - 1) / 1) + 1 = 24").first \
                .wait_for(timeout=30000)
    assert page.locator(".st-key-lesson-next button").is_disabled()
    # the last step trains (off the page) and then compares: every layer untrained beside trained
    for key in ("chart-untrained-stage-1", "chart-trained-stage-1", "chart-trained-stage-2"):
        page.locator(f".st-key-{key}").first.wait_for(state="attached", timeout=180000)
    wait_for_app(page)
    assert outlined(page, "chart-trained-stage-1")
    for n in range(len(BLOG_STEPS) - 2, -1, -1):
        page.locator(".st-key-lesson-back button").click()
        check_step(page, n)
    assert page.locator(".st-key-lesson-back button").is_disabled()


def test_a_lesson_link_opens_its_step_and_the_learner_may_change_things_and_come_back(page, server):
    page.goto(f"{server}/?lesson=blog&step=4&lang=ja")
    wait_for_app(page)
    header = page.locator(".st-key-lesson-panel").first.inner_text()
    assert "ステップ 5 / 8" in header and "MaxPooling 2x2" in header
    assert selected_tab(page) == "マップ"
    seed = page.locator(".st-key-seed input")
    seed.fill("7")
    seed.press("Enter")
    page.wait_for_function("() => location.search.includes('seed=7')", timeout=20000)
    wait_for_app(page)
    assert "ステップ 5 / 8" in page.locator(".st-key-lesson-panel").first.inner_text()  # still the same step
    page.locator(".st-key-lesson-again button").first.click()
    page.wait_for_function("() => !location.search.includes('seed=')", timeout=20000)
    wait_for_app(page)
    assert page.locator(".st-key-seed input").input_value() == "0"


NOTE = "**Change only** <b>KernelShape</b> and :red[Strides] $x$ [a](https://example.com)\n2nd line 日本語"


def visible(page, selector: str) -> bool:
    found = page.locator(selector)
    return any(found.nth(i).is_visible() for i in range(found.count()))


def test_a_lesson_link_shows_only_the_chosen_controls_and_the_note_as_plain_text(page, server):
    from urllib.parse import urlencode
    link = urlencode({"note": NOTE, "allow": "kernel_shape.strides", "quiz_kinds": "output_size.pixel",
                      "quiz": "3", "view": "quiz"})
    page.goto(f"{server}/?{link}")
    wait_for_app(page)
    note = page.locator(".st-key-class-note [data-testid='stText']")
    note.wait_for(timeout=30000)
    assert note.inner_text() == NOTE  # no bold, tag, colour, formula or link formed
    assert page.locator(".st-key-class-note a, .st-key-class-note b, .st-key-class-note strong").count() == 0
    for shown in ("edit-0-ConvolutionSpec-kernel_shape-h", "edit-0-ConvolutionSpec-strides-w",
                  "edit-1-PoolingSpec-kernel_shape-h", "edit-1-PoolingSpec-strides-h", "lang"):
        page.locator(f".st-key-{shown}").first.wait_for(state="visible", timeout=30000)
    for hidden in ("edit-0-ConvolutionSpec-out_maps", "net", "pick", "digit", "seed", "seed-new", "presets",
                   "add-layer", "up-0", "del-0", "edit-0-ConvolutionSpec-border_mode", "more-0-ConvolutionSpec"):
        page.locator(f".st-key-{hidden}").first.wait_for(state="hidden", timeout=30000)  # on the page, not shown
        assert page.locator(f".st-key-{hidden}").count() and not visible(page, f".st-key-{hidden}"), hidden
    sidebar = page.locator("[data-testid='stSidebarUserContent']")
    labels = [t.strip() for t in sidebar.locator("[data-testid='stWidgetLabel']:visible").all_inner_texts()]
    assert labels and all(t.startswith(("KernelShape", "Strides", "Language")) for t in labels), labels
    # the chosen questions only
    radios = page.locator("[class*='st-key-quiz-output_size-'], [class*='st-key-quiz-pixel-']")
    assert radios.count() == 2
    assert page.locator("[class*='st-key-quiz-edge-']").count() == 0
    # a control the class may change still works: Strides 2 halves the maps
    slider = page.locator(".st-key-edit-0-ConvolutionSpec-strides-h input[type='range']").first
    slider.focus()
    slider.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('net') === 'conv-16-5x5-s2x1_max-2x2'",
                           timeout=30000)


def test_a_drawn_digit_s_link_reproduces_its_28x28_exactly_in_a_fresh_browser(page, server):
    import numpy as np
    from browsertools import FINGERPRINT_JS, MAPS_TAB_CHARTS, draw_stroke
    from test_browser import STROKES_JS, VALUES_JS, reference_digit
    page.goto(f"{server}/?pick=draw")
    wait_for_app(page, MAPS_TAB_CHARTS)
    before = page.evaluate(FINGERPRINT_JS, "chart-stage-1")
    for path in ([(90, 60), (190, 60), (120, 230)], [(100, 150), (180, 150)]):  # a "7" with a bar: two strokes
        draw_stroke(page, path, steps=15)
        page.wait_for_timeout(300)
    page.wait_for_function("() => new URLSearchParams(location.search).has('ink')", timeout=30000)
    page.wait_for_function(f"(b) => {{ const f = ({FINGERPRINT_JS})('chart-stage-1'); return f !== null && f !== b; }}",
                           arg=before, timeout=30000)
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.wait_for_function("() => new URLSearchParams(location.search).get('ink').length > 20", timeout=30000)
    strokes = page.evaluate(STROKES_JS)
    assert len(strokes) == 2
    drawn = np.array(page.evaluate(VALUES_JS, "chart-input"), dtype=np.float32).reshape(28, 28)
    np.testing.assert_allclose(drawn, reference_digit(strokes), atol=1e-4)  # the pad's own strokes
    link = page.url
    assert len(link) < 4200
    context = page.context.browser.new_context(viewport={"width": 1400, "height": 1600})  # fresh: no session, no pad
    fresh = context.new_page()
    fresh.goto(link)
    wait_for_app(fresh, MAPS_TAB_CHARTS)
    again = np.array(fresh.evaluate(VALUES_JS, "chart-input"), dtype=np.float32).reshape(28, 28)
    assert fresh.evaluate(STROKES_JS) == strokes  # the pad shows the same strokes
    assert fresh.locator("[data-testid='stAlert']").count() == 0
    context.close()
    np.testing.assert_array_equal(again, drawn)
    assert again.max() == 1.0


def test_the_a_b_view_shows_two_mosaics_and_their_difference(page, server):
    import numpy as np
    from browsertools import Z_SHAPE_JS
    from test_browser import VALUES_JS

    page.goto(f"{server}/?view=compare&net_b=conv-16-5x5-iClassicFilters_max-2x2&ab_layer=2")
    keys = ("chart-ab-A", "chart-ab-B", "chart-ab-diff")
    wait_for_app(page, keys)
    assert selected_tab(page) == "Compare"
    shapes = [page.evaluate(Z_SHAPE_JS, key) for key in keys]
    assert shapes[0] == shapes[1] == shapes[2] and shapes[0][0] * shapes[0][1] >= 16 * 12 * 12  # 16 maps of 12 x 12
    a, b, d = (np.array(page.evaluate(VALUES_JS, key), dtype=np.float32) for key in keys)
    cells = ~np.isnan(a)
    np.testing.assert_allclose(d[cells], a[cells] - b[cells], atol=1e-6)
    assert np.abs(d[cells]).max() > 0
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "A: MaxPooling (layer 2) → 16 x 12 x 12" in text and "B: MaxPooling (layer 2) → 16 x 12 x 12" in text
    # B's network typed anew: its maps follow, and the link keeps it
    box = page.locator(".st-key-net_b input")
    box.fill("conv-16-3x3-s2x2_max-2x2")
    box.press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('net_b') === 'conv-16-3x3-s2x2_max-2x2'",
                           timeout=30000)
    page.get_by_text("B: MaxPooling (layer 2) → 16 x 6 x 6").wait_for(timeout=30000)
    page.get_by_text("The shapes differ (16 x 12 x 12 and 16 x 6 x 6)").wait_for(timeout=30000)
