"""Why every number is what it is: output-size arithmetic with the current values, and
any output pixel's computation (the patch x kernel sum, the pooling window, the
activation), plus its receptive field traced back to the input."""

from __future__ import annotations

from collections.abc import Sequence
import html
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

Shape3 = tuple[int, int, int]


def size_arithmetic(spec, in_shape: Shape3) -> list[tuple[str, str]]:
    """[(axis, arithmetic)] for H and W of a layer taking in_shape (C, H, W), from the
    layer's own size rule; one entry 'H, W' when both axes compute alike. [] when the
    layer keeps the shape."""
    lines = spec.size_arithmetic(in_shape)
    if not lines:
        return []
    if lines[0] == lines[1]:
        return [("H, W", lines[0])]
    return [("H", lines[0]), ("W", lines[1])]


# --- One output pixel, explained -----------------------------------------------------
#
# A step is what a layer kind's `explain` returns, and it carries its own views: the
# inspector's body (inspector_view), the worksheet (csv_rows, sheet_html) and the
# sliding-window player's data (player). The inspector, the worksheet, the player and its
# JavaScript read those generically, so a kind whose pixel is explained some other way
# brings a Step subclass of its own and edits none of them.

Block = tuple[str, str]
"""One piece of the inspector's body: (how, content), how one of "caption", "markdown"
(catalogue text, already in the page's language), "html" (a figure) or "code" (a line of
arithmetic)."""


class Step:
    """The views every explanation step gives (see above). Subclasses are frozen
    dataclasses with at least `out` (map, row, column) and `value`."""

    out: tuple[int, int, int]
    value: float

    SHEET_WORDS: ClassVar[dict[str, str]] = {}
    """The worksheet's words of this step beyond cnnlab.worksheet.SHEET_WORDS (name -> catalogue key)."""

    def input_channels(self) -> tuple[int, ...]:
        """The input channels the pixel reads (the player sends these)."""
        return (self.out[0],)

    def inspector_view(self, tx, in_shape: Shape3) -> list[Block]:
        """The inspector's body under the pixel's title, in tx's language (tx: the catalogue's
        lookup, tx(key, **fields)); in_shape: the layer's input (C, H, W)."""
        raise NotImplementedError

    def csv_rows(self) -> list[list]:
        """The worksheet's CSV: a header, one row per term, the result last."""
        raise NotImplementedError

    def sheet_html(self, words: dict[str, str], exercise: bool) -> list[str]:
        """The printable worksheet's body (HTML parts, every text escaped), named by `words`
        (cnnlab.worksheet.SHEET_WORDS in the page's language); `exercise` leaves the answers blank."""
        raise NotImplementedError

    def player(self, spec, params, x: np.ndarray, size: tuple[int, int]) -> dict:
        """The sliding-window player's description of output map self.out[0] over x (C, H, W),
        whose output is size (Ho, Wo): reduce ("sum" weighted by `kernel` (Cg, kh, kw) + bias,
        "max", "sum-only", "mean" (by `divisors`, Ho*Wo), "function"), rows (Ho, k) and cols
        (Wo, k) the input positions each output row and column reads, grids [{of: "patch" |
        "kernel" | "products", title: catalogue key, marks: cells off the input marked}], lines
        (catalogue keys of templates the browser fills with {channel} {depth} {cells} {count}
        {sum} {bias} {divisor} {x} {formula} {value}) and formula. The browser draws only this."""
        raise NotImplementedError


def windows(spec, params, x: np.ndarray, m: int, size: tuple[int, int]) -> tuple[list, list]:
    """(rows, cols): the input rows every output row of map m reads, and the columns every
    output column reads, from the kind's own explain (one call per output row and column)."""
    down = [spec.explain(params, x, (m, i, 0)) for i in range(size[0])]
    across = [spec.explain(params, x, (m, 0, j)) for j in range(size[1])]
    return down, across


