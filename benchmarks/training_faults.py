"""Faults of the training service against a real `streamlit run app.py` and headless
Chromium, and what the page shows after each:

1. the training child killed (SIGKILL) mid-epoch: the page's text, how many times the
   failure is shown, whether a child starts again while the page stays open (it must not),
   then Retry;
2. the server killed (SIGKILL) mid-training: whether its child ends, the temporary folder
   left behind, what the page shows, and whether a new server removes the folder when its
   first page loads;
3. tabs closed: the time from closing a training's only tab to its child's end;
4. the issue's ten tabs of one link (seeds 0-9): how many are queued, what the refused ones
   say, and after they are all closed, what a new visitor sees.

Times are wall-clock on a shared machine (noisy): counts and states are the figures to
trust. The servers get their own TMPDIR, so nothing of another process is touched.

    python benchmarks/training_faults.py [--steps 123] [--closes 3] [--tabs 10]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browsertools import _children, launch, streamlit_process  # noqa: E402

NET = "conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2"  # the link
PROGRESS = re.compile(r"Training: epoch \d+/\d+, batch [1-9]")
FAILED = "failed: its process ended without a model"
STATUS = re.compile(r"Training: epoch|Training started|Waiting: |Starting the training|Not queued")  # a training's state


def link(url: str, seed: int, epochs: int = 10) -> str:
    return f"{url}/?net={NET}&view=trained&max_epoch={epochs}&train_images=20000&seed={seed}"


def training_children(server_pid: int) -> list[int]:
    found = []
    for pid in _children(server_pid):
        try:
            if b"cnnlab.training_process" in Path(f"/proc/{pid}/cmdline").read_bytes() and \
                    Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append(pid)
        except OSError:
            continue
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def until(condition, seconds: float, step: float = 0.05) -> float:
    """Seconds until `condition()` holds (raises after `seconds`)."""
    t0 = time.monotonic()
    while not condition():
        if time.monotonic() - t0 > seconds:
            raise TimeoutError
        time.sleep(step)
    return time.monotonic() - t0


def new_tab(browser, url: str):
    tab = browser.new_page(viewport={"width": 1400, "height": 1600})
    tab.set_default_timeout(180000)  # a shared, loaded machine
    tab.goto(url, wait_until="commit")
    return tab


def child_killed(browser, url: str, proc) -> None:
    print("1. the training child killed mid-epoch")
    tab = new_tab(browser, link(url, 1))
    tab.get_by_text(PROGRESS).first.wait_for(timeout=180000)
    [child] = training_children(proc.pid)
    os.kill(child, signal.SIGKILL)
    t0 = time.monotonic()
    tab.get_by_text(FAILED).wait_for(timeout=30000)
    print(f"   failure shown {time.monotonic() - t0:.2f} s after the kill")
    starts, shown = set(), []
    end = time.monotonic() + 10
    while time.monotonic() < end:  # the page stays open, its poll would ask again
        starts.update(training_children(proc.pid))
        shown.append(main_text(tab).count(FAILED))
        time.sleep(0.1)
    retry = tab.get_by_role("button", name="Retry the training")
    print(f"   over the next 10 s: {len(starts)} training child(ren) started; the failure shown "
          f"{min(shown)}-{max(shown)} time(s) on the page in {len(shown)} looks; Retry button: {retry.count()}")
    print(f"   page: {main_text(tab).split(FAILED)[0][-80:]!r}...")
    retry.click()
    t0 = time.monotonic()
    tab.get_by_text(PROGRESS).first.wait_for(timeout=180000)
    print(f"   Retry: training again after {time.monotonic() - t0:.2f} s, children {len(training_children(proc.pid))}")
    tab.close()


def tab_closes(browser, url: str, proc, times: int) -> None:
    print("3. a training's only tab closed")
    seconds = []
    for k in range(times):
        tab = new_tab(browser, link(url, 20 + k))
        tab.get_by_text(PROGRESS).first.wait_for(timeout=180000)
        tab.close()
        seconds.append(until(lambda: not training_children(proc.pid), 30))
    print(f"   tab closed -> child gone: {', '.join(f'{s:.2f}' for s in seconds)} s")


def ten_tabs(browser, url: str, proc, tabs: int) -> None:
    print(f"4. {tabs} tabs of the issue's link (seeds 0-{tabs - 1})")
    pages = []
    for seed in range(tabs):  # one after the other: the queue's order is the tabs' order
        page = new_tab(browser, link(url, 100 + seed))
        t0 = time.monotonic()
        try:
            page.get_by_text(STATUS).first.wait_for(timeout=180000)
        except Exception:
            page.screenshot(path=f"training-faults-tab-{seed}.png", full_page=True)
            raise
        line = next(x for x in main_text(page).splitlines() if STATUS.search(x))
        print(f"   tab {seed + 1} ({time.monotonic() - t0:.1f} s): {line[:70]!r}", flush=True)
        pages.append(page)
    texts = [main_text(p) for p in pages]
    refused = [t for t in texts if "Not queued" in t]
    print(f"   queued or running: {len(texts) - len(refused)}, refused: {len(refused)}")
    if refused:
        print("   refused tab says: " + next(line for line in refused[0].splitlines() if "Not queued" in line))
    for page in pages:
        page.close()
    t0 = time.monotonic()
    gone = until(lambda: not training_children(proc.pid), 60)
    print(f"   all closed -> no training child after {gone:.2f} s")
    visitor = new_tab(browser, link(url, 999, 1))
    visitor.get_by_text(STATUS).first.wait_for(timeout=300000)
    line = next(x for x in main_text(visitor).splitlines() if STATUS.search(x))
    print(f"   a new visitor {time.monotonic() - t0:.1f} s after the closing: {line[:90]!r}")
    visitor.close()


def server_killed(p, tmp: Path) -> None:
    print("2. the server killed mid-training")
    with streamlit_process() as (url, proc):
        browser = launch(p)
        tab = new_tab(browser, link(url, 2))
        tab.get_by_text(PROGRESS).first.wait_for(timeout=180000)
        [child] = training_children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        try:
            gone = f"{until(lambda: not running(child), 30):.2f} s"
        except TimeoutError:
            gone = "not within 30 s"
        folders = sorted(f.name for f in tmp.glob(f"cnnlab-training-{proc.pid}-*"))
        print(f"   its training child ended {gone} after; folders left: {folders}")
        tab.wait_for_timeout(3000)
        status = tab.locator("[data-testid='stStatusWidget'], [role='dialog']")
        shown = " | ".join(" ".join(t.split()) for t in status.all_inner_texts()) or "(no status or dialog)"
        print(f"   page 3 s later: Streamlit's status/dialog: {shown!r}; the training's line: "
              f"{next((x for x in main_text(tab).splitlines() if STATUS.search(x)), '(none)')!r}")
        browser.close()
    with streamlit_process() as (url, proc):
        browser = launch(p)
        tab = new_tab(browser, f"{url}/")
        tab.get_by_text("cnnlab").first.wait_for(timeout=180000)
        left = sorted(f.name for f in tmp.glob("cnnlab-training-*"))
        print(f"   a new server's first page loaded: folders left {left}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tabs", type=int, default=10)
    parser.add_argument("--closes", type=int, default=3)
    parser.add_argument("--steps", default="123", help="which of the steps above to run (4: ten browser tabs, heavy)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="cnnlab-faults-") as tmp:
        os.environ["TMPDIR"] = tmp  # the servers' (and their children's) temporary folders go here
        tempfile.tempdir = None
        with sync_playwright() as p:
            if "1" in args.steps or "3" in args.steps:
                with streamlit_process() as (url, proc):
                    browser = launch(p)
                    if "1" in args.steps:
                        child_killed(browser, url, proc)
                    if "3" in args.steps:
                        tab_closes(browser, url, proc, args.closes)
                    browser.close()
            if "2" in args.steps:
                server_killed(p, Path(tmp))
            if "4" in args.steps and args.tabs:
                with streamlit_process() as (url, proc):
                    browser = launch(p)
                    ten_tabs(browser, url, proc, args.tabs)
                    browser.close()


if __name__ == "__main__":
    main()
