"""Training: the whole model's gradients, determinism, and that it learns."""

import numpy as np
import pytest

from cnnlab.data import MNIST_TRAIN_PATH, load_mnist
from cnnlab.presets import PRESETS, parse_stack
from cnnlab.training import Model, accuracy, backward, forward, init_model, predict, softmax_cross_entropy, train
from reference import numerical_grad
from cnnlab.layers import ActivationSpec


def _float64(model: Model) -> Model:
    params = [None if p is None else {name: a.astype(np.float64) for name, a in p.items()} for p in model.params]
    return Model(model.specs, params)


def test_softmax_cross_entropy_gradient():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((5, 10)), rng.integers(0, 10, 5)
    loss, prob, grad = softmax_cross_entropy(logits, labels)
    np.testing.assert_allclose(prob.sum(axis=1), 1.0)
    np.testing.assert_allclose(grad, numerical_grad(lambda: softmax_cross_entropy(logits, labels)[0], logits),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("stack", [
    "conv-3-3x3_relu_max-2x2_conv-2-2x2-s2x2-same_tanh",
    "conv-4-3x3-d2x2-p1x1-g2_leaky-0.2_avg-3x3-s2x2-p1x1-keep_conv-2-1x1_sigmoid_sum-2x2",
])
def test_model_gradients_match_numerical_differentiation(stack):
    specs = parse_stack(stack)
    rng = np.random.default_rng(0)
    x = rng.random((3, 2, 9, 9))
    labels = np.array([1, 7, 3])
    model = _float64(init_model(specs, (2, 9, 9), seed=1))
    logits, trace = forward(model, x, keep=True)
    _, _, dlogits = softmax_cross_entropy(logits, labels)
    grads = backward(model, trace, dlogits)
    arrays = model.arrays()
    assert [g.shape for g in grads] == [a.shape for a in arrays]
    for a, g in zip(arrays, grads):
        for idx in list(np.ndindex(*a.shape))[:: max(1, a.size // 12)]:
            old = a[idx]
            a[idx] = old + 1e-6
            plus = softmax_cross_entropy(forward(model, x)[0], labels)[0]
            a[idx] = old - 1e-6
            minus = softmax_cross_entropy(forward(model, x)[0], labels)[0]
            a[idx] = old
            assert g[idx] == pytest.approx((plus - minus) / 2e-6, rel=1e-4, abs=1e-7)


def test_same_seed_bit_identical_weights_and_training_learns():
    data = load_mnist(MNIST_TRAIN_PATH)
    images, labels = data.images[:2000], data.labels[:2000]
    a = train(PRESETS["lenet"], images, labels, epochs=2, seed=3)
    b = train(PRESETS["lenet"], images, labels, epochs=2, seed=3)
    for x, y in zip(a.arrays(), b.arrays()):
        np.testing.assert_array_equal(x, y)
    c = train(PRESETS["lenet"], images, labels, epochs=2, seed=4)
    assert not np.array_equal(a.params[-1]["W"], c.params[-1]["W"])
    untrained = init_model(PRESETS["lenet"], (1, 28, 28), 3)
    test = load_mnist()
    assert accuracy(a, test.images[:1000], test.labels[:1000]) > accuracy(untrained, test.images[:1000], test.labels[:1000]) + 0.3
    prob = predict(a, test.images[:5])
    np.testing.assert_allclose(prob.sum(axis=1), 1.0, rtol=1e-5)


def test_untrained_model_uses_the_app_s_weights():
    from cnnlab.pipeline import run
    model = init_model(PRESETS["blog"], (1, 28, 28), seed=7)
    stages = run(load_mnist().image(4), PRESETS["blog"], seed=7)
    np.testing.assert_array_equal(model.params[0]["W"], stages[1].params["W"])


def test_progress_is_reported():
    data = load_mnist(MNIST_TRAIN_PATH)
    seen = []
    train(PRESETS["blog"], data.images[:256], data.labels[:256], epochs=2, batch_size=64, report=seen.append,
          report_every=2)
    assert [(p.epoch, p.batch) for p in seen] == [(1, 2), (1, 4), (2, 2), (2, 4)]
    assert all(0 <= p.accuracy <= 1 and p.loss > 0 for p in seen)


def test_relu_before_max_pooling_runs_after_it_with_identical_results():
    from cnnlab.training import execution_order
    specs = parse_stack("conv-4-3x3_relu_max-2x2-keep_relu_conv-2-3x3_relu_max-3x3-s2x2-p1x1")
    assert execution_order(specs) == [0, 2, 1, 3, 4, 6, 5]
    model = init_model(specs, (1, 12, 12), seed=0)
    x = np.random.default_rng(0).standard_normal((5, 1, 12, 12)).astype(np.float32)
    y = x
    for spec, p in zip(specs, model.params):  # the stack in its written order
        y = spec.forward(y, p)
    expected = y.reshape(5, -1) @ model.params[-1]["W"] + model.params[-1]["b"]
    np.testing.assert_array_equal(forward(model, x)[0], expected)


class NoisyIdentity(ActivationSpec):
    """A kind whose training is random (x + N(0, 0.1^2) noise from the generator it is
    given; as at inference without one), recording each training call's first draw."""

    def train_forward(self, x, params, rng=None):
        if rng is None:
            return x, None
        noise = rng.standard_normal(x.shape).astype(x.dtype)
        DRAWS.append((len(x), float(noise.flat[0])))
        return x + np.float32(0.1) * noise, None


DRAWS: list = []


def test_a_layer_whose_training_is_random_draws_from_a_generator_of_the_training_s_seed():
    data = load_mnist(MNIST_TRAIN_PATH)
    images, labels = data.images[:256], data.labels[:256]
    specs = (*parse_stack("conv-2-3x3"), NoisyIdentity("Identity"), *parse_stack("max-2x2"))
    runs = {}
    for name, seed in (("a", 5), ("again", 5), ("other", 6)):
        DRAWS.clear()
        model = train(specs, images, labels, epochs=2, seed=seed, workers=2)
        runs[name] = (sorted(DRAWS), model.arrays())
    draws, arrays = runs["a"]
    assert len(draws) == 2 * 4 * 2  # every part of every batch of both epochs: a generator each
    assert len({d for _, d in draws}) == len(draws)  # a new draw each time
    assert draws == runs["again"][0] and draws != runs["other"][0]
    for x, y in zip(arrays, runs["again"][1]):  # deterministic: the seed gives the same weights
        np.testing.assert_array_equal(x, y)
    plain = train(parse_stack("conv-2-3x3_max-2x2"), images, labels, epochs=2, seed=5, workers=2)
    assert not np.array_equal(plain.arrays()[0], arrays[0])  # the draws reached the training


def test_batches_split_over_threads_match_one_thread_and_stay_deterministic():
    data = load_mnist(MNIST_TRAIN_PATH)
    images, labels = data.images[:512], data.labels[:512]
    one = train(PRESETS["lenet"], images, labels, epochs=1, seed=2, workers=1)
    two = train(PRESETS["lenet"], images, labels, epochs=1, seed=2, workers=2)
    again = train(PRESETS["lenet"], images, labels, epochs=1, seed=2, workers=2)
    for a, b, c in zip(one.arrays(), two.arrays(), again.arrays()):
        np.testing.assert_array_equal(b, c)
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)  # only the summation order differs


def test_two_trainings_at_once_in_two_threads_equal_each_alone():
    import threading
    data = load_mnist(MNIST_TRAIN_PATH)
    jobs = {"a": (PRESETS["lenet"], 0), "b": (parse_stack("conv-8-3x3_relu_max-2x2"), 5)}
    alone = {k: train(specs, data.images[:384], data.labels[:384], 1, seed) for k, (specs, seed) in jobs.items()}
    together: dict = {}

    def one(k):
        specs, seed = jobs[k]
        together[k] = train(specs, data.images[:384], data.labels[:384], 1, seed)
    threads = [threading.Thread(target=one, args=(k,)) for k in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in jobs:
        for x, y in zip(alone[k].arrays(), together[k].arrays()):
            np.testing.assert_array_equal(x, y)


def test_a_conv_bn_relu_stack_reaches_97_percent_in_3_epochs():
    """BatchNormalization trained as nnabla does (batch statistics, running mean and var kept
    for inference): LeNet-like with BatchNormalization, every shipped training image, 3 epochs."""
    data, test = load_mnist(MNIST_TRAIN_PATH), load_mnist()
    model = train(parse_stack("conv-16-5x5_bn_relu_max-2x2_conv-16-5x5_bn_relu_max-2x2"), data.images, data.labels,
                  epochs=3, seed=0)
    assert accuracy(model, test.images, test.labels) >= 0.97


def test_predicting_a_test_set_holds_one_batch_at_a_time_within_the_training_price():
    """The per-epoch test accuracy ran 500 images at a time, unpriced (a child of ~1 GB
    for a network priced at 245 MB); now a batch, as the budget prices it, and the set is
    converted to float32 a batch at a time."""
    import tracemalloc

    from cnnlab import budget

    specs = parse_stack("conv-8-3x3-same_relu_conv-16-3x3-same_relu")
    model = init_model(specs, (1, 28, 28), 0)
    images = load_mnist().images[:1000]
    priced = budget.training_cost(specs, (1, 28, 28), 1, 1).batch_bytes
    tracemalloc.start()
    try:
        probabilities = predict(model, images)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert probabilities.shape == (1000, 10)
    np.testing.assert_allclose(probabilities[:3], predict(model, images[:3]), rtol=1e-5)
    assert peak <= priced, (peak, priced)
