"""The network editor (cnnlab/ui/network.py) in a real browser: headless Chromium driven
by Playwright against `streamlit run app.py`. Checked failing on f3f85dd: opening "More
settings" after a rerun rewrote the layer (WithBias off, multiplier 0, IgnoreBorder off);
a moved layer's settings closed."""

from urllib.parse import parse_qs, urlparse

import pytest

from browsertools import FIND_HEATMAP_JS, MAPS_TAB_CHARTS, wait_for_app
from test_browser import page, server  # noqa: F401 (fixtures)
from cnnlab.presets import parse_stack

pytestmark = pytest.mark.browser

# Every kind with settings under "More settings" (Convolution, DepthwiseConvolution,
# Deconvolution, the three poolings, AveragePooling with Padding) and one activation.
EVERY_KIND = "conv-4-3x3_dwconv-3x3_deconv-4-3x3_max-2x2_avg-2x2-p1x1_sum-2x2_leaky"


def net_of(page) -> str:
    return parse_qs(urlparse(page.url).query).get("net", ["conv-16-5x5_max-2x2"])[0]


def seed_of(page) -> int:
    return int(parse_qs(urlparse(page.url).query).get("seed", ["0"])[0])


def new_random_weights(page) -> None:
    before = seed_of(page)
    page.get_by_role("button", name="New random weights").click()
    page.wait_for_function("(s) => location.search.includes('seed=' + s)", arg=before + 1, timeout=20000)
    wait_for_app(page)


def open_every_layer_and_popover(page, net: str) -> None:
    """Open every layer's expander and every "More settings" popover once (mounting every
    control of every layer in the browser), closing each popover again."""
    for n, spec in enumerate(parse_stack(net)):
        name = f"{n}-{type(spec).__name__}"
        expander = page.locator(f".st-key-layer-{name} summary")
        if page.locator(f".st-key-layer-{name} details").get_attribute("open") is None:
            expander.click()  # a closed layer builds its controls when opened: one rerun
            page.locator(f".st-key-up-{n}").first.wait_for(state="attached", timeout=20000)
            wait_for_app(page)
        more = page.locator(f".st-key-more-{name} button").first
        if more.count():
            wait_for_app(page)
            more.click()  # built when opened: one rerun
            # the open popover's controls (a closed popover's body may stay in the page, hidden)
            page.locator("[data-testid='stPopoverBody']:visible [data-testid='stWidgetLabel']").first.wait_for(
                state="visible", timeout=30000)
            wait_for_app(page)
            page.wait_for_timeout(150)  # every control in it mounted
            page.keyboard.press("Escape")
            page.locator("[data-testid='stPopoverBody']:visible").first.wait_for(state="detached", timeout=10000)
            wait_for_app(page)


def kernels_vary(page) -> bool:
    return page.evaluate(f"""() => {{ const v = ({FIND_HEATMAP_JS})('chart-kernels-1').__values;
        let lo = Infinity, hi = -Infinity; for (const x of v) if (x === x) {{ lo = Math.min(lo, x); hi = Math.max(hi, x); }}
        return hi > lo; }}""")


def test_opening_more_settings_after_reruns_never_changes_a_layer(page, server):
    page.goto(f"{server}/?net={EVERY_KIND}")
    wait_for_app(page, MAPS_TAB_CHARTS)
    new_random_weights(page)  # a rerun before the controls are first mounted
    open_every_layer_and_popover(page, EVERY_KIND)
    new_random_weights(page)
    assert net_of(page) == EVERY_KIND
    assert kernels_vary(page)

    page.get_by_role("combobox", name="Add a layer").click()  # Add, then open everything again
    page.get_by_role("option", name="ReLU (relu)").click()
    page.wait_for_function("() => location.search.includes('_leaky_relu')", timeout=20000)
    wait_for_app(page)
    grown = EVERY_KIND + "_relu"
    open_every_layer_and_popover(page, grown)
    new_random_weights(page)
    assert net_of(page) == grown

    page.locator(".st-key-down-0 button").first.click()  # a move, then open everything again
    moved = "dwconv-3x3_conv-4-3x3_deconv-4-3x3_max-2x2_avg-2x2-p1x1_sum-2x2_leaky_relu"
    page.wait_for_function("(net) => location.search.includes('net=' + net)", arg=moved, timeout=20000)
    wait_for_app(page)
    open_every_layer_and_popover(page, moved)
    new_random_weights(page)
    assert net_of(page) == moved
    assert kernels_vary(page)


def moved_to(page, net: str, layer: str, focused: str) -> None:
    """After a move: the link holds `net`, the moved layer's settings (expander key `layer`)
    are open, and the keyboard focus is on the button keyed `focused`."""
    page.wait_for_function("(net) => location.search.includes('net=' + net)", arg=net, timeout=20000)
    wait_for_app(page)
    assert page.locator(f".st-key-{layer} details").get_attribute("open") is not None
    page.wait_for_function("(key) => document.activeElement && document.activeElement.closest('.st-key-' + key)",
                           arg=focused, timeout=10000)


def test_a_moved_layer_stays_open_and_its_arrow_keeps_the_focus(page, server):
    page.goto(f"{server}/?net=conv-16-5x5_relu_max-2x2_conv-8-3x3")
    wait_for_app(page, MAPS_TAB_CHARTS)
    page.locator(".st-key-down-1 button").first.click()  # 2. ReLU moves down
    moved_to(page, "conv-16-5x5_max-2x2_relu_conv-8-3x3", "layer-2-ActivationSpec", "down-2")
    page.keyboard.press("Enter")  # the focused arrow moves it on
    # at the end the down arrow is disabled: the up arrow has the focus
    moved_to(page, "conv-16-5x5_max-2x2_conv-8-3x3_relu", "layer-3-ActivationSpec", "up-3")
