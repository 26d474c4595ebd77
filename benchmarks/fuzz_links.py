"""Fuzzed input through the app: how many runs end in an uncaught exception (a traceback
shown, or an error out of the run). The same hypothesis strategies as the reliability
tests (tests/fuzzing.py), with a larger budget; seeded, so a run can be repeated.

    python benchmarks/fuzz_links.py [--links 5000] [--stacks 2000] [--app-stacks 500] [--components 2000]
    python benchmarks/fuzz_links.py --only components      # one section
    python benchmarks/fuzz_links.py --only links --shard 1/3   # a third of the links (run 0/3, 1/3, 2/3 at once)

links: query strings over every URL parameter (hostile numbers, markdown, repeated keys,
non-ASCII digits, huge values, valid values; old links' keys too), each a new visitor of
the whole app (Streamlit's AppTest runs the real script).
stacks: network texts (well formed over every layer kind and option, near and past their
limits, and hostile text) through what the app does with one: the parser, the work
budget, the forward pass of the input and the inspector's work on the deepest pixel.
app-stacks: network texts as ?net= (and an old link's ?more=) through the whole app.
components: JSON state and events sent to each of the app's components (the heatmaps'
picks, the overview's select, the drawing pad's strokes) through Streamlit's own
widget-state intake (tests/apptools.send_component), as a forged websocket message
carries them: hostile texts, any JSON value, and near-valid picks and strokes.
Prints per section the runs, the uncaught exceptions (their first lines), the slowest
run and the process's CPU seconds (timings are noisy on a shared machine).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import functools  # noqa: E402

from streamlit.components.v2 import manifest_scanner  # noqa: E402

from apptools import new_app, open_tab, send_component  # noqa: E402
from fuzzing import COMPONENT_MESSAGES, NETWORKS, STACKS, queries  # noqa: E402

# A server scans the installed packages for component manifests once, at its start; AppTest
# does it for every new AppTest (half of a run's CPU here): once per process, as a server.
manifest_scanner.scan_component_manifests = functools.lru_cache(maxsize=1)(manifest_scanner.scan_component_manifests)


class Tally:
    """Runs, uncaught exceptions (first lines), the slowest run and its input."""

    def __init__(self, name: str) -> None:
        self.name, self.runs, self.failures, self.slowest, self.slowest_input = name, 0, [], 0.0, ""
        self.cpu0 = time.process_time()

    def timed(self, what: str, t0: float) -> None:
        seconds = time.perf_counter() - t0
        self.runs += 1
        if seconds > self.slowest:
            self.slowest, self.slowest_input = seconds, what[:100]
        if self.runs % 250 == 0:
            print(f"  {self.name}: {self.runs} runs, {len(self.failures)} uncaught", flush=True)

    def report(self) -> None:
        print(f"{self.name}: {self.runs} runs, {len(self.failures)} uncaught exceptions, slowest run "
              f"{self.slowest:.2f} s ({self.slowest_input!r}), {time.process_time() - self.cpu0:.0f} CPU-s", flush=True)
        for failure in self.failures[:10]:
            print("   ", failure)


SHARD = (0, 1)  # (this process's shard, shards): example i is run where i % shards == shard


def examples(strategy, n: int, each) -> None:
    """Call each(example) on n seeded examples of `strategy` (this shard's share of them:
    the same seed generates the same examples in every shard)."""
    counter = [0]

    @settings(max_examples=n, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(example) -> None:
        counter[0] += 1
        if (counter[0] - 1) % SHARD[1] == SHARD[0]:
            each(example)

    one()


def app_runs(tally: Tally, strategy, n: int, to_query) -> None:
    """Each example as a new visitor's link through the whole app."""
    def each(example) -> None:
        query = to_query(example)
        t0 = time.perf_counter()
        try:
            at = new_app(query)
            at.run(timeout=120)
        except Exception as err:  # noqa: BLE001 - a run that fails outside the script counts too
            tally.failures.append(f"{query!r}: {type(err).__name__}: {str(err)[:120]}")
            return
        finally:
            tally.timed(repr(query), t0)
        if at.exception:
            tally.failures.append(f"{query!r}: {at.exception[0].message[:120]}")

    examples(strategy, n, each)


