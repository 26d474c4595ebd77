"""Training in a child process gives exactly the in-process result, and stops at once."""

import os
from pathlib import Path

import numpy as np
import pytest

from cnnlab.data import MNIST_TRAIN_PATH, load_mnist
from cnnlab.presets import parse_stack
from cnnlab.training import accuracy, train
from cnnlab.training_process import TrainingFailed, train_in_child


def test_the_child_trains_exactly_what_the_parent_would():
    specs = parse_stack("conv-4-3x3-nobias_relu_max-2x2_conv-2-3x3")
    seen = []
    model, test_accuracy = train_in_child(specs, 512, 2, seed=3, report=seen.append)
    data = load_mnist(MNIST_TRAIN_PATH)
    here = train(specs, data.images[:512], data.labels[:512], 2, 3)
    for a, b in zip(model.arrays(), here.arrays()):
        np.testing.assert_array_equal(a, b)
    assert model.params[0][1] is None and model.params[1] is None  # no bias; ReLU has no weights
    test = load_mnist()
    assert test_accuracy == accuracy(here, test.images, test.labels)
    assert [(p.epoch, p.batch) for p in seen][-1] == (2, 8) and all(p.loss > 0 for p in seen)


def test_an_interrupted_training_is_killed_at_once():
    class Stop(Exception):
        pass

    def stop(progress):
        raise Stop

    with pytest.raises(Stop):
        train_in_child(parse_stack("conv-16-5x5_max-2x2"), 20000, 10, seed=0, report=stop)
    assert not children(), "the training process outlived the interruption"


def children() -> list[int]:
    """This process's living children running cnnlab.training_process."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"cnnlab.training_process" in cmdline:
            found.append(int(entry.name))
    return found


def test_a_failing_child_says_so():
    with pytest.raises(TrainingFailed, match="ended with code 1: .*Group 2 must divide"):
        train_in_child(parse_stack("conv-4-3x3-g2"), 256, 1, seed=0)
