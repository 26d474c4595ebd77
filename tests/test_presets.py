import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.initializers import INITIALIZERS
from cnnlab.presets import PRESETS, StackFormatError, format_stack, parse_stack
from cnnlab.layers import BLOG_NETWORK, ActivationSpec, ConvolutionSpec, PoolingSpec

pairs = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731
conv = st.builds(ConvolutionSpec, st.integers(1, 256), pairs(1, 15), st.sampled_from(["valid", "same", "full"]),
                 st.one_of(st.none(), pairs(0, 5)), pairs(1, 4), pairs(1, 3), st.integers(1, 4), st.booleans(),
                 st.sampled_from(INITIALIZERS), st.sampled_from([1.0, 0.5, 2.0]))
pool = st.builds(PoolingSpec, st.sampled_from(["MaxPooling", "AveragePooling", "SumPooling"]), pairs(1, 5),
                 pairs(1, 5), pairs(0, 2), st.booleans(), st.booleans())
act = st.builds(ActivationSpec, st.sampled_from(["ReLU", "LeakyReLU", "Tanh", "Sigmoid"]),
                st.sampled_from([0.1, 0.2, 0.05]))


@given(st.lists(st.one_of(conv, pool, act), min_size=1, max_size=12))
def test_text_round_trips(specs):
    specs = tuple(s if not (isinstance(s, ConvolutionSpec) and s.padding is not None)
                  else ConvolutionSpec(**{**s.__dict__, "border_mode": "valid"}) for s in specs)
    specs = tuple(s if not (isinstance(s, ActivationSpec) and s.kind != "LeakyReLU")
                  else ActivationSpec(s.kind) for s in specs)
    assert parse_stack(format_stack(specs)) == specs


def test_presets():
    assert PRESETS["blog"] == BLOG_NETWORK
    assert format_stack(PRESETS["lenet"]) == "conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2"
    assert len(PRESETS) >= 3


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("conv-16", "Layer 1"), ("relu_pool-2x2", "Layer 2"), ("conv-999-3x3", "OutMaps"),
    ("conv-8-3x3-zz", "unknown option"), ("_".join(["relu"] * 13), "At most 12"),
])
def test_bad_text_is_refused_plainly(text, message):
    with pytest.raises(StackFormatError, match=message):
        parse_stack(text)
