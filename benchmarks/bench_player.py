"""Frame rate of the sliding-window player, in a real `streamlit run app.py` and headless
Chromium: the player at its top speed (one output cell a frame) over a 24x24 map (the
blog's Convolution) and over a 252x252 one (a 256x256 photo, the Convolution's 16 maps 5x5),
counting the steps it drew and the time they took.

    python benchmarks/bench_player.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browsertools import FIND_ROOT_JS, launch, streamlit_server, wait_for_app  # noqa: E402

ROOT_JS = "(" + FIND_ROOT_JS + ")('slide-1', 'wp')"
MEASURE_JS = """async (seconds) => {
  const root = """ + ROOT_JS + """;
  root.querySelector('.wp-first').click();
  const speed = root.querySelector('.wp-speed');
  speed.value = '6'; speed.dispatchEvent(new Event('input'));
  const frames0 = +root.dataset.frames, t0 = performance.now(), gaps = [];
  let last = t0;
  root.querySelector('.wp-play').click();
  await new Promise((done) => {
    const watch = (now) => {
      gaps.push(now - last); last = now;
      if (now - t0 < seconds * 1000 && root.__state.playing) requestAnimationFrame(watch); else done();
    };
    requestAnimationFrame(watch);
  });
  if (root.__state.playing) root.querySelector('.wp-play').click();
  const elapsed = (performance.now() - t0) / 1000;
  gaps.sort((a, b) => a - b);
  return {steps: +root.dataset.frames - frames0, seconds: elapsed, p95_gap_ms: gaps[Math.floor(gaps.length * 0.95)]};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with streamlit_server() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for name, query in (("24x24 (blog, layer 1)", "slide=true"),
                            ("252x252 (256x256 photo)", "slide=true&pick=photo&photo=astronaut&photo_color=false")):
            page.goto(f"{url}/?{query}")
            wait_for_app(page, ("chart-stage-1",))
            page.wait_for_function(f"() => {ROOT_JS} !== null", timeout=30000)
            r = page.evaluate(MEASURE_JS, args.seconds)
            print(f"{name}: {r['steps']} steps drawn in {r['seconds']:.2f} s = {r['steps'] / r['seconds']:.1f} "
                  f"frames a second; p95 gap between frames {r['p95_gap_ms']:.1f} ms")
        browser.close()


if __name__ == "__main__":
    main()
