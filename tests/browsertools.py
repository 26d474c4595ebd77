"""A real `streamlit run app.py` server and Debian's headless Chromium (via Playwright),
shared by the browser tests and benchmarks/bench_app.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
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
def streamlit_server(timeout: float = 60.0, app: Path = ROOT / "app.py"):
    """Start `streamlit run <app>` (app.py by default) on 127.0.0.1 and yield its base URL."""
    with streamlit_process(timeout, app) as (url, _):
        yield url


def rss_mb(pid: int, children: bool = True) -> float:
    """A process's resident memory (VmRSS) in MB, from /proc, with its children's (a
    training runs in a child process) unless children is False."""
    total = 0.0
    pids = [pid] + (_children(pid) if children else [])
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024
        except (OSError, StopIteration):
            continue  # a child that just ended
    return total


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


@contextmanager
def streamlit_process(timeout: float = 60.0, app: Path = ROOT / "app.py"):
    """Start `streamlit run <app>` (app.py by default) on 127.0.0.1 and yield (base URL, the server's Popen)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    log = tempfile.TemporaryFile()  # not a pipe: a long run's log must never block the server
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
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
                log.seek(0)
                out = log.read().decode(errors="replace")
                raise RuntimeError(f"streamlit did not start:\n{out}")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


HEATMAP = ".st-key-{key} .hm-canvas"  # a canvas heatmap (Maps, Trained); Playwright's CSS pierces shadow roots

# Page-side helpers. A heatmap lives in its component's shadow root: find it from the key.
FIND_ROOT_JS = """(key, cls) => {
  const host = document.querySelector('.st-key-' + key);
  if (!host) return null;
  for (const n of [host, ...host.querySelectorAll('*')]) {
    const root = n.shadowRoot ? n.shadowRoot.querySelector('.' + cls) : (n.classList.contains(cls) ? n : null);
    if (root) return root;
  }
  return null;
}"""  # the root element of class `cls` of the component mounted under `key`
FIND_HEATMAP_JS = "(key) => (" + FIND_ROOT_JS + ")(key, 'hm')"
# The drawing pad's root (in its component's shadow root), and its canvas's [left, top, width, height].
FIND_PAD_JS = "() => (" + FIND_ROOT_JS + ")('drawing', 'dp')"
PAD_BOX_JS = "() => { const b = (" + FIND_PAD_JS + ")().querySelector('.dp-canvas').getBoundingClientRect();" \
             " return [b.left, b.top, b.width, b.height]; }"
# The screen position of mosaic cell (row, col) of heatmap `key`.
CELL_XY_JS = """([key, r, c]) => {
  const root = (""" + FIND_HEATMAP_JS + """)(key);
  const canvas = root.querySelector('.hm-canvas'), box = canvas.getBoundingClientRect();
  return [box.left + (c + 0.5) * box.width / +canvas.dataset.cols, box.top + (r + 0.5) * box.height / +canvas.dataset.rows];
}"""
# [rows, columns] of heatmap `key`'s mosaic, or null before it is painted.
Z_SHAPE_JS = """(key) => {
  const root = (""" + FIND_HEATMAP_JS + """)(key);
  if (!root || !root.dataset.painted) return null;
  const canvas = root.querySelector('.hm-canvas');
  return [+canvas.dataset.rows, +canvas.dataset.cols];
}"""
# The blob heatmap `key` painted, as received (its bytes, for cnnlab.heatmaps.decode), and the
# colour [r, g, b, a] the canvas shows at the centre of cell (row, col).
PAINTED_JS = """([key, r, c]) => {
  const root = (""" + FIND_HEATMAP_JS + """)(key);
  const canvas = root.querySelector('.hm-canvas'), d = root.__payload;
  const scale = canvas.width / (d.width * d.px);  // device pixels per CSS pixel
  const pixel = canvas.getContext('2d').getImageData(Math.floor((c + 0.5) * d.px * scale),
                                                     Math.floor((r + 0.5) * d.px * scale), 1, 1).data;
  return [Array.from(root.__blob), Array.from(pixel)];
}"""
# A number that changes whenever heatmap `key` paints a different picture (null before it is
# painted): its colours, which every update carries (a large mosaic's values come on hover).
FINGERPRINT_JS = """(key) => {
  const root = (""" + FIND_HEATMAP_JS + """)(key);
  if (!root || !root.__colors) return null;
  let s = 0; const v = root.__colors;
  for (let i = 0; i < v.length; i += 3) s += v[i] * (i % 97 + 1);
  return s;
}"""

ALL_DRAWN_JS = """([keys, settleMs]) => {
  const findHeatmap = """ + FIND_HEATMAP_JS + """;
  const ready = () => {
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    const heatmapsDone = keys.every(k => {
      if (document.querySelector('.st-key-' + k + ' .js-plotly-plot')) return true;
      const root = findHeatmap(k);
      return root && root.dataset.painted;
    });
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
    return heatmapsDone && plots.every(gd => gd._fullData && gd._fullData.length &&
                                          (gd._fullData[0].type !== 'heatmap' || gd.querySelector('.heatmaplayer')));
  };
  // Streamlit may rerun once more after the first paint (query-parameter binding),
  // remounting elements: the page counts as drawn once it has stayed drawn for settleMs.
  if (!ready()) { window.__cnnlabDrawnSince = null; return false; }
  window.__cnnlabDrawnSince = window.__cnnlabDrawnSince || performance.now();
  return performance.now() - window.__cnnlabDrawnSince >= settleMs;
}"""

MAPS_TAB_CHARTS = ("chart-input", "chart-kernels-1", "chart-stage-1")


def draw_stroke(page, points, steps: int = 12) -> None:
    """One mouse stroke on the drawing pad through `points` given in the pad's own 280 x 280
    coordinates, as a visitor draws it (`steps` mouse moves between two points)."""
    left, top, width, height = page.evaluate(PAD_BOX_JS)
    screen = [(left + x * width / 280, top + y * height / 280) for x, y in points]
    page.mouse.move(*screen[0])
    page.mouse.down()
    for x, y in screen[1:]:
        page.mouse.move(x, y, steps=steps)
    page.mouse.up()


def wait_for_app(page, keys: tuple[str, ...] = (), timeout_ms: int = 60000, settle_ms: int = 400) -> None:
    """Until the script has finished, the heatmaps or charts named by `keys` are drawn, every
    plotly chart on the page too, and all have stayed so for `settle_ms`."""
    page.wait_for_function(ALL_DRAWN_JS, arg=[list(keys), settle_ms], timeout=timeout_ms, polling=50)
