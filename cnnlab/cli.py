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

The files' size is worked out before anything is written (an upper bound: PNGs as if
incompressible); more than MAX_OUT_BYTES (1 GB) is written only with --force. --out is a
folder (made if missing); a name in it that is a symbolic link, or anything but a plain
file, is refused, and every file is written to a new temporary file renamed over its
name, so nothing outside the folder is ever written through a link. A folder that cannot
be made or written, and a write that fails, exit with status 2 and the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import math
import os
import secrets
import stat
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NoReturn
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
from cnnlab.ui.params import LEGACY, URL_PARAMS, Param, legacy_network, url_problems

CHUNK = 500  # test images per step of --all-test-images
MAX_OUT_BYTES = 1_000_000_000  # files larger in all (as planned) are written only with --force
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
PAGE_ONLY = [key for key in URL_PARAMS if key not in READ]  # lang, view, insp_row, max_epoch, learn_k, ...

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
    p.add_argument("--out", required=True, help="the folder to write the files to (made if missing)")
    p.add_argument("--force", action="store_true",
                   help=f"write even if the files would take more than {size_text(MAX_OUT_BYTES)} (their size is "
                        "worked out before anything is written)")
    p.add_argument("--blog", action="store_true", help="the blog post's network (on its 4 unless another input is "
                                                       "picked): every map as its own PNG")
    p.add_argument("--all-test-images", action="store_true",
                   help="every MNIST test image through the network: the last layer's maps, one NPZ (in chunks)")
    for title, group in (("the input", INPUT), ("the network", NETWORK), ("the pictures", PICTURES)):
        section = p.add_argument_group(title)
        for key, text in group.items():
            default = URL_PARAMS[key].default
            shown = str(default).lower() if isinstance(default, bool) else "none" if default == "" else default
            section.add_argument(f"--{key}", metavar=metavar(URL_PARAMS[key]), help=f"{text} (default {shown})")
    for key in [*LEGACY, *PAGE_ONLY]:
        p.add_argument(f"--{key}", help=argparse.SUPPRESS)
    return p


def metavar(param: Param) -> str:
    if param.key == "pick":
        return "{" + ",".join(PICKS) + "}"
    if param.value_type == "choice":
        return "{" + ",".join(param.options) + "}"
    return {"bool": "{true,false}", "int": "N", "float": "X", "text": "TEXT"}[param.value_type]


def flags(args: argparse.Namespace) -> dict[str, str]:
    """The settings given as flags."""
    return {key: getattr(args, key) for key in [*URL_PARAMS, *LEGACY] if getattr(args, key, None) is not None}


def settings(args: argparse.Namespace) -> dict[str, str]:
    """The query string's values, overridden by flags."""
    return {**{k: v[-1] for k, v in parse_qs(args.query, keep_blank_values=True).items()}, **flags(args)}


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"cnnlab: {message}", file=sys.stderr)
    raise SystemExit(code)


def value(query: dict[str, str], key: str):
    return URL_PARAMS[key].parse(query[key]) if key in query else URL_PARAMS[key].default


def why(param: Param, raw: str) -> str:
    """Why `raw` is refused: the app's own message for a text (the network, the kernel
    edits), else the values the setting takes."""
    if param.check is not None:
        try:
            param.check(raw)
        except ValueError as err:
            return str(err)
    if param.value_type == "text":
        return f"at most {param.longest:,} characters are read"
    if param.value_type == "choice":
        return "it is one of " + ", ".join(param.options)
    if param.value_type == "bool":
        return "it is true or false"
    if param.value_type == "float":
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
            f"  {k}={v!r}: {why(URL_PARAMS.get(k) or LEGACY[k], v)}" for k, v, _ in problems))
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
    if not args.out:
        fail("--out is empty: name the folder to write to (--out . for the current one)")
    net, more_problems = legacy_network({k: [v] for k, v in query.items()})
    if more_problems:
        fail(f"more={more_problems[0][1]!r} is too long after the first block")
    specs = BLOG_NETWORK if args.blog else parse_stack(net or value(query, "net"))
    seed, edits = value(query, "seed"), parse_edits(value(query, "kernels"))
    try:
        if args.all_test_images:
            return all_test_images(specs, seed, edits, args.out, args.force)
        return one_image(args, query, specs, seed, edits)
    except OutError as err:
        fail(str(err))
    except KeyboardInterrupt:
        fail("interrupted: the file being written was not kept", 130)


