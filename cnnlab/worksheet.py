"""A worksheet for one inspected output pixel: its numbers as CSV, and a printable HTML
page (patch, kernel, products and their sum; a pooling window and its result; an
activation's x and f(x)), with an exercise variant whose answer cells are blank.
Pure Python; every number is written by `number`, every text escaped."""

from __future__ import annotations

import csv
import html
import io

import numpy as np

from cnnlab.explain import ActivationStep, ConvolutionStep, PixelStep, PoolingStep, format_number, kernel_texts

BLANK = "&nbsp;" * 8  # an answer cell of the exercise


def number(value: float) -> str:
    """The page's one number format (explain.format_number: 3 significant digits, never
    '-0'); blank for None, NaN and infinities."""
    return "" if value is None or not np.isfinite(value) else format_number(value)


def worksheet_csv(step: PixelStep) -> str:
    """One line per term: where it reads (channel, row, column of the input) and its numbers;
    the last line the result."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if isinstance(step, ConvolutionStep):
        w.writerow(["channel", "input_row", "input_column", "input", "kernel", "product"])
        for c, channel in enumerate(step.channels):
            for u, row in enumerate(step.rows):
                for v, col in enumerate(step.cols):
                    w.writerow([channel, int(row), int(col), number(step.patch[c, u, v]),
                                number(step.kernel[c, u, v]), number(step.products[c, u, v])])
        w.writerow(["bias", "", "", "", "", number(step.bias or 0.0)])
        w.writerow(["sum", "", "", "", "", number(step.value)])
    elif isinstance(step, PoolingStep):
        w.writerow(["input_row", "input_column", "input"])
        for u, row in enumerate(step.rows):
            for v, col in enumerate(step.cols):
                w.writerow([int(row), int(col), number(step.values[u, v])])
        w.writerow([step.kind, "", number(step.value)])
    else:
        w.writerow(["function", "x", "value"])
        w.writerow([step.formula, number(step.x), number(step.value)])
    return out.getvalue()


def _grid(values: np.ndarray, blank: bool = False, texts: np.ndarray | None = None) -> str:
    """A table of values (h, w) as `number` writes them, or `texts` (h, w), or blanks."""
    texts = np.vectorize(number, otypes=[object])(values) if texts is None else texts
    rows = "".join("<tr>" + "".join(f"<td>{BLANK if blank else html.escape(t)}</td>" for t in row) + "</tr>"
                   for row in texts)
    return f"<table>{rows}</table>"


def worksheet_html(step: PixelStep, title: str, words: dict[str, str], exercise: bool = False) -> str:
    """A printable page; `words` names the parts in the page's language (patch, kernel,
    products, sum, bias, window, result, answer); `exercise` leaves the products, the sum
    and the result blank to fill in."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if isinstance(step, ConvolutionStep):
        for c, channel in enumerate(step.channels):
            parts.append(f"<h2>{html.escape(words['channel'])} {channel}</h2><div class=row>"
                         f"<div><h3>{html.escape(words['patch'])}</h3>{_grid(step.patch[c])}</div>"
                         f"<div><h3>{html.escape(words['kernel'])}</h3>{_grid(step.kernel[c], texts=kernel_texts(step.kernel[c]))}</div>"
                         f"<div><h3>{html.escape(words['products'])}</h3>{_grid(step.products[c], exercise)}</div></div>")
        answer = BLANK if exercise else number(step.value)
        parts.append(f"<p>{html.escape(words['sum'])} + {html.escape(words['bias'])} {number(step.bias or 0.0)}"
                     f" = <b>{answer}</b></p>")
    elif isinstance(step, PoolingStep):
        parts.append(f"<h2>{html.escape(words['window'])}</h2>{_grid(step.values)}")
        answer = BLANK if exercise else number(step.value)
        parts.append(f"<p>{html.escape(step.kind)}: {html.escape(words['result'])} = <b>{answer}</b></p>")
    elif isinstance(step, ActivationStep):
        answer = BLANK if exercise else number(step.value)
        parts.append(f"<p>{html.escape(step.formula)}, x = {number(step.x)}: {html.escape(words['result'])} = "
                     f"<b>{answer}</b></p>")
    style = ("body{font-family:sans-serif;margin:2em} table{border-collapse:collapse;margin:.3em 0}"
             "td{border:1px solid #999;padding:4px 8px;text-align:right;min-width:4em}"
             ".row{display:flex;gap:2em;flex-wrap:wrap} @media print{.row{break-inside:avoid}}")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
