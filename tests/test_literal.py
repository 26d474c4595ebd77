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


# --- a static sweep: visitor text reaches markdown only through literal -------------------

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

from cnnlab.ui.i18n import EN, JA, VISITOR_FIELDS, Text  # noqa: E402
from cnnlab.layers import ACTIVATION_KINDS, KINDS, POOLING_KINDS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = sorted((ROOT / "cnnlab" / "ui").glob("*.py")) + [ROOT / "app.py"]
# template fields that name a visitor's own text wherever they appear
VISITOR_NAMES = {"text", "raw", "typed", "item", "token", "part", "after", "entry", "start", "file", "filename"}


PASS_THROUGH = {"why_disabled": 1}  # helpers that call tx(key, **fmt) with their own key argument (position)
FORWARDED = {("widgets.py", "fmt")}  # those helpers' own tx calls


def _tables(tree: ast.Module) -> dict[str, list[str]]:
    """A module's tables of catalogue keys (NAME = {...: "key" or ("key", "key")}): every key each holds."""
    tables = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and isinstance(getattr(node, "value", None), ast.Dict):
            keys = [c.value for v in node.value.values for c in ast.walk(v)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            if keys:
                tables[target.id] = keys
    return tables


TABLES = {name: keys for path in UI_FILES for name, keys in _tables(ast.parse(path.read_text(encoding="utf-8"))).items()}
EXPLANATIONS = sorted({spec.explanation_key() for kind in KINDS for spec in kind.addable()}
                      | {"explain." + k for k in (*ACTIVATION_KINDS, *POOLING_KINDS)})


def _keys(first: ast.expr) -> list[str] | None:
    """The catalogue keys a tx call's key argument can be: a constant, a table lookup
    (TABLE[x], TABLE[x][0]) or a kind's explanation_key(); None when unknown."""
    if isinstance(first, ast.Constant):
        return [first.value]
    while isinstance(first, ast.Subscript) and isinstance(first.value, ast.Subscript):
        first = first.value
    if isinstance(first, ast.Subscript) and isinstance(first.value, ast.Name) and first.value.id in TABLES:
        return TABLES[first.value.id]
    if isinstance(first, ast.Call) and getattr(first.func, "attr", "") == "explanation_key":
        return EXPLANATIONS
    return None


def _tx_calls():
    """(file, call, key or None) of every tx(...) call in the UI, once per key its key
    argument can be (key None: not known)."""
    for path in UI_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            at = {"tx": 0, **PASS_THROUGH}.get(name)
            if at is not None and len(node.args) > at:
                for key in _keys(node.args[at]) or [None]:
                    yield path.name, node, key


def _is_literal_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "literal"


def test_every_template_field_that_holds_visitor_text_is_declared_and_not_quoted():
    for catalogue in (EN, JA):
        for key, template in catalogue.items():
            fields = set(re.findall(r"\{(\w+)", template))
            assert not (fields & VISITOR_NAMES) - set(VISITOR_FIELDS.get(key, ())), key
            for name in VISITOR_FIELDS.get(key, ()):
                assert f'"{{{name}}}"' not in template and f"「{{{name}}}」" not in template, key  # literal quotes it


def test_every_ui_call_of_a_key_with_visitor_text_passes_it_through_literal():
    seen = set()
    for file, call, key in _tx_calls():
        if key is None:  # a computed key (f"explain.{kind}"): none it can be may hold visitor text,
            first = call.args[0]  # except in the FORWARDED helpers
            prefix = first.values[0].value if isinstance(first, ast.JoinedStr) and isinstance(
                first.values[0], ast.Constant) else ""
            expanded = [kw for kw in call.keywords if kw.arg is None]
            if expanded and (file, ast.unparse(expanded[0].value)) in FORWARDED:
                continue
            names = {kw.arg for kw in call.keywords}
            assert not any(k.startswith(prefix) and (None in names or set(fields) & names)
                           for k, fields in VISITOR_FIELDS.items()), (file, call.lineno, ast.unparse(call))
            continue
        keywords = {kw.arg: kw.value for kw in call.keywords}
        if None in keywords:  # **values: only for keys that hold no visitor text
            assert key not in VISITOR_FIELDS, (file, call.lineno)
        for name in VISITOR_FIELDS.get(key, ()):
            assert name in keywords and _is_literal_call(keywords[name]), (file, call.lineno, ast.unparse(call))
            seen.add(key)
    assert seen >= {"upload.caption", "url.item"}
    from cnnlab.kernel_edits import EditError
    for lang in ("en", "ja"):  # Text.edit_error, which every EditError's message goes through
        out = Text(lang).edit_error(EditError("cell", row=1, column=1, text="![](//evil.example)", limit="100"))
        assert "`![](//evil.example)`" in out


def test_text_shows_a_declared_field_literally_even_if_a_caller_forgets():
    for lang in ("en", "ja"):
        out = Text(lang)("edit.cell", row=1, column=2, text="[x](//evil.example)", limit="1e6")
        assert "`[x](//evil.example)`" in out
        assert Text(lang)("edit.cell", row=1, column=2, text=literal("a"), limit="1").count("`a`") == 1
