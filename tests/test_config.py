"""The server's settings in .streamlit/config.toml, checked against a real `streamlit run`."""

import base64
import os
import socket
from urllib.parse import urlsplit

from browsertools import streamlit_server


def test_the_websocket_offers_per_message_deflate():
    """Updates are deflated on the wire when the browser asks (every current browser does)."""
    with streamlit_server() as url:
        parts = urlsplit(url)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /_stcore/stream HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Protocol: streamlit\r\n"
                   "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                   f"Origin: {url}\r\n\r\n")
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(request.encode())
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
    head = answer.split(b"\r\n\r\n")[0].decode(errors="replace").lower()
    assert head.startswith("http/1.1 101"), head
    assert "sec-websocket-extensions: permessage-deflate" in head, head
