"""Soak: 30 distinct heavy links in a row against one real `streamlit run app.py`, each
opened by a new visitor (a WebSocket client that speaks Streamlit's protocol, as
benchmarks/load.py's protocol visitors: it sends the link's query string, waits for the
script to finish, then closes), with the resident memory of the server and its children
(a training runs in a child process) sampled every --every seconds.

The links are the heaviest the app allows of each kind: convolutions on a digit and on
colour photos near both of the work budget's limits (work and values), deconvolutions
(their working memory is not priced yet: issue #20 item 1), stacked dilated depthwise
convolutions, the inspector on the deepest pixel, 256 maps drawn, and three trainings of
the largest the training budget allows: two at its time limit, one near its batch memory
limit (each tab closed --hold seconds after its page is drawn, its training then given up).
Each template is opened with three seeds, so no link repeats and no cache answers it.

    python benchmarks/soak_links.py [--every 0.05] [--idle 20]

Prints per link: seconds to the script's end, the peak memory while it ran, the memory
after it, the first notice the page showed; then the peak over all, the memory --idle
seconds after the last link (and whether a training child is still running), and the
links with the largest peaks.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browsertools import _children, rss_mb, streamlit_process  # noqa: E402


class Sampler(threading.Thread):
    """The resident memory of a process and its children (summed, MB) every `every`
    seconds; the children are looked up again every second (a scan of /proc is slow)."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.times = pid, every, [], []
        self.stopped = threading.Event()

    def run(self) -> None:
        pids, looked = [self.pid], 0.0
        while not self.stopped.is_set():
            now = time.monotonic()
            if now - looked > 1:
                pids, looked = [self.pid, *_children(self.pid)], now
            self.samples.append(sum(rss_mb(p, children=False) for p in pids))
            self.times.append(now)
            time.sleep(max(0.0, self.every - (time.monotonic() - now)))

TRAINING = "net=conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2&view=trained&max_epoch=10&train_images=20000"
TRAINING_MEMORY = "net=conv-64-5x5-same_relu_max-2x2&view=trained&max_epoch=4&train_images=20000"  # 120 of 128 MB
TEMPLATES = [  # (work, values) as fractions of the budget's limits, where all layers run
    "net=conv-256-5x5-same_conv-160-5x5-same",  # 0.81, 0.91
    "net=conv-256-15x15-same_conv-16-15x15-same",  # 0.77, 0.80
    "pick=photo&photo=astronaut&net=conv-19-15x15-same",  # 0.84, 0.97
    "pick=photo&photo=coffee&net=conv-5-15x15-same_conv-16-15x15-same&view=inspect",  # 0.94, 0.71
    "pick=photo&photo=astronaut&net=deconv-16-15x15",  # issue #20 item 1: 0.24 of the work, 944 MB of columns
    "net=deconv-1-8x8-s2x2_deconv-256-13x13",  # issue #20 item 1
    "net=" + "_".join(["dwconv-15x15-d8x8-full"] * 12),  # issue #20 item 11 (the budget stops it at layer 7)
    "net=" + "_".join(["conv-128-3x3-same_relu"] * 4) + "&view=inspect",  # 0.35, 0.76; the deepest pixel
    "net=conv-256-3x3-same&columns=32&normalization=map&view=inspect&insp_map=255",  # 256 maps drawn
]
LINKS = ([f"{t}&seed={k}" for k in (1, 2, 3) for t in TEMPLATES]
         + [f"{TRAINING}&seed=1", f"{TRAINING_MEMORY}&seed=2", f"{TRAINING}&seed=3"])


async def visit(url: str, query: str, timeout: float = 300, hold: float = 0) -> tuple[float, str]:
    """A new visitor opening ?query: (seconds until the script finished, the first notice
    shown or what went wrong); the tab stays open `hold` seconds after (a training runs on)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    t0 = time.monotonic()
    notice = ""
    async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=2**28) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        await ws.send(msg.SerializeToString())
        while True:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout - (time.monotonic() - t0))
            except asyncio.TimeoutError:
                return time.monotonic() - t0, f"NO ANSWER within {timeout:.0f} s"
            reply = ForwardMsg()
            reply.ParseFromString(raw)
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    notice = "EXCEPTION: " + element.exception.message[:80]
                elif which == "alert" and not notice:
                    notice = element.alert.body[:100].replace("\n", " ")
            if kind == "script_finished":
                seconds = time.monotonic() - t0
                await asyncio.sleep(hold)
                return seconds, notice or "(maps sent)"


async def soak(url: str, pid: int, every: float, idle: float, hold: float) -> None:
    sampler = Sampler(pid, every)
    await visit(url, "seed=987654")  # warm up: imports, the MNIST load
    start = rss_mb(pid)
    sampler.start()
    rows = []
    for link in LINKS:
        first = len(sampler.samples)
        seconds, notice = await visit(url, link, hold=hold if "view=trained" in link else 0)
        await asyncio.sleep(every * 2)
        peak = max(sampler.samples[first:] or [rss_mb(pid)])
        rows.append((link, seconds, peak, rss_mb(pid), notice))
        print(f"  {seconds:6.1f} s  peak {peak:5.0f} MB  after {rows[-1][3]:5.0f} MB  ?{link[:70]}\n"
              f"           {notice}", flush=True)
    last = len(sampler.samples)
    await asyncio.sleep(idle)
    sampler.stopped.set()
    after, server = rss_mb(pid), rss_mb(pid, children=False)
    children = _children(pid)
    gaps = [b - a for a, b in zip(sampler.times, sampler.times[1:])]
    print(f"server + children memory: {start:.0f} MB after the warm-up; peak {max(sampler.samples):.0f} MB over the "
          f"{len(LINKS)} links ({len(sampler.samples):,} samples, every {1000 * sum(gaps) / len(gaps):.0f} ms on "
          f"average, at most {1000 * max(gaps):.0f} ms apart); {after:.0f} MB {idle:.0f} s after the last (the "
          f"server alone {server:.0f} MB; lowest in that time {min(sampler.samples[last:] or [after]):.0f} MB); "
          f"{len(children)} child process(es) still running")
    print("largest peaks:")
    for link, seconds, peak, _, notice in sorted(rows, key=lambda r: -r[2])[:6]:
        print(f"  {peak:5.0f} MB  {seconds:5.1f} s  ?{link[:90]}  | {notice[:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.05, help="seconds between memory samples (0.02-0.1)")
    parser.add_argument("--idle", type=float, default=20, help="seconds to wait after the last link")
    parser.add_argument("--hold", type=float, default=10,
                        help="seconds a training link's tab stays open (its child trains meanwhile)")
    parser.add_argument("--links", type=int, default=len(LINKS), help="only the first N links (a quick check)")
    args = parser.parse_args()
    del LINKS[args.links:]
    with streamlit_process() as (url, proc):
        print(f"server memory at start: {rss_mb(proc.pid):.0f} MB; {len(LINKS)} links, each a new visitor")
        asyncio.run(soak(url, proc.pid, args.every, args.idle, args.hold))


if __name__ == "__main__":
    main()
