"""What a trained network responds to, in NumPy: saliency, gradient x input, occlusion,
the input a map wants (activation maximisation), Grad-CAM, and the first layer's
kernels across epochs.

Every gradient comes from the layers' own backward passes (the engine that trains the
network); the engine is reached only through `_forward` and `_backward` below.
A trained network is a `training.Model`: its stack, then its classifier (an Affine layer)
whose outputs are the logits y = flatten(stack(x)) . W + b.
Inputs are one image (C, H, W) float32 in [0, 1]; "layer k" is the k-th layer of the
stack (1-based, as the page numbers them).

* saliency (Simonyan et al. 2014):  S = dy^c / dx  (C, H, W), y^c the class score (logit);
  gradient x input:  S * x.
* occlusion (Zeiler & Fergus 2014): p^c of the input with a `patch` x `patch` square of
  value `fill` at each position (top-left i*stride, j*stride), all positions in one batch;
  drop[i, j] = p^c(x) - p^c(occluded_ij); heat[r, s] = mean drop of the patches covering (r, s).
* the input a map wants: gradient ascent on f(x) = mean_{i,j} A^k_m(x)[i, j] (map m of
  layer k; or a class score) from gray 0.5 (plus N(0, 0.1^2) noise, seeded), each step
      x <- clip(x + lr * g / rms(g) - lr * l2 * (x - 0.5), 0, 1),   g = df/dx,
  every `blur_every`-th step also blurred by the 3x3 binomial kernel [1 2 1]^T [1 2 1] / 16;
  a step is kept only if f grows (else the step size is halved, at most `tries` times;
  the ascent stops when no try grows f), so f rises at every recorded step.
* Grad-CAM (Selvaraju et al. 2017) for the last convolution (maps A^k, k < K, h x w):
      alpha_k = 1/(h w) sum_{i,j} dy^c / dA^k[i, j],   L = ReLU(sum_k alpha_k A^k),
  then resized to the input bilinearly (half-pixel centres).
* kernels across epochs: ||W_e - W_(e-1)||_2 per kernel and for the whole layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnlab.layers.arrays import as_float
from cnnlab.budget import BACKWARD_FACTOR, MAX_WORK, BudgetError
from cnnlab.training import Model

MAX_BATCH_VALUES = 16_000_000  # values one occlusion batch holds at once (64 MB of float32)
ASCENT_TRIES = 4  # step halvings tried before an ascent stops
BLUR = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]).astype(np.float32) / 16


# --- the engine, behind two calls -------------------------------------------------------

def _forward(model: Model, x: np.ndarray, upto: int | None = None) -> list[tuple]:
    """x (N, C, H, W) through layers 1..upto (all by default, the classifier last), in the
    network's own order: [(input, what backward reuses, output)] per layer."""
    trace = []
    for spec, p in list(zip(model.specs, model.params))[:upto]:
        y, kept = spec.train_forward(x, p)
        trace.append((x, kept, y))
        x = y
    return trace


def _backward(model: Model, trace: list[tuple], dy: np.ndarray, start: int = 0) -> list[np.ndarray]:
    """dy, the gradient w.r.t. the output of layer len(trace), back to the input of layer
    start + 1: [d/d input of layer start + 1, ..., d/d output of layer len(trace)]."""
    grads = [dy]
    for k in range(len(trace) - 1, start - 1, -1):
        x, kept, y = trace[k]
        dy, _ = model.specs[k].backward(dy, x, model.params[k], y, kept, need_dx=True)
        grads.append(dy)
    return grads[::-1]


def _score_gradient(trace: list[tuple], c: int) -> np.ndarray:
    """d y^c / d logits for a batch of one: 1 at class c of the classifier's output (1, 10, 1, 1)."""
    dy = np.zeros_like(trace[-1][2])
    dy[0, c] = 1.0
    return dy


def _batch(image: np.ndarray) -> np.ndarray:
    """One image (C, H, W) as a batch of one: float64 stays float64 (gradient checks), else float32."""
    return np.ascontiguousarray(as_float(np.asarray(image)))[None]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, 10)."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def scores(model: Model, images: np.ndarray) -> np.ndarray:
    """Class scores (logits) (N, 10) of images (N, C, H, W)."""
    y = _forward(model, as_float(np.asarray(images)))[-1][2]
    return y.reshape(len(y), -1)


