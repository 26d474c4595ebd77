"""A slow link between a browser and a local server: a TCP proxy (asyncio) that delays and
rate-limits every byte both ways, WebSocket frames included.

Chromium's own network emulation (CDP Network.emulateNetworkConditions) slows HTTP
requests but not WebSocket frames (checked on Chromium 156: a 400 ms latency made the
page load 6 s slower and left a Streamlit update as fast as on localhost), and all of
Streamlit's updates travel on its WebSocket; so bench_app.py --network shapes the link here.

The model: one link shared by every connection of the proxy, each direction a queue
at its rate (bytes leave one after another at down or up Mbit/s), then half the
round-trip latency on the wire. TCP's handshakes, slow start and losses are not modelled.

    python benchmarks/throttle.py 20/40 --to 8501 [--port 8601]   # DOWN_MBPS/RTT_MS[/UP_MBPS], up 5 by default
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Network:
    """A link: `down` and `up` in Mbit/s, `latency` the round trip in ms (half each way)."""

    down: float
    latency: float
    up: float = 5.0

    @classmethod
    def parse(cls, text: str) -> Network:
        """'20/40' (down Mbit/s / round trip ms) or '20/40/5' (and up Mbit/s)."""
        parts = [float(x) for x in text.split("/")]
        if len(parts) not in (2, 3) or min(parts) < 0 or parts[0] == 0 or (len(parts) == 3 and parts[2] == 0):
            raise ValueError(f"expected DOWN_MBPS/RTT_MS[/UP_MBPS], got {text!r}")
        return cls(*parts)

    def __str__(self) -> str:
        return f"{self.down:g} Mbit/s down, {self.up:g} up, {self.latency:g} ms round trip"


class Direction:
    """One direction of the link: a byte leaves at `rate` bytes/s after the bytes before it
    (from any connection), then arrives `delay` s later."""

    def __init__(self, mbps: float, delay: float) -> None:
        self.rate, self.delay, self.free_at, self.bytes = mbps * 1e6 / 8, delay, 0.0, 0

    def arrival(self, size: int) -> float:
        now = time.monotonic()
        self.free_at = max(now, self.free_at) + size / self.rate
        self.bytes += size
        return self.free_at + self.delay


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Direction) -> None:
    queue: asyncio.Queue = asyncio.Queue()

    async def deliver() -> None:
        while (item := await queue.get()) is not None:
            at, chunk = item
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            writer.write(chunk)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(deliver())
    try:
        while chunk := await reader.read(16384):
            queue.put_nowait((link.arrival(len(chunk)), chunk))
    except ConnectionError:
        pass
    queue.put_nowait(None)
    try:
        await sender
    except ConnectionError:
        pass


class Throttle:
    """`with Throttle(network, target_port) as port:` a shaped 127.0.0.1:port in front of
    127.0.0.1:target_port, served from a thread of its own; `.down.bytes` counts what
    the server sent."""

    def __init__(self, network: Network, target_port: int, port: int = 0) -> None:
        self.network, self.target_port, self.port = network, target_port, port
        self.down = Direction(network.down, network.latency / 2000)
        self.up = Direction(network.up, network.latency / 2000)
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _connection(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pump(client_r, server_w, self.up), _pump(server_r, client_w, self.down))

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
        for task in asyncio.all_tasks() - {asyncio.current_task()}:
            task.cancel()  # connections still open: the browser has gone

    def __enter__(self) -> int:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._serve(),), daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self.port

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("network", type=Network.parse, help="DOWN_MBPS/RTT_MS[/UP_MBPS], e.g. 20/40")
    parser.add_argument("--to", type=int, required=True, help="the server's port on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8601, help="the shaped port to open instead")
    args = parser.parse_args()
    with Throttle(args.network, args.to, args.port) as port:
        print(f"http://127.0.0.1:{port} -> 127.0.0.1:{args.to} over {args.network}; Ctrl+C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
