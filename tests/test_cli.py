"""`python -m cnnlab`: the app's downloads for the same settings, the app's refusals with
a non-zero exit and the reason, only flags that change the files, the blog post's maps,
every test image in bounded chunks; the package installed (`cnnlab` from any folder) and
its wheel carrying every file it reads."""

import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

import numpy as np
from PIL import Image

from cnnlab import cli as cli_module
from cnnlab import exports
from cnnlab.cli import main
from cnnlab.data import load_mnist
from cnnlab.kernel_edits import apply_edits, parse_edits
from cnnlab.layers import BLOG_NETWORK
from cnnlab.mosaic import Display
from cnnlab.pipeline import forward_batch, init_params, run
from cnnlab.presets import StackFormatError, parse_stack

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path = ROOT, unprivileged: bool = False) -> subprocess.CompletedProcess:
    """`python -m cnnlab *args` as a user runs it (this checkout's package, from any `cwd`);
    `unprivileged`: without root's power to write where the permissions say no (Linux:
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped from the child's bounding set)."""
    def drop_override() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cnnlab", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env,
                          preexec_fn=drop_override if unprivileged and os.geteuid() == 0 else None)


def test_the_files_are_the_app_s_downloads_for_the_same_query(tmp_path):
    query = "net=conv-8-3x3_relu_max-2x2&digit=7&example=2&seed=5&color_scale=diverging&kernels=1.0.0.1.1:2"
    done = cli(query, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    mnist = load_mnist()
    stages = run(mnist.image(int(mnist.indices_of(7)[2])), parse_stack("conv-8-3x3_relu_max-2x2"), 5,
                 edits=parse_edits("1.0.0.1.1:2"))
    display = Display("diverging", "layer", True, 8)
    for stage in stages[1:]:
        name = f"layer{stage.index}-{stage.name}"
        assert (tmp_path / f"{name}.csv").read_text() == exports.values_csv(stage.output)
        assert (tmp_path / f"{name}.png").read_bytes() == exports.mosaic_png(stage.output, display, colorbar=True)
        with np.load(tmp_path / f"{name}.npz") as npz:
            np.testing.assert_array_equal(npz["maps"], stage.output)
        with zipfile.ZipFile(tmp_path / f"{name}-maps.zip") as zf:
            assert len(zf.namelist()) == 8
    with np.load(tmp_path / "cnnlab-network.npz") as npz:
        assert '"kernels": "1.0.0.1.1:2"' in str(npz["manifest"]) and npz["layer1/conv/W"][0, 0, 1, 1] == 2


def test_flags_take_the_same_names_and_bad_settings_exit_with_the_app_s_message(tmp_path):
    done = cli("--net", "conv-4-3x3", "--index", "123", "--out", str(tmp_path / "ok"))
    assert done.returncode == 0 and (tmp_path / "ok" / "layer1-Convolution.png").exists()
    refused = cli("--net", "conv-99999-5x5", "--seed", "inf", "--out", str(tmp_path / "bad"))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and not (tmp_path / "bad").exists()
    assert "net='conv-99999-5x5'" in refused.stderr and "seed='inf': it is a whole number from 0 to 2147483647" in refused.stderr
    too_small = cli("--net", "conv-8-15x15_conv-8-15x15", "--out", str(tmp_path / "small"))
    assert too_small.returncode == 1 and "KernelShape 15x15 does not fit the 14x14 input" in too_small.stderr
    assert (tmp_path / "small" / "layer1-Convolution.csv").exists()  # the layer before is written
    assert cli("--pick", "draw", "--out", str(tmp_path / "d")).returncode == 2
    helped = cli("--help")
    assert helped.returncode == 0 and "--all-test-images" in helped.stdout and "--net" in helped.stdout


def test_blog_writes_the_post_s_16_convolution_and_16_pooled_maps(tmp_path):
    assert cli("--blog", "--out", str(tmp_path)).returncode == 0
    stages = run(load_mnist().image(4), BLOG_NETWORK, 0)
    for folder, stage in (("convolution", stages[1]), ("maxpooling", stages[2])):
        files = sorted((tmp_path / folder).iterdir())
        assert [f.name for f in files] == [f"map_{m:03d}.png" for m in range(16)]
        assert np.asarray(Image.open(files[0])).shape == (*stage.output.shape[1:], 4)


def test_all_test_images_stream_into_one_npz(tmp_path):
    done = cli("--all-test-images", "--net", "conv-4-5x5_relu_max-2x2", "--seed", "2", "--kernels", "1.3.0.2.2:3",
               "--out", str(tmp_path))
    assert done.returncode == 0 and "10,000/10,000 images" in done.stderr
    planned = cli_module.all_test_images_bytes((10000, 4, 12, 12))
    assert 0 <= planned - (tmp_path / "all-test-images.npz").stat().st_size <= 2048  # the size checked beforehand
    with np.load(tmp_path / "all-test-images.npz") as npz:
        maps, labels = npz["maps"], npz["labels"]
    assert maps.shape == (10000, 4, 12, 12) and maps.dtype == np.float32
    specs = parse_stack("conv-4-5x5_relu_max-2x2")
    mnist = load_mnist()
    some = [0, 4, 777, 9999]
    params = [apply_edits(spec, p, parse_edits("1.3.0.2.2:3"), i)[0]
              for i, (spec, p) in enumerate(zip(specs, init_params(specs, (1, 28, 28), 2)), start=1)]
    assert params[0]["W"][3, 0, 2, 2] == 3  # the edited cell is in the weights used
    expected = forward_batch(mnist.images[some, None].astype(np.float32) / 255, specs, params)
    np.testing.assert_allclose(maps[some], expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(labels, mnist.labels)


def written(argv: list[str], out: Path) -> dict[str, str]:
    """Run the command line in this process; {file: sha256} of what it wrote, but the
    network NPZ (its manifest repeats the link, so it differs with any setting)."""
    assert main([*argv, "--out", str(out)]) == 0
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(out.iterdir())
            if f.name != "cnnlab-network.npz"}


SMALL = "conv-2-3x3_max-2x2"
# Every setting --help lists: (the other flags it needs to matter, a value other than the default).
CHANGES = {
    "pick": ([], "photo"), "digit": ([], "7"), "example": ([], "1"), "index": (["--pick", "index"], "5"),
    "photo": (["--pick", "photo"], "rocket"), "photo_color": (["--pick", "photo"], "false"),
    "net": ([], "conv-2-3x3_max-2x2"), "seed": ([], "1"), "kernels": ([], "1.0.0.0.0:2"),
    "color_scale": ([], "diverging"), "normalization": ([], "map"), "colorbar": ([], "false"), "columns": ([], "1"),
}


def test_help_lists_only_flags_that_change_the_files(tmp_path):
    helped = cli("--help")
    assert helped.returncode == 0
    listed = set(re.findall(r"^  (?:-h, )?--([a-z_-]+)", helped.stdout, re.M))
    assert listed == {"help", "out", "force", "blog", "all-test-images", *CHANGES}
    for n, (flag, (needs, other)) in enumerate(CHANGES.items()):
        base = needs if flag == "net" else [*needs, "--net", SMALL]  # a small network but where net is the flag
        before, after = written(base, tmp_path / f"{n}a"), written([*base, f"--{flag}", other], tmp_path / f"{n}b")
        assert before.keys() == after.keys() and before != after, flag
    page = cli("--learn_k", "9", "--out", str(tmp_path / "learn"))  # the Learn tab's: listed nowhere, refused
    assert page.returncode == 2 and "--learn_k: the page's own" in page.stderr and not (tmp_path / "learn").exists()
    link = cli("lang=ja&view=inspect&insp_row=3&digit=7&net=conv-2-3x3", "--out", str(tmp_path / "link"))
    assert link.returncode == 0 and "left out, as they do not change these files: lang, view, insp_row" in link.stderr


def test_old_and_new_network_keys_are_not_mixed(tmp_path):
    for argv in (["--net", "conv-8-3x3", "--out_maps", "4"], ["net=conv-8-3x3&out_maps=4"],
                 ["net=conv-8-3x3", "--out_maps", "4"]):
        refused = cli(*argv, "--out", str(tmp_path / "mixed"))
        assert refused.returncode == 2 and not (tmp_path / "mixed").exists(), argv
        assert "out_maps (of links made before net= existed) cannot be mixed with net" in refused.stderr
    old = cli("out_maps=4&kernel_h=3&kernel_w=3&pooling=none", "--out", str(tmp_path / "old"))  # an old link alone
    assert old.returncode == 0 and (tmp_path / "old" / "layer1-Convolution.png").exists()
    with np.load(tmp_path / "old" / "layer1-Convolution.npz") as npz:
        assert npz["maps"].shape == (4, 26, 26)


def test_a_setting_the_output_does_not_use_is_refused(tmp_path):
    for argv, named in ((["--blog", "--net", "conv-4-3x3"], "net"), (["--blog", "--out_maps", "4"], "out_maps"),
                        (["--blog", "--columns", "4"], "columns"),
                        (["--all-test-images", "--digit", "3", "--colorbar", "false"], "digit, colorbar")):
        refused = cli(*argv, "--out", str(tmp_path / "x"))
        assert refused.returncode == 2 and f": {named} would change nothing" in refused.stderr, argv
        assert not (tmp_path / "x").exists()


def test_a_refused_network_gets_the_app_s_reason(tmp_path):
    for net in ("conv-999-5x5", "conv-8-3x3_max-9x9x", "relu_" * 13 + "relu"):
        refused = cli("--net", net, "--out", str(tmp_path))
        with pytest.raises(StackFormatError) as app:  # the network text box's message
            parse_stack(net)
        assert refused.returncode == 2 and f"  net={net!r}: {app.value}\n" in refused.stderr
    assert "OutMaps 999 is outside 1-256" in cli("--net", "conv-999-5x5", "--out", str(tmp_path)).stderr
    kernels = cli("--kernels", "1.2", "--out", str(tmp_path))
    assert kernels.returncode == 2 and "A kernel edit is written layer.map.channel.row.column:value" in kernels.stderr


def must_be_installed() -> None:
    """Skip where the package is not installed (fail on CI, which installs it through
    requirements-dev.txt), or where the installed one is not this checkout."""
    def missing(why: str) -> None:
        if os.environ.get("CI"):
            pytest.fail(f"{why} on CI: requirements-dev.txt installs it (pip install -e .)")
        pytest.skip(f"{why} (pip install -e . or -r requirements-dev.txt)")

    found = subprocess.run([sys.executable, "-c", "import cnnlab.cli; print(cnnlab.cli.__file__)"], cwd="/",
                           capture_output=True, text=True, env=clean_env(), timeout=60)
    if found.returncode != 0:
        missing("cnnlab is not installed")
    if Path(found.stdout.strip()).read_bytes() != (ROOT / "cnnlab" / "cli.py").read_bytes():
        missing(f"the installed cnnlab ({found.stdout.strip()}) is not this checkout's")


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_the_installed_package_runs_from_any_folder(tmp_path):
    must_be_installed()
    script = Path(sysconfig.get_path("scripts")) / "cnnlab"
    for command in ([sys.executable, "-m", "cnnlab"], [str(script)]):
        helped = subprocess.run([*command, "--help"], cwd=tmp_path, capture_output=True, text=True, env=clean_env(),
                                timeout=60)
        assert helped.returncode == 0 and "--all-test-images" in helped.stdout, helped.stderr
    done = subprocess.run([str(script), "--pick", "photo", "--net", "conv-2-3x3", "--out", "out"], cwd=tmp_path,
                          capture_output=True, text=True, env=clean_env(), timeout=120)
    assert done.returncode == 0 and (tmp_path / "out" / "layer1-Convolution.png").exists(), done.stderr


def test_the_wheel_carries_every_file_the_package_reads(tmp_path):
    """Build the wheel from a copy of the project, check it lists every file under cnnlab/,
    then run the package from the unpacked wheel alone: every module imported (the
    components read their .js), every data file read."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "requirements.txt"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "cnnlab", source / "cnnlab", ignore=shutil.ignore_patterns("__pycache__"))
    t0 = time.perf_counter()
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(tmp_path / "dist")],
                           cwd=source, capture_output=True, text=True, timeout=240)
    assert built.returncode == 0, built.stderr
    print(f"wheel built in {time.perf_counter() - t0:.1f} s")
    (wheel,) = (tmp_path / "dist").glob("cnnlab-*.whl")
    package = {f.relative_to(ROOT).as_posix() for f in (ROOT / "cnnlab").rglob("*")
               if f.is_file() and "__pycache__" not in f.parts}
    assert {"cnnlab/data/mnist_train.npz", "cnnlab/data/NOTICE", "cnnlab/ui/assets/shared.js",
            "cnnlab/ui/assets/heatmap.css"} <= package
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
        zf.extractall(tmp_path / "site")
    assert package <= names, sorted(package - names)
    assert re.search(r"^cnnlab = cnnlab\.cli:main$", entry_points, re.M)
    reads = """
import pkgutil, importlib, cnnlab
from cnnlab.data import MNIST_PATH, MNIST_TRAIN_PATH, PHOTOS, load_mnist, load_photo
assert cnnlab.__file__.startswith(SITE), cnnlab.__file__
for m in pkgutil.walk_packages(cnnlab.__path__, "cnnlab."):
    if m.name != "cnnlab.__main__":
        importlib.import_module(m.name)
assert len(load_mnist(MNIST_PATH)) == 10000 and len(load_mnist(MNIST_TRAIN_PATH)) == 20000
assert all(load_photo(p).shape[0] == 3 for p in PHOTOS)
assert "CC BY-SA" in (MNIST_PATH.parent / "NOTICE").read_text()
"""
    site = str(tmp_path / "site")
    ran = subprocess.run([sys.executable, "-c", f"SITE = {site!r}" + reads], cwd=tmp_path, capture_output=True,
                         text=True, env={**clean_env(), "PYTHONPATH": site}, timeout=120)
    assert ran.returncode == 0, ran.stderr


def test_kernel_edits_naming_no_cell_are_said_on_stderr_and_the_others_used(tmp_path):
    done = cli("kernels=1.99.0.0.0:5_1.0.0.1.1:2_2.0.0.0.0:1", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "the kernel edit 1.99.0.0.0:5 is ignored: layer 1 has maps 0-15" in done.stderr
    assert "the kernel edit 2.0.0.0.0:1 is ignored: layer 2 (MaxPooling) has no kernels" in done.stderr
    assert "1.0.0.1.1:2" not in done.stderr
    with np.load(tmp_path / "cnnlab-network.npz") as npz:
        assert npz["layer1/conv/W"][0, 0, 1, 1] == 2  # the edit that names a cell is used


# --- --out: a folder, written by name only, never through a link -----------------------------

def refused(done: subprocess.CompletedProcess, says: str) -> None:
    assert done.returncode == 2 and "Traceback" not in done.stderr and says in done.stderr, done.stderr


def test_an_out_that_is_no_folder_or_cannot_be_made_exits_2_with_the_reason(tmp_path):
    kept = tmp_path / "notes.txt"
    kept.write_text("mine")
    refused(cli("--net", "conv-2-3x3", "--out", "/dev/null"), "--out /dev/null: /dev/null is a file, not a folder")
    refused(cli("--net", "conv-2-3x3", "--out", str(kept)), f"{kept} is a file, not a folder")
    refused(cli("--net", "conv-2-3x3", "--out", str(kept / "sub")), f"{kept} is a file, not a folder")
    assert kept.read_text() == "mine"
    name_max = os.pathconf(tmp_path, "PC_NAME_MAX")
    refused(cli("--net", "conv-2-3x3", "--out", "a" * 300, cwd=tmp_path),
            f"(300 characters): the name is too long: a part of it has 300 bytes, this system takes {name_max}")
    deep = "/".join(["b" * 200] * 30)
    refused(cli("--net", "conv-2-3x3", "--out", deep, cwd=tmp_path), "the name is too long: it has 6,029 bytes")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no folder of the long names was made
    refused(cli("--net", "conv-2-3x3", "--out", "", cwd=tmp_path), "--out is empty: name the folder to write to")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_an_out_folder_that_cannot_be_written_exits_2_with_the_reason(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    for out in (locked, locked / "new"):
        refused(cli("--net", "conv-2-3x3", "--out", str(out), unprivileged=True),
                f"--out {out}: no permission to write there (Permission denied)")
    assert list(locked.iterdir()) == []


def test_a_link_in_the_out_folder_is_refused_and_nothing_outside_it_is_written(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("mine")
    away = tmp_path / "away"
    away.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "layer1-Convolution.png").symlink_to(outside)
    refused(cli("--net", "conv-2-3x3", "--out", str(out)),
            f"{out}/layer1-Convolution.png is a symbolic link: nothing is written through a link")
    (out / "all-test-images.npz").symlink_to(outside)
    refused(cli("--all-test-images", "--out", str(out)), f"{out}/all-test-images.npz is a symbolic link")
    (out / "convolution").symlink_to(away, target_is_directory=True)
    refused(cli("--blog", "--out", str(out)), f"{out}/convolution is a symbolic link")
    (out / "maxpooling").mkdir()
    (out / "maxpooling" / "map_003.png").symlink_to(outside)
    (out / "convolution").unlink()
    refused(cli("--blog", "--out", str(out)), f"{out}/maxpooling/map_003.png is a symbolic link")
    assert outside.read_text() == "mine" and list(away.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["all-test-images.npz", "layer1-Convolution.png", "maxpooling"]
    # a hard link is not written through either: the file is replaced by a new one
    (out / "layer1-Convolution.png").unlink()
    os.link(outside, out / "layer1-Convolution.png")
    done = cli("--net", "conv-2-3x3", "--out", str(out / "."))
    assert done.returncode == 0, done.stderr
    assert outside.read_text() == "mine" and (out / "layer1-Convolution.png").read_bytes()[:4] == b"\x89PNG"
    (out / "cnnlab-network.npz").unlink()
    (out / "cnnlab-network.npz").mkdir()
    refused(cli("--net", "conv-2-3x3", "--out", str(out)), f"{out}/cnnlab-network.npz is in the way: it exists and "
                                                           "is not a file")
    assert not [p for p in out.rglob(".*.part")]  # no temporary file is left behind


def test_only_the_files_written_are_counted(tmp_path):
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(name)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.txt").write_text("d")
    done = cli("--net", "conv-2-3x3_relu", "--out", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"cnnlab: wrote 9 files \(\d+ kB\) to \.\n", done.stdout), done.stdout
    blog = cli("--blog", "--out", ".", cwd=tmp_path)
    assert re.fullmatch(r"cnnlab: wrote 32 files \(\d+ kB\) to \.\n", blog.stdout), blog.stdout


def test_files_over_the_stated_size_are_refused_with_the_size_unless_forced(tmp_path):
    big = cli("--net", "conv-256-15x15-same", "--all-test-images", "--out", str(tmp_path / "big"))
    refused(big, "these files would take up to 8.0 GB (all-test-images.npz: 10,000 x 256 x 28 x 28 float32 values); "
                 "more than 1.0 GB is written only with --force")
    assert not (tmp_path / "big").exists()
    forced = cli("--net", "conv-256-15x15-same", "--all-test-images", "--force", "--out", "/dev/null")
    refused(forced, "--out /dev/null: /dev/null is a file, not a folder")  # past the size check, to the folder's
    assert "GB" not in forced.stderr
    helped = cli("--help")
    assert "--force" in helped.stdout and "more than 1.0 GB" in " ".join(helped.stdout.split())


@pytest.mark.parametrize("argv", [
    ["--net", "conv-8-3x3_relu_max-2x2", "--pick", "photo", "--photo", "rocket", "--seed", "3"],
    ["--net", "conv-3-5x5-same_tanh", "--pick", "photo", "--photo_color", "false", "--columns", "1",
     "--colorbar", "false", "--normalization", "map"],
    ["--net", "conv-30-3x3_conv-1-1x1-p15x15", "--color_scale", "diverging", "--kernels", "1.0.0.1.1:2"],
    ["--net", "conv-256-3x3", "--columns", "32", "--normalization", "nnc"],
    ["--blog", "--pick", "photo"],
])
def test_the_planned_size_bounds_every_file_written(tmp_path, argv, capsys):
    """cli's plan (worked out before writing) names every file written, each at least as
    large as it is; noisy maps (a photo through random weights) compress little."""
    planned: dict[str, int] = {}
    real_check = cli_module.OutFolder.check

    def check(self, names):
        if isinstance(names, dict):
            planned.update(names)
        return real_check(self, names)

    cli_module.OutFolder.check = check
    try:
        assert main([*argv, "--out", str(tmp_path)]) == 0
    finally:
        cli_module.OutFolder.check = real_check
    files = {f.relative_to(tmp_path).as_posix(): f.stat().st_size for f in tmp_path.rglob("*") if f.is_file()}
    assert files.keys() == planned.keys()
    assert all(files[name] <= planned[name] for name in files), {n: (files[n], planned[n]) for n in files}
    assert f"wrote {len(files)} files" in capsys.readouterr().out


def test_a_file_not_finished_is_not_kept(tmp_path):
    out = cli_module.OutFolder.open(str(tmp_path))
    (tmp_path / "x.bin").write_bytes(b"before")
    with pytest.raises(KeyboardInterrupt):
        with out.create("x.bin") as fh:
            fh.write(b"half")
            raise KeyboardInterrupt
    assert (tmp_path / "x.bin").read_bytes() == b"before" and sorted(p.name for p in tmp_path.iterdir()) == ["x.bin"]
    assert out.written.files == 0
