"""Load: N browser tabs for T seconds against one real `streamlit run app.py`, --trainers
of them training (one by default), with the server's memory sampled.

Each explorer tab types a new weight seed + Enter over and over (every map changes),
waits for the kernels, convolution and pooling heatmaps to repaint, then looks at the
maps for 1-3 s (--pause) as a person would. The browsers share the server's 2 cores
here: the latency includes their own drawing under that contention, and "the server's
answer" (its last WebSocket frame before the repaint, as the page saw it) is printed
beside it, as is the server's own CPU use. The first training tab opens the LeNet-like stack with Max Epoch
1 on all 20,000 training images (the second a 64-map 5x5 convolution near the training
budget's batch memory limit), opens the Trained tab and waits for the result, then
trains again with a new seed while time remains.

    python benchmarks/load.py [--tabs 8] [--seconds 60] [--trainers 1]
    python benchmarks/load.py --url http://127.0.0.1:8080 --pid 123 --pid 124  # replicas behind nginx

With --url it loads a server already running (e.g. scripts/replicas.py's nginx) and measures
the memory and CPU of the processes named by --pid (each with its training child), summed.

Prints the errors seen (exceptions shown on a page, script errors, repaints that never
came), the server's memory (at start, peak, and after every tab has closed), the
explorers' control change -> repaint latency (median, p95, max) and the trainings done.
"""

from __future__ import annotations

import argparse
import re
import asyncio
import os
import statistics
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_app import ARM_JS, CHARTS, FINGERPRINTS_JS, WAIT_CHANGED_JS  # noqa: E402
from browsertools import ALL_DRAWN_JS, CHROMIUM_ARGS, MAPS_TAB_CHARTS, chromium_path, rss_mb, streamlit_process  # noqa: E402

# Every WebSocket frame's arrival time, so a change's latency splits into the server's
# answer (its last frame before the repaint) and the browser's own drawing.
FRAMES_INIT_JS = """(() => {
  window.__frames = [];
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', () => { window.__frames.push(performance.now());
      if (window.__frames.length > 500) window.__frames.splice(0, 250); });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
})();"""
LAST_FRAME_JS = "([t0, t1]) => Math.max(0, ...window.__frames.filter(t => t >= t0 && t <= t1)) - t0"
TRAINING = "max_epoch=1&train_images=20000&net=conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2"
TRAININGS = (TRAINING, "max_epoch=1&train_images=20000&net=conv-64-5x5-same_relu_max-2x2")
"""What the training tabs train, in turn: LeNet-like, then a network near the training budget's batch memory limit."""
TIMEOUT_MS = 120_000


