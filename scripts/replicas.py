"""N replicas of `streamlit run app.py` behind nginx, in the foreground; Ctrl-C stops them all.

    python scripts/replicas.py [--replicas 2] [--port 8080] [--first-port 8501] [--address 0.0.0.0]

Replica k listens on 127.0.0.1:(first port + k); nginx (Debian's `nginx` package) listens on
address:port with deploy/nginx.conf filled in, and keeps each browser on one replica by a cookie
it sets on the first request (the template says why not ip_hash). Every replica is a whole app:
its own caches and its own training worker (one training at a time per replica). The replicas
share one random `server.cookieSecret` (Streamlit's advice for replicas). Their logs and nginx's
(access.log: the cookie, the replica and the request) go to a folder printed at start.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf"


def nginx_conf(ports: Sequence[int], listen: str, prefix: Path) -> str:
    """deploy/nginx.conf with one upstream server per replica port, nginx listening on
    `listen` (e.g. "0.0.0.0:8080") and its pid, logs and buffers under `prefix`."""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    lines = TEMPLATE.read_text().splitlines(keepends=True)
    return "".join(line if line.lstrip().startswith("#") else
                   line.replace("@SERVERS@", servers.strip()).replace("@LISTEN@", listen).replace("@PREFIX@", str(prefix))
                   for line in lines)


@dataclass
class Cluster:
    """The running replicas and nginx: `url` is nginx's; `replicas` maps each replica's
    base URL to its process; `folder` holds the logs (replica-PORT.log, access.log)."""

    url: str
    replicas: dict[str, subprocess.Popen]
    nginx: subprocess.Popen
    folder: Path


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def replicas(n: int = 2, port: int = 8080, first_port: int = 8501, address: str = "127.0.0.1",
             folder: Path | None = None, nginx: str = "nginx", timeout: float = 90.0) -> Iterator[Cluster]:
    """Start n replicas on 127.0.0.1:first_port.. and nginx on address:port in front of them,
    wait until every replica and nginx answer, yield the Cluster, and stop them all on exit."""
    folder = Path(folder or tempfile.mkdtemp(prefix="cnnlab-replicas-"))
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # nginx's workers (user nobody when started by root) write its buffers here
    env = dict(os.environ, STREAMLIT_SERVER_COOKIE_SECRET=secrets.token_hex(32))
    # one OpenBLAS thread a replica: its visitors' small products gain nothing from a second
    # thread, which only spins against the other replicas (the classroom benchmark: p95 1.40 -> 1.18 s)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    ports = [first_port + k for k in range(n)]
    with ExitStack() as stack:
        procs: dict[str, subprocess.Popen] = {}
        for p in ports:
            log = stack.enter_context(open(folder / f"replica-{p}.log", "wb"))
            cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(p),
                   "--server.address", "127.0.0.1", "--server.headless", "true",
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            stack.callback(_stop, proc)
            procs[f"http://127.0.0.1:{p}"] = proc
        conf = folder / "nginx.conf"
        conf.write_text(nginx_conf(ports, f"{address}:{port}", folder))
        check = subprocess.run([nginx, "-t", "-q", "-e", "stderr", "-p", str(folder), "-c", str(conf)],
                               capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx refused {conf}:\n{check.stderr}")
        nginx_log = stack.enter_context(open(folder / "nginx-error.log", "wb"))
        server = subprocess.Popen([nginx, "-e", "stderr", "-p", str(folder), "-c", str(conf)],
                                  stdout=nginx_log, stderr=subprocess.STDOUT)
        stack.callback(_stop, server)
        url = f"http://{'127.0.0.1' if address in ('0.0.0.0', '') else address}:{port}"
        deadline = time.monotonic() + timeout
        for base, proc in [*procs.items(), (url, server)]:
            while not _healthy(base):
                if proc.poll() is not None or time.monotonic() > deadline:
                    logs = "\n".join(f"--- {f.name}\n{f.read_text(errors='replace')[-3000:]}"
                                     for f in sorted(folder.glob("*.log")))
                    raise RuntimeError(f"{base} did not start:\n{logs}")
                time.sleep(0.2)
        yield Cluster(url, procs, server, folder)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2, help="how many `streamlit run app.py` (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument("--address", default="0.0.0.0", help="nginx's address (default all interfaces)")
    parser.add_argument("--first-port", type=int, default=8501, help="replica k listens on this + k")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the logs (default: a new temporary one)")
    args = parser.parse_args(argv)
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        sys.exit("nginx is not installed (Debian: apt-get install -y nginx)")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    # Ctrl-C reaches every child too (one process group); SIGINT alone (even when started in the
    # background, where a shell ignores it) and SIGTERM stop them all the same way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with replicas(args.replicas, args.port, args.first_port, args.address, args.dir, nginx) as cluster:
            print(f"{args.replicas} replicas behind nginx: open {cluster.url} (Ctrl-C stops them all)")
            for base, proc in cluster.replicas.items():
                print(f"  replica {base} pid {proc.pid}")
            print(f"  nginx pid {cluster.nginx.pid}; logs in {cluster.folder}", flush=True)
            while all(p.poll() is None for p in [cluster.nginx, *cluster.replicas.values()]):
                time.sleep(0.5)
            print("a replica or nginx stopped: stopping the others", file=sys.stderr)
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)


if __name__ == "__main__":
    main()
