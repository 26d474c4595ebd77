"""A real `streamlit run app.py` server and Debian's headless Chromium (via Playwright),
shared by the browser tests and benchmarks/bench_app.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_path() -> str | None:
    """Debian's chromium (or $CNNLAB_CHROMIUM), or None if absent."""
    for candidate in (os.environ.get("CNNLAB_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(timeout: float = 60.0):
    """Start `streamlit run app.py` on 127.0.0.1 and yield its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"streamlit did not start:\n{out}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


CHART = ".st-key-{key} .js-plotly-plot"

# Page-side helpers: a cell's screen position, and a chart's mosaic size.
CELL_XY_JS = """([sel, r, c]) => {
  const gd = document.querySelector(sel);
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(c), box.top + ya._offset + ya.l2p(r)];
}"""
Z_SHAPE_JS = """(sel) => {
  const gd = document.querySelector(sel);
  if (!gd || !gd._fullData || !gd._fullData.length) return null;
  const z = gd._fullData[0].z;
  return [z.length, z[0].length];
}"""


ALL_DRAWN_JS = """([keys, settleMs]) => {
  const ready = () => {
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (!keys.every(k => document.querySelector('.st-key-' + k + ' .js-plotly-plot'))) return false;
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
    return plots.length > 0 && plots.every(gd => gd._fullData && gd._fullData.length
                                           && gd.querySelector('.heatmaplayer'));
  };
  // Streamlit may rerun once more after the first paint (query-parameter binding), remounting
  // charts: the page counts as drawn only after it has stayed drawn for settleMs.
  if (!ready()) { window.__cnnlabDrawnSince = null; return false; }
  window.__cnnlabDrawnSince = window.__cnnlabDrawnSince || performance.now();
  return performance.now() - window.__cnnlabDrawnSince >= settleMs;
}"""

MAPS_TAB_CHARTS = ("chart-input", "chart-kernels-1", "chart-stage-1")


def wait_for_app(page, keys: tuple[str, ...] = (), timeout_ms: int = 60000, settle_ms: int = 400) -> None:
    """Until the script has finished, the charts named by `keys` exist, and every chart on the
    page has been drawn and stayed drawn for `settle_ms`."""
    page.wait_for_function(ALL_DRAWN_JS, arg=[list(keys), settle_ms], timeout=timeout_ms, polling=50)