def one_image(args: argparse.Namespace, query: dict[str, str], specs, seed: int,
              edits: tuple[KernelEdit, ...]) -> int:
    """The downloads (or, with --blog, every map as a PNG) of one input image."""
    image = input_image(query)
    stages = run(image, specs, seed, edits=edits)
    say_ignored(value(query, "kernels"), stages, len(specs))
    display = Display(value(query, "color_scale"), value(query, "normalization"), value(query, "colorbar"),
                      value(query, "columns"))
    manifest = {"link": "?" + urlencode(query), "net": format_stack(specs), "seed": seed,
                "kernels": format_edits(edits)}
    plan = blog_plan(stages) if args.blog else downloads_plan(stages, display, manifest)
    within_size(sum(plan.values()), f"{len(plan)} files", args.force)
    out = OutFolder.open(args.out)
    out.check(plan)
    if args.blog:
        write_blog(stages, display, out)
    else:
        write_downloads(stages, display, out, manifest)
    broken = [s for s in stages if s.error]
    if broken:
        fail(f"layer {broken[0].index} ({broken[0].name}): {broken[0].error}", 1)
    print(f"cnnlab: wrote {out.written.files} files ({size_text(out.written.bytes)}) to {shown(out.path)}")
    return 0


# --- the files' size, worked out before anything is written -----------------------------------

def size_text(n: int) -> str:
    """Bytes as the command line says them: 950 B, 12 kB, 92 MB, 8.0 GB (powers of 1000)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if n < 10 * scale else f"{n / scale:,.0f} {unit}"
    return f"{n} B"


def png_bound(h: int, w: int) -> int:
    """The most bytes an RGBA PNG of h x w pixels takes (as if incompressible): a filter
    byte and 4 bytes a pixel per row, deflate's stored blocks, chunks and header."""
    return math.ceil(h * (1 + 4 * w) * 1.001) + 1024


def npy_bound(values: int, itemsize: int = 4) -> int:
    """The most bytes one array of `values` items takes in an NPZ (stored): its values, its
    .npy header and its zip entry's headers."""
    return values * itemsize + 512


def csv_bound(shape: tuple[int, ...]) -> int:
    """The most bytes exports.values_csv of maps (C, H, W) takes: per value one line of its
    indices and 9 significant digits (-1.23456789e-38, 15 characters)."""
    c, h, w = shape
    line = len(str(c - 1)) + len(str(h - 1)) + len(str(w - 1)) + 3 + 15 + 1
    return len("map,row,column,value\n") + c * h * w * line


