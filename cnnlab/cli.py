"""`python -m cnnlab`: the app's settings from the command line (a query string as the
app's link has it, or flags with the same names), writing the app's downloads to a folder.

    python -m cnnlab "net=conv-8-3x3_relu_max-2x2&digit=7" --out results/
    python -m cnnlab --net conv-8-3x3_relu_max-2x2 --digit 7 --out results/
    python -m cnnlab --blog --out blog/                 # the blog post's 16 + 16 maps as PNGs
    python -m cnnlab --all-test-images --out all/       # every test image's last maps, one NPZ

Bad settings are refused with the app's own messages and exit status 2; a layer that
cannot run exits with status 1 after writing the layers before it.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import numpy as np

from cnnlab import exports
from cnnlab.data import load_mnist, load_photo
from cnnlab.kernel_edits import format_edits, parse_edits
from cnnlab.layers import BLOG_NETWORK
from cnnlab.mosaic import Display
from cnnlab.pipeline import Stage, forward_batch, init_params, run
from cnnlab.presets import format_stack, parse_stack
from cnnlab.ui.params import LEGACY, PARAMS, legacy_network, url_problems

CHUNK = 500  # test images per step of --all-test-images


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cnnlab", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("query", nargs="?", default="", help="the settings as the app's link has them (after the ?)")
    p.add_argument("--out", type=Path, required=True, help="the folder to write the files to (made if missing)")
    p.add_argument("--blog", action="store_true", help="the blog post's network on its 4: every map as a PNG")
    p.add_argument("--all-test-images", action="store_true",
                   help="every MNIST test image through the network: the last layer's maps, one NPZ (in chunks)")
    for key, param in {**PARAMS, **LEGACY}.items():
        if key not in ("lang", "insp_layer", "insp_map", "insp_row", "insp_col", "show_epoch", "max_epoch",
                       "train_images", "mnist_style", "color"):
            p.add_argument(f"--{key}", help=f"as the app's {key}= (default {param.default!r})")
    return p


def settings(args: argparse.Namespace) -> dict[str, str]:
    """The query string's values, overridden by flags."""
    query = {k: v[-1] for k, v in parse_qs(args.query, keep_blank_values=True).items()}
    for key in {**PARAMS, **LEGACY}:
        value = getattr(args, key, None)
        if value is not None:
            query[key] = value
    return query


def fail(message: str, code: int = 2) -> None:
    print(f"cnnlab: {message}", file=sys.stderr)
    raise SystemExit(code)


def value(query: dict[str, str], key: str):
    return PARAMS[key].parse(query[key]) if key in query else PARAMS[key].default


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    query = settings(args)
    problems = url_problems({k: [v] for k, v in query.items()})
    if problems:
        fail("these settings are refused: " + ", ".join(f"{k}={v!r} (the app would use {d!r})" for k, v, d in problems))
    net, more_problems = legacy_network({k: [v] for k, v in query.items()})
    if more_problems:
        fail(f"more={more_problems[0][1]!r} is too long after the first block")
    specs = BLOG_NETWORK if args.blog else parse_stack(net or value(query, "net"))
    seed, edits = value(query, "seed"), parse_edits(value(query, "kernels"))
    args.out.mkdir(parents=True, exist_ok=True)
    if args.all_test_images:
        return all_test_images(specs, seed, args.out)
    image = input_image(query)
    stages = run(image, specs, seed, edits=edits)
    display = Display(value(query, "color_scale"), value(query, "normalization"), value(query, "colorbar"),
                      value(query, "columns"))
    if args.blog:
        write_blog(stages, display, args.out)
    else:
        write_downloads(stages, display, args.out, {"link": "?" + urlencode(query), "net": format_stack(specs),
                                                    "seed": seed, "kernels": format_edits(edits)})
    broken = [s for s in stages if s.error]
    if broken:
        fail(f"layer {broken[0].index} ({broken[0].name}): {broken[0].error}", 1)
    print(f"cnnlab: wrote {sum(1 for f in args.out.rglob('*') if f.is_file())} files to {args.out}")
    return 0