def stack_runs(tally: Tally, n: int) -> None:
    """Network texts through the parser, the budget, the forward pass and the inspector."""
    from cnnlab.data import load_mnist, load_photo
    from cnnlab.explain import explain_pixel, receptive_field
    from cnnlab.pipeline import run
    from cnnlab.presets import StackFormatError, parse_stack

    digit = load_mnist().image(4)
    photo = load_photo("astronaut").astype("float32") / 255
    outcome = {"refused": 0, "stopped": 0, "ran": 0}
    peaks: list[tuple[float, str]] = []

    def each(example) -> None:
        text, on_photo, seed = example
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            try:
                specs = parse_stack(text)
            except StackFormatError as err:
                assert str(err)
                outcome["refused"] += 1
                return
            stages = run(photo if on_photo else digit, specs, seed)
            usable = [s for s in stages[1:] if s.error is None]
            outcome["stopped" if stages[-1].error else "ran"] += 1
            if usable:
                last = usable[-1]
                out = tuple(k - 1 for k in last.shape)
                explain_pixel(last.spec, last.params, stages[last.index - 1].output, out)
                receptive_field(specs, [s.output.shape for s in stages[:last.index]], last.index, out)
        except Exception as err:  # noqa: BLE001
            tally.failures.append(f"{text!r} (photo {on_photo}): {type(err).__name__}: {str(err)[:100]}  "
                                  f"{traceback.format_exc().splitlines()[-3].strip()}")
        finally:
            tally.timed(text, t0)
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
            if grown > 0:
                peaks.append((grown, text))

    examples(st.tuples(st.one_of(NETWORKS, NETWORKS, NETWORKS, STACKS), st.booleans(), st.integers(0, 3)), n, each)
    print(f"  stacks: {outcome['refused']} refused by the parser, {outcome['stopped']} stopped at a layer (its "
          f"message), {outcome['ran']} ran whole")
    for grown, text in sorted(peaks, reverse=True)[:3]:
        print(f"  the process's peak memory grew {grown:.0f} MB on {text[:90]!r}")


def component_runs(tally: Tally, n: int) -> None:
    """Messages to each component of a running page, through Streamlit's intake."""
    pages: dict[str, object] = {}
    fresh = [0]

    def page(where: str):
        if where not in pages:
            pages[where] = {"inspect": lambda: open_tab("Inspect a pixel"),
                            "maps": lambda: open_tab("Maps", {"net": "conv-4-3x3_relu_max-2x2"}),
                            "draw": lambda: new_app({"pick": "draw"}).run(timeout=120)}[where]()
        return pages[where]

    def each(message) -> None:
        where, key, event, text = message
        t0 = time.perf_counter()
        label = f"{key} {event or 'state'} {text[:70]!r}"
        try:
            at = page(where)
            try:
                send_component(at, key, text, event)
            except KeyError:  # an earlier message moved the page on (another layer or tab): a fresh one
                pages.pop(where)
                at = page(where)
                send_component(at, key, text, event)
                fresh[0] += 1
        except Exception as err:  # noqa: BLE001
            tally.failures.append(f"{label}: {type(err).__name__}: {str(err)[:120]}")
            pages.pop(where, None)
            return
        finally:
            tally.timed(label, t0)
        if at.exception:
            tally.failures.append(f"{label}: {at.exception[0].message[:120]}")
            pages.pop(where, None)  # a fresh page for the next message

    examples(COMPONENT_MESSAGES, n, each)
    print(f"  components: {fresh[0]} messages went to a fresh page (an earlier one had moved the page on)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=5000)
    parser.add_argument("--stacks", type=int, default=2000)
    parser.add_argument("--app-stacks", type=int, default=500)
    parser.add_argument("--components", type=int, default=2000)
    parser.add_argument("--only", choices=["links", "stacks", "app-stacks", "components"])
    parser.add_argument("--shard", default="0/1", help="K/S: run only examples i with i %% S == K (several "
                                                      "processes share one count: their sums are the figures)")
    args = parser.parse_args()
    global SHARD
    SHARD = tuple(int(k) for k in args.shard.split("/"))  # type: ignore[assignment]
    t0 = time.perf_counter()
    sections = {
        "links": lambda t: app_runs(t, queries, args.links,
                                    lambda q: {k: v if len(v) > 1 else v[0] for k, v in q.items()}),
        "stacks": lambda t: stack_runs(t, args.stacks),
        "app-stacks": lambda t: (app_runs(t, st.one_of(NETWORKS, STACKS), args.app_stacks, lambda text: {"net": text}),
                                 app_runs(t, STACKS, args.app_stacks // 4, lambda text: {"more": text})),
        "components": lambda t: component_runs(t, args.components),
    }
    for name, section in sections.items():
        if args.only in (None, name):
            tally = Tally(name)
            section(tally)
            tally.report()
    print(f"in {time.perf_counter() - t0:.0f} s; peak memory of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
