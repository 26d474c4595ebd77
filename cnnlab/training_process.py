"""Train in a child process, for a server that many visitors share.

In the server's own process a training competes with every visitor's page update for
Python's GIL (its Python parts run between NumPy calls), and a lowered thread priority
makes that worse (the GIL then waits for a thread the OS runs last). A child process
shares no GIL: it runs at lower CPU priority (nice), its BLAS thread limit and
allocator settings stay in it, it can be stopped at once, and its memory is returned to
the system when it ends.

The parent sends the stack as text (`presets.format_stack`), the child prints one JSON
line per progress report (a batch: Progress; an epoch's end: EpochDone with its test
accuracy) and writes the weights after every epoch (epoch 0: untrained), the test
accuracies and the final model's class probabilities on the test set to an .npz file.
Run as `python -m cnnlab.training_process REQUEST_JSON OUT_NPZ`.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from cnnlab.presets import format_stack, parse_stack
from cnnlab.layers import LayerSpec
from cnnlab.training import Model, Progress, network

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
KEPT_FREED_BYTES = 256 * 2**20
CHILD_ENVIRONMENT: dict[str, str] = {
    # Training splits each batch over two Python threads (NumPy releases the GIL in its loops
    # and GEMMs); OpenBLAS's own threads would only compete with them (one BLAS thread is as
    # fast for these small GEMMs). Read when OpenBLAS loads, so only a child can be given it.
    "OPENBLAS_NUM_THREADS": "1",
    # A training allocates and frees the same tens of megabytes every batch: glibc keeps freed
    # blocks up to this size mapped for reuse instead of unmapping and faulting them in again
    # (the memory goes back to the system when the child ends). Ignored by other C libraries.
    "MALLOC_MMAP_THRESHOLD_": str(KEPT_FREED_BYTES),
    "MALLOC_TRIM_THRESHOLD_": str(4 * KEPT_FREED_BYTES),
    "MALLOC_TOP_PAD_": str(KEPT_FREED_BYTES // 4),
    # One malloc arena: with an arena per worker thread each kept its own freed blocks, and a
    # child's peak was up to 1.5x its priced batch memory above its base.
    "MALLOC_ARENA_MAX": "1",
}
"""What a training child's environment adds to the server's: its BLAS thread limit and allocator
settings, which stay in it."""


def child_environment() -> dict[str, str]:
    """The training child's environment: the server's, CHILD_ENVIRONMENT (one OpenBLAS thread;
    glibc: freed memory kept for reuse, one malloc arena) and this package importable."""
    return {**os.environ, **CHILD_ENVIRONMENT,
            "PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")])}


class TrainingFailed(RuntimeError):
    """The child process ended without a model; the message says how it ended."""


class TrainingStopped(Exception):
    """The training was stopped from outside (its `stop` event set); its child was killed."""


FOLDER_PREFIX = "cnnlab-training-"  # then the server's pid and "-": cnnlab-training-1234-k2j3h4
_FOLDER = re.compile(re.escape(FOLDER_PREFIX) + r"(\d+)-")


def clean_stale_folders(root: str | os.PathLike | None = None) -> list[Path]:
    """Remove the temporary folders of trainings whose server process is no longer alive
    (a server killed mid-training leaves its folder behind); a living server's folders,
    and folders of any other name, are left alone. Returns the folders removed."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(FOLDER_PREFIX + "*"):
        match = _FOLDER.match(folder.name)
        if match is None or not folder.is_dir() or folder.is_symlink() or _alive(int(match.group(1))):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    """True if a process `pid` exists (or might: one we may not signal counts as alive)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


@dataclass(frozen=True)
class EpochDone:
    """An epoch has ended; its model's accuracy on the 10,000 test images."""

    epoch: int
    test_accuracy: float


@dataclass(frozen=True)
class Trained:
    """A finished training: the model after each epoch (index 0: untrained), the test
    accuracy after each epoch (index 0: untrained), and the final model's class
    probabilities on the test set (10000, 10) float32."""

    models: tuple[Model, ...]
    test_accuracy: tuple[float, ...]
    test_probabilities: np.ndarray

    @property
    def model(self) -> Model:
        return self.models[-1]

    @property
    def accuracy(self) -> float:
        return self.test_accuracy[-1]

    def nbytes(self) -> int:
        return self.test_probabilities.nbytes + sum(m.nbytes() for m in self.models)


