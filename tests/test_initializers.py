import math

import numpy as np
import pytest

from cnnlab.initializers import INITIALIZERS, initialize_weight, initializer_scale

SHAPE = (64, 8, 5, 5)  # M=64, N=8, K=25
M, N, K = 64, 8, 25


@pytest.mark.parametrize(
    "name, expected_std, expected_bound",
    [
        ("NormalConvolutionGlorot", math.sqrt(2 / (N * K + M)), None),
        ("UniformConvolutionGlorot", math.sqrt(6 / (N * K + M)) / math.sqrt(3), math.sqrt(6 / (N * K + M))),
        ("NormalConvolutionHeForward", math.sqrt(2 / (N * K)), None),
        ("NormalConvolutionHeBackward", math.sqrt(2 / (M * K)), None),
        ("Normal", 0.5, None),
        ("Uniform", 0.5 / math.sqrt(3), 0.5),
    ],
)
def test_statistics_over_large_draws(name, expected_std, expected_bound):
    multiplier = 0.5 if name in ("Normal", "Uniform") else 1.0
    draws = np.concatenate([initialize_weight(name, SHAPE, multiplier, seed).ravel() for seed in range(40)])
    assert draws.dtype == np.float32 and draws.size == 40 * 64 * 8 * 25
    assert abs(draws.mean()) < 0.01 * expected_std * 10
    assert draws.std() == pytest.approx(expected_std, rel=0.01)
    if expected_bound is not None:
        assert np.abs(draws).max() <= expected_bound
        assert np.abs(draws).max() > 0.99 * expected_bound


def test_multiplier_scales_and_constant_is_the_multiplier():
    assert initializer_scale("NormalConvolutionGlorot", SHAPE, 3.0) == pytest.approx(3 * math.sqrt(2 / (N * K + M)))
    np.testing.assert_array_equal(initialize_weight("Constant", (2, 1, 3, 3), 0.25), np.full((2, 1, 3, 3), 0.25))


@pytest.mark.parametrize("name", INITIALIZERS)
def test_same_seed_same_weights_other_seed_other_weights(name):
    a = initialize_weight(name, (16, 1, 5, 5), 1.0, 7)
    np.testing.assert_array_equal(a, initialize_weight(name, (16, 1, 5, 5), 1.0, np.random.default_rng(7)))
    if name not in ("Constant", "ClassicFilters"):  # those two draw nothing
        assert not np.array_equal(a, initialize_weight(name, (16, 1, 5, 5), 1.0, 8))


def test_unknown_initializer_is_refused_plainly():
    with pytest.raises(ValueError, match="Unknown W.Initializer"):
        initialize_weight("Xavier", (1, 1, 1, 1))
