"""The server's settings in .streamlit/config.toml, checked against a real `streamlit run`."""

import base64
import os
import socket
import struct
from urllib.parse import urlsplit

import numpy as np

from browsertools import streamlit_server


def _handshake(sock: socket.socket, url: str, deflate: bool) -> tuple[str, bytes]:
    """Open Streamlit's WebSocket on `sock`: (the response head, lower case; bytes after it)."""
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if deflate else ""
    sock.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Sec-WebSocket-Protocol: streamlit\r\n{offer}Origin: {url}\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    return head.decode(errors="replace").lower(), rest


def test_the_websocket_offers_per_message_deflate():
    """Updates are deflated on the wire when the browser asks (every current browser does)."""
    with streamlit_server() as url:
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            head, _ = _handshake(sock, url, deflate=True)
    assert head.startswith("http/1.1 101"), head
    assert "sec-websocket-extensions: permessage-deflate" in head, head


def _frame(payload: bytes, opcode: int = 2) -> bytes:
    """One masked client frame (RFC 6455)."""
    mask = os.urandom(4)
    n = len(payload)
    size = bytes([0x80 | n]) if n < 126 else bytes([0xFE]) + struct.pack(">H", n) if n < 65536 \
        else bytes([0xFF]) + struct.pack(">Q", n)
    masked = _xor(payload, mask)
    return bytes([0x80 | opcode]) + size + mask + masked


def _xor(payload: bytes, mask: bytes) -> bytes:
    data = np.frombuffer(payload, dtype=np.uint8)
    return (data ^ np.resize(np.frombuffer(mask, dtype=np.uint8), data.size)).tobytes()


def test_a_message_over_the_limit_closes_that_connection_before_anything_decodes_it():
    """server.maxWidgetStateSize = 1 (MB): a 1.2 MB message is answered by a close frame
    1009 (message too big); a 0.5 MB one (more than the largest legitimate message) is not."""
    with streamlit_server() as url:
        parts = urlsplit(url)
        for size, closed in ((500_000, False), (1_200_000, True)):
            with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
                head, rest = _handshake(sock, url, deflate=False)
                assert head.startswith("http/1.1 101"), head
                sock.sendall(_frame(b"\x00" * size))
                sock.settimeout(3)
                received = rest
                try:
                    while len(received) < 1 << 16:
                        chunk = sock.recv(65536)
                        if not chunk:
                            break
                        received += chunk
                except TimeoutError:
                    pass
                close = b"\x88\x02" + struct.pack(">H", 1009)
                assert (close in received) is closed, (size, received[:40])


def test_no_full_garbage_collection_after_every_script_run():
    """Streamlit's default gc.collect(2) after each run costs every change tens of ms of the
    shared interpreter: the project's config turns it off, as Streamlit reads it from the app's folder."""
    import subprocess
    import sys
    from pathlib import Path
    read = subprocess.run([sys.executable, "-c", "from streamlit import config; print(config.get_option('runner.postScriptGC'))"],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=120)
    assert read.stdout.strip() == "False", read.stderr
