"""The README's one table of layer kinds (scripts/kinds_table.py) is the registry's: every
registered kind has its row with its grammar, nothing unregistered has one, a kind added
without its row fails, and no other list of kinds is kept in the README."""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import kinds_table  # noqa: E402
from cnnlab.layers import GRAMMAR, KINDS, UnpoolingSpec  # noqa: E402
from cnnlab.presets import parse_stack  # noqa: E402

README = (ROOT / "README.md").read_text(encoding="utf-8")


def table_rows(text: str) -> list[list[str]]:
    """The README table's body as cells, code spans unwrapped and pipes unescaped."""
    lines = [line for line in kinds_table.readme_table(text).splitlines() if line.startswith("| ")][2:]
    cells = [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
    return [[cell.replace("\\|", "|") for cell in row] for row in cells]


def code(cell: str) -> list[str]:
    """The code spans of a cell, in order."""
    return re.findall(r"`([^`]*)`", cell)


def test_the_readme_table_is_the_one_the_registry_writes():
    assert kinds_table.readme_table(README) == kinds_table.table()
    assert kinds_table.main(["--check"]) == 0


def test_every_registered_kind_has_its_row_with_its_grammar_and_nothing_else_has_one():
    rows = table_rows(README)
    assert [code(row[1])[0] for row in rows] == list(GRAMMAR)  # each kind's token() docstring, in KINDS' order
    modules = [code(row[4])[0] for row in rows]
    assert modules == [kind.__module__.replace(".", "/") + ".py" for kind in KINDS]
    assert all((ROOT / module).is_file() for module in modules)
    registered = {spec.kind for kind in KINDS for spec in kind.addable()}
    named = [name for row in rows for name in row[0].split(", ")]
    assert sorted(named) == sorted(registered)  # every NNC name once, none unregistered
    for row in rows:  # each example reads back as a layer the row names
        for token in code(row[2]):
            [spec] = parse_stack(token)
            assert spec.kind in row[0].split(", ") and spec.token() == token


@dataclass(frozen=True)
class NewSpec(UnpoolingSpec):
    """A kind registered without its README line."""

    kind = "NewKind"
    HEADS = ("newkind",)

    def token(self) -> str:
        """newkind-KhxKw"""
        return "newkind-%dx%d" % self.kernel_shape


def test_a_kind_registered_without_its_readme_row_or_a_row_left_for_a_kind_removed_fails(monkeypatch, capsys):
    monkeypatch.setattr(kinds_table, "KINDS", (*KINDS, NewSpec))
    assert kinds_table.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    monkeypatch.setattr(kinds_table, "KINDS", KINDS[:-1])
    assert kinds_table.main(["--check"]) == 1


def other_kind_lists(text: str) -> list[str]:
    """What lists kinds outside the table: a run of three registered NNC names joined by
    commas (across line breaks), a line naming three kinds' modules or a kind's grammar as code."""
    outside = text.replace(kinds_table.readme_table(text), "")
    names = "|".join(sorted({spec.kind for kind in KINDS for spec in kind.addable()}, key=len, reverse=True))
    modules = {kind.__module__.rsplit(".", 1)[1] + ".py" for kind in KINDS}
    found = [m.group(0) for m in re.finditer(rf"\b({names})\b(,\s+({names})\b){{2,}}", outside)]
    for line in outside.splitlines():
        if sum(f"`{module}`" in line for module in modules) >= 3 or any(f"`{grammar}`" in line for grammar in GRAMMAR):
            found.append(line)
    return found


def test_the_readme_keeps_no_other_list_of_kinds():
    assert other_kind_lists(README) == []
    old = ('  up / down, remove; "Add a layer" offers every kind (Convolution, DepthwiseConvolution,\n'
           "  Deconvolution, Max/Average/SumPooling, ReLU, LeakyReLU, Tanh, Sigmoid, BatchNormalization,\n"
           "| `cnnlab/layers/` | one module per layer kind (`convolution.py`, `depthwise_convolution.py`, `pooling.py`)\n"
           "  (DecayRate 0.9, Epsilon 0.00001 as nnabla). Stack text: `bn[-dDECAY][-eEPSILON]`\n")
    assert len(other_kind_lists(README + old)) == 4  # the lists it once kept are found
