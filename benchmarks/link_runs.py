"""Each of the review's heavy links through the app's script (Streamlit's AppTest, one
fresh session each, nothing cached for it): seconds for the run, and what it shows.
The page-load side is in heavy_links.py.

    python benchmarks/link_runs.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from apptools import new_app  # noqa: E402
from heavy_links import REVIEW_LINKS  # noqa: E402


def main() -> None:
    new_app().run()  # warm up: imports, the MNIST load
    for link in REVIEW_LINKS:
        query = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(link, keep_blank_values=True).items()}
        at = new_app(query)
        t0 = time.perf_counter()
        at.run(timeout=60)
        seconds = time.perf_counter() - t0
        shown = (at.error[0].value if at.error else at.warning[0].value if at.warning else
                 at.info[0].value if at.info else "(maps)")[:70]
        print(f"{seconds:5.2f} s  {'TRACEBACK ' if at.exception else ''}?{link[:58]:58s}  {shown}")


if __name__ == "__main__":
    main()