def train_in_child(specs: Sequence[LayerSpec], images: int, epochs: int, seed: int,
                   report: Callable[[Progress | EpochDone], None] | None = None, nice: int = 10,
                   stop: threading.Event | None = None) -> Trained:
    """Train network(specs) (`specs`, then the Affine(10) classifier) on the first `images`
    shipped training images for `epochs` epochs in a child process at `nice`. `report` is called in this thread for every
    progress line. If this thread is interrupted (an exception from `report`, such as a
    cancelled training) or `stop` is set (looked at every 0.2 s, between reports too), the
    child is killed at once (TrainingStopped for `stop`). A child that dies (killed by a
    signal, out of memory) raises TrainingFailed: nothing here starts it again."""
    request = json.dumps({"stack": format_stack(tuple(specs)), "images": images, "epochs": epochs,
                          "seed": seed, "nice": nice})
    env = child_environment()
    with tempfile.TemporaryDirectory(prefix=f"{FOLDER_PREFIX}{os.getpid()}-") as tmp:
        out, errors = Path(tmp) / "model.npz", Path(tmp) / "stderr.txt"
        with open(errors, "wb") as err:
            child = subprocess.Popen([sys.executable, "-m", "cnnlab.training_process", request, str(out)],
                                     stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                     cwd=tmp)
            try:
                for line in _lines(child, stop):
                    if report is not None and line.strip():
                        fields = json.loads(line)
                        report(EpochDone(**fields) if "test_accuracy" in fields else Progress(**fields))
                child.wait()
            finally:
                if child.poll() is None:
                    child.kill()
                    child.wait()
                child.stdout.close()
        if child.returncode != 0 or not out.exists():
            tail = errors.read_text(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise TrainingFailed(f"The training process ended with code {child.returncode}: {tail[0]}")
        with np.load(out) as saved:
            models = tuple(_model(network(specs), saved, f"e{e}_") for e in range(epochs + 1))
            return Trained(models, tuple(float(a) for a in saved["test_accuracy"]), saved["test_probabilities"])


def _lines(child: subprocess.Popen, stop: threading.Event | None):
    """The child's output lines (bytes) as they come, until it closes its output; raises
    TrainingStopped as soon as `stop` is set."""
    fd, pending = child.stdout.fileno(), b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            if stop is not None and stop.is_set():
                raise TrainingStopped
            if not selector.select(0.2):
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                if pending:
                    yield pending
                return
            *lines, pending = (pending + chunk).split(b"\n")
            yield from lines


def _model(specs: tuple[LayerSpec, ...], saved, prefix: str) -> Model:
    """The model of `specs` (the whole network, its classifier last) saved under `prefix`:
    layer k's parameters are the arrays {prefix}{k}/{name} (every name, trained or a
    statistic, in the order it was saved)."""
    params: list[dict | None] = [None] * len(specs)
    for key in saved.files:
        if key.startswith(prefix) and "/" in key:
            k, name = key[len(prefix):].split("/", 1)
            if params[int(k)] is None:
                params[int(k)] = {}
            params[int(k)][name] = saved[key]
    return Model(specs, params)


def main(argv: list[str]) -> None:
    """The child: train, print progress as JSON lines, save the model and accuracy."""
    from cnnlab import training
    from cnnlab.data import MNIST_TRAIN_PATH, load_mnist

    request, out = json.loads(argv[0]), Path(argv[1])
    if request["nice"] > 0 and hasattr(os, "nice"):
        os.nice(request["nice"])
    specs = parse_stack(request["stack"]) if request["stack"] else ()
    data, test = load_mnist(MNIST_TRAIN_PATH), load_mnist()
    n = request["images"]
    images, labels = data.images[:n].copy(), data.labels[:n].copy()
    del data
    load_mnist.cache_clear()  # only the first n are trained on: the rest of the set's 47 MB is given back

    def report(p: Progress) -> None:
        print(json.dumps(asdict(p)), flush=True)

    arrays: dict[str, np.ndarray] = {}
    accuracies: list[float] = []

    def keep(epoch: int, model: training.Model) -> None:
        for k, p in enumerate(model.params):
            for name, array in (p or {}).items():
                arrays[f"e{epoch}_{k}/{name}"] = array.copy()
        accuracies.append(training.accuracy(model, test.images, test.labels))
        if epoch > 0:
            print(json.dumps(asdict(EpochDone(epoch, accuracies[-1]))), flush=True)

    model = training.train(specs, images, labels, request["epochs"], request["seed"],
                           report=report, on_epoch=keep)
    arrays["test_accuracy"] = np.array(accuracies)
    arrays["test_probabilities"] = training.predict(model, test.images).astype(np.float32)
    np.savez(out, **arrays)


if __name__ == "__main__":
    main(sys.argv[1:])
