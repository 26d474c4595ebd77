"""`python -m cnnlab`: the app's downloads for the same settings, the app's refusals with
a non-zero exit, the blog post's maps, and every test image in bounded chunks."""

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from cnnlab import exports
from cnnlab.data import load_mnist
from cnnlab.kernel_edits import parse_edits
from cnnlab.layers import BLOG_NETWORK
from cnnlab.mosaic import Display
from cnnlab.pipeline import forward_batch, init_params, run
from cnnlab.presets import parse_stack

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnnlab", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


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
        assert '"kernels": "1.0.0.1.1:2"' in str(npz["manifest"]) and npz["W_1"][0, 0, 1, 1] == 2


def test_flags_take_the_same_names_and_bad_settings_exit_with_the_app_s_message(tmp_path):
    done = cli("--net", "conv-4-3x3", "--index", "123", "--out", str(tmp_path / "ok"))
    assert done.returncode == 0 and (tmp_path / "ok" / "layer1-Convolution.png").exists()
    refused = cli("--net", "conv-99999-5x5", "--seed", "inf", "--out", str(tmp_path / "bad"))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "net='conv-99999-5x5'" in refused.stderr and "seed='inf'" in refused.stderr
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
    done = cli("--all-test-images", "--net", "conv-4-5x5_relu_max-2x2", "--seed", "2", "--out", str(tmp_path))
    assert done.returncode == 0 and "10,000/10,000 images" in done.stderr
    with np.load(tmp_path / "all-test-images.npz") as npz:
        maps, labels = npz["maps"], npz["labels"]
    assert maps.shape == (10000, 4, 12, 12) and maps.dtype == np.float32
    specs = parse_stack("conv-4-5x5_relu_max-2x2")
    mnist = load_mnist()
    some = [0, 4, 777, 9999]
    expected = forward_batch(mnist.images[some, None].astype(np.float32) / 255, specs, init_params(specs, (1, 28, 28), 2))
    np.testing.assert_allclose(maps[some], expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(labels, mnist.labels)
