"""Train a layer stack plus an Affine(10) + Softmax classifier on MNIST, in NumPy.

The classifier is a real layer (CLASSIFIER, NNC's Affine with OutShape 10) appended to
the stack: a Model's specs and params are the stack's, then the classifier's ({W (D, 10),
b (10,)} by nnabla's names), and the logits are its output.

Mini-batch Adam (step 2e-3, batches of 64) on softmax cross-entropy; every gradient
comes from the layer kinds' backward (cnnlab.layers.*) and softmax_cross_entropy below. Seeded and deterministic: the same (specs, seed, epochs) gives bit-identical weights.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from cnnlab.pipeline import Stage, init_params
from cnnlab.layers import AffineSpec, LayerSpec, Params

CLASSIFIER = AffineSpec(10)
"""The classifier training appends to every stack: NNC's Affine, one output (logit) per digit."""


def network(stack: Sequence[LayerSpec]) -> tuple[LayerSpec, ...]:
    """The network training trains: the stack, then CLASSIFIER."""
    return (*stack, CLASSIFIER)


@dataclass
class Model:
    """A trained network: its layers (the stack, then CLASSIFIER: see network()) and their
    parameters (one entry per layer, None if it has none); logits (N, 10) are the last
    layer's output, flatten(stack(x)) . W (D, 10) + b (10,)."""

    specs: tuple[LayerSpec, ...]
    params: list[Params | None]

    @property
    def stack(self) -> tuple[LayerSpec, ...]:
        """The layers before the classifier (the network the page edits)."""
        return self.specs[:-1]

    def arrays(self) -> list[np.ndarray]:
        """Every trained array (each layer's TRAINED names it holds), layer by layer: the
        optimiser's view, in the order backward gives the gradients."""
        return [p[name] for spec, p in zip(self.specs, self.params) if p is not None
                for name in spec.TRAINED if name in p]

    def nbytes(self) -> int:
        """Bytes of every array, trained or a statistic."""
        return sum(a.nbytes for p in self.params if p for a in p.values())


def classifier_stage(model: Model, last: Stage) -> Stage:
    """The model's classifier as one more stage after `last` (the stack's last stage, or
    the input): its 10 outputs (10, 1, 1) for last's output (C, H, W), its parameters
    {W (C*H*W, 10), b (10,)}."""
    spec, params = model.specs[-1], model.params[-1]
    return Stage(last.index + 1, spec.kind, spec, tuple(last.shape), params, spec.forward(last.output[None], params)[0])


def init_model(stack: Sequence[LayerSpec], in_shape: tuple[int, int, int], seed: int) -> Model:
    """Untrained ("Max Epoch 0") weights of network(stack), the same as the app shows: the
    classifier's are drawn as any layer's (Glorot normal, from (seed, its index))."""
    specs = network(stack)
    return Model(specs, init_params(specs, in_shape, seed))


def execution_order(specs: Sequence[LayerSpec]) -> list[int]:
    """Layer indices in the order training runs them. A ReLU directly before a MaxPooling
    runs after it instead: max(relu(a), relu(b)) = relu(max(a, b)) (padding never wins a
    max), and the pooled map is kh*kw times smaller. Outputs and gradients are the same."""
    order, k = [], 0
    while k < len(specs):
        if k + 1 < len(specs) and specs[k].swaps_with_next(specs[k + 1]):
            order += [k + 1, k]
            k += 2
        else:
            order.append(k)
            k += 1
    return order


def forward(model: Model, x: np.ndarray, keep: bool = False,
            rng: np.random.Generator | None = None) -> tuple[np.ndarray, list]:
    """x (N, C, H, W) -> (logits (N, 10), what backward needs when keep: for every layer run,
    (layer index, its input, what its backward reuses, its output)). keep runs each layer's
    train_forward with `rng` (the batch's generator; LayerKind.train_forward)."""
    trace: list = []
    for k in execution_order(model.specs):
        spec, p = model.specs[k], model.params[k]
        kept = None
        if keep:
            y, kept = spec.train_forward(x, p, rng)
        else:
            y = spec.forward(x, p)
        trace.append((k, x, kept, y))
        x = y
    return x.reshape(len(x), -1), trace


def backward(model: Model, trace: list, dlogits: np.ndarray) -> list[np.ndarray]:
    """Gradients in the order of Model.arrays() (trace from forward(..., keep=True))."""
    dy = dlogits.reshape(*dlogits.shape, 1, 1)
    layer_grads: dict[int, list[np.ndarray]] = {}
    for k, x, kept, y in reversed(trace):
        spec, p = model.specs[k], model.params[k]
        dy, grads = spec.backward(dy, x, p, y, kept, need_dx=k > 0)
        if p is not None:
            layer_grads[k] = [grads[name] for name in spec.TRAINED if name in p]
    return [g for k in sorted(layer_grads) for g in layer_grads[k]]


def batch_statistics(model: Model, trace: list) -> dict[int, dict[str, np.ndarray]]:
    """{layer index: its batch statistics} (LayerKind.batch_statistics: sums over the batch,
    so the parts of a batch add up) for the layers that keep any."""
    out = {}
    for k, x, kept, y in trace:
        statistics = model.specs[k].batch_statistics(kept)
        if statistics:
            out[k] = statistics
    return out


