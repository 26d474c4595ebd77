"""Hypothesis strategies for hostile input: URL query strings and stack texts. Shared by
tests/test_reliability.py (a seeded budget) and benchmarks/fuzz_links.py (thousands more)."""

from __future__ import annotations

from hypothesis import strategies as st

from cnnlab.ui.params import LEGACY, URL_PARAMS

HOSTILE = [
    "inf", "-inf", "nan", "NaN", "1e309", "1e3", "-1", "4.5", "1.5", "٣", "１２", "0x10", "+5", " 7", "7 ", "1_0",
    "", "true", "False", "none", "None", "9" * 40, "-" + "9" * 30, "9007199254740993",
    "[click here](https://evil.example/login)", "![t](http://host/x.png)", "<script>alert(1)</script>",
    ":red[x]", ":material/home:", "$x^2$", "`", "a" * 1000, "conv-256-15x15-full-d100x100", "max-5000x5000-keep",
    "conv-1-1x1-p3000x3000", "conv-16-1x1-p99999999999", "conv-8-3x3-iUniform-minf", "\u202e", "\n\n# h",
]


def url_value(key: str) -> st.SearchStrategy[str]:
    p = URL_PARAMS.get(key) or LEGACY.get(key)
    valid: list[st.SearchStrategy[str]] = []
    if p is not None and p.options:
        valid.append(st.sampled_from(p.options))
    elif p is not None and p.value_type in ("int", "float"):
        valid.append(st.integers(int(p.lo), int(p.hi)).map(str))
    return st.one_of(
        st.sampled_from(HOSTILE), st.integers(-(2**70), 2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=30), *valid,
    )


KEYS = sorted(URL_PARAMS) + sorted(LEGACY) + ["unknown", "view"]  # old links' keys too
queries = st.lists(st.sampled_from(KEYS), max_size=6, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: st.lists(url_value(k), min_size=1, max_size=3) for k in keys})
)


NUMBERS = st.one_of(st.integers(0, 20), st.integers(0, 300), st.sampled_from([99999999999, 2**63, 10**30])).map(str)
PAIRS = st.one_of(NUMBERS, st.tuples(NUMBERS, NUMBERS).map("x".join), st.text(max_size=4))
OPTIONS = st.one_of(
    st.sampled_from(["same", "full", "valid", "nobias", "keep", "nopad", "iUniform", "iNormal", "izz", ""]),
    st.tuples(st.sampled_from(["s", "p", "d"]), PAIRS).map("".join),
    st.tuples(st.sampled_from(["g", "m"]), st.one_of(NUMBERS, st.sampled_from(["inf", "nan", "0.5", "1e3"]))).map("".join),
)
HEADS = st.sampled_from(["conv", "dwconv", "deconv", "max", "avg", "sum", "relu", "leaky", "tanh", "sigmoid", "pool", "", "CONV"])
TOKENS = st.tuples(HEADS, st.lists(st.one_of(PAIRS, OPTIONS), max_size=5)).map(lambda t: "-".join([t[0], *t[1]]))
STACKS = st.one_of(st.lists(TOKENS, min_size=0, max_size=14).map("_".join), st.text(max_size=60))


