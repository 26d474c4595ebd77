import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.initializers import INITIALIZERS
from cnnlab.presets import PRESETS, StackFormatError, format_stack, parse_stack
from cnnlab.layers import BLOG_NETWORK, BY_HEAD, ActivationSpec, ConvolutionSpec, PoolingSpec

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
    ("conv-8-3x3-zz", "an option"), ("_".join(["relu"] * 13), "At most 12"),
])
def test_bad_text_is_refused_plainly(text, message):
    with pytest.raises(StackFormatError, match=message):
        parse_stack(text)


@pytest.mark.parametrize("text, canonical", [
    ("conv-16-5X5", "conv-16-5x5"),  # X read as x
    ("conv-16-5x5 max-2x2", "conv-16-5x5_max-2x2"),  # a space between layers
    ("conv-16-5 max-2", "conv-16-5x5_max-2x2"),
    ("  conv-16-5x5 _ relu _max-2X2-s1x1 ", "conv-16-5x5_relu_max-2x2-s1x1"),  # spaces around "_"
    ("conv - 16 - 5 x 5", "conv-16-5x5"),  # around "-" and "x"
    ("conv 16 5x5 relu", "conv-16-5x5_relu"),  # a space before a number separates fields
])
def test_x_and_spaces_are_read_where_they_can_mean_one_thing(text, canonical):
    assert format_stack(parse_stack(text)) == canonical


@pytest.mark.parametrize("text, message", [
    ("conv-16-5y5", "Layer 1 ('conv-16-5y5') is not understood: after 'conv-16-' the grammar expects a KernelShape "
                    "like 5x5, not '5y5'."),
    ("conv-16", "after 'conv-16-' the grammar expects a KernelShape like 5x5, but the layer ends there."),
    ("conv", "after 'conv-' the grammar expects OutMaps, a whole number like 16, but the layer ends there."),
    ("relu_conv-x-3x3", "Layer 2 ('conv-x-3x3') is not understood: after 'conv-' the grammar expects OutMaps, a whole "
                        "number like 16, not 'x'."),
    ("conv-8-3x3-s2y2", "after 'conv-8-3x3-s' the grammar expects Strides like 2x2, not '2y2'."),
    ("max-2x2-p1y1", "after 'max-2x2-p' the grammar expects a Padding like 1x1, not '1y1'."),
    ("max-2x2-q", "after 'max-2x2-' the grammar expects an option (sSHxSW, pPHxPW, keep, nopad), not 'q'."),
    ("conv-8-3x3-zz", "after 'conv-8-3x3-' the grammar expects an option (sSHxSW, pPHxPW, dDHxDW, gG, iINIT, mMULT, "
                      "same, full, valid, nobias), not 'zz'."),
    ("dwconv-3x3-g2", "after 'dwconv-3x3-' the grammar expects an option (xM, sSHxSW, pPHxPW, dDHxDW, iINIT, mMULT, "
                      "same, full, valid, nobias), not 'g2'."),
    ("conv-8-3x3-iXavier", "after 'conv-8-3x3-i' the grammar expects a W.Initializer (NormalConvolutionGlorot"),
    ("leaky-x", "after 'leaky-' the grammar expects an alpha like 0.2, not 'x'."),
    ("relu-5", "after 'relu' the layer ends (only leaky takes a number, its alpha: leaky-0.2), not '5'."),
    ("gap-3", "after 'gap' the layer ends, not '3'."),
    ("leaky-0.2-3", "after 'leaky-0.2' the layer ends"),
    ("pool-2x2", f"a layer starts with its kind ({', '.join(sorted(BY_HEAD))}), not 'pool'."),  # every registered head
    ("conv-99999-5x5", "Layer 1 ('conv-99999-5x5') is not understood: OutMaps 99999 is outside 1-256."),
])
def test_a_text_that_cannot_be_read_says_what_the_grammar_expects_there(text, message):
    with pytest.raises(StackFormatError) as err:
        parse_stack(text)
    assert message in str(err.value)