@dataclass(frozen=True)
class ConvolutionStep(Step):
    """How y[m, i, j] of a Convolution is computed.

    rows (kh,), cols (kw,): input positions each kernel row/column reads (i*sh - ph + u*dh);
    outside 0..H-1 / 0..W-1 they read padding (0). channels (Cg,): the input channels
    of m's group. patch, kernel, products: (Cg, kh, kw). value = products.sum() + bias.
    """

    out: tuple[int, int, int]
    channels: tuple[int, ...]
    rows: np.ndarray
    cols: np.ndarray
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    bias: float | None
    value: float

    def padded(self, in_hw: tuple[int, int]) -> np.ndarray:
        """(kh, kw) bool: True where the kernel reads padding."""
        row_out = (self.rows < 0) | (self.rows >= in_hw[0])
        col_out = (self.cols < 0) | (self.cols >= in_hw[1])
        return row_out[:, None] | col_out[None, :]

    def input_channels(self) -> tuple[int, ...]:
        return self.channels

    def pad_mark(self, tx) -> str:
        """What a patch cell off the input reads in the inspector: padding."""
        return tx("insp.pad")

    def window_caption(self, tx, padded: np.ndarray) -> list[Block]:
        """Which input rows and columns the kernel reads (padding named only where it is read)."""
        key = "insp.conv.window.padded" if padded.any() else "insp.conv.window"
        return [("caption", tx(key, rows=span(self.rows), cols=span(self.cols)))]

    def grid_titles(self, tx) -> tuple[str, str, str]:
        """The inspector's titles of the patch, kernel and products grids."""
        return tx("insp.patch"), tx("insp.kernel", map=self.out[0]), tx("insp.products")

    def total_words(self, tx) -> list[Block]:
        """The total line (each channel's sum, the bias, = the value) and the note on rounding."""
        return [("markdown", tx("insp.conv.total", line=f"`{total_line(self, tx('sheet.bias'))}`")),
                ("caption", tx("insp.rounding"))]

    def inspector_view(self, tx, in_shape: Shape3) -> list[Block]:
        """The patch, kernel and products of each input channel the pixel reads (named when
        the layer's input has several, at most 3 drawn), and the sums."""
        from cnnlab.figures import grid_html  # figures imports this module

        padded = self.padded(in_shape[1:])
        blocks = self.window_caption(tx, padded)
        patch_title, kernel_title, products_title = self.grid_titles(tx)
        for k, channel in enumerate(self.channels[:3]):
            if in_shape[0] > 1:
                blocks.append(("markdown", tx("insp.channel", channel=channel)))
            blocks.append(("html",
                           grid_html(self.patch[k], patch_title, marked=padded, mark=self.pad_mark(tx))
                           + grid_html(self.kernel[k], kernel_title, texts=kernel_texts(self.kernel[k]))
                           + grid_html(self.products[k], products_title)))
        if len(self.channels) > 3:
            blocks.append(("caption", tx("insp.more_channels", count=len(self.channels) - 3)))
        blocks.append(("code", "\n".join(sum_lines(self, channel_word=tx("insp.sum.channel"),
                                                   more_word=tx("insp.sum.more")))))
        return blocks + self.total_words(tx)

    def csv_rows(self) -> list[list]:
        rows: list[list] = [["channel", "input_row", "input_column", "input", "kernel", "product"]]
        for c, channel in enumerate(self.channels):
            for u, row in enumerate(self.rows):
                for v, col in enumerate(self.cols):
                    rows.append([channel, int(row), int(col), sheet_number(self.patch[c, u, v]),
                                 sheet_number(self.kernel[c, u, v]), sheet_number(self.products[c, u, v])])
        rows.append(["bias", "", "", "", "", sheet_number(self.bias or 0.0)])
        rows.append(["sum", "", "", "", "", sheet_number(self.value)])
        return rows

    def sheet_titles(self, words: dict[str, str]) -> tuple[str, str, str, str]:
        """The worksheet's titles of the patch, kernel and products grids, and the sum's word."""
        return words["patch"], words["kernel"], words["products"], words["sum"]

    def sheet_html(self, words: dict[str, str], exercise: bool) -> list[str]:
        patch, kernel, products, total = (html.escape(title) for title in self.sheet_titles(words))
        parts = []
        for c, channel in enumerate(self.channels):
            parts.append(f"<h2>{html.escape(words['channel'])} {channel}</h2><div class=row>"
                         f"<div><h3>{patch}</h3>{sheet_grid(self.patch[c])}</div>"
                         f"<div><h3>{kernel}</h3>"
                         f"{sheet_grid(self.kernel[c], texts=kernel_texts(self.kernel[c]))}</div>"
                         f"<div><h3>{products}</h3>{sheet_grid(self.products[c], exercise)}</div>"
                         "</div>")
        answer = SHEET_BLANK if exercise else sheet_number(self.value)
        parts.append(f"<p>{total} + {html.escape(words['bias'])} {sheet_number(self.bias or 0.0)}"
                     f" = <b>{answer}</b></p>")
        return parts

    def player(self, spec, params, x: np.ndarray, size: tuple[int, int]) -> dict:
        down, across = windows(spec, params, x, self.out[0], size)
        sums = ["slide.grids_channel", "slide.channels"] if len(self.channels) > 1 else ["slide.products_sum"]
        return {"reduce": "sum", "rows": [s.rows.tolist() for s in down], "cols": [s.cols.tolist() for s in across],
                "kernel": self.kernel, "bias": self.bias,
                "grids": [{"of": "patch", "title": "slide.patch", "marks": True},
                          {"of": "kernel", "title": "slide.kernel"}, {"of": "products", "title": "slide.products"}],
                "lines": [*sums, "slide.result" if self.bias is None else "slide.with_bias"]}


