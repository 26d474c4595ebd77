"""App latency: a real `streamlit run app.py` in headless Chromium, and the script on the server.

1. Browser: from a control change (a new weight seed typed + Enter, so every map's
   values change) to the last heatmap repainted, at OutMaps 16 (the blog post's
   defaults), 64 and 256; medians. Also the bytes the server sent per update
   (WebSocket frames), and on the first load (WebSocket frames, plus the bodies of the
   components' script and style files, `/_stcore/bidi-components/...`, fetched over HTTP
   once a page), and a KernelShape slider step (arrow key) at the defaults.
   Beside every figure, Streamlit's floor measured the same way in the same run: a
   trivial app (floor_app.py: a number box and a line echoing it) on a `streamlit run`
   of its own, a new number typed + Enter -> the echo repainted.
   --network DOWN/RTT[/UP] (Mbit/s down / round trip ms / Mbit/s up, 5 by default)
   measures each again over that link: throttle.py's proxy between the browser and the
   servers (Chromium's own emulation, --shaper cdp, leaves WebSocket frames unshaped).
2. Server: one script rerun through Streamlit's AppTest after a control change,
   cached (a setting seen before) and uncached (a new seed each time); and one run
   that trains the LeNet-like preset for one epoch (Max Epoch 1) from the app.

    python benchmarks/bench_app.py [--repeats 9] [--browser-only] [--network 20/40] [--shaper proxy|cdp]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browsertools import FINGERPRINT_JS, MAPS_TAB_CHARTS, launch, streamlit_server, wait_for_app  # noqa: E402
from throttle import Network, Throttle  # noqa: E402

FLOOR_APP = Path(__file__).resolve().parent / "floor_app.py"

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
# floor_app.py's echo reads `n` (then one more frame, so it is painted).
WAIT_ECHO_JS = """(n) => new Promise(resolve => {
  const tick = () => {
    const echo = Array.from(document.querySelectorAll('[data-testid="stMarkdownContainer"]'))
                      .find(e => e.textContent.startsWith('Echo:'));
    if (echo && echo.textContent.trim() === 'Echo: ' + n) {
      requestAnimationFrame(() => resolve(performance.now() - window.__t0));
    } else requestAnimationFrame(tick);
  };
  tick();
})"""
ARM_JS = """() => { window.__t0 = null;
  document.addEventListener('keydown', e => {
    if (['Enter', 'ArrowLeft', 'ArrowRight'].includes(e.key)) window.__t0 = performance.now(); }, {capture: true});
  document.addEventListener('pointerup', () => { window.__t0 = performance.now(); }, {capture: true}); }"""


def measure(url: str, change, repeats: int, charts: list[str] = CHARTS, floor: bool = False,
            cdp: Network | None = None) -> tuple[list[float], list[int], dict]:
    """Per update: ms from change(page, i)'s key press (or pointer release) to every heatmap
    in `charts` (each must change; by default the kernels, convolution and pooling)
    repainted, or with `floor` (floor_app.py at `url`, change = new_seed) to its echo of
    the new number repainted; and the bytes received. The first update warms up. `cdp`:
    the page under Chromium's network emulation (HTTP only: WebSocket frames go unshaped).
    Also the first load: {"websocket": bytes of its WebSocket frames, "assets": bytes of
    the component files fetched over HTTP, "asset_requests": how many,
    "asset_requests_after": how many more the updates made}."""
    from playwright.sync_api import sync_playwright

    keys = () if floor else MAPS_TAB_CHARTS
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        if cdp is not None:
            session = page.context.new_cdp_session(page)
            session.send("Network.enable")
            session.send("Network.emulateNetworkConditions", {
                "offline": False, "latency": cdp.latency,
                "downloadThroughput": cdp.down * 1e6 / 8, "uploadThroughput": cdp.up * 1e6 / 8})
        received: list[int] = []
        assets: list[int] = []
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda frame: received.append(len(frame) if isinstance(frame, (bytes, str)) else 0)))
        page.on("requestfinished", lambda request: assets.append(request.sizes()["responseBodySize"])
                if "/_stcore/bidi-components/" in request.url else None)
        page.goto(url, timeout=120_000)
        wait_for_app(page, keys, timeout_ms=120_000)
        first = {"websocket": sum(received), "assets": sum(assets), "asset_requests": len(assets)}
        page.evaluate(ARM_JS)
        times, sizes = [], []
        for i in range(repeats + 1):
            before = None if floor else page.evaluate(FINGERPRINTS_JS, charts)
            received.clear()
            change(page, i)
            elapsed = page.evaluate(WAIT_ECHO_JS, i + 1) if floor else page.evaluate(WAIT_CHANGED_JS, [charts, before])
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
            wait_for_app(page, keys)
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


@contextmanager
def link(url: str, network: Network | None, shaper: str = "proxy"):
    """Yield (the URL to open, the Network for measure's `cdp`): `url` itself on localhost;
    over `network`, throttle.py's shaped port in front of it (shaper "proxy") or `url` with
    Chromium's emulation (shaper "cdp")."""
    if network is None or shaper == "cdp":
        yield url, network
        return
    parts = urlsplit(url)
    with Throttle(network, parts.port) as port:
        yield parts._replace(netloc=f"127.0.0.1:{port}").geturl(), None


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


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank below; the largest of fewer than 20 values)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(0.95 * len(values)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--browser-only", action="store_true", help="skip the server and training runs")
    parser.add_argument("--network", type=Network.parse, default=None, metavar="DOWN/RTT[/UP]",
                        help="also over a link of DOWN Mbit/s, RTT ms round trip (and UP Mbit/s, 5 by default)")
    parser.add_argument("--shaper", choices=("proxy", "cdp"), default="proxy",
                        help="how --network is applied: throttle.py's TCP proxy (default), or Chromium's "
                             "emulation (which leaves WebSocket frames unshaped)")
    args = parser.parse_args()
    cached, uncached = server_rerun(args.repeats)
    print(f"server rerun at the defaults (AppTest): cached {cached:.0f} ms, uncached {uncached:.0f} ms (median)")
    for images in () if args.browser_only else (10_000, 20_000):
        print(f"1-epoch training from the app, LeNet-like, {images:,} images (incl. test accuracy): "
              f"{in_app_training(images):.1f} s")
    links = [None] + ([args.network] if args.network else [])
    with streamlit_server() as url, streamlit_server(app=FLOOR_APP) as floor_url:
        times, _, _ = measure(url, kernel_step, args.repeats)
        print(f"browser, KernelShape slider step -> last heatmap repainted, defaults, localhost: "
              f"median {statistics.median(times):.0f} ms (max {max(times):.0f} ms)")
        names = ["localhost"] + ([f"{args.network} ({args.shaper})"] if args.network else [])
        print("browser, control change (new seed + Enter) -> repainted: median / p95 ms, kB received per update "
              f"(median), {args.repeats} updates each; first load kB (WebSocket + component files)")
        print(f"{'':<24}" + "".join(f"{name:<48}" for name in names))
        targets = [("floor (Streamlit's own)", floor_url, True)] + [
            (f"app, OutMaps {m}", f"{url}/?net=conv-{m}-5x5_max-2x2", False) for m in (16, 64, 256)]
        for label, target, floor in targets:
            cells = []
            for network in links:
                with link(target, network, args.shaper) as (shaped, cdp):
                    times, sizes, first = measure(shaped, new_seed, args.repeats, floor=floor, cdp=cdp)
                cells.append(f"{statistics.median(times):>5.0f} / {p95(times):>5.0f} ms, "
                             f"{statistics.median(sizes) / 1e3:>6.1f} kB; first "
                             f"{first['websocket'] / 1e3:.0f} + {first['assets'] / 1e3:.0f} kB")
            print(f"{label:<24}" + "".join(f"{cell:<48}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