def mosaic_bound(shape: tuple[int, ...], display: Display) -> int:
    """The most bytes exports.mosaic_png of maps (C, H, W) takes: the mosaic `columns`
    wide with one-pixel gutters, each cell scaled up as it does, the colour bar."""
    c, h, w = shape
    cols = max(1, min(display.columns, c))
    mh, mw = -(-c // cols) * (h + 1) - 1, cols * (w + 1) - 1
    scale = max(1, min(8, exports.MAX_PNG_SIDE // max(mh, mw)))
    return png_bound(mh * scale, mw * scale + (2 * scale + 16 if display.colorbar else 0))


def maps_zip_bound(shape: tuple[int, ...]) -> int:
    """The most bytes exports.maps_zip of maps (C, H, W) takes: one PNG a map, deflated."""
    c, h, w = shape
    return c * (math.ceil(png_bound(h, w) * 1.001) + 256) + 256


def downloads_plan(stages: list[Stage], display: Display, manifest: dict) -> dict[str, int]:
    """{file name: the most bytes it takes} of what write_downloads writes."""
    plan: dict[str, int] = {}
    arrays = 4 * len(json.dumps(manifest, sort_keys=True)) + 512  # the manifest is a unicode array
    for stage in stages:
        if stage.output is None:
            break
        arrays += npy_bound(stage.output.size) + sum(npy_bound(p.size) for p in (stage.params or {}).values())
        if stage.index == 0:
            continue
        name, shape = f"layer{stage.index}-{stage.name}", stage.output.shape
        plan |= {f"{name}.png": mosaic_bound(shape, display), f"{name}-maps.zip": maps_zip_bound(shape),
                 f"{name}.npz": npy_bound(stage.output.size) + 256, f"{name}.csv": csv_bound(shape)}
    plan["cnnlab-network.npz"] = arrays + 256
    return plan


def blog_plan(stages: list[Stage]) -> dict[str, int]:
    """{folder/file name: the most bytes it takes} of what write_blog writes."""
    return {f"{stage.name.lower()}/map_{m:03d}.png": png_bound(*stage.output.shape[1:])
            for stage in stages[1:] if stage.output is not None for m in range(stage.output.shape[0])}


def all_test_images_bytes(shape: tuple[int, ...]) -> int:
    """The most bytes all-test-images.npz takes: maps `shape` (N, C, H, W) float32 and N
    uint8 labels, stored."""
    return npy_bound(math.prod(shape)) + npy_bound(shape[0], 1) + 512


def within_size(planned: int, what: str, force: bool) -> None:
    """Exit with status 2 and the size if `planned` bytes are over MAX_OUT_BYTES (unless `force`)."""
    if planned > MAX_OUT_BYTES and not force:
        fail(f"these files would take up to {size_text(planned)} ({what}); more than {size_text(MAX_OUT_BYTES)} "
             "is written only with --force")


# --- the out folder: written by name, never through a link ---------------------------------

class OutError(Exception):
    """--out cannot be used, or a file in it cannot be written: the message says why."""


def shown(path: os.PathLike | str) -> str:
    """A path as a message shows it: control characters escaped, a long one shortened."""
    text = str(path)
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= 120 else f"{text[:60]}...{text[-30:]} ({len(text):,} characters)"


def reason(err: OSError, path: Path) -> str:
    """Why the system refused `path`, in words."""
    if err.errno == errno.ENAMETOOLONG:
        return too_long(path) or "the name is too long for this system"
    if err.errno in (errno.EEXIST, errno.ENOTDIR):
        for parent in [*reversed(path.parents), path]:
            if os.path.lexists(parent) and not os.path.isdir(parent):
                return f"{shown(parent)} is a file, not a folder"
        return "a part of it is not a folder"
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"no permission to write there ({err.strerror})"
    if err.errno == errno.EROFS:
        return "it is on a read-only file system"
    if err.errno == errno.ENOSPC:
        return "the disk is full"
    return err.strerror or str(err)


def too_long(path: Path) -> str | None:
    """Why `path` is too long for the file system it would be on (a part longer than its
    NAME_MAX bytes, or the whole longer than its PATH_MAX), else None."""
    near = next((p for p in [path, *path.parents] if os.path.isdir(p)), Path("."))
    name_max, path_max = os.pathconf(near, "PC_NAME_MAX"), os.pathconf(near, "PC_PATH_MAX")
    longest = max((len(os.fsencode(part)) for part in path.parts), default=0)
    if longest > name_max:
        return f"the name is too long: a part of it has {longest:,} bytes, this system takes {name_max:,}"
    if len(os.fsencode(path)) >= path_max:
        return f"the name is too long: it has {len(os.fsencode(path)):,} bytes, this system takes {path_max - 1:,}"
    return None


class Written:
    """Files and bytes written so far (shared by a folder and its subfolders)."""

    def __init__(self) -> None:
        self.files, self.bytes = 0, 0


class OutFolder:
    """A folder opened once (its descriptor); files are written into it by name only.

    `create(name)` writes to a new temporary file (O_EXCL | O_NOFOLLOW) that is renamed
    over `name` when done, so no link or other file sharing `name` is ever written
    through; a `name` that already is a symbolic link, or not a plain file, is refused
    (OutError). Subfolders are opened with O_NOFOLLOW, so a link in their place is refused
    too. Only what was written is counted."""

    def __init__(self, fd: int, path: Path, written: Written) -> None:
        self.fd, self.path, self.written = fd, path, written
        self.folders: dict[str, OutFolder] = {}

    @classmethod
    def open(cls, text: str) -> "OutFolder":
        """The folder `text` (made if missing, with its parents; a link the user names in
        the path itself is the user's own and is followed), checked to take a new file."""
        path = Path(text)
        if too_long(path):  # before any of its folders is made
            raise OutError(f"--out {shown(text)}: {too_long(path)}")
        try:
            os.makedirs(path, exist_ok=True)
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as err:
            raise OutError(f"--out {shown(text)}: {reason(err, path)}") from None
        folder = cls(fd, path, Written())
        try:
            probe = f".cnnlab-probe-{os.getpid()}-{secrets.token_hex(4)}"
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                             dir_fd=fd))
            os.unlink(probe, dir_fd=fd)
        except OSError as err:
            raise OutError(f"--out {shown(text)}: {reason(err, path)}") from None
        return folder

    def check(self, names) -> None:
        """OutError for the first of `names` (file, folder/ or folder/file) that exists as a
        symbolic link, or as something else than a plain file (a folder: than a folder)."""
        for name in names:
            fd, path, opened = self.fd, self.path, []
            try:
                parts = name.rstrip("/").split("/")
                for i, part in enumerate(parts):
                    path = path / part
                    try:
                        st = os.stat(part, dir_fd=fd, follow_symlinks=False)
                    except FileNotFoundError:
                        break
                    last = i == len(parts) - 1
                    file = last and not name.endswith("/")
                    if stat.S_ISLNK(st.st_mode):
                        raise OutError(f"{shown(path)} is a symbolic link: nothing is written through a link "
                                       "(remove it, or name another --out)")
                    if file and not stat.S_ISREG(st.st_mode) or not file and not stat.S_ISDIR(st.st_mode):
                        raise OutError(f"{shown(path)} is in the way: it exists and is not a "
                                       f"{'file' if file else 'folder'}")
                    if not last:
                        fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                        opened.append(fd)
            except OSError as err:
                raise OutError(f"{shown(path)}: {reason(err, path)}") from None
            finally:
                for f in opened:
                    os.close(f)

    def folder(self, name: str) -> "OutFolder":
        """The subfolder `name` (made if missing), never through a link."""
        if name not in self.folders:
            self.check([f"{name}/"])
            try:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o777, dir_fd=self.fd)
                fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=self.fd)
            except OSError as err:
                if err.errno == errno.ELOOP:
                    raise OutError(f"{shown(self.path / name)} is a symbolic link: nothing is written through a "
                                   "link (remove it, or name another --out)") from None
                raise OutError(f"{shown(self.path / name)}: {reason(err, self.path / name)}") from None
            self.folders[name] = OutFolder(fd, self.path / name, self.written)
        return self.folders[name]

    @contextlib.contextmanager
    def create(self, name: str) -> Iterator[BinaryIO]:
        """A binary file to write `name`'s bytes to; `name` is replaced by it when the block
        ends without an error (else nothing is kept)."""
        if "/" in name:
            head, rest = name.split("/", 1)
            with self.folder(head).create(rest) as fh:
                yield fh
            return
        self.check([name])
        part = f".{name}.{os.getpid()}-{secrets.token_hex(4)}.part"
        kept = False
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666,
                         dir_fd=self.fd)
            with os.fdopen(fd, "wb") as fh:
                yield fh
                size = fh.tell()
            self.check([name])
            os.replace(part, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)  # renames; follows no link
            kept = True
        except OSError as err:
            raise OutError(f"could not write {shown(self.path / name)}: {reason(err, self.path / name)}") from None
        finally:
            if not kept:
                with contextlib.suppress(OSError):
                    os.unlink(part, dir_fd=self.fd)
        self.written.files += 1
        self.written.bytes += size

    def write(self, name: str, data: bytes) -> None:
        """`data` as the file `name` (or folder/name) in this folder."""
        with self.create(name) as fh:
            fh.write(data)


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


