import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.shapes import (
    LayerShapeError,
    border_mode_padding,
    conv_output_shape,
    conv_output_size,
    pool_output_shape,
    pool_output_size,
)


def test_seed_shapes_28_24_12():
    assert conv_output_shape((28, 28), 1, 16, (5, 5)) == (16, 24, 24)
    assert pool_output_shape((24, 24), (2, 2), (2, 2)) == (12, 12)


@given(st.integers(1, 40), st.integers(1, 9), st.integers(1, 4))
def test_border_modes_give_nnc_sizes(length, k, d):
    k_eff = (k - 1) * d + 1
    assert border_mode_padding("valid", k, d) == 0
    assert border_mode_padding("same", k, d) == (k_eff - 1) // 2
    assert border_mode_padding("full", k, d) == k_eff - 1
    if k_eff % 2:  # odd extent: "same" keeps the size
        assert conv_output_size(length, k, border_mode_padding("same", k, d), 1, d) == length
    assert conv_output_size(length, k, border_mode_padding("full", k, d), 1, d) == length + k_eff - 1


@given(st.integers(1, 60), st.integers(1, 8), st.integers(0, 7), st.integers(1, 6))
def test_pool_sizes_count_the_windows(length, k, p, s):
    whole = sum(1 for i in range(200) if i * s - p + k <= length + p)
    started = sum(1 for i in range(200) if i * s - p <= length - 1)
    assert pool_output_size(length, k, p, s, True) == whole
    assert pool_output_size(length, k, p, s, False) == started


def test_plain_messages():
    with pytest.raises(LayerShapeError, match=r"KernelShape 7x7 does not fit the 5x5 input \(after Padding 0\)"):
        conv_output_shape((5, 5), 1, 16, (7, 7))
    with pytest.raises(LayerShapeError, match="Strides must be at least 1"):
        conv_output_shape((5, 5), 1, 16, (3, 3), stride=(0, 1))
    with pytest.raises(LayerShapeError, match="OutMaps must be at least 1"):
        conv_output_shape((5, 5), 1, 0, (3, 3))
    with pytest.raises(LayerShapeError, match="Padding cannot be negative"):
        conv_output_shape((5, 5), 1, 4, (3, 3), pad=(-1, 0))
    with pytest.raises(LayerShapeError, match="Group 2 must divide"):
        conv_output_shape((5, 5), 3, 4, (3, 3), group=2)
    with pytest.raises(LayerShapeError, match="does not fit the 3x3 input"):
        pool_output_shape((3, 3), (4, 4), (4, 4))
    assert pool_output_shape((3, 3), (4, 4), (4, 4), ignore_border=False) == (1, 1)