# Well-formed network texts over every layer kind and option, values mostly within the
# grammar's limits (and at their edges), sometimes past them: most parse, so the budget,
# the forward pass and the inspector get them.
def _n(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Mostly small, often anywhere in lo..hi, sometimes an edge, rarely one past it."""
    small, anywhere = st.integers(lo, min(hi, lo + 3)), st.integers(lo, hi)
    return st.one_of(small, anywhere, small, anywhere, st.sampled_from([lo, hi, lo, hi, hi + 1]))


def _pair(prefix: str, lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.tuples(_n(lo, hi), _n(lo, hi)).map(lambda p: f"{prefix}{p[0]}x{p[1]}")


_INIT = st.sampled_from(["iUniform", "iNormal", "iConstant", "iClassicFilters", "iNormalConvolutionHeForward"])
_MULT = st.sampled_from(["m0", "m0.5", "m2", "m100", "m1e-3"])
_CONV_OPTIONS = st.one_of(_pair("s", 1, 15), _pair("p", 0, 15), st.sampled_from(["same", "full", "nobias"]),
                          _pair("d", 1, 8), _n(1, 8).map(lambda g: f"g{g}"), _INIT, _MULT)
_DECONV_OPTIONS = st.one_of(_pair("s", 1, 8), _pair("p", 0, 15), _pair("d", 1, 8), _n(1, 8).map(lambda g: f"g{g}"),
                            st.just("nobias"), _INIT, _MULT)
_POOL_OPTIONS = st.one_of(_pair("s", 1, 15), _pair("p", 0, 14), st.sampled_from(["keep", "nopad"]))


def _layer(head: st.SearchStrategy[str], options: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(head, st.lists(options, max_size=3)).map(lambda t: "-".join([t[0], *t[1]]))


_LAYERS = st.one_of(
    _layer(st.tuples(_n(1, 256), _pair("", 1, 15)).map(lambda t: f"conv-{t[0]}-{t[1]}"), _CONV_OPTIONS),
    _layer(st.tuples(_pair("", 1, 15), st.one_of(st.just(""), _n(1, 16).map(lambda m: f"-x{m}")))
           .map(lambda t: f"dwconv-{t[0]}{t[1]}"), _CONV_OPTIONS),
    _layer(st.tuples(_n(1, 256), _pair("", 1, 15)).map(lambda t: f"deconv-{t[0]}-{t[1]}"), _DECONV_OPTIONS),
    _layer(st.tuples(st.sampled_from(["max", "avg", "sum"]), _pair("", 1, 15)).map("-".join), _POOL_OPTIONS),
    st.sampled_from(["relu", "tanh", "sigmoid", "leaky", "leaky-0.2", "leaky-1", "leaky-0"]),
)
NETWORKS = st.one_of(st.lists(_LAYERS, min_size=1, max_size=4), st.lists(_LAYERS, min_size=1, max_size=13)).map(
    "_".join)


# Component messages as the browser (or a forged websocket message) sends them: (page,
# component key, event or None for the whole state, JSON text).
JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10 ** 40), max_value=10 ** 40), st.text(max_size=20))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["map", "row", "column", "w", "p", "pick", "select",
                                                                  "strokes", "x"]), inner, max_size=4)),
    max_leaves=20)
_HOSTILE_JSON = st.sampled_from([
    "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "9" * 5001, "1" + "0" * 30, "-1", "true", "null", '"3"', "3.5",
    "[" * 5000 + "]" * 5000, "[" * 9 + "]" * 9, "{", "", "}", '"\\ud800"', '{"a": 1, "a": 2}', "[1,]", "0x10",
])
_INDEX = st.one_of(st.integers(-2, 40), st.integers(-(2 ** 63), 2 ** 63), st.sampled_from([1.0, 0.5, True, None, "1"]))
_PICKS = st.fixed_dictionaries({"map": _INDEX, "row": _INDEX, "column": _INDEX})
_NUMBER = st.one_of(st.floats(-400, 700), st.integers(-10 ** 7, 10 ** 7), st.sampled_from([1e300, -0.0, 47.5]))
_STROKES = st.lists(st.fixed_dictionaries({"w": st.one_of(st.floats(0, 60), _NUMBER), "p": st.lists(
    st.one_of(st.lists(_NUMBER, min_size=2, max_size=2), st.lists(_NUMBER, max_size=3)), max_size=30)}), max_size=6)


def _text(values: st.SearchStrategy) -> st.SearchStrategy[str]:
    import json
    return st.one_of(values.map(lambda v: json.dumps(v, allow_nan=True)), _HOSTILE_JSON)


COMPONENT_MESSAGES = st.one_of(
    st.tuples(st.just("inspect"), st.just("chart-pick"), st.just("pick"), _text(st.one_of(_PICKS, JSON_VALUES))),
    st.tuples(st.just("inspect"), st.just("chart-pick"), st.none(),
              _text(st.one_of(_PICKS.map(lambda p: {"pick": p}), JSON_VALUES))),
    st.tuples(st.just("maps"), st.just("overview"), st.just("select"), _text(st.one_of(_INDEX, JSON_VALUES))),
    st.tuples(st.just("maps"), st.just("overview"), st.none(),
              _text(st.one_of(_INDEX.map(lambda i: {"select": i}), JSON_VALUES))),
    st.tuples(st.just("draw"), st.just("drawing"), st.none(),
              _text(st.one_of(_STROKES.map(lambda s: {"strokes": s}), JSON_VALUES))),
    st.tuples(st.sampled_from([("inspect", "chart-pick"), ("inspect", "overview"), ("maps", "overview")]),
              st.sampled_from(["pick", "select", "strokes", "x", "__proto__"]), _text(JSON_VALUES))
    .map(lambda t: (*t[0], t[1], t[2])),
)
