import numpy as np
import pytest

from cnnlab import functions as F
from cnnlab.data import BLOG_DIGIT_INDEX, load_mnist
from cnnlab.pipeline import forward_batch, init_params, run
from cnnlab.layers import BLOG_NETWORK, ActivationSpec, ConvolutionSpec, PoolingSpec


def test_seed_experiment_28_to_24_to_12():
    stages = run(load_mnist().image(BLOG_DIGIT_INDEX), BLOG_NETWORK, seed=0)
    assert [s.name for s in stages] == ["Input", "Convolution", "MaxPooling"]
    assert [s.shape for s in stages] == [(1, 28, 28), (16, 24, 24), (16, 12, 12)]
    conv = stages[1]
    assert conv.params["W"].shape == (16, 1, 5, 5)
    np.testing.assert_array_equal(conv.params["b"], np.zeros(16))
    # 16 different random kernels give 16 different maps
    assert len({conv.output[i].tobytes() for i in range(16)}) == 16
    np.testing.assert_array_equal(stages[2].output, F.max_pooling(conv.output[None], 2, 2)[0])


def test_every_stage_shape_matches_its_spec_shape():
    specs = (ConvolutionSpec(8, (3, 3), "same", strides=(2, 2)), ActivationSpec("LeakyReLU"),
             PoolingSpec("AveragePooling", (3, 3), None, (1, 1), False), ConvolutionSpec(4, (2, 2), group=4))
    stages = run(np.random.default_rng(0).random((28, 28)), specs, seed=3)
    for prev, stage in zip(stages, stages[1:]):
        assert stage.error is None
        assert stage.shape == stage.spec.output_shape(prev.shape)


def test_same_seed_same_everything_and_new_seed_new_kernels():
    img = load_mnist().image(0)
    a, b, c = run(img, BLOG_NETWORK, 1), run(img, BLOG_NETWORK, 1), run(img, BLOG_NETWORK, 2)
    np.testing.assert_array_equal(a[2].output, b[2].output)
    assert not np.array_equal(a[1].params["W"], c[1].params["W"])


def test_impossible_layer_keeps_earlier_stages_and_says_why():
    specs = (ConvolutionSpec(4, (5, 5)), PoolingSpec(kernel_shape=(2, 2)), ConvolutionSpec(4, (15, 15)))
    stages = run(np.zeros((28, 28)), specs)
    assert [s.shape for s in stages[:3]] == [(1, 28, 28), (4, 24, 24), (4, 12, 12)]
    assert stages[3].output is None
    assert "KernelShape 15x15 does not fit the 12x12 input" in stages[3].error


def test_forward_batch_equals_one_by_one():
    images = load_mnist().images[:37].astype(np.float32)[:, None] / 255
    params = init_params(BLOG_NETWORK, (1, 28, 28), seed=5)
    batch = forward_batch(images, BLOG_NETWORK, params, chunk=10)
    assert batch.shape == (37, 16, 12, 12)
    for i in (0, 17, 36):
        np.testing.assert_allclose(batch[i], run(images[i, 0], BLOG_NETWORK, 5)[2].output, rtol=1e-6, atol=1e-6)


def test_specs_are_immutable():
    with pytest.raises(AttributeError):
        BLOG_NETWORK[0].out_maps = 3