class Sampler(threading.Thread):
    """Samples processes' resident memory (summed) every `every` seconds."""

    def __init__(self, pids: list[int], every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pids, self.every, self.samples = pids, every, []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.samples.append(sum(rss_mb(p) for p in self.pids))
            time.sleep(self.every)


async def drawn(page) -> None:
    await page.wait_for_function(ALL_DRAWN_JS, arg=[list(MAPS_TAB_CHARTS), 400], timeout=TIMEOUT_MS, polling=50)


async def explorer(browser, url: str, k: int, deadline: float, latencies: list, errors: list,
                   answers: list, pause_ms: tuple[int, int]) -> None:
    page = await browser.new_page(viewport={"width": 1400, "height": 1600})
    await page.add_init_script(FRAMES_INIT_JS)
    page.on("pageerror", lambda e: errors.append(f"tab {k}: script error {e}"))
    await page.goto(url)
    await drawn(page)
    await page.evaluate(ARM_JS)
    i = 0
    while time.monotonic() < deadline:
        before = await page.evaluate(FINGERPRINTS_JS, CHARTS)
        seed_box = page.locator(".st-key-seed input")
        await seed_box.fill(str(1000 * k + i + 1))
        await seed_box.press("Enter")
        try:
            latencies.append(await asyncio.wait_for(page.evaluate(WAIT_CHANGED_JS, [CHARTS, before]), 30))
            t0 = await page.evaluate("() => window.__t0")
            answers.append(await page.evaluate(LAST_FRAME_JS, [t0, t0 + latencies[-1]]))
        except asyncio.TimeoutError:
            errors.append(f"tab {k}: no repaint within 30 s")
        if await page.locator("[data-testid='stException']").count():
            errors.append(f"tab {k}: an exception is shown")
        await page.wait_for_timeout(pause_ms[0] + (pause_ms[1] - pause_ms[0]) * ((i * 37 + k * 11) % 10) / 9)
        i += 1
    await page.close()


async def protocol_explorer(url: str, k: int, deadline: float, latencies: list, errors: list,
                            pause_ms: tuple[int, int]) -> None:
    """A visitor without a browser: Streamlit's own WebSocket protocol (BackMsg / ForwardMsg),
    typing new seeds like an explorer tab; its latency is the change -> the script finished.
    Every rerun is a full one (a browser would rerun only the workspace fragment)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async def run(ws, seed_id: str | None, seed: int) -> str | None:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        if seed_id is not None:
            state = msg.rerun_script.widget_states.widgets.add()
            state.id, state.int_value = seed_id, seed
        await ws.send(msg.SerializeToString())
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await asyncio.wait_for(ws.recv(), 60))
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                if element.WhichOneof("type") == "exception":
                    errors.append(f"client {k}: an exception is shown")
                if element.WhichOneof("type") == "number_input" and element.number_input.id.endswith("-seed"):
                    seed_id = element.number_input.id
            if kind == "script_finished":
                return seed_id

    async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=2**27) as ws:
        seed_id = await run(ws, None, 0)
        i = 0
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                await run(ws, seed_id, 1000 * k + i + 1)
                latencies.append((time.monotonic() - t0) * 1000)
            except asyncio.TimeoutError:
                errors.append(f"client {k}: no answer within 60 s")
            await asyncio.sleep((pause_ms[0] + (pause_ms[1] - pause_ms[0]) * ((i * 37 + k * 11) % 10) / 9) / 1000)
            i += 1


async def trainer(browser, url: str, deadline: float, done: list, errors: list, k: int = 0) -> None:
    page = await browser.new_page(viewport={"width": 1400, "height": 1600})
    page.on("pageerror", lambda e: errors.append(f"trainer {k}: script error {e}"))
    seed = 0
    while time.monotonic() < deadline:
        await page.goto(f"{url}/?{TRAININGS[k % len(TRAININGS)]}&seed={100 * k + seed}")
        await drawn(page)
        t0 = time.monotonic()
        await page.get_by_role("tab", name="Trained").click()
        try:
            await page.get_by_text(re.compile(r"^Trained with seed")).first.wait_for(timeout=300_000)
            done.append(time.monotonic() - t0)
        except Exception as err:  # noqa: BLE001 (reported, not raised: the run goes on)
            errors.append(f"trainer {k}: no result ({type(err).__name__})")
        if await page.locator("[data-testid='stException']").count():
            errors.append(f"trainer {k}: an exception is shown")
        seed += 1
    await page.close()


async def run_load(url: str, tabs: int, seconds: float, training: int = 1,
                   pause_ms: tuple[int, int] = (1000, 3000), browsers: int | None = None,
                   protocol_latencies: list | None = None) -> tuple[list, list, list, list]:
    from playwright.async_api import async_playwright

    latencies: list[float] = []
    answers: list[float] = []
    errors: list[str] = []
    trainings: list[float] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        deadline = time.monotonic() + seconds
        jobs = [trainer(browser, url, deadline, trainings, errors, k) for k in range(int(training))]
        explorers = list(range(len(jobs), tabs))
        in_browser = explorers if browsers is None else explorers[:browsers]
        jobs += [explorer(browser, url, k, deadline, latencies, errors, answers, pause_ms) for k in in_browser]
        jobs += [protocol_explorer(url, k, deadline, protocol_latencies, errors, pause_ms)
                 for k in explorers[len(in_browser):]]
        await asyncio.gather(*jobs)
        await browser.close()
    return latencies, answers, errors, trainings


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(0.95 * len(values)))] if values else float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, from /proc."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=8, help="tabs in all, one of them training")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pause", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                        help="seconds an explorer looks at the maps between changes (spread evenly)")
    parser.add_argument("--browsers", type=int, default=None,
                        help="explorers in a real browser (the rest speak Streamlit's protocol without one)")
    parser.add_argument("--no-training", action="store_true", help="every tab explores (to split the causes)")
    parser.add_argument("--trainers", type=int, default=1,
                        help="tabs training (in turn LeNet-like and a network near the batch memory limit)")
    parser.add_argument("--settle", type=float, default=15, help="seconds to wait after the tabs close")
    parser.add_argument("--url", default=None,
                        help="load this running server (e.g. nginx before replicas) instead of starting one")
    parser.add_argument("--pid", type=int, action="append", default=[],
                        help="with --url: a server process to measure (once per replica)")
    args = parser.parse_args()
    with nullcontext((args.url, None)) if args.url else streamlit_process() as (url, proc):
        pids = args.pid if args.url else [proc.pid]
        sampler = Sampler(pids)
        sampler.start()
        start, cpu0, t0 = sum(map(rss_mb, pids)), sum(map(cpu_seconds, pids)), time.monotonic()
        protocol: list[float] = []
        latencies, answers, errors, trainings = asyncio.run(run_load(
            url, args.tabs, args.seconds, 0 if args.no_training else args.trainers, (int(args.pause[0] * 1000), int(args.pause[1] * 1000)),
            args.browsers, protocol))
        server_cpu = (sum(map(cpu_seconds, pids)) - cpu0) / (time.monotonic() - t0)
        time.sleep(args.settle)
        after = sum(map(rss_mb, pids))
        sampler.stopped.set()
        peak = max(sampler.samples)
    trainers = 0 if args.no_training else args.trainers
    training = f"{trainers} of them training" if trainers else "no training"
    print(f"{args.tabs} tabs x {args.seconds:.0f} s, {training}, explorers pausing {args.pause[0]:g}-{args.pause[1]:g} s "
          f"between changes: {len(errors)} errors")
    for e in errors[:20]:
        print("  ", e)
    if args.url:
        print(f"{url}: {len(pids)} server processes measured (summed)" if pids else
              f"{url}: server CPU and memory not measured (give each server's --pid)")
    if pids:
        print(f"server CPU: {server_cpu:.2f} cores on average (the browsers, on the same 2 cores, use the rest)")
        print(f"server memory (with its training child): start {start:.0f} MB, peak {peak:.0f} MB, {args.settle:.0f} s after the tabs closed {after:.0f} MB")
    if latencies:
        explorers = args.browsers if args.browsers is not None else args.tabs - trainers
        print(f"control change -> repaint ({len(latencies)} changes in {explorers} browser tabs): median "
              f"{statistics.median(latencies):.0f} ms, p95 {p95(latencies):.0f} ms, max {max(latencies):.0f} ms")
        print(f"  of which the server's answer (its last frame before the repaint): median "
              f"{statistics.median(answers):.0f} ms, p95 {p95(answers):.0f} ms, max {max(answers):.0f} ms")
    if protocol:
        print(f"control change -> script finished, for the {len(protocol)} changes of the visitors without a "
              f"browser (full reruns): median {statistics.median(protocol):.0f} ms, p95 {p95(protocol):.0f} ms, "
              f"max {max(protocol):.0f} ms")
    print(f"trainings finished: {len(trainings)}" + (f" ({', '.join(f'{t:.1f} s' for t in trainings)})" if trainings else ""))


if __name__ == "__main__":
    main()
