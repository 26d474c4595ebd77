"""Latency of the new inputs, in a real `streamlit run app.py` and headless Chromium:

1. a stroke drawn on the pad (mouse) -> the input, convolution and pooling heatmaps
   repainted, at the defaults (16 maps 5x5, MaxPooling);
2. a 256x256 colour photo (the astronaut), 16 maps 5x5 + MaxPooling: a control change
   (a new seed typed + Enter) -> repainted; and the bytes received per update.

    python benchmarks/bench_inputs.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_app import CHARTS, measure, new_seed  # noqa: E402
from browsertools import PAD_BOX_JS, streamlit_server  # noqa: E402

def stroke(page, i: int) -> None:
    """One more stroke on the pad: a line in a different place each time."""
    left, top, width, _ = page.evaluate(PAD_BOX_JS)
    x0, y0 = 60 + (i * 37) % 160, 40 + (i * 53) % 120
    page.mouse.move(left + x0 * width / 280, top + y0 * width / 280)
    page.mouse.down()
    page.mouse.move(left + (x0 + 40) * width / 280, top + (y0 + 90) * width / 280, steps=10)
    page.mouse.up()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    with streamlit_server() as url:
        drawn = ["chart-input", "chart-stage-1", "chart-stage-2"]  # the kernels stay as they are
        times, sizes = measure(f"{url}/?pick=draw", stroke, args.repeats, drawn)
        print(f"browser, stroke end -> every heatmap repainted, 16 maps 5x5: median {statistics.median(times):.0f} ms "
              f"(max {max(times):.0f} ms), {statistics.median(sizes) / 1e3:.0f} kB received per update")
        times, sizes = measure(f"{url}/?pick=photo&photo=astronaut", new_seed, args.repeats, CHARTS)
        print(f"browser, 256x256 RGB photo, 16 maps 5x5: control change -> repainted: median "
              f"{statistics.median(times):.0f} ms (max {max(times):.0f} ms), "
              f"{statistics.median(sizes) / 1e3:.0f} kB received per update")


if __name__ == "__main__":
    main()
