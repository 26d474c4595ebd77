"""Dropout against plain loops and torch.nn.Dropout (eval, and train with torch's own mask),
its token, costs and memory price, a training through it, the code exports, and the page
(maps, inspector, player, worksheet) in both languages through the generic paths."""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from apptools import open_tab
from cnnlab.code_export import nnabla_code, torch_code
from cnnlab.data import MNIST_TRAIN_PATH, load_mnist
from cnnlab.explain import format_number
from cnnlab.exports import network_npz
from cnnlab.layers import ActivationSpec
from cnnlab.layers.dropout import DropoutSpec
from cnnlab.pipeline import run
from cnnlab.presets import StackFormatError, format_stack, parse_stack
from cnnlab.training import train
from test_budget import measured_peak
from test_code_export import needs_torch

shapes = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5))
probabilities = st.sampled_from([0.0, 0.1, 0.5, 0.75, 0.95])


@given(shapes, probabilities, st.integers(0, 999))
def test_forward_and_backward_against_plain_loops(shape, p, seed):
    """Inference passes every value; training keeps value k where its uniform draw u[k] >= P
    (the generator's draws, in order) and divides it by 1 - P, and so does the gradient."""
    rng = np.random.default_rng(seed)
    spec = DropoutSpec(p)
    x = rng.standard_normal(shape).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(spec.forward(x), x)
    y, kept = spec.train_forward(x, None)  # outside training: as at inference
    assert kept is None
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(spec.backward(dy, x, None, y, None)[0], dy)
    y, kept = spec.train_forward(x, None, np.random.default_rng([seed, 1]))
    u = np.random.default_rng([seed, 1]).random(shape, dtype=np.float32)
    y_ref, dx_ref = np.zeros_like(x), np.zeros_like(x)
    for k in np.ndindex(*shape):
        if u[k] >= p:
            y_ref[k] = x[k] / (1 - p)
            dx_ref[k] = dy[k] / (1 - p)
    np.testing.assert_allclose(y, y_ref, rtol=1e-6)
    dx, grads = spec.backward(dy, x, None, y, kept)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-6)
    assert grads == {} and y.dtype == np.float32


def test_the_kept_share_is_one_minus_p_and_the_mean_is_kept():
    x = np.ones((1, 4, 250, 250), dtype=np.float32)
    for p in (0.2, 0.5, 0.9):
        y, (mask,) = DropoutSpec(p).train_forward(x, None, np.random.default_rng(0))
        n = mask.size
        assert abs(mask.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)  # within 5 sigma of the binomial
        assert abs(y.mean() - 1) < 5 * np.sqrt(p / (1 - p) / n)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_against_torch_dropout_in_eval_and_in_train_with_its_mask(p):
    needs_torch()
    import torch
    spec = DropoutSpec(p)
    module = eval(spec.torch_code((3, 4, 5)), {"nn": torch.nn})
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 1.5, (2, 3, 4, 5))  # no zeros: torch's output is 0 exactly where it dropped
    r = rng.standard_normal(x.shape)
    module.eval()
    np.testing.assert_array_equal(spec.forward(x), module(torch.from_numpy(x)).numpy())
    module.train()
    torch.manual_seed(0)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = module(tx)
    (ty * torch.from_numpy(r)).sum().backward()
    mask = ty.detach().numpy() != 0  # torch's own mask, fixed: the same scaling and gradient here
    assert 0 < mask.mean() < 1
    np.testing.assert_allclose(spec.backward(r, x, None, None, (mask,))[0], tx.grad.numpy(), rtol=1e-12)
    from cnnlab.layers.dropout import dropout
    np.testing.assert_allclose(dropout(x, mask, p), ty.detach().numpy(), rtol=1e-12)