@dataclass(frozen=True)
class PoolingStep(Step):
    """How y[c, i, j] of a pooling layer is computed.

    rows (kh,), cols (kw,): input positions of the window (i*sh - ph + u); values (kh, kw)
    the input there, NaN where the window lies on padding or past the border.
    reduce: "max" (`chosen` is the (u, v) of the maximum), "sum", or "mean" (the sum /
    `divisor`). kind: the layer's name. note: the catalogue key of the sentence the
    inspector writes under it (formatted with `divisor`), from the layer's own kind.
    """

    kind: str
    out: tuple[int, int, int]
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    divisor: int
    chosen: tuple[int, int] | None
    value: float
    reduce: str = "max"
    note: str = "insp.pool.MaxPooling"

    PLAYER_REDUCE: ClassVar[dict[str, str]] = {"max": "max", "sum": "sum-only", "mean": "mean"}
    PLAYER_LINE: ClassVar[dict[str, str]] = {"max": "slide.max", "sum": "slide.sum_only", "mean": "slide.mean"}

    def inspector_view(self, tx, in_shape: Shape3) -> list[Block]:
        """The window (the max outlined), its arithmetic and the kind's note."""
        from cnnlab.figures import grid_html  # figures imports this module

        return [("caption", tx("insp.pool.window", rows=span(self.rows), cols=span(self.cols))),
                ("html", grid_html(self.values, tx("insp.window"), chosen=self.chosen)),
                ("code", pooling_line(self, more_word=tx("insp.sum.more"))),
                ("caption", tx(self.note, divisor=self.divisor))]

    def csv_rows(self) -> list[list]:
        rows: list[list] = [["input_row", "input_column", "input"]]
        for u, row in enumerate(self.rows):
            for v, col in enumerate(self.cols):
                rows.append([int(row), int(col), sheet_number(self.values[u, v])])
        rows.append([self.kind, "", sheet_number(self.value)])
        return rows

    def sheet_html(self, words: dict[str, str], exercise: bool) -> list[str]:
        answer = SHEET_BLANK if exercise else sheet_number(self.value)
        return [f"<h2>{html.escape(words['window'])}</h2>{sheet_grid(self.values)}",
                f"<p>{html.escape(self.kind)}: {html.escape(words['result'])} = <b>{answer}</b></p>"]

    def player(self, spec, params, x: np.ndarray, size: tuple[int, int]) -> dict:
        down, across = windows(spec, params, x, self.out[0], size)
        data = {"reduce": self.PLAYER_REDUCE[self.reduce], "rows": [s.rows.tolist() for s in down],
                "cols": [s.cols.tolist() for s in across],
                "grids": [{"of": "patch", "title": "slide.window"}], "lines": [self.PLAYER_LINE[self.reduce]]}
        if self.reduce == "mean":
            # divisor(i, j) = per-row count x per-column count (NNC's including_pad rule per axis)
            by_row = np.array([s.divisor for s in down], dtype=np.int64)
            by_col = np.array([s.divisor for s in across], dtype=np.int64)
            data["divisors"] = (np.outer(by_row, by_col) // self.divisor).ravel().tolist()
        return data


@dataclass(frozen=True)
class ActivationStep(Step):
    """y = f(x) for one value; formula says f with its numbers ('max(0, x)')."""

    kind: str
    formula: str
    out: tuple[int, int, int]
    x: float
    value: float

    def inspector_view(self, tx, in_shape: Shape3) -> list[Block]:
        return [("markdown", tx("insp.activation", name=self.kind, formula=self.formula,
                                x=format_number(self.x), y=format_number(self.value)))]

    def csv_rows(self) -> list[list]:
        return [["function", "x", "value"], [self.formula, sheet_number(self.x), sheet_number(self.value)]]

    def sheet_html(self, words: dict[str, str], exercise: bool) -> list[str]:
        answer = SHEET_BLANK if exercise else sheet_number(self.value)
        return [f"<p>{html.escape(self.formula)}, x = {sheet_number(self.x)}: {html.escape(words['result'])} = "
                f"<b>{answer}</b></p>"]

    def player(self, spec, params, x: np.ndarray, size: tuple[int, int]) -> dict:
        return {"reduce": "function", "rows": [[i] for i in range(size[0])], "cols": [[j] for j in range(size[1])],
                "formula": f"{self.kind}(x) = {self.formula}", "grids": [], "lines": ["slide.function"]}


PixelStep = Step
"""Any explanation step (ConvolutionStep, PoolingStep, ActivationStep, or a kind's own)."""


def explain_pixel(spec, params, x: np.ndarray, out: tuple[int, int, int], y: np.ndarray | None = None) -> PixelStep:
    """Explain output pixel out = (map, row, column) of `spec` applied to x (C, H, W).
    With y, the layer's own output (M, Ho, Wo), the step's value is y[out]: the value the
    map holds (float32), not the explanation's float64 sum of the same terms, so the
    heading, the sum line, the hover and the worksheet write one value."""
    step = spec.explain(params, x, out)
    return step if y is None else replace(step, value=float(y[out]))


def weighted_sum(x: np.ndarray, out: tuple[int, int, int], channels: tuple[int, ...], rows: np.ndarray,
                 cols: np.ndarray, kernel: np.ndarray, bias: float | None) -> ConvolutionStep:
    """The ConvolutionStep of a pixel that sums x[channels] at rows x cols (0 where they
    fall outside x) times kernel (len(channels), len(rows), len(cols)), plus bias."""
    patch = gather(x[list(channels)], rows, cols, fill=0.0)
    kernel = kernel.astype(np.float64)
    products = patch * kernel
    return ConvolutionStep(out, channels, rows, cols, patch, kernel, products, bias,
                           float(products.sum() + (bias or 0.0)))


def gather(x: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill: float) -> np.ndarray:
    """x[:, rows][:, :, cols] as float64, `fill` where an index falls outside x (C, H, W)."""
    h, w = x.shape[1:]
    inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
    out = np.full((x.shape[0], len(rows), len(cols)), fill, dtype=np.float64)
    rr, cc = np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)
    out[:, inside] = x[:, rr][:, :, cc][:, inside]
    return out


