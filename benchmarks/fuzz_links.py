"""Fuzzed links through the whole app (Streamlit's AppTest runs the real script): how many
end in a traceback. The same hypothesis strategies as tests/test_reliability.py, with a
larger budget; seeded, so a run can be repeated.

    python benchmarks/fuzz_links.py [--links 5000] [--stacks 2000]

--links: query strings over every URL parameter (hostile numbers, markdown, repeated
keys, non-ASCII digits, huge values, valid values; old links' keys too); --stacks: stack
texts as ?net= (the whole network) and as an old link's ?more=.
Prints the counts, the tracebacks' first lines, and the slowest run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from apptools import new_app  # noqa: E402
from fuzzing import STACKS, queries  # noqa: E402


def fuzz(strategy, n: int, to_query) -> tuple[int, list[str], float]:
    """Run n generated examples through the app; (runs, tracebacks, slowest seconds)."""
    runs, tracebacks, slowest = [0], [], [0.0]

    @settings(max_examples=n, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(example) -> None:
        at = new_app(to_query(example))
        t0 = time.perf_counter()
        at.run(timeout=120)
        slowest[0] = max(slowest[0], time.perf_counter() - t0)
        runs[0] += 1
        if at.exception:
            tracebacks.append(f"{to_query(example)!r}: {at.exception[0].message[:120]}")

    one()
    return runs[0], tracebacks, slowest[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=5000)
    parser.add_argument("--stacks", type=int, default=2000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    for name, strategy, n, to_query in (
        ("links", queries, args.links, lambda q: {k: v if len(v) > 1 else v[0] for k, v in q.items()}),
        ("stack texts (?net=)", STACKS, args.stacks, lambda text: {"net": text}),
        ("stack texts (old ?more=)", STACKS, args.stacks // 4, lambda text: {"more": text}),
    ):
        runs, tracebacks, slowest = fuzz(strategy, n, to_query)
        print(f"{name}: {runs} runs of the app, {len(tracebacks)} tracebacks, slowest run {slowest:.2f} s")
        for t in tracebacks[:10]:
            print("  ", t)
    print(f"in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