# --- pricing ---------------------------------------------------------------------------

def network_work(model_specs: Sequence, in_shape: tuple[int, int, int], upto: int | None = None) -> tuple[int, int]:
    """(work, values) of one image through layers 1..upto of a Model's specs (all, the
    classifier last, by default): work as cnnlab.budget counts it, values = every output
    of those layers."""
    shape, work, values = in_shape, 0, 0
    for spec in list(model_specs)[:upto]:
        work += spec.work(shape)
        shape = spec.output_shape(shape)
        values += shape[0] * shape[1] * shape[2]
    return work, values


def check_cost(kind: str, images: int, work: int, values: int) -> int:
    """The total work of running `images` images of (work, values) each (kind: "occlusion",
    "ascent" or "gradient"); BudgetError("attribution_work" / "attribution_memory") over the page's limits."""
    total = images * work
    if total > MAX_WORK:
        raise BudgetError("attribution_work", work_millions=round(total / 1e6),
                          limit_millions=round(MAX_WORK / 1e6))
    if kind == "occlusion" and images * values > MAX_BATCH_VALUES:
        raise BudgetError("attribution_memory", values=images * values, limit=MAX_BATCH_VALUES)
    return total


def occlusion_cost(specs: Sequence, in_shape: tuple[int, int, int], patch: int, stride: int) -> int:
    rows, cols = occlusion_grid(in_shape[1:], patch, stride)
    work, values = network_work(specs, in_shape)
    return check_cost("occlusion", rows * cols + 1, work, values)


def ascent_cost(specs: Sequence, in_shape: tuple[int, int, int], layer: int | None, steps: int) -> int:
    work, values = network_work(specs, in_shape, layer)
    return check_cost("ascent", steps * (BACKWARD_FACTOR + ASCENT_TRIES) + 1, work, values)


def gradient_cost(specs: Sequence, in_shape: tuple[int, int, int]) -> int:
    work, values = network_work(specs, in_shape)
    return check_cost("gradient", BACKWARD_FACTOR, work, values)


# --- saliency --------------------------------------------------------------------------

@dataclass(frozen=True)
class Saliency:
    """For class `target`: its score y^c, probability, and dy^c/dx and (dy^c/dx) * x (C, H, W)."""

    target: int
    score: float
    probability: float
    gradient: np.ndarray
    times_input: np.ndarray


def predicted(model: Model, image: np.ndarray) -> int:
    """The most probable class of one image (C, H, W)."""
    return int(scores(model, _batch(image))[0].argmax())


def saliency(model: Model, image: np.ndarray, target: int | None = None) -> Saliency:
    """dy^c/dx for one image (C, H, W); `target` c defaults to the predicted class."""
    x = _batch(image)
    trace = _forward(model, x)
    logits = trace[-1][2].reshape(1, -1)
    c = int(logits[0].argmax()) if target is None else int(target)
    dx = _backward(model, trace, _score_gradient(trace, c))[0][0]
    return Saliency(c, float(logits[0, c]), float(softmax(logits)[0, c]), dx, dx * x[0])


# --- occlusion -------------------------------------------------------------------------

