"""Heavy links and amplifying uploads against one real `streamlit run app.py`.

1. The review's links, each in a fresh tab: seconds from navigation until the script
   has finished and the page shows its message, and the server's memory before and
   after.
2. 30 different heavy links (every setting within the widgets' ranges, each network
   at or over the work budget, each with its own seed): the server's memory after
   each, and its peak.
3. Four amplifying uploads at once (16-bit PNG, float TIFF, RGBA PNG and a JPEG, each
   near the decoded-size limit): the server's memory peak and what each tab shows.

    python benchmarks/heavy_links.py [--review-only] [--match TEXT]

--review-only stops after part 1; --match keeps only the review's links containing TEXT.
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browsertools import ALL_DRAWN_JS, CHROMIUM_ARGS, chromium_path, rss_mb, streamlit_process  # noqa: E402
from load import Sampler  # noqa: E402

REVIEW_LINKS = [
    "more=conv-256-15x15-full-d100x100",
    "more=max-5000x5000-keep",
    "more=conv-1-1x1-p3000x3000",
    "more=" + "_".join(["conv-256-15x15-p15x15"] * 11),
    "out_maps=256&kernel_h=15&kernel_w=15&border_mode=full&dilation_h=8&dilation_w=8&max_epoch=10&train_images=20000",
    "more=conv-16-1x1-p600x600&seed=3",
    "seed=inf", "pick=index&index=-inf", "example=1e309", "max_epoch=inf", "train_images=-inf", "insp_map=inf",
    "more=conv-8-3x3-iUniform-minf", "more=max-9007199254740993x1", "more=conv-1-1x1-s99999999999999999999",
    "more=conv-8-3x3-p1000000000000000000000", "more=conv-16-1x1-p99999999999", "more=conv-1-1x1-p20000x20000",
    "out_maps=" + quote("[click here to log in](https://evil.example/login)"), "out_maps=" + quote("![t](http://host/x.png)"),
    "seed=5&seed=7", "seed=1e3", "out_maps=1.5", "insp_layer=5", "digit=" + quote("٣"),
    # the second review (#20): working memory and time of every kind priced
    "pick=photo&photo=astronaut&net=deconv-16-15x15_relu", "net=deconv-1-8x8-s2x2_deconv-256-13x13",
    "net=" + "_".join(["dwconv-15x15-d8x8-full"] * 12), "pick=photo&photo=astronaut&color=true&net=deconv-16-15x15_relu",
]
HEAVY_LINKS = [f"border_mode=explicit&pad_h=15&pad_w=15&kernel_h=15&kernel_w=15&out_maps=256&more=conv-{8 + k}-15x15-p15x15"
               f"&seed={k}" for k in range(15)] + [
    f"out_maps=256&kernel_h=5&kernel_w=5&more=conv-256-5x5-same_conv-{16 + k}-5x5-same&seed={k}" for k in range(15)]
DONE_JS = "() => !!document.querySelector('[data-testid=\"stAlert\"], .st-key-chart-stage-2')"


async def open_link(browser, url: str) -> tuple[float, str]:
    """(seconds until the script finished with its message or maps shown, the first message)."""
    page = await browser.new_page(viewport={"width": 1400, "height": 1600})
    t0 = time.monotonic()
    await page.goto(url)
    await page.wait_for_function(ALL_DRAWN_JS, arg=[["chart-input"], 300], timeout=120_000, polling=25)
    await page.wait_for_function(DONE_JS, timeout=10_000)
    seconds = time.monotonic() - t0 - 0.3  # less the settle time
    alerts = page.locator("[data-testid='stAlert']")
    message = (await alerts.first.inner_text())[:110].replace("\n", " ") if await alerts.count() else "(maps drawn)"
    if await page.locator("[data-testid='stException']").count():
        message = "EXCEPTION SHOWN: " + message
    await page.close()
    return seconds, message


def amplifying_files(folder: Path) -> list[Path]:
    """Small files that decode large, each just under the app's decoded-size limit."""
    files = []
    ramp = (np.arange(5500, dtype=np.uint32) * 11 % 65536).astype(np.uint16)
    files.append(("sixteen.png", Image.fromarray(np.tile(ramp, (5500, 1))), "PNG"))
    files.append(("float.tif", Image.fromarray(np.ones((4000, 4000), dtype=np.float32)), "TIFF"))
    files.append(("rgba.png", Image.new("RGBA", (4000, 4000), (10, 20, 30, 255)), "PNG"))
    files.append(("photo.jpg", Image.new("RGB", (6000, 6000), (200, 200, 200)), "JPEG"))
    paths = []
    for name, img, fmt in files:
        path = folder / name
        buf = io.BytesIO()
        img.save(buf, format=fmt, **({"compression": "tiff_adobe_deflate"} if fmt == "TIFF" else {}))
        path.write_bytes(buf.getvalue())
        paths.append(path)
    return paths


