"""Hypothesis strategies for hostile input: URL query strings and stack texts. Shared by
tests/test_reliability.py (a seeded budget) and benchmarks/fuzz_links.py (thousands more)."""

from __future__ import annotations

from hypothesis import strategies as st

from cnnlab.ui.params import LEGACY, PARAMS

HOSTILE = [
    "inf", "-inf", "nan", "NaN", "1e309", "1e3", "-1", "4.5", "1.5", "٣", "１２", "0x10", "+5", " 7", "7 ", "1_0",
    "", "true", "False", "none", "None", "9" * 40, "-" + "9" * 30, "9007199254740993",
    "[click here](https://evil.example/login)", "![t](http://host/x.png)", "<script>alert(1)</script>",
    ":red[x]", ":material/home:", "$x^2$", "`", "a" * 1000, "conv-256-15x15-full-d100x100", "max-5000x5000-keep",
    "conv-1-1x1-p3000x3000", "conv-16-1x1-p99999999999", "conv-8-3x3-iUniform-minf", "\u202e", "\n\n# h",
]


def url_value(key: str) -> st.SearchStrategy[str]:
    p = PARAMS.get(key) or LEGACY.get(key)
    valid: list[st.SearchStrategy[str]] = []
    if p is not None and p.options:
        valid.append(st.sampled_from(p.options))
    elif p is not None and p.kind in ("int", "float"):
        valid.append(st.integers(int(p.lo), int(p.hi)).map(str))
    return st.one_of(
        st.sampled_from(HOSTILE), st.integers(-(2**70), 2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=30), *valid,
    )


KEYS = sorted(PARAMS) + sorted(LEGACY) + ["unknown", "view"]  # old links' keys too
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
