"""A worksheet for one inspected output pixel: its numbers as CSV, and a printable HTML
page (patch, kernel, products and their sum; a pooling window and its result; an
activation's x and f(x)), with an exercise variant whose answer cells are blank.
Pure Python; every number is written by `number`, every text escaped. What a page holds
is the step's own (cnnlab.explain.Step.csv_rows and sheet_html): this module only frames it."""

from __future__ import annotations

import csv
import html
import io

from cnnlab.explain import SHEET_BLANK as BLANK  # noqa: F401  (an answer cell of the exercise)
from cnnlab.explain import PixelStep, sheet_grid as _grid, sheet_number as number  # noqa: F401

SHEET_WORDS: dict[str, str] = {"channel": "sheet.channel", "patch": "sheet.patch", "kernel": "sheet.kernel",
                               "products": "sheet.products", "sum": "sheet.sum", "bias": "sheet.bias",
                               "window": "sheet.window", "result": "sheet.result"}
"""The words a worksheet names its parts with -> their catalogue keys."""


def sheet_words(step: PixelStep) -> dict[str, str]:
    """The words `step`'s worksheet names its parts with -> their catalogue keys: SHEET_WORDS
    and the step's own (explain.Step.SHEET_WORDS, e.g. an Affine's weights)."""
    return {**SHEET_WORDS, **step.SHEET_WORDS}


def worksheet_csv(step: PixelStep) -> str:
    """One line per term: where it reads (channel, row, column of the input) and its numbers;
    the last line the result."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(step.csv_rows())
    return out.getvalue()


def worksheet_html(step: PixelStep, title: str, words: dict[str, str], exercise: bool = False) -> str:
    """A printable page; `words` names the parts in the page's language (SHEET_WORDS' names:
    patch, kernel, products, sum, bias, window, result, channel); `exercise` leaves the
    products, the sum and the result blank to fill in."""
    parts = [f"<h1>{html.escape(title)}</h1>", *step.sheet_html(words, exercise)]
    style = ("body{font-family:sans-serif;margin:2em} table{border-collapse:collapse;margin:.3em 0}"
             "td{border:1px solid #999;padding:4px 8px;text-align:right;min-width:4em}"
             ".row{display:flex;gap:2em;flex-wrap:wrap} @media print{.row{break-inside:avoid}}")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
