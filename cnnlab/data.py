"""The bundled MNIST test set and image preprocessing (Pillow).

MNIST (Yann LeCun, Corinna Cortes, Christopher J. C. Burges), CC BY-SA 3.0: see
cnnlab/data/NOTICE. Rebuilt by scripts/build_mnist.py.
"""

from __future__ import annotations

import io
from struct import error as struct_error
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

MNIST_PATH = Path(__file__).with_name("data") / "mnist_test.npz"
MNIST_TRAIN_PATH = MNIST_PATH.with_name("mnist_train.npz")  # 20,000 MNIST training images
BLOG_DIGIT_INDEX = 4  # the first "4" of the test set: the blog post's digit
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


PHOTOS_DIR = MNIST_PATH.with_name("photos")
PHOTOS = ("astronaut", "cat", "coffee", "rocket")  # public domain / CC0: cnnlab/data/NOTICE


@lru_cache(maxsize=len(PHOTOS))
def load_photo(name: str) -> np.ndarray:
    """A bundled colour photo as (3, H, W) uint8, read-only (at most 256 pixels a side)."""
    if name not in PHOTOS:
        raise KeyError(name)
    with Image.open(PHOTOS_DIR / f"{name}.png") as img:
        pixels = np.ascontiguousarray(np.asarray(img.convert("RGB")).transpose(2, 0, 1))
    pixels.flags.writeable = False
    return pixels


class ImageError(ValueError):
    """An image that cannot be used; the message is for people."""


UPLOAD_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # nothing else is even parsed
MAX_DECODED_BYTES = 64 * 2**20  # one decoded frame at its own depth, checked before decoding
WORK_SIDE = 512  # every image is reduced to at most this side before any float work
# Bytes per pixel Pillow holds for a mode (RGB and friends are stored as 4 bytes).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "LA": 2, "La": 2, "PA": 2, "I;16": 2, "I;16L": 2, "I;16B": 2,
               "I;16N": 2}
_NUMERIC = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
_ORIENTATION = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError,
                  EOFError, ZeroDivisionError, struct_error, Image.DecompressionBombError, MemoryError)


def open_image(data: bytes, max_pixels: int = MAX_UPLOAD_PIXELS) -> Image.Image:
    """Decode uploaded bytes into a Pillow image of at most WORK_SIDE a side, upright (EXIF
    orientation applied). Only UPLOAD_FORMATS are parsed; the size is checked before
    decoding (pixels, and bytes at the image's own depth; JPEG is decoded at a reduced
    scale), and EXIF only after that check (a PNG's is looked for after its pixels); the
    first frame of an animation or a multi-page file is used. The size as sent (upright) is kept in img.info["original_size"]. ImageError, with a plain
    message, for anything unusable."""
    try:
        img = Image.open(io.BytesIO(data), formats=UPLOAD_FORMATS)
        width, height = img.size
        if width < 1 or height < 1:
            raise ImageError("The image has no pixels.")
        if width * height > max_pixels:
            raise ImageError(
                f"The image is {height} x {width} pixels (height x width); at most "
                f"{max_pixels // 1_000_000} million pixels are accepted."
            )
        if img.format == "JPEG":
            img.draft(img.mode, (WORK_SIDE, WORK_SIDE))  # decode at 1/2, 1/4 or 1/8 scale when that suffices
        decoded = img.size[0] * img.size[1] * _MODE_BYTES.get(img.mode, 4)
        if decoded > MAX_DECODED_BYTES:
            raise ImageError(
                f"The image is {height} x {width} pixels (height x width) of mode {img.mode}: "
                f"{decoded / 2**20:,.0f} MB once "
                f"decoded, more than the {MAX_DECODED_BYTES // 2**20} MB accepted. Save it smaller "
                "or as an 8-bit PNG or JPEG."
            )
        img.load()
        # Only now: a PNG's getexif() loads its pixels to look for an eXIf chunk after them.
        orientation = img.getexif().get(0x0112)
        if img.mode in _NUMERIC:  # scaled by its own range first, so a reduced image keeps that scale
            img = Image.fromarray(_unit_range(img))
        factor = -(-max(img.size) // WORK_SIDE)
        if factor > 1:
            img = (img if img.mode in ("L", "LA", "RGB", "RGBA", "F") else _flatten(img)).reduce(factor)
        if orientation in _ORIENTATION:
            img = img.transpose(_ORIENTATION[orientation])
            if orientation >= 5:  # a quarter turn
                width, height = height, width
        img.info["original_size"] = (width, height)
        return img
    except ImageError:
        raise
    except _DECODE_ERRORS as err:
        raise ImageError("This file could not be read as a PNG, JPEG, GIF, BMP, WebP or TIFF image: it is "
                         "damaged, truncated or of a kind this app does not read.") from err


def _unit_range(img: Image.Image) -> np.ndarray:
    """A 16-bit, 32-bit integer or float image as float32 in [0, 1], scaled by its own range
    (16-bit by 65535; 32-bit by 65535 if it goes past 255, else 255; float by its maximum
    if past 1); negatives become 0. ImageError for NaN or infinite pixels."""
    arr = np.asarray(img).astype(np.float32)
    if not np.isfinite(arr).all():
        raise ImageError("The image has pixels that are not numbers (NaN or infinity).")
    top = float(arr.max()) if arr.size else 1.0
    if img.mode == "F":
        top = max(top, 1.0)
    else:
        top = 65535.0 if img.mode.startswith("I;16") or top > 255 else 255.0
    return np.clip(arr / np.float32(top), 0, 1)


def _flatten(img: Image.Image) -> Image.Image:
    """Any 8-bit mode -> L, RGB or RGBA (transparency kept for compositing)."""
    if img.mode in ("L", "RGB", "RGBA"):
        return img
    if img.mode in ("LA", "La", "PA", "RGBa") or (img.mode == "P" and "transparency" in img.info):
        return img.convert("RGBA")
    if img.mode == "1":
        return img.convert("L")
    return img.convert("RGB")  # P, CMYK, YCbCr, RGBX, ...; LAB and HSV raise ValueError: refused


def to_array(img: Image.Image, color: bool = False) -> np.ndarray:
    """Pillow image -> float32 in [0, 1]: (H, W) grayscale, or (3, H, W) RGB if color.

    Any bit depth (8-bit, 16-bit, 32-bit integer, float) is scaled by its own range and
    converted in float32; transparency is composited on white. ImageError for a mode
    that cannot be converted and for NaN or infinite pixels.
    """
    try:
        if img.mode in _NUMERIC:
            gray = _unit_range(img)
            return np.stack([gray] * 3) if color else gray
        img = _flatten(img)
        if img.mode == "RGBA":
            background = Image.new("RGBA", img.size, (255, 255, 255, 255))
            img = Image.alpha_composite(background, img)
        if color:
            return np.asarray(img.convert("RGB"), dtype=np.float32).transpose(2, 0, 1) / np.float32(255)
        return np.asarray(img.convert("L"), dtype=np.float32) / np.float32(255)
    except ImageError:
        raise
    except (ValueError, OSError, TypeError) as err:
        raise ImageError(f"Images of colour mode {img.mode} cannot be converted here; save it as an RGB "
                         "or grayscale PNG or JPEG.") from err


MAX_AS_IS_SIDE = 256  # an image used "as is" (gray or colour) is scaled down to fit this


def prepare_upload(data: bytes, as_mnist: bool = True, color: bool = False) -> np.ndarray:
    """Uploaded bytes -> the network's input (prepare_image). Raises ImageError with a plain message."""
    return prepare_image(open_image(data), as_mnist, color)


def prepare_image(img: Image.Image, as_mnist: bool = True, color: bool = False) -> np.ndarray:
    """An opened image -> the network's input: in colour (3, H, W) as it is, else
    MNIST-style (28, 28), else grayscale (H, W) as it is; "as it is" scaled down (LANCZOS)
    to fit MAX_AS_IS_SIDE."""
    if color or not as_mnist:
        scale = min(1.0, MAX_AS_IS_SIDE / max(img.size))
        if scale < 1.0:
            img = _flatten(img) if img.mode not in _NUMERIC else img
            img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                             Image.Resampling.LANCZOS)
        return to_array(img, color=color)
    return mnist_style(to_array(img))


