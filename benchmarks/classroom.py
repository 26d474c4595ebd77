"""Classroom: a class on one link, served by one `streamlit run app.py` pinned to one core
(as on a small host), load.py's visitors on the other core(s).

--visitors in all (30 by default), each changing a control (a new weight seed + Enter)
every --pause MIN MAX seconds (3-8 by default, spread evenly): one of them trains (the
LeNet-like stack, Max Epoch 1, 20,000 images, in a real Chromium tab, again and again
while time remains), --browsers of them (1 by default) explore in a real Chromium tab
and the rest speak Streamlit's WebSocket protocol without rendering (load.py's protocol
visitors: every change is a full rerun, where a browser reruns only the workspace fragment).
The server and everything it starts (its training child) run on --server-core only
(`taskset -a -cp` on the server's threads right after it starts; later threads and
children inherit it); this process, Playwright and Chromium on the other cores.

    python benchmarks/classroom.py [--visitors 30] [--seconds 60] [--pause 3 8] [--browsers 1] [--no-training]

Prints the errors seen, change -> script finished (median, p95, max) for the protocol
visitors, change -> repainted and the server's answer in it for the browser tab(s), the
server's CPU use over --seconds (cores, its training children apart), its memory (start,
peak until the last training ended; with its training child) and the trainings done, under the load average at the start and end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browsertools import _children, rss_mb, streamlit_process  # noqa: E402
from load import Sampler, p95, run_load  # noqa: E402


def cpu_times(pid: int) -> tuple[float, float]:
    """(seconds of CPU the process itself has used, seconds its children have: those it
    has waited for and those still running, with theirs), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(p: int) -> list[int]:
        with open(f"/proc/{p}/stat") as fh:
            return [int(x) for x in fh.read().rsplit(")", 1)[1].split()[11:15]]

    own = stat(pid)
    children = own[2] + own[3]
    stack = _children(pid)
    while stack:
        child = stack.pop()
        try:
            children += sum(stat(child))
        except OSError:
            continue  # it ended meanwhile (and will be counted once its parent waits for it)
        stack += _children(child)
    return (own[0] + own[1]) / tick, children / tick


def allowed_cpus(pid: int) -> set[str]:
    """The Cpus_allowed_list of every thread of a process."""
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as fh:
                found |= {line.split()[1] for line in fh if line.startswith("Cpus_allowed_list:")}
        except OSError:
            continue
    return found


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):.0f} ms, p95 {p95(values):.0f} ms, max {max(values):.0f} ms"
            if values else "none")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=30, help="visitors in all, one of them training")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pause", type=float, nargs=2, default=(3.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds a visitor waits between changes (spread evenly)")
    parser.add_argument("--browsers", type=int, default=1, help="explorers in a real Chromium tab")
    parser.add_argument("--no-training", action="store_true", help="nobody trains")
    parser.add_argument("--server-core", type=int, default=0, help="the one core the server runs on")
    args = parser.parse_args()
    cores = os.sched_getaffinity(0)
    clients = cores - {args.server_core}
    if args.server_core not in cores or not clients:
        sys.exit(f"needs core {args.server_core} and another one; this process may use {sorted(cores)}")
    os.sched_setaffinity(0, clients)  # Playwright, Chromium and the protocol visitors inherit it
    load_start = os.getloadavg()
    with streamlit_process() as (url, proc):
        subprocess.run(["taskset", "-a", "-cp", str(args.server_core), str(proc.pid)], check=True,
                       stdout=subprocess.DEVNULL)
        pinned = allowed_cpus(proc.pid)
        sampler = Sampler([proc.pid])
        sampler.start()
        start, (own0, children0) = rss_mb(proc.pid), cpu_times(proc.pid)
        at_deadline: list[tuple[float, float]] = []  # the CPU used when the visitors stop changing
        timer = threading.Timer(args.seconds, lambda: at_deadline.append(cpu_times(proc.pid)))
        timer.start()
        protocol: list[float] = []
        latencies, answers, errors, trainings = asyncio.run(run_load(
            url, args.visitors, args.seconds, 0 if args.no_training else 1,
            (int(args.pause[0] * 1000), int(args.pause[1] * 1000)), args.browsers, protocol))
        timer.join()
        (own1, children1), = at_deadline
        sampler.stopped.set()
        peak = max(sampler.samples)
    load_end = os.getloadavg()
    training = "no training" if args.no_training else "one of them training"
    print(f"{args.visitors} visitors x {args.seconds:.0f} s, {training}, a change every {args.pause[0]:g}-"
          f"{args.pause[1]:g} s each; {args.browsers} in Chromium; server on core {args.server_core} "
          f"(its threads allowed: {', '.join(sorted(pinned))}), the visitors on {', '.join(map(str, sorted(clients)))}; "
          f"load average {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end: {len(errors)} errors")
    for e in errors[:20]:
        print("  ", e)
    print(f"change -> script finished, {len(protocol)} changes of the protocol visitors (full reruns): "
          f"{summary(protocol)}")
    print(f"change -> repainted, {len(latencies)} changes in the Chromium tab(s): {summary(latencies)}")
    print(f"  of which the server's answer (its last frame before the repaint): {summary(answers)}")
    print(f"server CPU over the {args.seconds:.0f} s: {(own1 - own0) / args.seconds:.2f} cores on average, its "
          f"training children {(children1 - children0) / args.seconds:.2f} (of the one core)")
    print(f"server memory (with its training child): start {start:.0f} MB, peak {peak:.0f} MB")
    print(f"trainings finished: {len(trainings)}" + (f" ({', '.join(f'{t:.1f} s' for t in trainings)})" if trainings else ""))


if __name__ == "__main__":
    main()