async def upload(browser, url: str, path: Path) -> str:
    page = await browser.new_page(viewport={"width": 1400, "height": 1600})
    await page.goto(f"{url}/?pick=upload")
    await page.wait_for_function(ALL_DRAWN_JS, arg=[["chart-input"], 300], timeout=120_000, polling=25)
    await page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    await page.wait_for_timeout(500)
    await page.wait_for_function(ALL_DRAWN_JS, arg=[["chart-input"], 500], timeout=120_000, polling=25)
    alerts = page.locator("[data-testid='stAlert']")
    shown = (await alerts.first.inner_text())[:90] if await alerts.count() else "accepted, maps drawn"
    await page.close()
    return f"{path.name} ({path.stat().st_size / 1e3:.0f} kB): {shown}"


async def main_async(url: str, pid: int, review_only: bool = False, match: str = "") -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        await open_link(browser, url)  # warm up: imports, the MNIST load
        plain = sorted([(await open_link(browser, f"{url}/?seed={k}"))[0] for k in range(1, 6)])[2]
        print(f"0. an ordinary link (?seed=k, new weights each time) for comparison: {plain:.2f} s (median of 5): "
              "a new tab's page load, connection and first run")
        print("1. the review's links (seconds to the message; server memory before -> after):")
        for link in [link for link in REVIEW_LINKS if match in link]:
            before = rss_mb(pid)
            sampler = Sampler([pid], every=0.02)
            sampler.start()
            seconds, message = await open_link(browser, f"{url}/?{link}")
            sampler.stopped.set()
            print(f"  {seconds:5.2f} s  {before:4.0f} -> {rss_mb(pid):4.0f} MB (peak {max(sampler.samples):4.0f})"
                  f"  ?{link[:60]}\n      {message}")
        if review_only:
            await browser.close()
            return
        print("2. 30 different heavy links (memory after each):")
        sampler = Sampler([pid])
        sampler.start()
        after = []
        for link in HEAVY_LINKS:
            seconds, _ = await open_link(browser, f"{url}/?{link}")
            after.append((rss_mb(pid), seconds))
        sampler.stopped.set()
        print("  " + ", ".join(f"{m:.0f}" for m, _ in after) + " MB")
        print(f"  peak {max(sampler.samples):.0f} MB; slowest link {max(s for _, s in after):.2f} s")
        print("3. four amplifying uploads at once:")
        with tempfile.TemporaryDirectory() as tmp:
            paths = amplifying_files(Path(tmp))
            sampler = Sampler([pid], every=0.05)
            sampler.start()
            before = rss_mb(pid)
            results = await asyncio.gather(*(upload(browser, url, path) for path in paths))
            sampler.stopped.set()
        for r in results:
            print("  ", r)
        print(f"  server memory before {before:.0f} MB, peak {max(sampler.samples):.0f} MB, after {rss_mb(pid):.0f} MB")
        await browser.close()


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--review-only", action="store_true")
    parser.add_argument("--match", default="")
    args = parser.parse_args()
    with streamlit_process() as (url, proc):
        print(f"server memory at start: {rss_mb(proc.pid):.0f} MB")
        asyncio.run(main_async(url, proc.pid, args.review_only, args.match))


if __name__ == "__main__":
    main()
