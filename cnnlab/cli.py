"""`python -m cnnlab` (or `cnnlab` once installed): the app's settings from the command
line (a query string as the app's link has it, or flags with the same names), writing
the app's downloads to a folder.

    cnnlab "net=conv-8-3x3_relu_max-2x2&digit=7" --out results/
    cnnlab --net conv-8-3x3_relu_max-2x2 --digit 7 --out results/
    cnnlab --blog --out blog/                 # the blog post's 16 + 16 maps as PNGs
    cnnlab --all-test-images --out all/       # every test image's last maps, one NPZ

Only settings that change the files are read; the page's own keys in a pasted link
(lang, view, the inspected pixel, training, the Learn tab) are named and left out.
Links made before net= existed (out_maps=8&kernel_h=3&...&more=...) are read as the
app reads them; their keys cannot be mixed with net. A setting the chosen output does
not use (--digit with --all-test-images, --net with --blog) is refused, not ignored.
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
from typing import NoReturn
from urllib.parse import parse_qs, urlencode

import numpy as np

from cnnlab import exports
from cnnlab.data import PHOTOS, load_mnist, load_photo
from cnnlab.kernel_edits import MESSAGES as EDIT_MESSAGES
from cnnlab.kernel_edits import KernelEdit, apply_edits, format_edits, ignored_edits, parse_edits
from cnnlab.layers import BLOG_NETWORK, GRAMMAR
from cnnlab.mosaic import Display
from cnnlab.pipeline import Stage, forward_batch, init_params, run
from cnnlab.presets import format_stack, parse_stack
from cnnlab.ui.params import LEGACY, PARAMS, Param, legacy_network, url_problems

CHUNK = 500  # test images per step of --all-test-images
PICKS = ("digit", "index", "photo")  # the inputs a command line can name (drawings, uploads, camera: the app)

# Every key the command line reads, by what it changes, with its --help text (the default is added).
INPUT = {
    "pick": f"the input: {', '.join(PICKS)}",
    "digit": "with pick digit: the MNIST test digit, 0-9",
    "example": "with pick digit: which test image of that digit (0: the first), 0-1134",
    "index": "with pick index: the MNIST test image, 0-9999",
    "photo": f"with pick photo: {', '.join(PHOTOS)}",
    "photo_color": "with pick photo: true, its three channels; false, its gray",
}
NETWORK = {
    "net": "the network as text, as the app's link has it; the layers' grammar is below",
    "seed": "the random weights' seed, 0-2147483647",
    "kernels": "hand-edited kernel cells: layer.map.channel.row.column:value joined by _, as 1.0.0.1.1:2",
}
PICTURES = {
    "color_scale": "the PNGs' colours: gray or diverging",
    "normalization": "the PNGs' colour range: layer, map or nnc",
    "colorbar": "true or false: a colour bar beside each layer's mosaic",
    "columns": "maps per row of each layer's mosaic, 1-32",
}
READ = {**INPUT, **NETWORK, **PICTURES}
PAGE_ONLY = [key for key in PARAMS if key not in READ]  # lang, view, insp_row, max_epoch, learn_k, ...

# What each output is made from: a key outside its set would change nothing, so it is refused.
USES = {
    "files": set(READ) | set(LEGACY),
    "blog": set(INPUT) | {"seed", "kernels", "color_scale", "normalization"},
    "all-test-images": set(NETWORK) | set(LEGACY),
    "blog, all-test-images": {"seed", "kernels"},
}
WHAT = {
    "files": "",
    "blog": "--blog runs the blog post's network and writes one PNG a map (no mosaic)",
    "all-test-images": "--all-test-images runs every MNIST test image and writes the last layer's values",
    "blog, all-test-images": "--blog --all-test-images runs every MNIST test image through the blog post's network "
                             "and writes the last layer's values",
}


def parser(prog: str = "cnnlab") -> argparse.ArgumentParser:
    """Only flags that change the written files are listed (see USES); the keys of links
    made before net= existed are read but not listed, the page's own are refused."""
    head, rest = __doc__.split("\n\n", 1)
    grammar = "\n".join(f"    {token}" for token in GRAMMAR)
    p = argparse.ArgumentParser(prog=prog, description=head, formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=f"{rest}\nThe layers of --net, joined by _ (conv-8-3x3_relu_max-2x2):\n{grammar}")
    p.add_argument("query", nargs="?", default="", help="the settings as the app's link has them (after the ?)")
    p.add_argument("--out", type=Path, required=True, help="the folder to write the files to (made if missing)")
    p.add_argument("--blog", action="store_true", help="the blog post's network (on its 4 unless another input is "
                                                       "picked): every map as its own PNG")
    p.add_argument("--all-test-images", action="store_true",
                   help="every MNIST test image through the network: the last layer's maps, one NPZ (in chunks)")
    for title, group in (("the input", INPUT), ("the network", NETWORK), ("the pictures", PICTURES)):
        section = p.add_argument_group(title)
        for key, text in group.items():
            default = PARAMS[key].default
            shown = str(default).lower() if isinstance(default, bool) else "none" if default == "" else default
            section.add_argument(f"--{key}", metavar=metavar(PARAMS[key]), help=f"{text} (default {shown})")
    for key in [*LEGACY, *PAGE_ONLY]:
        p.add_argument(f"--{key}", help=argparse.SUPPRESS)
    return p


def metavar(param: Param) -> str:
    if param.key == "pick":
        return "{" + ",".join(PICKS) + "}"
    if param.kind == "choice":
        return "{" + ",".join(param.options) + "}"
    return {"bool": "{true,false}", "int": "N", "float": "X", "text": "TEXT"}[param.kind]


