"""Visitor text echoed into markdown stays literal."""

import re

from hypothesis import given
from hypothesis import strategies as st

from cnnlab.ui.literal import literal


@given(st.text(max_size=120))
def test_any_text_becomes_one_code_span_that_holds_it(text):
    out = literal(text)
    fence = re.match(r"`+", out).group(0)
    assert out.endswith(fence)
    inner = out[len(fence):-len(fence)]
    assert fence not in inner  # the span cannot close early
    assert "\n" not in out and "\r" not in out and "\u2028" not in out and "\u202e" not in out


def test_examples():
    assert literal("[click](https://evil.example)") == "`[click](https://evil.example)`"
    assert literal("a``b") == "```a``b```"
    assert literal("`x") == "`` `x ``"
    assert literal("two\n\nlines") == "`two\\u000a\\u000alines`"
    assert literal("") == '`""`'
    assert literal("x" * 100, 10) == "`" + "x" * 9 + "…`"
    assert literal(":material/home:") == "`:\u2060material/home:`"
    assert literal(16) == "`16`"
