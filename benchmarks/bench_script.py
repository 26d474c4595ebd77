"""Script time per change on the server: how long app.py's own code runs (Streamlit's
script thread, from the first line to the last element) for one control change, at the
defaults and on the colour photo page, measured inside AppTest's script runner (the time
of Streamlit's `exec_func_with_error_handling`, so AppTest's polling is not counted), as
the script thread's CPU time (`time.thread_time`), which another busy process on the
machine barely changes.

Every visitor's script shares one interpreter, so this is what each change costs the
whole class. AppTest runs the whole script (a fragment rerun in the browser runs only
the workspace, so this is an upper bound for workspace controls).

    python benchmarks/bench_script.py [--repeats 40] [--profile]

`--profile` adds where the time goes: the share of Streamlit's own code, cnnlab's, NumPy's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit.runtime.scriptrunner.script_runner as script_runner  # noqa: E402

from apptools import new_app  # noqa: E402

SPENT: list[float] = []
_exec = script_runner.exec_func_with_error_handling


PROFILE: list = []  # a cProfile.Profile to run each script run under (in the script's own thread), if any


def _timed(func, ctx):
    start = time.thread_time()  # this thread's CPU time: what the run costs the interpreter, however busy the machine
    if PROFILE:
        PROFILE[0].enable()
    try:
        return _exec(func, ctx)
    finally:
        if PROFILE:
            PROFILE[0].disable()
        SPENT.append((time.thread_time() - start) * 1000)


script_runner.exec_func_with_error_handling = _timed

PAGES = {
    "defaults (blog network, MNIST 4)": {},
    "colour photo (cat, 3 x 256 x 256)": {"pick": "photo", "photo": "cat", "photo_color": "true"},
}


def measure(query: dict[str, str], repeats: int, cached: bool) -> list[float]:
    """Script ms per change of the seed: `cached` cycles through 4 seeds seen before,
    else every seed is new (the maps are computed)."""
    at = new_app(query).run()
    for seed in range(1, 5):  # warm
        at.number_input(key="seed").set_value(seed).run()
    SPENT.clear()
    for i in range(repeats):
        seed = 1 + i % 4 if cached else 100 + i
        at.number_input(key="seed").set_value(seed).run()
    assert not at.exception, at.exception
    return list(SPENT)


def where_the_time_goes(query: dict[str, str], repeats: int) -> dict[str, float]:
    """The script's own time (cProfile's tottime, so every function counted once) split by
    whose code ran it: Streamlit's, cnnlab's (app.py included), NumPy's, and the rest (the
    standard library and builtins, mostly called by Streamlit); shares of the total, cached
    changes of the seed."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    at = new_app(query).run()
    for seed in range(1, 5):
        at.number_input(key="seed").set_value(seed).run()
    PROFILE.append(profile)
    try:
        for i in range(repeats):
            at.number_input(key="seed").set_value(1 + i % 4).run()
    finally:
        PROFILE.clear()
    shares: dict[str, float] = {}
    for (file, _, _), (_, _, own, _, _) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        who = ("streamlit" if "site-packages/streamlit" in file else
               "cnnlab" if "/cnnlab/" in file or file.endswith("app.py") else
               "numpy" if "site-packages/numpy" in file else "other (stdlib, builtins)")
        shares[who] = shares.get(who, 0.0) + own
    total = sum(shares.values())
    return {who: own / total for who, own in sorted(shares.items(), key=lambda kv: -kv[1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--profile", action="store_true",
                        help="also split the script's time by whose code ran it (Streamlit, cnnlab, NumPy, other)")
    args = parser.parse_args()
    if args.profile:
        for name, query in PAGES.items():
            shares = where_the_time_goes(query, max(10, args.repeats // 2))
            print(f"{name}: " + ", ".join(f"{who} {share:.0%}" for who, share in shares.items()))
    for name, query in PAGES.items():
        for cached in (True, False):
            spent = measure(query, args.repeats, cached)
            q = statistics.quantiles(spent, n=20)
            print(f"{name}, {'cached' if cached else 'new seed'}: script CPU median {statistics.median(spent):.1f} ms, "
                  f"p95 {q[-1]:.1f} ms (n={len(spent)})")


if __name__ == "__main__":
    main()