def mnist_style(gray: np.ndarray) -> np.ndarray:
    """Grayscale (H, W) in [0, 1] -> (28, 28) like MNIST: white digit on black (dark ink on
    light paper is inverted, the background level taken off), then fit_and_centre."""
    gray = np.asarray(gray, dtype=np.float32)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:  # dark ink on light paper: invert
        gray = 1.0 - gray
    gray = np.clip(gray - np.median(border if np.median(border) <= 0.5 else 1.0 - border), 0, 1)
    return fit_and_centre(gray, gray > 0.1 * max(float(gray.max()), 1e-6))


def fit_and_centre(ink: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """White-on-black (H, W) in [0, 1] -> (28, 28) as MNIST was made: cropped to the box
    of the `mask` cells (default: every cell above 0), scaled by area averaging so its
    longer side is 20 (the shorter side rounded, at least 1), normalised to a maximum of
    1, and placed so its centre of mass falls on the centre of the 28x28 field (shifted
    by whole pixels, kept inside). All zeros if nothing is inked."""
    ink = np.asarray(ink, dtype=np.float64)
    mask = ink > 0 if mask is None else mask
    if not mask.any():
        return np.zeros((28, 28), dtype=np.float32)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = 20.0 / max(crop.shape)
    h, w = (max(1, min(20, round(n * scale))) for n in crop.shape)
    digit = area_resize(crop, h, w)
    digit /= max(float(digit.max()), 1e-12)
    total = digit.sum()
    cy = (digit.sum(axis=1) * np.arange(h)).sum() / total
    cx = (digit.sum(axis=0) * np.arange(w)).sum() / total
    top = int(np.clip(round(14 - cy - 0.5), 0, 28 - h))
    left = int(np.clip(round(14 - cx - 0.5), 0, 28 - w))
    out = np.zeros((28, 28), dtype=np.float32)
    out[top:top + h, left:left + w] = digit
    return out


def area_resize(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """(H, W) -> (out_h, out_w) by area averaging: each output cell is the mean of the
    input over the rectangle it covers (fractional cells weighted by their overlap)."""
    image = np.asarray(image, dtype=np.float64)
    return _area_weights(image.shape[0], out_h) @ image @ _area_weights(image.shape[1], out_w).T


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in): row i averages input [i * n_in / n_out, (i + 1) * n_in / n_out)."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    starts, ends = edges[:-1, None], edges[1:, None]
    cells = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(ends, cells + 1) - np.maximum(starts, cells), 0, None)
    return overlap / (n_in / n_out)