def flags(args: argparse.Namespace) -> dict[str, str]:
    """The settings given as flags."""
    return {key: getattr(args, key) for key in [*PARAMS, *LEGACY] if getattr(args, key, None) is not None}


def settings(args: argparse.Namespace) -> dict[str, str]:
    """The query string's values, overridden by flags."""
    return {**{k: v[-1] for k, v in parse_qs(args.query, keep_blank_values=True).items()}, **flags(args)}


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"cnnlab: {message}", file=sys.stderr)
    raise SystemExit(code)


def value(query: dict[str, str], key: str):
    return PARAMS[key].parse(query[key]) if key in query else PARAMS[key].default


def why(param: Param, raw: str) -> str:
    """Why `raw` is refused: the app's own message for a text (the network, the kernel
    edits), else the values the setting takes."""
    if param.check is not None:
        try:
            param.check(raw)
        except ValueError as err:
            return str(err)
    if param.kind == "text":
        return f"at most {param.longest:,} characters are read"
    if param.kind == "choice":
        return "it is one of " + ", ".join(param.options)
    if param.kind == "bool":
        return "it is true or false"
    if param.kind == "float":
        return f"it is a decimal number from {param.lo:g} to {param.hi:g}"
    return f"it is a whole number from {param.lo} to {param.hi}"


def checked(args: argparse.Namespace) -> dict[str, str]:
    """The settings to use: page-only and unknown keys of the query left out (and named on
    stderr); exits with status 2 and the reason for a value the app refuses, old and new
    network keys mixed, or a setting the chosen output does not use."""
    page = [key for key in flags(args) if key in PAGE_ONLY]
    if page:
        fail(f"{', '.join('--' + key for key in page)}: the page's own (its language, tab, inspected pixel, training, "
             "upload preprocessing, Learn tab), not a setting of these files; see --help")
    given = settings(args)
    ignored = [k for k in given if k not in READ and k not in LEGACY]
    if ignored:
        print(f"cnnlab: left out, as they do not change these files: {', '.join(ignored)}", file=sys.stderr)
    query = {k: v for k, v in given.items() if k not in ignored}
    problems = url_problems({k: [v] for k, v in query.items()})
    if problems:
        fail("these settings are refused:\n" + "\n".join(
            f"  {k}={v!r}: {why(PARAMS.get(k) or LEGACY[k], v)}" for k, v, _ in problems))
    old = [k for k in query if k in LEGACY]
    if old and "net" in query:
        fail(f"{', '.join(old)} (of links made before net= existed) cannot be mixed with net, which "
             f"{'it' if len(old) == 1 else 'they'} would not change: write every layer's settings into net "
             "(e.g. --net conv-4-3x3 for 4 maps of 3x3)")
    mode = ", ".join(name for name, on in (("blog", args.blog), ("all-test-images", args.all_test_images)) if on)
    unused = [k for k in query if k not in USES[mode or "files"]]
    if unused:
        fail(f"{WHAT[mode]}: {', '.join(unused)} would change nothing, so {'it is' if len(unused) == 1 else 'they are'}"
             " refused")
    if value(query, "pick") not in PICKS:
        fail(f"pick={query['pick']} is for the app; the command line reads {', '.join(PICKS)}")
    return query


def main(argv: list[str] | None = None, prog: str = "cnnlab") -> int:
    """The command line (argv: sys.argv[1:] if None) -> exit status."""
    args = parser(prog).parse_args(argv)
    query = checked(args)
    net, more_problems = legacy_network({k: [v] for k, v in query.items()})
    if more_problems:
        fail(f"more={more_problems[0][1]!r} is too long after the first block")
    specs = BLOG_NETWORK if args.blog else parse_stack(net or value(query, "net"))
    seed, edits = value(query, "seed"), parse_edits(value(query, "kernels"))
    args.out.mkdir(parents=True, exist_ok=True)
    if args.all_test_images:
        return all_test_images(specs, seed, edits, args.out)
    image = input_image(query)
    stages = run(image, specs, seed, edits=edits)
    say_ignored(value(query, "kernels"), stages, len(specs))
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
    if pick == "photo":
        pixels = load_photo(value(query, "photo")).astype(np.float32) / np.float32(255)
        return pixels if value(query, "photo_color") else pixels.mean(axis=0)
    mnist = load_mnist()
    if pick == "index":
        return mnist.image(value(query, "index"))
    of_digit = mnist.indices_of(value(query, "digit"))
    return mnist.image(int(of_digit[min(value(query, "example"), len(of_digit) - 1)]))


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


def say_ignored(kernels: str, stages: list[Stage], layers: int) -> None:
    """On stderr, each kernel edit (of the text `kernels`) that names no cell of the network, and why."""
    for entry, key, fields in ignored_edits(kernels, stages, layers):
        print(f"cnnlab: the kernel edit {entry} is ignored: {EDIT_MESSAGES[key].format(**fields)}", file=sys.stderr)


def all_test_images(specs, seed: int, edits: tuple[KernelEdit, ...], out: Path) -> int:
    """Every test image through the network (its weights from `seed`, the kernel `edits`
    laid over them) in chunks of CHUNK; the last layer's maps streamed into
    out/all-test-images.npz (maps (10000, C, H, W) float32, labels), so memory stays one
    chunk's worth. A progress bar on stderr."""
    mnist = load_mnist()
    checked = run(mnist.image(0), specs, seed)
    broken = [s for s in checked if s.error]
    if broken:
        fail(f"layer {broken[0].index} ({broken[0].name}): {broken[0].error}", 1)
    say_ignored(format_edits(edits), checked, len(specs))
    params = [apply_edits(spec, p, edits, i)[0]
              for i, (spec, p) in enumerate(zip(specs, init_params(specs, (1, 28, 28), seed)), start=1)]
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
