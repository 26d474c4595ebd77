"""Hostile and odd image files, all made here: each becomes a clean input or a plain
ImageError, never another exception, a NaN, or a decode of a bomb."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from cnnlab.data import MAX_AS_IS_SIDE, ImageError, open_image, prepare_upload


def save(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def digit(mode: str = "L", size=(60, 80)) -> Image.Image:
    """A dark stroke on light paper, in `mode`."""
    img = Image.new("L", size, 230)
    img.paste(20, (size[0] // 3, size[1] // 5, size[0] // 3 + 8, size[1] * 4 // 5))
    return img.convert(mode)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header_only(width: int, height: int, bit_depth: int = 8, color_type: int = 0) -> bytes:
    """A PNG that claims width x height but holds almost no data (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
            + chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header is patched to claim width x height."""
    data = bytearray(save(digit("RGB"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def float_tiff(values: np.ndarray) -> bytes:
    return save(Image.fromarray(values.astype(np.float32), mode="F"), "TIFF")


def animated(fmt: str, **kw) -> bytes:
    frames = [digit("RGB"), digit("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    return save(frames[0], fmt, save_all=True, append_images=frames[1:], **kw)


def with_exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(digit("RGB"), "JPEG", exif=exif.tobytes())


def text_bomb() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "A" * 50_000_000, zip=True)  # a zTXt chunk that inflates to 50 MB
    return save(digit(), "PNG", pnginfo=info)


def polyglot_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("evil.html", "<script>alert(1)</script>")
    return save(digit()) + archive.getvalue()


def lab_tiff() -> bytes:
    return save(Image.new("LAB", (64, 64), (50, 0, 0)), "TIFF")


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


REFUSED = {  # must be refused with a plain message
    "png bomb 50000x50000": lambda: png_header_only(50_000, 50_000),
    "png 16-bit 6300x6300 (over the decoded bytes)": lambda: png_header_only(6300, 6300, 16, 0),
    "png rgba 16-bit 5000x4000": lambda: png_header_only(5000, 4000, 16, 6),
    "png 1x60000000": lambda: png_header_only(1, 60_000_000),
    "jpeg claiming 20000x20000": lambda: jpeg_claiming(20_000, 20_000),
    "float tiff with NaN rows": lambda: float_tiff(np.where(np.arange(40)[:, None] < 5, np.nan, 1.0) * np.ones((40, 40))),
    "float tiff with inf": lambda: float_tiff(np.full((30, 30), np.inf)),
    "empty file": lambda: b"",
    "plain text": lambda: b"just text, not an image",
    "html": lambda: b"<html><script>alert(1)</script></html>",
    "svg": lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://evil.example/x.png"/></svg>',
    "eps (never parsed)": lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
    "pdf": lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "ppm (not an upload format)": lambda: b"P5\n4 4\n255\n" + bytes(16),
    "ico (not an upload format)": lambda: save(digit("RGB", (32, 32)), "ICO"),
    "zip": lambda: polyglot_zip()[-200:],
    "random bytes": lambda: np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
    "png signature only": lambda: b"\x89PNG\r\n\x1a\n",
    "png truncated": lambda: truncated(save(digit())),
    "jpeg truncated": lambda: truncated(save(digit("RGB"), "JPEG"))[:200],
    "gif truncated": lambda: truncated(save(digit("P"), "GIF"))[:40],
    "tiff truncated": lambda: truncated(save(digit(), "TIFF"))[:60],
    "webp truncated": lambda: truncated(save(digit("RGB"), "WEBP"))[:40],
    "bmp header only": lambda: save(digit(), "BMP")[:60],
    "png with a zTXt text bomb": text_bomb,
}

ACCEPTED = {  # must become a clean input
    "lab tiff": lab_tiff,
    "1-bit png": lambda: save(digit("1")),
    "L png": lambda: save(digit("L")),
    "P png": lambda: save(digit("P")),
    "P png with transparency": lambda: save(digit("P"), transparency=0),
    "LA png": lambda: save(digit("LA")),
    "RGB png": lambda: save(digit("RGB")),
    "RGBA png": lambda: save(digit("RGBA")),
    "RGBA fully transparent": lambda: save(Image.new("RGBA", (40, 40), (0, 0, 0, 0))),
    "I;16 png": lambda: save(Image.fromarray((np.asarray(digit()).astype(np.uint16) * 257))),
    "I 32-bit tiff": lambda: save(digit("I"), "TIFF"),
    "F tiff": lambda: float_tiff(np.asarray(digit(), dtype=np.float32) / 255),
    "F tiff negative": lambda: float_tiff(-np.ones((20, 20))),
    "CMYK jpeg": lambda: save(digit("CMYK"), "JPEG"),
    "CMYK tiff": lambda: save(digit("CMYK"), "TIFF"),
    "YCbCr jpeg": lambda: save(digit("YCbCr"), "JPEG"),
    "grayscale jpeg": lambda: save(digit("L"), "JPEG"),
    "progressive jpeg": lambda: save(digit("RGB"), "JPEG", progressive=True),
    "gif": lambda: save(digit("P"), "GIF"),
    "animated gif": lambda: animated("GIF"),
    "animated png": lambda: animated("PNG"),
    "animated webp": lambda: animated("WEBP"),
    "multi-page tiff": lambda: animated("TIFF"),
    "bmp": lambda: save(digit("RGB"), "BMP"),
    "webp lossless": lambda: save(digit("RGB"), "WEBP", lossless=True),
    "tiff lzw": lambda: save(digit("RGB"), "TIFF", compression="tiff_lzw"),
    "1x1 png": lambda: save(Image.new("L", (1, 1), 0)),
    "1x3000 png": lambda: save(Image.new("L", (1, 3000), 128)),
    "4000x3000 jpeg (decoded at a reduced scale)": lambda: save(digit("RGB", (4000, 3000)), "JPEG"),
    "png followed by a zip (polyglot)": polyglot_zip,
    "gif with script in a comment": lambda: save(digit("P"), "GIF", comment=b"*/=alert(1)//"),
    **{f"exif orientation {k}": (lambda k=k: with_exif(k)) for k in range(1, 9)},
}


def test_there_are_at_least_forty_hostile_files():
    assert len(REFUSED) + len(ACCEPTED) >= 40


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("as_mnist", [True, False])
def test_refused_with_a_plain_message(name, as_mnist):
    with pytest.raises(ImageError) as err:
        prepare_upload(REFUSED[name](), as_mnist)
    message = str(err.value)
    assert message.endswith(".") and "Error" not in message and "/" not in message  # no class names, no paths


@pytest.mark.parametrize("name", sorted(ACCEPTED))
@pytest.mark.parametrize("as_mnist", [True, False])
def test_accepted_as_a_clean_input(name, as_mnist):
    out = prepare_upload(ACCEPTED[name](), as_mnist)
    assert out.dtype == np.float32 and out.ndim == 2
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    if as_mnist:
        assert out.shape == (28, 28)
    else:
        assert max(out.shape) <= MAX_AS_IS_SIDE and min(out.shape) >= 1


@pytest.mark.parametrize("orientation, upright", [(1, (80, 60)), (3, (80, 60)), (6, (60, 80)), (8, (60, 80))])
def test_exif_orientation_is_applied(orientation, upright):
    assert open_image(with_exif(orientation)).size[::-1] == upright


def test_big_images_are_reduced_before_any_float_work():
    img = open_image(save(digit("L", (3000, 2000))))
    assert max(img.size) <= 512
    jpeg = Image.open(io.BytesIO(save(digit("RGB", (4000, 3000)), "JPEG")))
    assert open_image(save(digit("RGB", (4000, 3000)), "JPEG")).size[0] <= 512 < jpeg.size[0]


def test_sixteen_bit_keeps_its_range():
    ramp = np.tile(np.linspace(0, 65535, 50).astype(np.uint16), (20, 1))
    out = prepare_upload(save(Image.fromarray(ramp)), as_mnist=False)
    np.testing.assert_allclose(out[0], ramp[0] / 65535, atol=1e-4)


def test_a_large_sixteen_bit_image_keeps_the_same_scale_as_a_small_one():
    values = np.full((40, 40), 30000, dtype=np.uint16)
    small = prepare_upload(save(Image.fromarray(values)), as_mnist=False)
    large = prepare_upload(save(Image.fromarray(np.full((600, 2000), 30000, dtype=np.uint16))), as_mnist=False)
    np.testing.assert_allclose(small, 30000 / 65535, atol=1 / 255)  # "as is" keeps 8-bit steps
    np.testing.assert_allclose(large, 30000 / 65535, atol=1 / 255)  # reduced first, scaled by 65535 all the same
