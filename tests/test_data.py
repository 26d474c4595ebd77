import hashlib
import io

import numpy as np
import pytest
from PIL import Image

from cnnlab.data import MNIST_PATH, ImageError, load_mnist, mnist_style, open_image, to_array

# SHA-256 of the original MNIST t10k files' pixels and labels (t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte).
PIXELS_SHA256 = "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161"
LABELS_SHA256 = "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5"


def test_shipped_mnist_is_the_original_test_set():
    mnist = load_mnist()
    assert mnist.images.shape == (10000, 28, 28) and mnist.images.dtype == np.uint8
    assert mnist.labels.shape == (10000,) and mnist.labels.dtype == np.uint8
    assert hashlib.sha256(mnist.images.tobytes()).hexdigest() == PIXELS_SHA256
    assert hashlib.sha256(mnist.labels.tobytes()).hexdigest() == LABELS_SHA256
    assert list(mnist.labels[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert mnist.indices_of(4)[0] == 4
    assert MNIST_PATH.stat().st_size <= 2.5e6
    assert (MNIST_PATH.parent / "NOTICE").read_text().count("CC BY-SA 3.0") >= 1


def test_image_is_float_in_unit_range_and_read_only_dataset():
    mnist = load_mnist()
    img = mnist.image(4)
    assert img.dtype == np.float32 and img.shape == (28, 28)
    assert img.min() == 0.0 and img.max() == 1.0
    with pytest.raises(ValueError):
        mnist.images[0, 0, 0] = 1


def _png(img: Image.Image, **save) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=save.pop("format", "PNG"), **save)
    return buf.getvalue()


def test_to_array_modes():
    gray = Image.fromarray(np.array([[0, 255], [51, 102]], dtype=np.uint8))
    np.testing.assert_allclose(to_array(gray), [[0, 1], [0.2, 0.4]], atol=1e-7)
    rgb = Image.new("RGB", (3, 2), (255, 0, 0))
    assert to_array(rgb, color=True).shape == (3, 2, 3)
    np.testing.assert_allclose(to_array(rgb, color=True)[0], 1.0)
    sixteen = Image.fromarray(np.array([[0, 65535], [32768, 0]], dtype=np.uint16))
    np.testing.assert_allclose(to_array(sixteen), [[0, 1], [32768 / 65535, 0]], rtol=1e-6)
    rgba = Image.new("RGBA", (2, 2), (0, 0, 0, 0))  # fully transparent: white paper
    np.testing.assert_allclose(to_array(rgba), 1.0)


def test_open_image_refuses_bad_data_plainly():
    with pytest.raises(ImageError, match="could not be read"):
        open_image(b"not an image at all")
    truncated = _png(Image.new("L", (64, 64), 128))[:60]
    with pytest.raises(ImageError, match="could not be read"):
        open_image(truncated)
    with pytest.raises(ImageError, match="million pixels"):
        open_image(_png(Image.new("L", (300, 300))), max_pixels=10_000)


def test_open_image_applies_exif_rotation():
    img = Image.new("L", (40, 20), 0)
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    opened = open_image(_png(img, format="JPEG", exif=exif.tobytes()))
    assert opened.size == (20, 40)


def test_mnist_style_white_on_black_centred_in_20_box():
    paper = np.ones((100, 60), dtype=np.float32)
    paper[10:70, 5:25] = 0.0  # a dark bar, off-centre, on white paper
    out = mnist_style(paper)
    assert out.shape == (28, 28) and out.dtype == np.float32
    ink = out > 0.1
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    assert rows[-1] - rows[0] + 1 <= 21 and cols[-1] - cols[0] + 1 <= 21
    cy = (out.sum(1) * np.arange(28)).sum() / out.sum()
    cx = (out.sum(0) * np.arange(28)).sum() / out.sum()
    assert abs(cy - 13.5) <= 1.0 and abs(cx - 13.5) <= 1.0
    assert out[0, 0] == 0.0 and out.max() > 0.9
    assert not mnist_style(np.zeros((10, 10))).any()


def test_prepare_upload_as_is_keeps_small_images_and_shrinks_big_ones():
    from cnnlab.data import prepare_upload

    small = _png(Image.fromarray(np.full((20, 30), 128, np.uint8)))
    out = prepare_upload(small, as_mnist=False)
    assert out.shape == (20, 30) and out[0, 0] == pytest.approx(128 / 255)
    big = _png(Image.new("L", (640, 320), 200))
    assert prepare_upload(big, as_mnist=False).shape == (128, 256)
    assert prepare_upload(big, as_mnist=True).shape == (28, 28)


def test_prepare_upload_in_colour_keeps_three_channels_up_to_256_pixels():
    from cnnlab.data import prepare_upload

    rgb = np.zeros((10, 12, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 255, 128, np.arange(12, dtype=np.uint8)[None] * 20
    out = prepare_upload(_png(Image.fromarray(rgb)), color=True)
    assert out.shape == (3, 10, 12) and out.dtype == np.float32
    np.testing.assert_allclose(out, rgb.transpose(2, 0, 1) / 255, atol=1e-6)
    big = prepare_upload(_png(Image.new("RGB", (1000, 500), (10, 200, 30))), color=True)
    assert big.shape == (3, 128, 256)
    np.testing.assert_allclose(big[:, 64, 128], [10 / 255, 200 / 255, 30 / 255], atol=1 / 255)
    gray = prepare_upload(_png(Image.new("L", (8, 8), 51)), as_mnist=True, color=True)  # colour wins: as it is
    assert gray.shape == (3, 8, 8) and np.allclose(gray, 0.2)


def test_the_bundled_photos_are_the_built_ones():
    from cnnlab.data import PHOTOS, load_photo

    assert set(PHOTOS) == {"astronaut", "cat", "coffee", "rocket"}
    for name, digest in PHOTO_PIXELS_SHA256.items():
        photo = load_photo(name)
        assert photo.dtype == np.uint8 and photo.shape[0] == 3 and max(photo.shape[1:]) == 256
        assert hashlib.sha256(photo.tobytes()).hexdigest() == digest, name


PHOTO_PIXELS_SHA256 = {  # of the decoded pixels scripts/build_photos.py wrote (Pillow 13's LANCZOS)
    "astronaut": "a2df69db1d9dcf8eaeee09b5512f720b9e69c73f6684ecfeb55de2002c55659e",
    "cat": "64aca625438d58e42a72ec83f4def4ed12f5fa7e40451ddcdca94f9b8a93c7d3",
    "coffee": "188fe91dd2af95a77213d6c0b44f7b3b7cbeeeb704307efc60ba915f8de17673",
    "rocket": "ae780aee5cc91e3ac99b1c8373f52c3a5ff3f8b5147885763f133f5f54f0e8cf",
}


TRAIN_PIXELS_SHA256 = "0256de32dd5050b8dd6e2b05e1ae765ddfc4e4b1ee926076b40746b1fa882e29"  # scripts/build_mnist.py
TRAIN_LABELS_SHA256 = "144ad3b0173ca5c3576c18ce96a30122a116dac67293af6b88c4f037dea66eb3"


def test_shipped_training_subset():
    from cnnlab.data import MNIST_TRAIN_PATH

    train = load_mnist(MNIST_TRAIN_PATH)
    assert train.images.shape == (20000, 28, 28) and train.images.dtype == np.uint8
    assert hashlib.sha256(train.images.tobytes()).hexdigest() == TRAIN_PIXELS_SHA256
    assert hashlib.sha256(train.labels.tobytes()).hexdigest() == TRAIN_LABELS_SHA256
    assert sorted(set(train.labels.tolist())) == list(range(10))
    test_bytes = {hashlib.sha256(img.tobytes()).digest() for img in load_mnist().images}
    assert not any(hashlib.sha256(img.tobytes()).digest() in test_bytes for img in train.images[:2000])
    shipped = sum(p.stat().st_size for p in MNIST_TRAIN_PATH.parent.glob("*.npz"))
    assert shipped <= 6e6


def _blank_png(width: int, height: int) -> bytes:
    """A width x height RGBA PNG of zeros, written row by row (no image of that size is held)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer, row, idat = zlib.compressobj(9), b"\0" * (1 + 4 * width), []
    for _ in range(height):
        idat.append(packer.compress(row))
    idat.append(packer.flush())
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", b"".join(idat)) + chunk(b"IEND", b""))


def test_a_png_too_large_once_decoded_is_refused_without_decoding_it(tmp_path):
    """The review's 6300x6300 RGBA PNG (158 MB decoded, under the pixel limit): refused by
    the decoded-size check, and the process's peak memory grows < 50 MB during the call
    (measured in a fresh process: peak RSS reset through /proc/self/clear_refs)."""
    import subprocess
    import sys

    path = tmp_path / "huge.png"
    path.write_bytes(_blank_png(6300, 6300))
    assert path.stat().st_size < 400_000
    script = f"""
import pathlib
from cnnlab.data import ImageError, open_image
def status(key):
    return int(next(l for l in open("/proc/self/status") if l.startswith(key)).split()[1])
data = pathlib.Path({str(path)!r}).read_bytes()
open("/proc/self/clear_refs", "w").write("5")  # VmHWM := VmRSS
before = status("VmRSS")
try:
    open_image(data)
    print("accepted")
except ImageError as err:
    print("refused", "MB once decoded" in str(err))
print((status("VmHWM") - before) // 1024)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    verdict, growth_mb = out.stdout.split("\n")[:2]
    assert verdict == "refused True"
    assert int(growth_mb) < 50, f"peak grew by {growth_mb} MB"


def test_open_image_applies_exif_rotation_of_a_png_too():
    img = Image.new("L", (40, 20), 0)
    exif = img.getexif()
    exif[0x0112] = 8
    assert open_image(_png(img, exif=exif.tobytes())).size == (20, 40)
