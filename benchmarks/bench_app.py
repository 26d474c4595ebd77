"""App latency: a real `streamlit run app.py` in headless Chromium, and the script on the server.

1. Browser: from a control change (a new weight seed typed + Enter, so every map's
   values change) to the last heatmap repainted, at OutMaps 16 (the blog post's
   defaults), 64 and 256; medians. Also the bytes the server sent per update
   (WebSocket frames), and on the first load (WebSocket frames, plus the bodies of the
   components' script and style files, `/_stcore/bidi-components/...`, fetched over HTTP
   once a page), and a KernelShape slider step (arrow key) at the defaults.
2. Server: one script rerun through Streamlit's AppTest after a control change,
   cached (a setting seen before) and uncached (a new seed each time); and one run
   that trains the LeNet-like preset for one epoch (Max Epoch 1) from the app.

    python benchmarks/bench_app.py [--repeats 9] [--browser-only]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browsertools import FINGERPRINT_JS, MAPS_TAB_CHARTS, launch, streamlit_server, wait_for_app  # noqa: E402

CHARTS = ["chart-kernels-1", "chart-stage-1", "chart-stage-2"]
FINGERPRINTS_JS = "(keys) => keys.map(" + FINGERPRINT_JS + ")"
WAIT_CHANGED_JS = """([keys, before]) => new Promise(resolve => {
  const fp = """ + FINGERPRINTS_JS + """;
  const tick = () => {
    const now = fp(keys);
    if (now.every((v, i) => v !== null && v !== before[i])) {
      requestAnimationFrame(() => resolve(performance.now() - window.__t0));  // after the paint
    } else requestAnimationFrame(tick);
  };
  tick();
})"""
ARM_JS = """() => { window.__t0 = null;
  document.addEventListener('keydown', e => {
    if (['Enter', 'ArrowLeft', 'ArrowRight'].includes(e.key)) window.__t0 = performance.now(); }, {capture: true});
  document.addEventListener('pointerup', () => { window.__t0 = performance.now(); }, {capture: true}); }"""


def measure(url: str, change, repeats: int, charts: list[str] = CHARTS) -> tuple[list[float], list[int], dict]:
    """Per update: ms from change(page, i)'s key press (or pointer release) to every heatmap
    in `charts` (each must change; by default the kernels, convolution and pooling)
    repainted, and the bytes received; the first update warms up. Also the first load:
    {"websocket": bytes of its WebSocket frames, "assets": bytes of the component files
    fetched over HTTP, "asset_requests": how many, "asset_requests_after": how many more
    the updates made}."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        received: list[int] = []
        assets: list[int] = []
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda frame: received.append(len(frame) if isinstance(frame, (bytes, str)) else 0)))
        page.on("requestfinished", lambda request: assets.append(request.sizes()["responseBodySize"])
                if "/_stcore/bidi-components/" in request.url else None)
        page.goto(url)
        wait_for_app(page, MAPS_TAB_CHARTS)
        first = {"websocket": sum(received), "assets": sum(assets), "asset_requests": len(assets)}
        page.evaluate(ARM_JS)
        times, sizes = [], []
        for i in range(repeats + 1):
            before = page.evaluate(FINGERPRINTS_JS, charts)
            received.clear()
            change(page, i)
            elapsed = page.evaluate(WAIT_CHANGED_JS, [charts, before])
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
            wait_for_app(page, MAPS_TAB_CHARTS)
            if i > 0:
                times.append(elapsed)
                sizes.append(sum(received))
        first["asset_requests_after"] = len(assets) - first["asset_requests"]
        browser.close()
    return times, sizes, first


def new_seed(page, i: int) -> None:
    """A new weight seed typed + Enter: every map's values change."""
    seed_box = page.locator(".st-key-seed input")
    seed_box.fill(str(i + 1))
    seed_box.press("Enter")


def kernel_step(page, i: int) -> None:
    """KernelShape (height) one step by arrow key, 5 <-> 4: every map changes shape."""
    page.locator(".st-key-edit-0-ConvolutionSpec-kernel_shape-h input[type='range']").focus()
    page.keyboard.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")


def server_rerun(repeats: int) -> tuple[float, float]:
    """(median cached ms, median uncached ms) of one AppTest rerun after a seed change."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.run()
    cached, uncached = [], []
    for i in range(repeats):
        at.number_input(key="seed").set_value(1000 + i)
        t0 = time.perf_counter()
        at.run()
        uncached.append(time.perf_counter() - t0)
        at.number_input(key="seed").set_value(0)
        t0 = time.perf_counter()
        at.run()
        cached.append(time.perf_counter() - t0)
    return statistics.median(cached) * 1e3, statistics.median(uncached) * 1e3


def in_app_training(images: int) -> float:
    """Seconds for one AppTest run that trains the LeNet-like preset for 1 epoch."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=300)
    for key, value in {"net": "conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2", "max_epoch": "1",
                       "train_images": str(images)}.items():
        at.query_params[key] = value
    at.session_state["view"] = "Trained"
    t0 = time.perf_counter()
    at.run()
    assert not at.exception
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--browser-only", action="store_true", help="skip the server and training runs")
    args = parser.parse_args()
    cached, uncached = server_rerun(args.repeats)
    print(f"server rerun at the defaults (AppTest): cached {cached:.0f} ms, uncached {uncached:.0f} ms (median)")
    for images in () if args.browser_only else (10_000, 20_000):
        print(f"1-epoch training from the app, LeNet-like, {images:,} images (incl. test accuracy): "
              f"{in_app_training(images):.1f} s")
    with streamlit_server() as url:
        times, _, _ = measure(url, kernel_step, args.repeats)
        print(f"browser, KernelShape slider step -> last heatmap repainted, defaults: "
              f"median {statistics.median(times):.0f} ms (max {max(times):.0f} ms)")
        for out_maps in (16, 64, 256):
            times, sizes, first = measure(f"{url}/?net=conv-{out_maps}-5x5_max-2x2", new_seed, args.repeats)
            print(f"browser, control change -> last heatmap repainted, OutMaps {out_maps:>3}: "
                  f"median {statistics.median(times):.0f} ms (max {max(times):.0f} ms), "
                  f"{statistics.median(sizes) / 1e3:.0f} kB received per update; first load "
                  f"{first['websocket'] / 1e3:.0f} kB (WebSocket) + {first['assets'] / 1e3:.0f} kB in "
                  f"{first['asset_requests']} component files, "
                  f"{first['asset_requests_after']} files fetched again by the updates")


if __name__ == "__main__":
    main()
