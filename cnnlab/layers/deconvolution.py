"""NNC's Deconvolution (transposed convolution), all in one place (nnabla's
F.deconvolution; W (C, OutMaps/Group, kh, kw)).

Every input value, times the kernel, is added into the output; then the Padding is
cropped from each side:
    y[m, i, j] = b[m] + sum over c of m's group and (u, v) with i + ph = i'*sh + u*dh
                 and j + pw = j'*sw + v*dw of  W[c, m', u, v] * x[c, i', j']
    out = (L - 1) * s - 2p + d(k - 1) + 1
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import explain
from cnnlab.initializers import InitializerName, initialize_weight
from cnnlab.layers import arrays, convolution, text
from cnnlab.layers.arrays import IntPair, as_float, as_nchw
from cnnlab.layers.base import LayerKind, Params, Shape3
from cnnlab.layers.fields import Field
from cnnlab.limits import Range
from cnnlab.shapes import LayerShapeError


def deconvolution_output_size(length: int, k: int, pad: int, stride: int, dilation: int = 1) -> int:
    """out = (L - 1) * s - 2p + d(k - 1) + 1 (nnabla's Deconvolution)."""
    return (length - 1) * stride - 2 * pad + dilation * (k - 1) + 1


def deconvolution_blocks(n: int, h: int, w: int, maps: int, kh: int, kw: int) -> tuple[int, int, int]:
    """(output maps, input rows, images) per block of deconvolution, so that each block's
    column matrix (maps x kh x kw) x (images x rows x W) holds at most arrays.COLUMN_BLOCK_FLOATS
    floats, or one map x one row x one image (kh * kw * W floats) when even that is more.
    `maps` is OutMaps / Group."""
    per_map_row = kh * kw * w
    mb = max(1, min(maps, arrays.COLUMN_BLOCK_FLOATS // per_map_row))
    rb = max(1, min(h, arrays.COLUMN_BLOCK_FLOATS // (mb * per_map_row)))
    nb = 1 if rb < h else max(1, min(n, arrays.COLUMN_BLOCK_FLOATS // (mb * per_map_row * h)))
    return mb, rb, nb


def deconvolution(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    pad: IntPair | None = None,
    stride: IntPair | None = None,
    dilation: IntPair | None = None,
    group: int = 1,
) -> np.ndarray:
    """2-D transposed convolution (nnabla's F.deconvolution): every input value, times the
    kernel, is added into the output; the adjoint of convolution with the same weight.

    x (N, C, H, W), weight (C, M/group, kh, kw), bias (M,) -> y (N, M, Ho, Wo):
        y_pad[n, g*M/G + m, i*sh + u*dh, j*sw + v*dw] += w[c, m, u, v] * x[n, c, i, j]  (c in group g)
        y = y_pad cropped by the padding (ph, pw) on each side, plus b
        Ho = (H - 1) * sh - 2ph + dh(kh - 1) + 1, likewise Wo.
    With Strides 1 it is the convolution of x with the flipped kernels (padded by d(k - 1) - p,
    see deconvolution_as_convolution_weight), in convolution's blocks; else one GEMM per group
    and block (deconvolution_blocks: output maps x input rows x images), each block's products
    added onto strided slices of the output, so the column matrix W^T . x never holds more than
    about arrays.COLUMN_BLOCK_FLOATS floats.
    """
    x = as_nchw(x)
    weight = np.asarray(weight, dtype=x.dtype)
    n, c, h, w = x.shape
    if weight.ndim != 4 or weight.shape[0] != c or group < 1 or c % group:
        raise LayerShapeError(
            f"weight must be (C, OutMaps/Group, kh, kw) with C = {c} input channels divisible by Group {group}; "
            f"got {weight.shape}."
        )
    _, mg, kh, kw = weight.shape
    (ph, pw), (sh, sw), (dh, dw) = convolution.conv_geometry(pad, stride, dilation)
    ho = deconvolution_output_size(h, kh, ph, sh, dh)
    wo = deconvolution_output_size(w, kw, pw, sw, dw)
    if ho < 1 or wo < 1 or min(ph, pw) < 0 or min(sh, sw, dh, dw) < 1:
        raise LayerShapeError(
            f"Padding {ph},{pw} is too large for a {h}x{w} input with KernelShape {kh}x{kw}: "
            f"the output would be {ho}x{wo}."
        )
    cg, m = c // group, mg * group
    if sh == sw == 1:
        return _deconvolution_as_convolution(x, weight, bias, (ph, pw), (dh, dw), group)
    yp = np.zeros((n, m, ho + 2 * ph, wo + 2 * pw), dtype=x.dtype)
    mb, rb, nb = deconvolution_blocks(n, h, w, mg, kh, kw)
    w_maps = weight.reshape(c, mg, kh * kw)
    for g in range(group):
        for m0 in range(0, mg, mb):
            mm = min(mb, mg - m0)
            # W's rows for this block of output maps, transposed: (mm*kh*kw, cg)
            w_cols = w_maps[g * cg:(g + 1) * cg, m0:m0 + mm].reshape(cg, mm * kh * kw).T
            for n0 in range(0, n, nb):
                nn = min(nb, n - n0)
                for r0 in range(0, h, rb):
                    rr = min(rb, h - r0)
                    x_rows = x[n0:n0 + nn, g * cg:(g + 1) * cg, r0:r0 + rr].transpose(1, 0, 2, 3).reshape(cg, -1)
                    cols = (w_cols @ x_rows).reshape(mm, kh, kw, nn, rr, w)
                    top = r0 * sh
                    for u in range(kh):
                        for v in range(kw):
                            yp[n0:n0 + nn, g * mg + m0:g * mg + m0 + mm,
                               top + u * dh:top + u * dh + (rr - 1) * sh + 1:sh,
                               v * dw:v * dw + (w - 1) * sw + 1:sw] += cols[:, u, v].transpose(1, 0, 2, 3)
                    del cols, x_rows  # before the next block's product: one block alive at a time
    y = np.ascontiguousarray(yp[:, :, ph:ph + ho, pw:pw + wo])
    if bias is not None:
        y += np.asarray(bias, dtype=x.dtype).reshape(1, m, 1, 1)
    return y


def deconvolution_as_convolution_weight(weight: np.ndarray, group: int) -> np.ndarray:
    """Deconvolution's W (C, M/group, kh, kw) -> the weight Wc (M, C/group, kh, kw) of the
    convolution that gives the same output with Strides 1:
        Wc[g*M/G + m, c, u, v] = W[g*C/G + c, m, kh - 1 - u, kw - 1 - v]."""
    c, mg, kh, kw = weight.shape
    cg = c // group
    flipped = weight.reshape(group, cg, mg, kh, kw).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
    return flipped.reshape(group * mg, cg, kh, kw)


def _deconvolution_as_convolution(x: np.ndarray, weight: np.ndarray, bias, pad: tuple[int, int],
                                  dilation: tuple[int, int], group: int) -> np.ndarray:
    """deconvolution with Strides 1: y = convolution.convolution(x, Wc, padding d(k - 1) - p, dilation d)
    (a negative padding crops x by as much on each side)."""
    kh, kw = weight.shape[2:]
    qh, qw = (d * (k - 1) - p for d, k, p in zip(dilation, (kh, kw), pad))
    if qh < 0 or qw < 0:
        h, w = x.shape[2:]
        ch, cw = max(0, -qh), max(0, -qw)
        x = x[:, :, ch:h - ch, cw:w - cw]
        qh, qw = max(0, qh), max(0, qw)
    return convolution.convolution(x, deconvolution_as_convolution_weight(weight, group), bias, (qh, qw), (1, 1), dilation,
                       group)


def deconvolution_backward(
    dy: np.ndarray, x: np.ndarray, weight: np.ndarray, with_bias: bool = True,
    pad=None, stride=None, dilation=None, group: int = 1, need_dx: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """dy (N, M, Ho, Wo), x (N, C, H, W), W (C, M/group, kh, kw) -> (dx, dW, db).

    A deconvolution is the adjoint of the convolution with the same weight, so
        dx = convolution.convolution(dy, W)  (the convolution from M to C channels),
        dW = that convolution's weight gradient with x as its upstream gradient,
        db[m] = sum dy[:, m].
    """
    x = as_float(x)
    dy = as_float(dy)
    dx = convolution.convolution(dy, weight, None, pad, stride, dilation, group) if need_dx else None
    _, dweight, _ = convolution.convolution_backward(x, dy, weight, False, pad, stride, dilation, group, need_dx=False)
    db = dy.sum(axis=(0, 2, 3)) if with_bias else None
    return dx, dweight, db


LIMITS: dict[str, Range] = {
    **convolution.LIMITS,
    "strides": Range("Strides", 1, 8),  # each step multiplies the output's size
}


@dataclass(frozen=True)
class DeconvolutionSpec(LayerKind):
    """NNC's Deconvolution layer."""

    out_maps: int = 16
    kernel_shape: tuple[int, int] = (5, 5)
    padding: tuple[int, int] = (0, 0)
    strides: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    group: int = 1
    with_bias: bool = True
    w_initializer: InitializerName = "NormalConvolutionGlorot"
    initializer_multiplier: float = 1.0

    kind = "Deconvolution"
    HEADS = ("deconv",)
    WORK_UNIT = "multiply-adds"
    LIMITS = LIMITS
    SCOPE = "deconv"
    FEATURE_MAPS = True
    TRAINED = ("W", "b")
    FIELDS = (Field("out_maps", "int", "out_maps"), Field("kernel_shape", "pair", "kernel"),
              Field("strides", "pair", "stride"), Field("padding", "pair", "pad"),
              Field("dilation", "pair", "dilation", main=False), Field("group", "int", "group", main=False),
              *convolution.WEIGHT_FIELDS)
    EXPLANATION = "explain.Deconvolution"
    WORDS = {
        "en": {
            "explain.Deconvolution": (
                "A transposed convolution: every input value, times its kernel, is added into the output around "
                "its place (Strides apart), then Padding is cut from each side. It makes maps larger."
            ),
            "insp.deconv.window": "Input rows {rows} and columns {cols} land on this pixel, through kernel rows {krows} and columns {kcols}: {count} input {count:cell|cells} (row, column) {count:contributes|contribute}, in kernel order: {cells}.",
            "insp.deconv.gaps": "The other kernel cells (marked –) get no input: {reason}.",
            "insp.deconv.between": "they fall between strides (with Strides {strides}, the input's cells land that many output cells apart)",
            "insp.deconv.outside": "they fall past the edge of the input",
            "insp.deconv.both": "they fall between strides (with Strides {strides}, the input's cells land that many output cells apart) or past the edge of the input",
            "insp.deconv.none": "No input cell lands on this pixel: {reason}. The value is the bias alone.",
        },
        "ja": {
            "explain.Deconvolution": (
                "転置畳み込み: 入力の値 1 つずつにカーネルを掛けて、出力のその位置のまわりに足し込みます（Strides おき）。"
                "最後に Padding の分を両端から切り取ります。マップが大きくなります。"
            ),
            "insp.deconv.window": "このピクセルに届くのは入力の行 {rows}、列 {cols} で、カーネルの行 {krows}、列 {kcols} を通ります。寄与する入力のマス（行, 列）は {count} 個、カーネルの順に: {cells}。",
            "insp.deconv.gaps": "ほかのカーネルのマス（– の印）には入力が来ません: {reason}。",
            "insp.deconv.between": "ストライドの間にあたるからです（Strides {strides} では、入力のマスは出力でその数だけ離れて置かれます）",
            "insp.deconv.outside": "入力の端の外にあたるからです",
            "insp.deconv.both": "ストライドの間（Strides {strides} では、入力のマスは出力でその数だけ離れて置かれます）か、入力の端の外にあたるからです",
            "insp.deconv.none": "このピクセルに届く入力のマスはありません: {reason}。値はバイアスだけです。",
        },
    }

    @classmethod
    def addable(cls) -> tuple["DeconvolutionSpec", ...]:
        """The layers the editor's "Add a layer" offers of this kind."""
        return (cls(8, (4, 4), padding=(1, 1), strides=(2, 2)),)

    def output_shape(self, in_shape: Shape3) -> Shape3:
        """(OutMaps, Ho, Wo), Ho = (H - 1) * sh - 2ph + dh(kh - 1) + 1; LayerShapeError if impossible."""
        c, h, w = in_shape
        if c % self.group or self.out_maps % self.group:
            raise LayerShapeError(key="group", group=self.group, channels=c, out_maps=self.out_maps)
        ho, wo = (deconvolution_output_size(n, k, p, s, d) for n, k, p, s, d in
                  zip((h, w), self.kernel_shape, self.padding, self.strides, self.dilation))
        if ho < 1 or wo < 1:
            raise LayerShapeError(key="deconv_crop", pad=f"{self.padding[0]},{self.padding[1]}", h=h, w=w, ho=ho, wo=wo)
        return (self.out_maps, ho, wo)

    def size_arithmetic(self, in_shape: Shape3) -> list[str]:
        """['(12 - 1)*2 - 2*0 + 1*(5 - 1) + 1 = 27', ...] for H and W."""
        return [f"({n} - 1)*{s} - 2*{p} + {d}*({k} - 1) + 1 = {deconvolution_output_size(n, k, p, s, d)}"
                for n, k, p, s, d in zip(in_shape[1:], self.kernel_shape, self.padding, self.strides, self.dilation)]

    def weight_shape(self, in_channels: int) -> tuple[int, int, int, int]:
        """W's shape (C, OutMaps/group, kh, kw)."""
        return (in_channels, self.out_maps // self.group, *self.kernel_shape)

    def init_params(self, in_shape: Shape3, rng: np.random.Generator) -> Params:
        weight = initialize_weight(self.w_initializer, self.weight_shape(in_shape[0]), self.initializer_multiplier,
                                   rng)
        return {"W": weight, **({"b": np.zeros(self.out_maps, dtype=np.float32)} if self.with_bias else {})}

    def _geometry(self) -> tuple:
        return (self.padding, self.strides, self.dilation, self.group)

    def forward(self, x: np.ndarray, params: Params) -> np.ndarray:
        return deconvolution(x, params["W"], params.get("b"), *self._geometry())

    def backward(self, dy: np.ndarray, x: np.ndarray, params: Params, y: np.ndarray, kept: None,
                 need_dx: bool = True) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        dx, dw, db = deconvolution_backward(dy, x, params["W"], "b" in params, *self._geometry(),
                                              need_dx=need_dx)
        return dx, {"W": dw, **({"b": db} if db is not None else {})}

    def kernels(self, params: Params | None) -> np.ndarray | None:
        """The kernels of each output map, (OutMaps, C/group, kh, kw), taken from W (C, OutMaps/group, kh, kw)."""
        if params is None:
            return None
        c, mg, kh, kw = params["W"].shape
        g = self.group
        return params["W"].reshape(g, c // g, mg, kh, kw).transpose(0, 2, 1, 3, 4).reshape(g * mg, c // g, kh, kw)

    def between_strides(self, axis: int, position: int) -> np.ndarray:
        """(k,) bool along `axis`: True at kernel offsets u where position + p - u*d is not a
        whole number of Strides, so no input cell lands on `position` through u."""
        k, p, s, d = self.kernel_shape[axis], self.padding[axis], self.strides[axis], self.dilation[axis]
        return (position + p - np.arange(k) * d) % s != 0

    def _sources(self, axis: int, position: int, length: int) -> np.ndarray:
        """For each kernel offset u along `axis`, the input index i' with position + p = i'*s + u*d,
        or -1 where no input lands there (not a whole step, or outside the input)."""
        k, p, s, d = self.kernel_shape[axis], self.padding[axis], self.strides[axis], self.dilation[axis]
        offset = position + p - np.arange(k) * d
        source = offset // s
        ok = (offset % s == 0) & (source >= 0) & (source < length)
        return np.where(ok, source, -1)

    def explain(self, params: Params, x: np.ndarray, out: tuple[int, int, int]) -> "DeconvolutionStep":
        """Output pixel (map, row, column): which input values (rows[u], cols[v]; -1: none lands
        there, shown as padding) times which kernel cells W[c, m', u, v] add up to it, + bias."""
        m, i, j = out
        cg = x.shape[0] // self.group
        g = m // (self.out_maps // self.group)
        channels = tuple(range(g * cg, (g + 1) * cg))
        rows, cols = self._sources(0, i, x.shape[1]), self._sources(1, j, x.shape[2])
        step = explain.weighted_sum(x, out, channels, rows, cols, self.kernels(params)[m],
                                    float(params["b"][m]) if "b" in params else None)
        between = self.between_strides(0, i)[:, None] | self.between_strides(1, j)[None, :]
        return DeconvolutionStep(**vars(step), between=between, strides=self.strides)

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        """Input cells (C, H, W bool) whose spread reaches a True cell of the output mask:
        input (i', j') lands on output (i'*s - p + u*d, j'*s - p + v*d)."""
        c, h, w = in_shape
        _, ho, wo = mask.shape
        reached = mask.reshape(self.group, -1, ho, wo).any(axis=1)
        cells = np.zeros((self.group, h, w), dtype=bool)
        (ph, pw), (sh, sw), (dh, dw) = self.padding, self.strides, self.dilation
        for u in range(self.kernel_shape[0]):
            rows = np.arange(h) * sh - ph + u * dh
            keep_r = (rows >= 0) & (rows < ho)
            for v in range(self.kernel_shape[1]):
                cols = np.arange(w) * sw - pw + v * dw
                keep_c = (cols >= 0) & (cols < wo)
                cells[:, np.flatnonzero(keep_r)[:, None], np.flatnonzero(keep_c)[None, :]] |= \
                    reached[:, rows[keep_r][:, None], cols[keep_c][None, :]]
        return np.repeat(cells, c // self.group, axis=0)

    def torch_code(self, in_shape: Shape3) -> str:
        """The same layer as a torch.nn module (ConvTranspose2d's weight is this W's layout)."""
        return (f"nn.ConvTranspose2d({in_shape[0]}, {self.out_maps}, {self.kernel_shape}, stride={self.strides}, "
                f"padding={self.padding}, dilation={self.dilation}, groups={self.group}, bias={self.with_bias})")

    def nnabla_code(self, var: str, name: str) -> tuple[str, str]:
        """(nnabla's call on `var` in scope `name`, its parameters' scope)."""
        return (f"PF.deconvolution({var}, {self.out_maps}, {self.kernel_shape}, pad={self.padding}, "
                f"stride={self.strides}, dilation={self.dilation}, group={self.group}, with_bias={self.with_bias}, "
                f"name={name!r})", f"{name}/deconv")

    def token(self) -> str:
        """deconv-OutMaps-KhxKw[-sSHxSW][-pPHxPW][-dDHxDW][-gG][-nobias][-iINIT][-mMULT]"""
        return "-".join(["deconv", str(self.out_maps), "%dx%d" % self.kernel_shape, *text.option_tokens(self)])

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "DeconvolutionSpec":
        return text.read_options(cls, fields, 2, out_maps=text.read(fields, 0, text.integer, "out_maps"),
                                 kernel_shape=text.read(fields, 1, text.pair, "kernel_shape"))

    def parameter_count(self, in_shape: Shape3) -> int:
        c, mg, kh, kw = self.weight_shape(in_shape[0])
        return c * mg * kh * kw + (self.out_maps if self.with_bias else 0)

    def multiply_adds(self, in_shape: Shape3) -> int:
        """Every input value is multiplied into OutMaps/group x kh x kw outputs."""
        self.output_shape(in_shape)
        c, h, w = in_shape
        return c * h * w * (self.out_maps // self.group) * self.kernel_shape[0] * self.kernel_shape[1]

    def work(self, in_shape: Shape3) -> int:
        return self.multiply_adds(in_shape)

    def working_bytes(self, in_shape: Shape3, batch: int = 1) -> int:
        """Peak bytes deconvolution() allocates for `batch` images, float32 (input not counted).
        Strides 1: the convolution's (convolution.forward_bytes) on x cropped or padded by
        d(k - 1) - p, with a copy of the cropped input and of the flipped weight. Else: the
        padded output n*M*(Ho + 2ph)*(Wo + 2pw), its cropped copy, and one block
        (deconvolution_blocks) of x's rows (C/group x images*rows*W), of the column
        matrix (maps*kh*kw x images*rows*W) and of W (x 2)."""
        n, (c, h, w) = batch, in_shape
        m, ho, wo = self.output_shape(in_shape)
        (kh, kw), (ph, pw), g = self.kernel_shape, self.padding, self.group
        cg, mg = c // g, self.out_maps // g
        weight = c * mg * kh * kw
        if tuple(self.strides) == (1, 1):
            q = [d * (k - 1) - p for d, k, p in zip(self.dilation, self.kernel_shape, self.padding)]
            cropped = (c, h - 2 * max(0, -q[0]), w - 2 * max(0, -q[1]))
            pad = (max(0, q[0]), max(0, q[1]))
            copy = n * int(np.prod(cropped)) if pad == (0, 0) and min(q) < 0 else 0
            return (convolution.forward_bytes(n, cropped, m, self.kernel_shape, pad, (1, 1), self.dilation, g)
                    + convolution.FLOAT * (copy + weight))
        mb, rb, nb = deconvolution_blocks(n, h, w, mg, kh, kw)
        padded = n * m * (ho + 2 * ph) * (wo + 2 * pw)
        floats = (padded + (n * m * ho * wo if ph or pw else 0) + cg * nb * rb * w + mb * kh * kw * nb * rb * w
                  + 2 * cg * mb * kh * kw)
        return convolution.FLOAT * floats + convolution.SLACK_BYTES

    def seconds(self, in_shape: Shape3, batch: int = 1) -> float:
        """CPU seconds the forward is priced at for `batch` images: with Strides 1, the
        convolution's (convolution.seconds) it runs as; else its GEMMs' multiply-adds, its
        column matrix (OutMaps * kh * kw x H * W floats per image) added back onto the output,
        the output, and its NumPy calls (a slice added per kernel offset and block)."""
        n, (c, h, w) = batch, in_shape
        m, ho, wo = self.output_shape(in_shape)
        if tuple(self.strides) == (1, 1):
            q = [d * (k - 1) - p for d, k, p in zip(self.dilation, self.kernel_shape, self.padding)]
            cropped = (c, h - 2 * max(0, -q[0]), w - 2 * max(0, -q[1]))
            return convolution.seconds(n, cropped, m, self.kernel_shape, (max(0, q[0]), max(0, q[1])), (1, 1),
                                       self.dilation, self.group)
        (kh, kw), mg = self.kernel_shape, m // self.group
        columns = n * m * kh * kw * h * w
        values = n * m * (ho + 2 * self.padding[0]) * (wo + 2 * self.padding[1])
        mb, rb, nb = deconvolution_blocks(n, h, w, mg, kh, kw)
        calls = self.group * -(-mg // mb) * -(-n // nb) * -(-h // rb) * (kh * kw + 3)  # a slice add per offset
        return (arrays.SECONDS_PER_MULTIPLY_ADD * columns * (c // self.group) + arrays.SECONDS_PER_SCATTERED_FLOAT * columns
                + arrays.SECONDS_PER_OUTPUT_VALUE * values + arrays.SECONDS_PER_CALL * calls)

    def training_bytes(self, in_shape: Shape3, batch: int) -> int:
        """Peak bytes of train_forward then backward (deconvolution_backward) on a
        batch, float32, input and dy not counted: the forward's, or the output kept + dx (the
        convolution of dy with W: convolution.forward_bytes) + the weight gradient's every
        group's patch matrix of dy (M*kh*kw x n*H*W), dy padded, x's rows and dW (x 3)."""
        n, (c, h, w) = batch, in_shape
        m, ho, wo = self.output_shape(in_shape)
        (kh, kw), (ph, pw) = self.kernel_shape, self.padding
        y, weight = n * m * ho * wo, c * (m // self.group) * kh * kw
        dx = convolution.forward_bytes(n, (m, ho, wo), c, self.kernel_shape, self.padding, self.strides,
                                       self.dilation, self.group)
        dweight = (n * c * h * w + (n * m * (ho + 2 * ph) * (wo + 2 * pw) if ph or pw else 0)
                   + n * m * kh * kw * h * w + n * c * h * w + 3 * weight)
        backward = convolution.FLOAT * y + max(dx, convolution.FLOAT * dweight)
        return max(self.working_bytes(in_shape, batch), backward) + convolution.SLACK_BYTES

    def training_values(self, in_shape: Shape3) -> int:
        """Input, output, and the patch matrix of the convolution that gives the input gradient."""
        c, h, w = in_shape
        out = self.output_shape(in_shape)
        patches = (self.out_maps // self.group) * self.kernel_shape[0] * self.kernel_shape[1] * h * w * self.group
        return c * h * w + int(np.prod(out)) + patches

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """NNC's costs: CostParameter, CostAdd (bias adds with WithBias), CostMultiplyAdd."""
        m, ho, wo = self.output_shape(in_shape)
        return {"CostParameter": self.parameter_count(in_shape),
                "CostAdd": m * ho * wo if self.with_bias else 0,
                "CostMultiplyAdd": self.multiply_adds(in_shape)}


# --- the inspector's view of a pixel ----------------------------------------------------

SHOWN_CELLS = 12  # the inspector lists at most this many contributing input cells
REASONS = {(True, False): "insp.deconv.between", (False, True): "insp.deconv.outside",
           (True, True): "insp.deconv.both"}
"""(some kernel cell gets no input because it falls between strides, ... because it falls
past the input) -> the catalogue key saying why."""


@dataclass(frozen=True)
class DeconvolutionStep(explain.ConvolutionStep):
    """A Deconvolution's pixel: a ConvolutionStep whose kernel cells that no input reaches
    (rows or cols -1) are marked '–' and named (between strides, or past the input), not
    called padding. between (kh, kw) bool: the kernel cells that fall between strides."""

    between: np.ndarray
    strides: tuple[int, int]

    def pad_mark(self, tx) -> str:
        """A kernel cell no input reaches reads '–' (not padding)."""
        return "–"

    def window_caption(self, tx, padded: np.ndarray) -> list[explain.Block]:
        """Which input cells land on the pixel, in kernel order (row-major over the kernel),
        and why the other kernel cells get none: they fall between strides, or past the input."""
        rows, cols = np.asarray(self.rows), np.asarray(self.cols)
        u_in, v_in = np.flatnonzero(rows >= 0), np.flatnonzero(cols >= 0)
        cells = [f"({rows[u]}, {cols[v]})" for u in u_in for v in v_in]
        missing = (rows < 0)[:, None] | (cols < 0)[None, :]
        why = REASONS.get(((missing & self.between).any(), (missing & ~self.between).any()))
        reason = tx(why, strides=" x ".join(map(str, self.strides))) if why else ""
        if not cells:
            return [("caption", tx("insp.deconv.none", reason=reason))]
        shown = ", ".join(cells[:SHOWN_CELLS]) + (", …" if len(cells) > SHOWN_CELLS else "")
        text = tx("insp.deconv.window", rows=", ".join(str(rows[u]) for u in u_in),
                  cols=", ".join(str(cols[v]) for v in v_in), krows=", ".join(map(str, u_in)),
                  kcols=", ".join(map(str, v_in)), count=len(cells), cells=shown)
        if why:
            text += "  \n" + tx("insp.deconv.gaps", reason=reason)
        return [("caption", text)]
