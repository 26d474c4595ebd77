"""Soak: 30 distinct heavy links in a row against one real `streamlit run app.py`, each
opened by a new visitor (a WebSocket client that speaks Streamlit's protocol, as
benchmarks/load.py's protocol visitors: it sends the link's query string, waits for the
script to finish, then closes), with the resident memory of the server and its children
(a training runs in a child process) sampled every --every seconds.

The links are the heaviest the app allows of each kind, at or near the work budget
(or past it, where the budget stops at a later layer), over every layer kind and input:
convolutions near the budget, deconvolutions (their working memory is not priced yet:
issue #20 item 1), stacked dilated depthwise convolutions, colour photos, the inspector
on the deepest pixel, 256 maps shown, and two trainings of the largest allowed size.
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
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browsertools import _children, rss_mb, streamlit_process  # noqa: E402
from load import Sampler  # noqa: E402

TRAINING = "net=conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2&view=trained&max_epoch=10&train_images=20000"
TEMPLATES = [
    "net=conv-256-15x15-p15x15_conv-16-15x15-p15x15",
    "net=conv-256-5x5-same_conv-32-5x5-same",
    "pick=photo&photo=astronaut&net=deconv-16-15x15",
    "net=deconv-1-8x8-s2x2_deconv-256-13x13",
    "net=" + "_".join(["dwconv-15x15-d8x8-full"] * 12),
    "pick=photo&photo=coffee&net=conv-64-5x5-same_relu_max-2x2_conv-64-5x5-same&view=inspect",
    "pick=photo&photo=rocket&net=conv-32-15x15-same_conv-32-15x15-same",
    "pick=photo&photo=cat&net=max-2x2-s1x1_conv-128-3x3-same_relu_conv-128-3x3-same",
    "net=conv-256-3x3-same&columns=32&normalization=map&view=inspect&insp_map=255",
]
LINKS = [f"{t}&seed={k}" for k in (1, 2, 3) for t in TEMPLATES] + [f"{TRAINING}&seed={k}" for k in (1, 2, 3)]


async def visit(url: str, query: str, timeout: float = 300) -> tuple[float, str]:
    """A new visitor opening ?query: (seconds until the script finished, the first notice
    shown or what went wrong)."""
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
                return time.monotonic() - t0, notice or "(maps sent)"


async def soak(url: str, pid: int, every: float, idle: float) -> None:
    sampler = Sampler([pid], every=every)
    await visit(url, "seed=987654")  # warm up: imports, the MNIST load
    start = rss_mb(pid)
    sampler.start()
    rows = []
    for link in LINKS:
        first = len(sampler.samples)
        seconds, notice = await visit(url, link)
        await asyncio.sleep(every * 2)
        peak = max(sampler.samples[first:] or [rss_mb(pid)])
        rows.append((link, seconds, peak, rss_mb(pid), notice))
        print(f"  {seconds:6.1f} s  peak {peak:5.0f} MB  after {rows[-1][3]:5.0f} MB  ?{link[:70]}\n"
              f"           {notice}", flush=True)
    last = len(sampler.samples)
    await asyncio.sleep(idle)
    sampler.stopped.set()
    after = rss_mb(pid)
    children = _children(pid)
    print(f"server (+ children) memory: {start:.0f} MB after the warm-up; peak {max(sampler.samples):.0f} MB over the "
          f"30 links ({len(sampler.samples):,} samples every {every * 1000:.0f} ms); {after:.0f} MB {idle:.0f} s after "
          f"the last (lowest in that time {min(sampler.samples[last:] or [after]):.0f} MB); "
          f"{len(children)} child process(es) still running")
    print("largest peaks:")
    for link, seconds, peak, _, notice in sorted(rows, key=lambda r: -r[2])[:6]:
        print(f"  {peak:5.0f} MB  {seconds:5.1f} s  ?{link[:90]}  | {notice[:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.05, help="seconds between memory samples (0.02-0.1)")
    parser.add_argument("--idle", type=float, default=20, help="seconds to wait after the last link")
    args = parser.parse_args()
    with streamlit_process() as (url, proc):
        print(f"server memory at start: {rss_mb(proc.pid):.0f} MB; {len(LINKS)} links, each a new visitor")
        asyncio.run(soak(url, proc.pid, args.every, args.idle))


if __name__ == "__main__":
    main()
