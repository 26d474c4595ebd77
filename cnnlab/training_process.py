"""Train in a child process, for a server that many visitors share.

In the server's own process a training competes with every visitor's page update for
Python's GIL (its Python parts run between NumPy calls), and a lowered thread priority
makes that worse (the GIL then waits for a thread the OS runs last). A child process
shares no GIL: it runs at lower CPU priority (nice), its BLAS thread limit and
allocator settings stay in it, it can be stopped at once, and its memory is returned to
the system when it ends.

The parent sends the stack as text (`presets.format_stack`), the child prints one JSON
line per progress report and writes the trained weights and the test accuracy to an
.npz file. Run as `python -m cnnlab.training_process REQUEST_JSON OUT_NPZ`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from cnnlab.presets import format_stack, parse_stack
from cnnlab.layers import LayerSpec
from cnnlab.training import Model, Progress

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


class TrainingFailed(RuntimeError):
    """The child process ended without a model; the message says how it ended."""


def train_in_child(specs: Sequence[LayerSpec], images: int, epochs: int, seed: int,
                   report: Callable[[Progress], None] | None = None, nice: int = 10) -> tuple[Model, float]:
    """Train `specs` + Affine(10) on the first `images` shipped training images for `epochs`
    epochs in a child process at `nice`; (the Model, its test accuracy). `report` is called
    in this thread for every progress line. If this thread is interrupted (an exception
    from `report`, such as Streamlit stopping a rerun), the child is killed at once."""
    request = json.dumps({"stack": format_stack(tuple(specs)), "images": images, "epochs": epochs,
                          "seed": seed, "nice": nice})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")])}
    with tempfile.TemporaryDirectory(prefix="cnnlab-training-") as tmp:
        out, errors = Path(tmp) / "model.npz", Path(tmp) / "stderr.txt"
        with open(errors, "wb") as err:
            child = subprocess.Popen([sys.executable, "-m", "cnnlab.training_process", request, str(out)],
                                     stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                     text=True, cwd=tmp)
            try:
                for line in child.stdout:
                    if report is not None:
                        report(Progress(**json.loads(line)))
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
            return _model(tuple(specs), saved), float(saved["accuracy"])


def _model(specs: tuple[LayerSpec, ...], saved) -> Model:
    params = []
    for k in range(len(specs)):
        if f"w{k}" in saved:
            params.append((saved[f"w{k}"], saved[f"b{k}"] if f"b{k}" in saved else None))
        else:
            params.append(None)
    return Model(specs, params, saved["head_w"], saved["head_b"])


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

    def report(p: Progress) -> None:
        print(json.dumps(asdict(p)), flush=True)

    model = training.train(specs, data.images[:n], data.labels[:n], request["epochs"], request["seed"], report=report)
    arrays = {"head_w": model.head_w, "head_b": model.head_b,
              "accuracy": np.array(training.accuracy(model, test.images, test.labels))}
    for k, p in enumerate(model.params):
        if p is not None:
            arrays[f"w{k}"] = p[0]
            if p[1] is not None:
                arrays[f"b{k}"] = p[1]
    np.savez(out, **arrays)


if __name__ == "__main__":
    main(sys.argv[1:])
