"""The bundled MNIST test set and image preprocessing (Pillow).

MNIST (Yann LeCun, Corinna Cortes, Christopher J. C. Burges), CC BY-SA 3.0: see
cnnlab/data/NOTICE. Rebuilt by scripts/build_mnist.py.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MNIST_PATH = Path(__file__).with_name("data") / "mnist_test.npz"
MNIST_TRAIN_PATH = MNIST_PATH.with_name("mnist_train.npz")  # 20,000 MNIST training images
SEED_INDEX = 4  # the first "4" of the test set: the blog post's digit
MAX_UPLOAD_PIXELS = 40_000_000  # larger images are refused before decoding


@dataclass(frozen=True)
class Mnist:
    """images (10000, 28, 28) uint8, white digit on black; labels (10000,) uint8."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def indices_of(self, digit: int) -> np.ndarray:
        """Test-set indices whose label is `digit`, in order."""
        return np.flatnonzero(self.labels == digit)

    def image(self, index: int) -> np.ndarray:
        """Image `index` as float32 (28, 28) in [0, 1] (value / 255)."""
        return self.images[index].astype(np.float32) / np.float32(255)


@lru_cache(maxsize=2)
def load_mnist(path: Path = MNIST_PATH) -> Mnist:
    """Load a shipped set once (read-only arrays): the test set, or MNIST_TRAIN_PATH."""
    with np.load(path) as npz:
        images, labels = npz["images"], npz["labels"]
    images.flags.writeable = False
    labels.flags.writeable = False
    return Mnist(images, labels)


class ImageError(ValueError):
    """An image that cannot be used; the message is for people."""


def open_image(data: bytes, max_pixels: int = MAX_UPLOAD_PIXELS) -> Image.Image:
    """Decode uploaded bytes; apply the EXIF orientation. ImageError for anything unusable."""
    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > max_pixels:
            raise ImageError(
                f"The image is {img.width}x{img.height} pixels; at most "
                f"{max_pixels // 1_000_000} million pixels are accepted."
            )
        img.load()
        return ImageOps.exif_transpose(img)
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise ImageError(f"This file could not be read as an image ({type(err).__name__}).") from err


def to_array(img: Image.Image, color: bool = False) -> np.ndarray:
    """Pillow image -> float32 in [0, 1]: (H, W) grayscale, or (3, H, W) RGB if color.

    Any bit depth (8-bit, 16-bit, float) is scaled by its own range; transparency is
    composited on white.
    """
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        if img.mode == "F":
            top = max(float(arr.max()), 1.0) if arr.max() > 1 else 1.0
        gray = np.clip(arr / top, 0.0, 1.0).astype(np.float32)
        return np.stack([gray] * 3) if color else gray
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    if color:
        return np.asarray(img.convert("RGB"), dtype=np.float32).transpose(2, 0, 1) / np.float32(255)
    return np.asarray(img.convert("L"), dtype=np.float32) / np.float32(255)


MAX_AS_IS_SIDE = 64  # an upload used "as is" is shrunk to fit this (the maps stay quick)


def prepare_upload(data: bytes, as_mnist: bool = True) -> np.ndarray:
    """Uploaded bytes -> the network's input: MNIST-style (28, 28), or the grayscale image
    shrunk to fit MAX_AS_IS_SIDE. Raises ImageError with a plain message."""
    gray = to_array(open_image(data))
    if as_mnist:
        return mnist_style(gray)
    h, w = gray.shape
    scale = min(1.0, MAX_AS_IS_SIDE / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        img = Image.fromarray(np.rint(gray * 255).astype(np.uint8)).resize(size, Image.Resampling.LANCZOS)
        gray = np.asarray(img, dtype=np.float32) / np.float32(255)
    return gray


def mnist_style(gray: np.ndarray) -> np.ndarray:
    """Grayscale (H, W) in [0, 1] -> (28, 28) like MNIST: white digit on black, the digit
    scaled to fit a 20x20 box and centred by its centre of mass."""
    gray = np.asarray(gray, dtype=np.float32)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:  # dark ink on light paper: invert
        gray = 1.0 - gray
    gray = np.clip(gray - np.median(border if np.median(border) <= 0.5 else 1.0 - border), 0, 1)
    ink = gray > 0.1 * max(float(gray.max()), 1e-6)
    if not ink.any():
        return np.zeros((28, 28), dtype=np.float32)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = gray[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = 20.0 / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = Image.fromarray((crop / max(float(crop.max()), 1e-6) * 255).astype(np.uint8))
    digit = np.asarray(small.resize(size, Image.Resampling.LANCZOS), dtype=np.float32) / 255
    digit = np.clip(digit, 0, 1)
    total = digit.sum()
    cy = (digit.sum(axis=1) * np.arange(digit.shape[0])).sum() / total
    cx = (digit.sum(axis=0) * np.arange(digit.shape[1])).sum() / total
    top = int(np.clip(round(14 - cy - 0.5), 0, 28 - digit.shape[0]))
    left = int(np.clip(round(14 - cx - 0.5), 0, 28 - digit.shape[1]))
    out = np.zeros((28, 28), dtype=np.float32)
    out[top:top + digit.shape[0], left:left + digit.shape[1]] = digit
    return out