def test_token_size_costs_and_memory():
    assert parse_stack("dropout") == (DropoutSpec(),) and parse_stack("dropout-p0.3") == (DropoutSpec(0.3),)
    assert format_stack((DropoutSpec(),)) == "dropout" and format_stack((DropoutSpec(0.25),)) == "dropout-p0.25"
    for bad in ("dropout-0.3", "dropout-p0.3-x", "dropout-p1", "dropout-px"):
        with pytest.raises(StackFormatError):
            parse_stack(bad)
    spec = DropoutSpec(0.3)
    assert spec.output_shape((4, 12, 10)) == (4, 12, 10) and spec.size_arithmetic((4, 12, 10)) == []
    assert spec.statistics((4, 12, 10)) == {} and spec.parameter_count((4, 12, 10)) == 0
    assert spec.work((4, 12, 10)) == 480 and spec.init_params((4, 12, 10), np.random.default_rng(0)) is None
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 16, 28, 28)).astype(np.float32)

    def trained():
        y, kept = spec.train_forward(x, None, rng)
        return y, kept, spec.backward(x, x, None, y, kept)

    assert measured_peak(lambda: spec.forward(x)) <= spec.working_bytes((16, 28, 28), 64)
    assert measured_peak(trained) <= spec.training_bytes((16, 28, 28), 64)


def test_a_network_with_dropout_trains_deterministically_and_its_masks_reach_the_training():
    data = load_mnist(MNIST_TRAIN_PATH)
    images, labels = data.images[:256], data.labels[:256]
    a = train(parse_stack("conv-2-3x3_dropout_max-2x2"), images, labels, epochs=1, seed=3)
    b = train(parse_stack("conv-2-3x3_dropout_max-2x2"), images, labels, epochs=1, seed=3)
    plain = train(parse_stack("conv-2-3x3_dropout-p0_max-2x2"), images, labels, epochs=1, seed=3)
    identity = (parse_stack("conv-2-3x3")[0], ActivationSpec("Identity"), parse_stack("max-2x2")[0])
    without = train(identity, images, labels, epochs=1, seed=3)  # the same layer indices: the same first weights
    for x, y in zip(a.arrays(), b.arrays()):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(plain.arrays(), without.arrays()):  # P 0 keeps every value: an identity in its place
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    assert not np.allclose(a.arrays()[0], without.arrays()[0])
    assert a.params[1] is None


def test_the_code_exports(tmp_path):
    stages = run(load_mnist().image(4), parse_stack("conv-4-3x3_dropout-p0.3_relu"), 2)
    assert "h = F.identity(h)  # dropout-p0.3" in nnabla_code(stages)
    code = torch_code(stages)
    assert "nn.Dropout(p=0.3),  # layer 2: dropout-p0.3" in code
    needs_torch()
    (tmp_path / "cnnlab-network.npz").write_bytes(network_npz(stages, {"net": "test"}))
    (tmp_path / "model.py").write_text(code)
    done = subprocess.run([sys.executable, "model.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert [int(line.split(" ")[0]) for line in lines] == [1, 2, 3]
    assert all(float(line.rsplit(" ", 1)[1]) <= 1e-5 for line in lines)  # eval mode: the app's maps


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_page_draws_explains_plays_and_sheets_it_in_both_languages(lang):
    query = {"net": "conv-4-5x5_dropout-p0.3", "insp_layer": "2", "insp_map": "1", "insp_row": "3", "insp_col": "4",
             "slide": "true", "lang": lang}
    stages = run(load_mnist().image(4), parse_stack(query["net"]), 0)
    value = format_number(float(stages[2].output[1, 3, 4]))
    at = open_tab("Maps" if lang == "en" else "マップ", query)
    assert not at.error and not at.exception
    assert "Dropout → 4 x 24 x 24" in [s.value for s in at.subheader]
    captions = " ".join(c.value for c in at.caption)
    assert ("Passes every value on unchanged here" if lang == "en" else "ここではすべての値をそのまま渡します") in captions
    assert "P = 0.3" in captions
    [player] = [b for b in at.get("bidi_component") if b.proto.id.endswith("-slide-2")]
    data = json.loads(player.proto.json)  # the sliding-window player, as for any function
    assert data["formula"] == "Dropout(x) = x" and data["reduce"] == "function" and data["out_height"] == 24
    at = open_tab("Inspect a pixel" if lang == "en" else "ピクセルを調べる", query)
    assert not at.error and not at.exception
    markdown = " ".join(m.value for m in at.markdown)
    assert f"Dropout(x) = x: Dropout({value}) = **{value}**" in markdown
    assert any(b.proto.label for b in at.get("download_button"))  # the worksheet's files