def write_downloads(stages: list[Stage], display: Display, out: OutFolder, manifest: dict) -> None:
    """The files the app's Download buttons give, under the same names."""
    for stage in stages[1:]:
        if stage.error:
            break
        name = f"layer{stage.index}-{stage.name}"
        out.write(f"{name}.png", exports.mosaic_png(stage.output, display, colorbar=display.colorbar))
        out.write(f"{name}-maps.zip", exports.maps_zip(stage.output, display))
        out.write(f"{name}.npz", exports.values_npz(maps=stage.output))
        out.write(f"{name}.csv", exports.values_csv(stage.output).encode())
    out.write("cnnlab-network.npz", exports.network_npz(stages, manifest))


def write_blog(stages: list[Stage], display: Display, out: OutFolder) -> None:
    """Every map of every layer as its own PNG: convolution/map_000.png ..., maxpooling/..."""
    for stage in stages[1:]:
        if stage.output is None:
            break
        with zipfile.ZipFile(io.BytesIO(exports.maps_zip(stage.output, display))) as zf:
            for name in zf.namelist():
                out.write(f"{stage.name.lower()}/{name}", zf.read(name))


def say_ignored(kernels: str, stages: list[Stage], layers: int) -> None:
    """On stderr, each kernel edit (of the text `kernels`) that names no cell of the network, and why."""
    for entry, key, fields in ignored_edits(kernels, stages, layers):
        print(f"cnnlab: the kernel edit {entry} is ignored: {EDIT_MESSAGES[key].format(**fields)}", file=sys.stderr)


