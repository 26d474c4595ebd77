"""The network as code: both texts parse, and where torch is importable the PyTorch code,
run on the app's NPZ download, reproduces every stage to 1e-5 (torch is in
requirements-torch.txt, which CI installs: skipped without it, failed on CI)."""

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnnlab.code_export import nnabla_code, torch_code
from cnnlab.data import load_mnist, load_photo
from cnnlab.exports import network_npz
from cnnlab.pipeline import init_params, run
from cnnlab.presets import PRESETS, parse_stack

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = [*PRESETS.values(), parse_stack("conv-4-3x3_conv-6-4x4-s2x2-same-d2x1-g2-nobias_leaky-0.2_avg-3x3-s2x2-p1x1-nopad"),
            parse_stack("conv-4-3x3-full_tanh_sum-2x2_sigmoid"), parse_stack("conv-4-3x3_dwconv-3x3-x2-p1x0_deconv-2-3x3-s2x2-g2"),
            parse_stack("conv-4-3x3_bn_relu_unpool-2x3_gap_affine-10")]


@pytest.mark.parametrize("specs", NETWORKS)
def test_both_parse_and_name_every_layer(specs):
    stages = run(load_mnist().image(4), specs, 1)
    for code in (torch_code(stages), nnabla_code(stages)):
        ast.parse(code)
        assert all(s.error is None and s.spec.token() in code for s in stages[1:])


def needs_torch() -> None:
    """Skip without torch, but fail on CI: the round trip must run there."""
    if importlib.util.find_spec("torch") is None:
        if os.environ.get("CI"):
            pytest.fail("torch is missing on CI: .ci/run installs requirements-torch.txt")
        pytest.skip("torch is not installed (pip install -r requirements-torch.txt)")


def test_ci_installs_torch_then_runs_the_readme_s_test_command():
    pins = [line for line in (ROOT / "requirements-torch.txt").read_text().splitlines() if line and line[0] != "#"]
    assert pins == ["torch==2.13.0"]  # one exact CPU-wheel-compatible pin, never a range
    ci = (ROOT / ".ci" / "run").read_text()
    readme = re.search(r"Install and run all tests:\n\n    (.+)\n", (ROOT / "README.md").read_text()).group(1)
    assert readme == "pip install -r requirements-dev.txt && python -m pytest"
    assert ci.index("-r requirements-torch.txt") < ci.index("install -q -r requirements-dev.txt && python -m pytest")


@pytest.mark.parametrize("specs, image", [(s, "digit") for s in NETWORKS] + [(parse_stack("conv-4-5x5_relu_max-2x2"), "photo")])
def test_the_pytorch_code_reproduces_every_stage(specs, image, tmp_path):
    needs_torch()
    x = load_mnist().image(4) if image == "digit" else load_photo("cat").astype(np.float32) / 255
    stages = run(x, specs, 2)
    assert all(s.error is None for s in stages)
    (tmp_path / "cnnlab-network.npz").write_bytes(network_npz(stages, {"net": "test"}))
    (tmp_path / "model.py").write_text(torch_code(stages))
    done = subprocess.run([sys.executable, "model.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == len(stages) - 1
    for line, stage in zip(lines, stages[1:]):
        k, *rest = line.split(" ", 1)
        assert int(k) == stage.index and f"{stage.output.shape}"[1:-1] in rest[0]
        assert float(line.rsplit(" ", 1)[1]) <= 1e-5 * max(1.0, float(np.abs(stage.output).max()))


@pytest.mark.parametrize("stack", ["conv-4-3x3_bn-d0.8-e0.001_relu"])
def test_the_pytorch_code_reproduces_layers_with_stored_statistics(stack, tmp_path):
    """Every named parameter reaches torch: a BatchNormalization's beta, gamma, mean and var
    (random, so none is its untrained value) in eval mode."""
    needs_torch()
    specs = parse_stack(stack)
    rng = np.random.default_rng(0)
    params = [None if p is None else {k: (rng.random(a.shape) + 0.5).astype(np.float32) for k, a in p.items()}
              for p in init_params(specs, (1, 28, 28), 2)]
    stages = run(load_mnist().image(4), specs, 2, params=params)
    (tmp_path / "cnnlab-network.npz").write_bytes(network_npz(stages, {"net": stack}))
    (tmp_path / "model.py").write_text(torch_code(stages))
    done = subprocess.run([sys.executable, "model.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for line, stage in zip(done.stdout.strip().splitlines(), stages[1:]):
        assert float(line.rsplit(" ", 1)[1]) <= 1e-5 * max(1.0, float(np.abs(stage.output).max()))
    assert "layer2/bn/var" in nnabla_code(stages) and "running_var" in torch_code(stages)


def test_a_pooling_torch_cannot_express_ends_the_model_with_a_note():
    stages = run(load_mnist().image(4), parse_stack("conv-4-3x3_max-2x2-keep_relu"), 0)
    code = torch_code(stages)
    ast.parse(code)
    assert "Layer 2 (MaxPooling: max-2x2-keep) has no torch.nn equivalent" in code and "nn.ReLU" not in code