def occlusion_grid(hw: tuple[int, int], patch: int, stride: int) -> tuple[int, int]:
    """Patch positions per column and row: floor((L - patch) / stride) + 1 (0 if it does not fit)."""
    return tuple(max(0, (n - patch) // stride + 1) for n in hw)  # type: ignore[return-value]


def occluded(image: np.ndarray, top: int, left: int, patch: int, fill: float = 0.5) -> np.ndarray:
    """A copy of image (C, H, W) with [top:top+patch, left:left+patch] set to `fill` in every channel."""
    out = np.array(image, dtype=np.float32)
    out[:, top:top + patch, left:left + patch] = fill
    return out


@dataclass(frozen=True)
class Occlusion:
    """p^c of the input (`base`) and of the input occluded at each position (rows, cols),
    drop = base - probabilities, heat (H, W): mean drop of the patches covering each pixel
    (0 where none does)."""

    target: int
    patch: int
    stride: int
    fill: float
    base: float
    probabilities: np.ndarray
    drop: np.ndarray
    heat: np.ndarray


def occlusion(model: Model, image: np.ndarray, target: int | None = None, patch: int = 5, stride: int = 2,
              fill: float = 0.5) -> Occlusion:
    """Slide a `patch` x `patch` square of `fill` over image (C, H, W) by `stride`; every
    position in one batch (N = rows * cols + 1, the unoccluded input first)."""
    image = np.asarray(image, dtype=np.float32)
    rows, cols = occlusion_grid(image.shape[1:], patch, stride)
    batch = np.repeat(image[None], rows * cols + 1, axis=0)
    for n in range(rows * cols):
        i, j = divmod(n, cols)
        batch[n + 1, :, i * stride:i * stride + patch, j * stride:j * stride + patch] = fill
    prob = softmax(scores(model, batch))
    c = int(prob[0].argmax()) if target is None else int(target)
    p = prob[1:, c].reshape(rows, cols).astype(np.float32)
    drop = (np.float32(prob[0, c]) - p).astype(np.float32)
    total = np.zeros(image.shape[1:], dtype=np.float64)
    count = np.zeros(image.shape[1:], dtype=np.float64)
    for i in range(rows):
        for j in range(cols):
            total[i * stride:i * stride + patch, j * stride:j * stride + patch] += drop[i, j]
            count[i * stride:i * stride + patch, j * stride:j * stride + patch] += 1
    heat = np.divide(total, count, out=np.zeros_like(total), where=count > 0).astype(np.float32)
    return Occlusion(c, patch, stride, fill, float(prob[0, c]), p, drop, heat)


# --- the input a map wants -------------------------------------------------------------

@dataclass(frozen=True)
class Ascent:
    """The images of every kept step (S + 1, C, H, W) (index 0: the start) and the objective
    f (mean of the map, or the class score) at each (S + 1,), strictly increasing."""

    layer: int | None
    map: int
    images: np.ndarray
    objective: np.ndarray


def blur(x: np.ndarray) -> np.ndarray:
    """Each channel of x (C, H, W) convolved with BLUR, edges repeated."""
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = x.shape[1:]
    return sum(BLUR[u, v] * xp[:, u:u + h, v:v + w] for u in range(3) for v in range(3)).astype(np.float32)


def _objective(model: Model, x: np.ndarray, layer: int | None, m: int, gradient: bool):
    """f(x) for x (1, C, H, W), and df/dx when `gradient`."""
    trace = _forward(model, x, layer)
    y = trace[-1][2]
    if layer is None:  # the class score: the classifier's output m
        f = float(y[0, m, 0, 0])
        return f, (_backward(model, trace, _score_gradient(trace, m))[0] if gradient else None)
    f = float(y[0, m].astype(np.float64).mean())
    if not gradient:
        return f, None
    dy = np.zeros_like(y)
    dy[0, m] = 1.0 / (y.shape[2] * y.shape[3])
    return f, _backward(model, trace, dy)[0]


ASCENT_LR, ASCENT_L2, ASCENT_BLUR_EVERY = 0.02, 0.05, 1  # the defaults the page states


def ascent(model: Model, in_shape: tuple[int, int, int], layer: int | None, m: int, steps: int = 40,
           lr: float = ASCENT_LR, l2: float = ASCENT_L2, blur_every: int = ASCENT_BLUR_EVERY, noise: float = 0.1,
           seed: int = 0) -> Ascent:
    """Gradient ascent on map m of layer `layer` (None: class score m) from gray 0.5 +
    N(0, noise^2) (seeded), clipped to [0, 1]; see the module's docstring for a step."""
    rng = np.random.default_rng([int(seed), 23])
    x = np.clip(0.5 + noise * rng.standard_normal((1, *in_shape)), 0, 1).astype(np.float32)
    f, g = _objective(model, x, layer, m, True)
    images, values = [x[0]], [f]
    step = lr
    for s in range(1, steps + 1):
        rms = float(np.sqrt(np.mean(np.square(g, dtype=np.float64))))
        if rms == 0.0:
            break
        for attempt in range(ASCENT_TRIES + 1):
            candidate = x + step * (g / rms) - step * l2 * (x - 0.5)
            if blur_every and s % blur_every == 0 and attempt == 0:
                candidate = blur(candidate[0])[None]
            candidate = np.clip(candidate, 0, 1).astype(np.float32)
            f_new, _ = _objective(model, candidate, layer, m, False)
            if f_new > f:
                break
            step /= 2
        else:
            break
        x = candidate
        f, g = _objective(model, x, layer, m, True)
        images.append(x[0])
        values.append(f)
    return Ascent(layer, m, np.stack(images), np.array(values, dtype=np.float64))


# --- Grad-CAM --------------------------------------------------------------------------

def last_convolution(specs: Sequence) -> int | None:
    """The 1-based index of the stack's last layer of learned feature maps (a kind with
    FEATURE_MAPS: the convolutions), or None."""
    found = [k + 1 for k, spec in enumerate(specs) if spec.FEATURE_MAPS]
    return found[-1] if found else None


def bilinear_resize(a: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """a (h, w) resized to (H, W) (float64) bilinearly with half-pixel centres (PyTorch's
    align_corners=False): source coordinate (i + 0.5) * h / H - 0.5, clamped at 0."""
    a = np.asarray(a, dtype=np.float64)
    out_h, out_w = hw

    def axis(n_in: int, n_out: int):
        src = np.maximum((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0)
        lo = np.minimum(np.floor(src).astype(int), n_in - 1)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - lo

    r0, r1, tr = axis(a.shape[0], out_h)
    c0, c1, tc = axis(a.shape[1], out_w)
    top = a[r0][:, c0] * (1 - tc) + a[r0][:, c1] * tc
    bottom = a[r1][:, c0] * (1 - tc) + a[r1][:, c1] * tc
    return top * (1 - tr)[:, None] + bottom * tr[:, None]


@dataclass(frozen=True)
class GradCam:
    """Grad-CAM of class `target` at layer `layer`: its maps A (K, h, w), the weights alpha
    (K,), the map L (h, w) and L resized to the input (H, W) (alpha, L: float64)."""

    target: int
    layer: int
    maps: np.ndarray
    weights: np.ndarray
    cam: np.ndarray
    upsampled: np.ndarray


def grad_cam(model: Model, image: np.ndarray, target: int | None = None, layer: int | None = None) -> GradCam:
    """Grad-CAM of one image (C, H, W) at `layer` (default: the last convolution); ValueError without one."""
    layer = layer or last_convolution(model.specs)
    if layer is None:
        raise ValueError("The network has no convolution.")
    x = _batch(image)
    trace = _forward(model, x)
    c = int(trace[-1][2][0].argmax()) if target is None else int(target)
    grads = _backward(model, trace, _score_gradient(trace, c), start=layer)
    maps, dmaps = trace[layer - 1][2][0], grads[0][0]  # layer's output and its gradient
    weights = dmaps.astype(np.float64).mean(axis=(1, 2))
    cam = np.maximum(np.tensordot(weights, maps.astype(np.float64), axes=1), 0)
    return GradCam(c, layer, maps, weights, cam, bilinear_resize(cam, image.shape[1:]))


# --- kernels across epochs -------------------------------------------------------------

def first_kernel_layer(model: Model) -> int | None:
    """The 1-based index of the first layer with kernels, or None."""
    for k, (spec, p) in enumerate(zip(model.specs, model.params)):
        if spec.kernels(p) is not None:
            return k + 1
    return None


def kernels_across(models: Sequence[Model]) -> tuple[int, np.ndarray] | None:
    """(layer, kernels (E + 1, M, C, kh, kw)) of the first layer with kernels after each epoch
    (index 0: untrained), or None without such a layer."""
    layer = first_kernel_layer(models[0])
    if layer is None:
        return None
    return layer, np.stack([m.specs[layer - 1].kernels(m.params[layer - 1]) for m in models]).astype(np.float32)


def kernel_moves(kernels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(per kernel (E, M), whole layer (E,)): ||W_e - W_(e-1)||_2 for e = 1..E of kernels (E + 1, M, ...)."""
    k = np.asarray(kernels, dtype=np.float64)
    diff = (k[1:] - k[:-1]).reshape(k.shape[0] - 1, k.shape[1], -1)
    return np.sqrt((diff ** 2).sum(axis=2)), np.sqrt((diff ** 2).sum(axis=(1, 2)))