@dataclass
class Adam:
    """Adam (Kingma & Ba): betas (0.9, 0.999), eps 1e-8; updates arrays in place."""

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    t: int = 0
    m: list[np.ndarray] = field(default_factory=list)
    v: list[np.ndarray] = field(default_factory=list)

    def step(self, arrays: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if not self.m:
            self.m = [np.zeros_like(a) for a in arrays]
            self.v = [np.zeros_like(a) for a in arrays]
        self.t += 1
        scale = self.lr * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        for a, g, m, v in zip(arrays, grads, self.m, self.v):
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            a -= (scale * m / (np.sqrt(v) + self.eps)).astype(a.dtype)


@dataclass(frozen=True)
class Progress:
    """Reported after every `report_every` batches and at each epoch's end."""

    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    accuracy: float


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean cross-entropy of softmax(logits (N, 10)) against labels (N,): (loss, probabilities (N, 10),
    dlogits (N, 10)).
        p = softmax(z) = exp(z - max z) / sum exp(z - max z),  loss = -mean log p[n, label_n],
        dloss/dz = (p - onehot(labels)) / N."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    prob = e / e.sum(axis=1, keepdims=True)
    n = len(labels)
    loss = float(-np.log(prob[np.arange(n), labels] + 1e-12).mean())
    grad = prob.copy()
    grad[np.arange(n), labels] -= 1
    return loss, prob, grad / n


def _batch_gradients(model: Model, x: np.ndarray, labels: np.ndarray, total: int, key: tuple[int, ...]):
    """(gradients of the mean loss over `total` images, loss sum, correct, batch statistics)
    for one part of a batch; its layers' random draws from a generator seeded by `key`
    (seed, epoch, batch, part)."""
    logits, trace = forward(model, x, keep=True, rng=np.random.default_rng(key))
    loss, prob, dlogits = softmax_cross_entropy(logits, labels)
    dlogits *= len(labels) / total
    grads = backward(model, trace, dlogits.astype(np.float32))
    return grads, loss * len(labels), int((prob.argmax(axis=1) == labels).sum()), batch_statistics(model, trace)


def update_statistics(model: Model, parts: list[dict[int, dict[str, np.ndarray]]]) -> None:
    """Fold the batch statistics of a batch's parts (added up, in a fixed order) into the
    layers' statistics parameters (BatchNormalization's running mean and var)."""
    for k in parts[0] if parts else ():
        total = {name: sum(part[k][name] for part in parts) for name in parts[0][k]}
        model.specs[k].update_statistics(model.params[k], total)


def train(
    specs: Sequence[LayerSpec], images: np.ndarray, labels: np.ndarray, epochs: int, seed: int = 0,
    batch_size: int = 64, lr: float = 2e-3, report: Callable[[Progress], None] | None = None,
    report_every: int = 20, workers: int | None = None, on_epoch: Callable[[int, Model], None] | None = None,
) -> Model:
    """images (N, 28, 28) uint8 or (N, C, H, W) float in [0, 1], labels (N,) -> the trained
    Model of network(specs): the stack `specs`, then the classifier.

    Batches are drawn in an order shuffled by `seed` each epoch; loss and accuracy in
    the report are running means over the epoch so far. Each batch is split over
    `workers` threads (default: 2 if there are 2 cores); their gradients are summed in a
    fixed order, so results stay deterministic for a given `workers`; a layer whose
    training is random draws from a generator seeded by (seed, epoch, batch, part). The
    process's BLAS threads and allocator are its runner's to set (the app trains in a child
    process started with cnnlab.training_process.CHILD_ENVIRONMENT). `on_epoch(e, model)` is called with the
    untrained model (e = 0) and after each epoch (the live model: copy what you keep).
    """
    workers = workers or min(2, os.cpu_count() or 1)
    images = np.asarray(images)
    model = init_model(specs, _as_input(images[:1]).shape[1:], seed)
    optimiser = Adam(lr)
    rng = np.random.default_rng([int(seed), 999])
    batches = -(-len(images) // batch_size)
    if on_epoch is not None:
        on_epoch(0, model)
    with ThreadPoolExecutor(workers) as pool:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(images))
            loss_sum = correct = seen = 0.0
            for b in range(batches):
                idx = np.sort(order[b * batch_size:(b + 1) * batch_size])
                parts = [p for p in np.array_split(idx, workers) if len(p)]
                jobs = [pool.submit(_batch_gradients, model, _as_input(images[p]), labels[p], len(idx),
                                    (int(seed), epoch, b, k)) for k, p in enumerate(parts)]
                results = [job.result() for job in jobs]
                grads = [sum(g) for g in zip(*(r[0] for r in results))]
                optimiser.step(model.arrays(), grads)
                update_statistics(model, [r[3] for r in results])
                loss_sum += sum(r[1] for r in results)
                correct += sum(r[2] for r in results)
                seen += len(idx)
                if report and ((b + 1) % report_every == 0 or b + 1 == batches):
                    report(Progress(epoch, epochs, b + 1, batches, loss_sum / seen, correct / seen))
            if on_epoch is not None:
                on_epoch(epoch, model)
    return model


def _as_input(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 or (N, C, H, W) -> (N, C, H, W) float32 in [0, 1]; training and
    prediction convert a batch at a time, so a set is held once, as it came (uint8: a
    quarter of float32's bytes)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / np.float32(255)
    return images[:, None] if images.ndim == 3 else images.astype(np.float32)


def predict(model: Model, images: np.ndarray, chunk: int = 64) -> np.ndarray:
    """Class probabilities (N, 10), `chunk` images at a time: a training batch's size by
    default, the size whose working memory the training budget priced (cnnlab.budget)."""
    images = np.asarray(images)
    out = []
    for start in range(0, len(images), chunk):
        logits, _ = forward(model, _as_input(images[start:start + chunk]))
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        out.append(e / e.sum(axis=1, keepdims=True))
    return np.concatenate(out)


def accuracy(model: Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of images whose most probable class is the label."""
    return float((predict(model, images).argmax(axis=1) == labels).mean())
