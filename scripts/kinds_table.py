"""The README's one table of layer kinds, written from the registry (cnnlab.layers.KINDS).

    python scripts/kinds_table.py           # rewrite the table in README.md
    python scripts/kinds_table.py --check   # exit 1 if README.md's table is not the registry's

One row per registered kind (a module of cnnlab/layers/): NNC's names of the layers it
stands for, its stack-text grammar (its token() docstring, as cnnlab.layers.GRAMMAR), the
tokens "Add a layer" puts in, its parameters by nnabla's names (scope/name) and its module.
The table sits between BEGIN and END in README.md; nothing else in the README lists kinds
(tests/test_kinds_table.py checks both).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnlab.layers import KINDS  # noqa: E402

README = ROOT / "README.md"
BEGIN = "<!-- kinds table: written by scripts/kinds_table.py from cnnlab.layers.KINDS; do not edit -->"
END = "<!-- end of the kinds table -->"
PARAMETER_SHAPE = (4, 8, 8)  # an input every kind's addable layers take, to name their parameters


def _cell(text: str) -> str:
    """Code text in a table cell: its pipes escaped (GitHub reads `\\|` inside code there)."""
    return "`" + text.replace("|", "\\|") + "`"


def rows() -> list[list[str]]:
    """[names, grammar, examples, parameters, module] per registered kind, in KINDS' order."""
    found = []
    for kind in KINDS:
        specs = kind.addable()
        names = list(dict.fromkeys(spec.kind for spec in specs))
        params = specs[0].init_params(PARAMETER_SHAPE, np.random.default_rng(0)) or {}
        module = kind.__module__.replace(".", "/") + ".py"
        found.append([", ".join(names), _cell(kind.token.__doc__.strip()),
                      ", ".join(_cell(spec.token()) for spec in specs),
                      ", ".join(_cell(f"{kind.SCOPE}/{name}") for name in params) or "none", _cell(module)])
    return found


def table() -> str:
    """The markdown table, BEGIN and END included."""
    header = ["Kind (NNC)", "Stack text", "Added as", "Parameters (nnabla)", "Module"]
    lines = [header, ["---"] * len(header), *rows()]
    return "\n".join([BEGIN, *("| " + " | ".join(cells) + " |" for cells in lines), END])


def readme_table(text: str) -> str:
    """The table as README.md holds it (BEGIN to END); ValueError without one."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError("README.md has no kinds table (BEGIN ... END)")
    return text[start:end + len(END)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md's table is out of date")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    old, new = readme_table(text), table()
    if args.check:
        if old != new:
            print("README.md's kinds table is out of date: run python scripts/kinds_table.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(text.replace(old, new), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
