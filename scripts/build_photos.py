"""Rebuild ``cnnlab/data/photos/*.png``: four colour photos, public domain or CC0, copied
from the sample images that the PyPI package ``scikit-image`` 0.25.2 ships in its wheel
(``skimage/data/``), scaled down to at most 256 pixels a side (Pillow, LANCZOS) and
saved as PNG. Their sources and licences are in ``cnnlab/data/NOTICE``.

Only the wheel is downloaded (``pip download --no-deps``; scikit-image is never
installed or imported), and each source file's SHA-256 is checked before it is decoded.

Usage: python scripts/build_photos.py [--wheel PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from PIL import Image

OUT = Path(__file__).resolve().parents[1] / "cnnlab" / "data" / "photos"
SIDE = 256
SOURCES = {  # name in the app: (file in the wheel, its SHA-256)
    "astronaut": ("skimage/data/astronaut.png", "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
    "cat": ("skimage/data/chelsea.png", "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    "coffee": ("skimage/data/coffee.png", "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    "rocket": ("skimage/data/rocket.jpg", "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
}


def download_wheel(folder: Path) -> Path:
    """pip-download one scikit-image 0.25.2 wheel (any platform's holds the same images)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--only-binary=:all:",
                    "--platform", "manylinux2014_x86_64", "--python-version", "3.11",
                    "--dest", str(folder), "scikit-image==0.25.2"], check=True)
    return next(folder.glob("scikit_image-0.25.2-*.whl"))


def build(wheel: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for name, (member, sha256) in SOURCES.items():
            raw = zf.read(member)
            digest = hashlib.sha256(raw).hexdigest()
            if digest != sha256:
                raise SystemExit(f"{member}: SHA-256 {digest}, expected {sha256}; not decoding it")
            img = Image.open(io.BytesIO(raw)).convert("RGB")
            img.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
            img.save(OUT / f"{name}.png", optimize=True)
            print(f"{name}.png: {img.width}x{img.height} from {member}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a scikit-image 0.25.2 wheel already on disk")
    args = parser.parse_args()
    if args.wheel is not None:
        build(args.wheel)
        return
    with tempfile.TemporaryDirectory() as folder:
        build(download_wheel(Path(folder)))


if __name__ == "__main__":
    main()