def receptive_field(specs: Sequence, shapes: Sequence[tuple[int, int, int]],
                    stage: int, out: tuple[int, int, int]) -> np.ndarray:
    """Input cells (C, H, W bool) that feed output pixel `out` of layer `stage` (1-based),
    traced back through every layer before it. shapes[k] is the input shape of layer k+1
    (shapes[0] the image's)."""
    mask = np.zeros(specs[stage - 1].output_shape(shapes[stage - 1]), dtype=bool)
    mask[out] = True
    for k in range(stage, 0, -1):
        mask = back_one(specs[k - 1], shapes[k - 1], mask)
    return mask


def back_one(spec, in_shape: Shape3, mask: np.ndarray) -> np.ndarray:
    """The input cells (C, H, W bool) feeding the True cells of an output mask, for one layer."""
    return spec.input_cells(mask, in_shape)


def spread_windows(mask: np.ndarray, in_shape: Shape3, kernel: tuple[int, int], pad: tuple[int, int],
                   stride: tuple[int, int], dilation: tuple[int, int], groups: int) -> np.ndarray:
    """Input cells (C, H, W bool) read by the windows of the True cells of an output mask
    (M, Ho, Wo), for a layer whose output map m reads the input channels of its group
    (m // (M / groups)) at rows i*s - p + u*d, u < kh (likewise columns). Vectorised: one
    strided slice update per kernel offset, whatever the mask holds."""
    c_in, h, w = in_shape
    (ph, pw), (sh, sw), (dh, dw) = pad, stride, dilation
    _, ho, wo = mask.shape
    reached = mask.reshape(groups, -1, ho, wo).any(axis=1)  # (groups, Ho, Wo)
    spread = np.zeros((groups, h, w), dtype=bool)
    for u in range(kernel[0]):
        outs_r, ins_r = _inside(ho, sh, u * dh - ph, h)
        for v in range(kernel[1]):
            outs_c, ins_c = _inside(wo, sw, v * dw - pw, w)
            if outs_r is not None and outs_c is not None:
                spread[:, ins_r, ins_c] |= reached[:, outs_r, outs_c]
    return np.repeat(spread, c_in // groups, axis=0)


def _inside(n_out: int, stride: int, offset: int, size: int) -> tuple[slice | None, slice | None]:
    """(output positions i, input positions i*stride + offset) as slices, over the i < n_out
    whose input position lies in [0, size); (None, None) when none does."""
    first = max(0, -(offset // stride))  # the smallest i with i*stride + offset >= 0
    last = min(n_out - 1, (size - 1 - offset) // stride) if size - 1 - offset >= 0 else -1
    if last < first:
        return None, None
    start = first * stride + offset
    return slice(first, last + 1), slice(start, start + (last - first) * stride + 1, stride)


def format_number(v: float) -> str:
    """The inspector's one number format, in its formulas and its grids alike: 3
    significant digits (84, 0.5, -0.0312, 0.000447, 1.23e-05; never '-0')."""
    v = float(v) + 0.0  # -0.0 -> 0.0
    if v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}"


def _short_decimal(v: float) -> bool:
    """format_number writes v exactly, with at most 3 decimals (0.125, -2, 84; not 0.0625, 0.111)."""
    text = format_number(v)
    return "e" not in text and len(text.partition(".")[2]) <= 3 and np.float32(text) == np.float32(v)


def common_denominator(values: np.ndarray, most: int = 1024) -> int | None:
    """The smallest q <= `most` such that every value is p/q for a whole p (as float32, within
    4 units in the last place: a classic filter divided among channels is rounded twice),
    or None."""
    candidates = np.arange(1, most + 1)
    for v in np.unique(np.asarray(values, dtype=np.float64)):
        p = np.rint(v * candidates)
        candidates = candidates[np.abs(p / candidates - v) <= 4 * np.spacing(np.float32(abs(v)))]
        if not candidates.size:
            return None
    return int(candidates[0])


def kernel_fractions(kernel: np.ndarray) -> np.ndarray | None:
    """A kernel's cells (kh, kw) as exact fractions over its smallest common denominator q
    (up to 1024), when some cell's decimal (format_number) would be rounded or longer than 3
    decimals: a box blur reads 1/9 (not 0.111, whose nine add up to 0.999), a Gaussian
    1/16, 2/16, 4/16; a whole cell is a whole number ('0'). None when the decimals are
    exact and short, or no such q exists (random weights)."""
    values = np.asarray(kernel, dtype=np.float32)
    if all(_short_decimal(v) for v in values.ravel()):
        return None
    q = common_denominator(values.ravel())
    if q is None or q == 1:
        return None
    numerators = np.rint(values.astype(np.float64) * q).astype(np.int64).ravel()
    texts = [str(p // q) if p % q == 0 else f"{p}/{q}" for p in numerators]
    return np.array(texts, dtype=object).reshape(values.shape)


def kernel_texts(kernel: np.ndarray) -> np.ndarray:
    """A kernel's cells (kh, kw) as the page writes a kernel: kernel_fractions where it has
    them, else format_number's decimals."""
    fractions = kernel_fractions(kernel)
    if fractions is not None:
        return fractions
    values = np.asarray(kernel, dtype=np.float32)
    return np.array([format_number(v) for v in values.ravel()], dtype=object).reshape(values.shape)


def signed_sum(terms: list[str]) -> str:
    """Terms joined as a sum is written: '0.736 + 0.0745 - 0.564' (a negative term after
    the first is subtracted, never '+ -0.564')."""
    text = terms[0] if terms else ""
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text


def sum_lines(step: ConvolutionStep, max_terms: int = 30, head: int = 12, tail: int = 3,
              channel_word: str = "channel {channel}: ", more_word: str = "... ({hidden} more)") -> list[str]:
    """The blog post's line, per input channel: '0*8 + 1*7 + ... + 8*0 = 84', each named
    by channel_word when there are several. A channel with more than max_terms terms is
    folded: the first `head`, more_word, the last `tail`. The words in the UI's language."""
    lines = []
    multi = len(step.channels) > 1
    for k, channel in enumerate(step.channels):
        weights = [f"({w})" if "/" in w or w.startswith("-") else w for w in kernel_texts(step.kernel[k]).ravel()]
        terms = [f"{format_number(p)}*{w}" for p, w in zip(step.patch[k].ravel(), weights)]
        if len(terms) > max_terms:
            hidden = len(terms) - head - tail
            terms = terms[:head] + [more_word.format(hidden=hidden)] + terms[-tail:]
        prefix = channel_word.format(channel=channel) if multi else ""
        lines.append(f"{prefix}{signed_sum(terms)} = {format_number(step.products[k].sum())}")
    return lines


def pooling_line(step: PoolingStep, max_terms: int = 30, head: int = 12, tail: int = 3,
                 more_word: str = "... ({hidden} more)") -> str:
    """'max(1, 2, 7, 8) = 8', '1 + 2 + 7 + 8 = 18' or '(1 + 2 + 7 + 8) / 4 = 4.5' (cells off
    the input left out). A window of more than max_terms cells (a GlobalAveragePooling's
    whole map) is folded as sum_lines folds: the first `head`, more_word, the last `tail`."""
    cells = [format_number(v) for v in step.values.ravel() if not np.isnan(v)]
    if len(cells) > max_terms:
        cells = cells[:head] + [more_word.format(hidden=len(cells) - head - tail)] + cells[-tail:]
    value = format_number(step.value)
    if step.reduce == "max":
        return f"max({', '.join(cells)}) = {value}"
    if step.reduce == "sum":
        return f"{signed_sum(cells)} = {value}"
    return f"({signed_sum(cells)}) / {step.divisor} = {value}"


def total_line(step: ConvolutionStep, bias_word: str = "bias") -> str:
    """'0.412 + bias 0 = 0.412': each channel's sum, then the bias (only when WithBias),
    named by `bias_word` (the UI's language), = the step's value; every number in
    format_number's one format."""
    parts = [format_number(step.products[k].sum()) for k in range(len(step.channels))]
    text = signed_sum(parts)
    if step.bias is not None:
        bias = format_number(step.bias)
        text += f" - {bias_word} {bias[1:]}" if bias.startswith("-") else f" + {bias_word} {bias}"
    return f"{text} = {format_number(step.value)}"


def span(idx: np.ndarray) -> str:
    """[3, 4, 5] -> '3-5'; [0, 2, 4] -> '0, 2, 4'."""
    idx = [int(v) for v in idx]
    if len(idx) > 1 and all(b - a == 1 for a, b in zip(idx, idx[1:])):
        return f"{idx[0]}-{idx[-1]}"
    return ", ".join(map(str, idx))


SHEET_BLANK = "&nbsp;" * 8  # an answer cell of the worksheet's exercise


def sheet_number(value: float | None) -> str:
    """The worksheet's one number format (format_number: 3 significant digits, never
    '-0'); blank for None, NaN and infinities."""
    return "" if value is None or not np.isfinite(value) else format_number(value)


def sheet_grid(values: np.ndarray, blank: bool = False, texts: np.ndarray | None = None) -> str:
    """A worksheet table of values (h, w) as sheet_number writes them, or `texts` (h, w), or blanks."""
    texts = np.vectorize(sheet_number, otypes=[object])(values) if texts is None else texts
    rows = "".join("<tr>" + "".join(f"<td>{SHEET_BLANK if blank else html.escape(t)}</td>" for t in row) + "</tr>"
                   for row in texts)
    return f"<table>{rows}</table>"