def all_test_images(specs, seed: int, edits: tuple[KernelEdit, ...], out_text: str, force: bool = False) -> int:
    """Every test image through the network (its weights from `seed`, the kernel `edits`
    laid over them) in chunks of CHUNK; the last layer's maps streamed into
    out/all-test-images.npz (maps (10000, C, H, W) float32, labels), so memory stays one
    chunk's worth. Its size is checked (within_size) before the folder is made. A
    progress bar on stderr."""
    mnist = load_mnist()
    checked = run(mnist.image(0), specs, seed)
    broken = [s for s in checked if s.error]
    if broken:
        fail(f"layer {broken[0].index} ({broken[0].name}): {broken[0].error}", 1)
    shape = (len(mnist), *checked[-1].output.shape)
    planned = all_test_images_bytes(shape)
    within_size(planned, f"all-test-images.npz: {shape[0]:,} x {' x '.join(map(str, shape[1:]))} float32 values",
                force)
    say_ignored(format_edits(edits), checked, len(specs))
    out = OutFolder.open(out_text)
    out.check(["all-test-images.npz"])
    params = [apply_edits(spec, p, edits, i)[0]
              for i, (spec, p) in enumerate(zip(specs, init_params(specs, (1, 28, 28), seed)), start=1)]
    n = len(mnist)
    print(f"cnnlab: writing {size_text(planned)} to {shown(out.path / 'all-test-images.npz')}", file=sys.stderr)
    t0 = time.perf_counter()
    with out.create("all-test-images.npz") as file, \
            zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
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
    print(f"cnnlab: wrote {shown(out.path / 'all-test-images.npz')} ({shape[0]:,} x {' x '.join(map(str, shape[1:]))}, "
          f"{size_text(out.written.bytes)})")
    return 0
