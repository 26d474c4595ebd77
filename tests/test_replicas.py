"""Two replicas of the app behind nginx (scripts/replicas.py, deploy/nginx.conf), as a class
past one process would run it: two independent browsers each get a working page, and every
request of a browser (its page, its scripts, its WebSocket) goes to one replica."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from browsertools import FINGERPRINT_JS, MAPS_TAB_CHARTS, chromium_path, launch, wait_for_app

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from replicas import nginx_conf  # noqa: E402

pytestmark = pytest.mark.browser
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _free_pair() -> int:
    """A port p with p and p + 1 both free (the replicas' first port)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
    raise RuntimeError("no two free ports in a row")


def _get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    """(X-Replica, nginx's Set-Cookie or None) of a GET through nginx."""
    request = urllib.request.Request(url, headers={"Cookie": f"cnnlab_replica={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as r:
        ours = [c for c in r.headers.get_all("Set-Cookie") or [] if c.startswith("cnnlab_replica=")]
        assert len(ours) <= 1, ours
        return r.headers["X-Replica"], ours[0] if ours else None


def _access_log(folder: Path) -> list[tuple[str, str, str, str]]:
    """nginx's log: (cookie, replica, status, request line) per request."""
    rows = []
    for line in (folder / "access.log").read_text().splitlines():
        key, upstream, status, request = line.split(" ", 3)
        rows.append((key, upstream, status, request.strip('"')))
    return rows


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    for missing, what in ((NGINX is None, "nginx (apt-get install -y nginx)"),
                          (chromium_path() is None, "Debian's chromium (apt-get install -y chromium)")):
        if missing:
            if os.environ.get("CI"):
                pytest.fail(f"{what} is missing on CI: the replica tests must run there")
            pytest.skip(f"{what} is not installed")
    folder = tmp_path_factory.mktemp("replicas")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    first = _free_pair()
    out = open(folder / "script.out", "w+")
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "replicas.py"), "--replicas", "2",
                             "--port", str(port), "--address", "127.0.0.1", "--first-port", str(first),
                             "--dir", str(folder)], stdout=out, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while "Ctrl-C" not in (folder / "script.out").read_text():
        assert proc.poll() is None and time.monotonic() < deadline, (folder / "script.out").read_text()
        time.sleep(0.2)
    time.sleep(0.2)  # the pids are printed after the URL
    text = (folder / "script.out").read_text()
    pids = [int(p) for p in re.findall(r"pid (\d+)", text)]
    assert len(pids) == 3, text
    yield {"url": f"http://127.0.0.1:{port}", "replicas": [f"127.0.0.1:{first}", f"127.0.0.1:{first + 1}"],
           "folder": folder, "script": proc, "pids": pids}
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    out.close()


def test_the_template_has_one_upstream_per_replica_and_nginx_accepts_it(tmp_path):
    if NGINX is None:
        pytest.skip("nginx is not installed")
    conf = nginx_conf([8501, 8502, 8503], "127.0.0.1:8080", tmp_path)
    assert re.findall(r"server 127\.0\.0\.1:(\d+);", conf) == ["8501", "8502", "8503"]
    assert "@" not in re.sub(r"(?m)^\s*#.*$", "", conf)
    (tmp_path / "nginx.conf").write_text(conf)
    check = subprocess.run([NGINX, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_a_browser_s_cookie_keeps_it_on_one_replica_and_cookieless_visits_spread(cluster):
    url = cluster["url"]
    first_visits = [_get(url) for _ in range(20)]
    assert all(re.fullmatch(r"cnnlab_replica=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Lax", c) for _, c in first_visits)
    assert {r for r, _ in first_visits} == set(cluster["replicas"])  # 20 random cookies: both replicas (but for 2^-19)
    for replica, set_cookie in first_visits[:4]:
        cookie = set_cookie.split(";")[0].split("=")[1]
        again = [_get(url + path, cookie) for path in ("/", "/_stcore/health", "/_stcore/host-config", "/")]
        assert [r for r, _ in again] == [replica] * 4
        assert all(c is None for _, c in again)  # set once only


def _png(k: int) -> bytes:
    """A 28x28 gray PNG: a white bar in column 8 + 4k."""
    from PIL import Image

    pixels = np.zeros((28, 28), np.uint8)
    pixels[4:24, 8 + 4 * k:11 + 4 * k] = 255
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _replica_cookie(url: str, replica: str) -> str:
    """A cookie value nginx hashes to `replica`."""
    for k in range(100):
        if _get(url, f"test{k}")[0] == replica:
            return f"test{k}"
    raise AssertionError(f"no cookie reaches {replica}")


def test_two_browsers_each_get_a_working_page_on_their_own_replica(cluster):
    from playwright.sync_api import sync_playwright

    url = cluster["url"]
    with sync_playwright() as p:
        browser = launch(p)
        pages, seen = [], []
        for k in range(2):
            context = browser.new_context(viewport={"width": 1400, "height": 1600})
            if k == 1:  # the second browser on the other replica (the first got nginx's own random cookie)
                other = next(r for r in cluster["replicas"] if r != seen[0][0])
                context.add_cookies([{"name": "cnnlab_replica", "value": _replica_cookie(url, other), "url": url}])
            page = context.new_page()
            replicas: list[str] = []
            page.on("response", lambda r, replicas=replicas: r.url.startswith(url) and replicas.append(r.headers.get("x-replica")))
            page.goto(f"{url}/?pick=upload")
            pages.append(page)
            seen.append(replicas)
        for page in pages:
            wait_for_app(page, MAPS_TAB_CHARTS)
            assert page.locator("[data-testid='stException']").count() == 0
        # a control change round-trips on each page (its WebSocket, through nginx)
        for k, page in enumerate(pages):
            before = page.evaluate(FINGERPRINT_JS, "chart-stage-1")
            seed = page.locator(".st-key-seed input")
            seed.fill(str(41 + k))
            seed.press("Enter")
            page.wait_for_function(f"(b) => {{ const f = ({FINGERPRINT_JS})('chart-stage-1'); return f !== null && f !== b; }}",
                                   arg=before, timeout=30000)
            page.wait_for_function(f"() => location.search.includes('seed={41 + k}')", timeout=10000)
        # an upload (PUT /_stcore/upload_file/<session>: only the session's replica takes it) is shown
        for k, page in enumerate(pages):
            before = page.evaluate(FINGERPRINT_JS, "chart-input")
            page.locator(".st-key-upload input[type='file']").set_input_files(
                {"name": f"bar{k}.png", "mimeType": "image/png", "buffer": _png(k)})
            page.wait_for_function(f"(b) => {{ const f = ({FINGERPRINT_JS})('chart-input'); return f !== null && f !== b; }}",
                                   arg=before, timeout=30000)
            assert page.locator("[data-testid='stException']").count() == 0
        cookies = [page.context.cookies(url)[0]["value"] for page in pages]
        for page in pages:
            page.context.close()
        browser.close()
    assert len(set(cookies)) == 2
    # every HTTP response of a page came from one replica, a different one for each browser
    assert [set(s) for s in seen] == [{seen[0][0]}, {seen[1][0]}] and seen[0][0] != seen[1][0], seen
    # and so did its WebSocket (nginx logs it when it closes) and every other request of its cookie
    deadline = time.monotonic() + 10
    while True:
        log = _access_log(cluster["folder"])
        streams = {key for key, _, status, request in log if "/_stcore/stream" in request and status == "101"}
        if set(cookies) <= streams or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert set(cookies) <= streams, log
    for cookie, replica in zip(cookies, (seen[0][0], seen[1][0])):
        assert {upstream for key, upstream, _, _ in log if key == cookie} == {replica}


def test_ctrl_c_stops_every_replica_and_nginx(cluster):
    proc = cluster["script"]
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    time.sleep(0.5)
    alive = [pid for pid in cluster["pids"] if Path(f"/proc/{pid}").exists()
             and "zombie" not in Path(f"/proc/{pid}/status").read_text()]
    assert alive == []