def input_image(query: dict[str, str]) -> np.ndarray:
    """The MNIST test image the settings pick (by digit and example, or by index), or a
    bundled photo; drawings, uploads and the camera are for the app."""
    pick = value(query, "pick")
    mnist = load_mnist()
    if pick == "digit":
        of_digit = mnist.indices_of(value(query, "digit"))
        return mnist.image(int(of_digit[min(value(query, "example"), len(of_digit) - 1)]))
    if pick == "index":
        return mnist.image(value(query, "index"))
    if pick == "photo":
        pixels = load_photo(value(query, "photo")).astype(np.float32) / np.float32(255)
        return pixels if value(query, "photo_color") else pixels.mean(axis=0)
    fail(f"pick={pick} is for the app; the command line reads digit, index or photo")
    raise AssertionError


def write_downloads(stages: list[Stage], display: Display, out: Path, manifest: dict) -> None:
    """The files the app's Download buttons give, under the same names."""
    for stage in stages[1:]:
        if stage.error:
            break
        name = f"layer{stage.index}-{stage.name}"
        (out / f"{name}.png").write_bytes(exports.mosaic_png(stage.output, display, colorbar=display.colorbar))
        (out / f"{name}-maps.zip").write_bytes(exports.maps_zip(stage.output, display))
        (out / f"{name}.npz").write_bytes(exports.values_npz(maps=stage.output))
        (out / f"{name}.csv").write_text(exports.values_csv(stage.output))
    (out / "cnnlab-network.npz").write_bytes(exports.network_npz(stages, manifest))


def write_blog(stages: list[Stage], display: Display, out: Path) -> None:
    """Every map of every layer as its own PNG: convolution/map_000.png ..., maxpooling/..."""
    for stage in stages[1:]:
        folder = out / stage.name.lower()
        folder.mkdir(exist_ok=True)
        with zipfile.ZipFile(io.BytesIO(exports.maps_zip(stage.output, display))) as zf:
            for name in zf.namelist():
                (folder / name).write_bytes(zf.read(name))


def all_test_images(specs, seed: int, out: Path) -> int:
    """Every test image through the network in chunks of CHUNK; the last layer's maps
    streamed into out/all-test-images.npz (maps (10000, C, H, W) float32, labels), so
    memory stays one chunk's worth. A progress bar on stderr."""
    mnist = load_mnist()
    broken = [s for s in run(mnist.image(0), specs, seed) if s.error]
    if broken:
        fail(f"layer {broken[0].index} ({broken[0].name}): {broken[0].error}", 1)
    params = init_params(specs, (1, 28, 28), seed)
    n = len(mnist)
    first = forward_batch(mnist.images[:1, None].astype(np.float32) / 255, specs, params)
    shape = (n, *first.shape[1:])
    path = out / "all-test-images.npz"
    t0 = time.perf_counter()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        with zf.open("maps.npy", "w", force_zip64=True) as fh:
            np.lib.format.write_array_header_1_0(fh, {"descr": "<f4", "fortran_order": False, "shape": shape})
            for start in range(0, n, CHUNK):
                x = mnist.images[start:start + CHUNK, None].astype(np.float32) / np.float32(255)
                fh.write(np.ascontiguousarray(forward_batch(x, specs, params), dtype="<f4").tobytes())
                done = min(n, start + CHUNK)
                bar = "#" * (30 * done // n)
                print(f"\r[{bar:<30}] {done:,}/{n:,} images, {time.perf_counter() - t0:.1f} s", end="",
                      file=sys.stderr, flush=True)
        with zf.open("labels.npy", "w") as fh:
            np.lib.format.write_array(fh, np.asarray(mnist.labels))
    print(file=sys.stderr)
    print(f"cnnlab: wrote {path} ({shape[0]:,} x {' x '.join(map(str, shape[1:]))})")
    return 0
