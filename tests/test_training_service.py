"""The training worker: one training at a time off the visitors' scripts, a queue with
positions, cancellation of what nobody wants, and results only under their own settings."""

import threading
import time

import numpy as np

from cnnlab.presets import parse_stack
from cnnlab.training import Model, Progress
from cnnlab.training_process import EpochDone, Trained
from cnnlab.training_service import CANCELLED, DONE, QUEUED, RUNNING, TrainingKey, TrainingService


def key(seed: int, epochs: int = 2) -> TrainingKey:
    return TrainingKey(parse_stack("conv-4-3x3_relu_max-2x2"), epochs, seed, 1000)


class FakeTrainer:
    """Reports a batch every few ms until released; its 'model' records the seed."""

    def __init__(self) -> None:
        self.release = {}
        self.started = []

    def __call__(self, k: TrainingKey, report) -> Trained:
        self.started.append(k.seed)
        gate = self.release.setdefault(k.seed, threading.Event())
        batch = 0
        while not gate.wait(0.005):
            batch += 1
            report(Progress(1, k.epochs, batch % 10 + 1, 10, 1.0 / batch, 0.5))
        report(EpochDone(1, 0.9))
        model = Model(k.specs, [], np.full((1, 10), k.seed, np.float32), np.zeros(10, np.float32))
        return Trained((model, model), (0.1, 0.9), np.zeros((2, 10), np.float32))

    def finish(self, seed: int) -> None:
        self.release.setdefault(seed, threading.Event()).set()


def wait_for(condition, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_a_training_runs_off_the_caller_and_its_result_is_kept_under_its_own_key():
    trainer = FakeTrainer()
    service = TrainingService(trainer)
    job = service.request(key(11), "alice")
    wait_for(lambda: job.state == RUNNING and job.batches)
    assert 0 < job.fraction < 1 and service.finished(key(11)) is None
    trainer.finish(11)
    wait_for(lambda: job.state == DONE)
    assert job.result.model.head_w[0, 0] == 11 and job.epochs_done == [EpochDone(1, 0.9)]
    assert service.finished(key(11)) is job and service.finished(key(12)) is None
    assert service.request(key(11), "bob") is job and trainer.started == [11]  # not trained again


def test_asking_for_other_settings_cancels_the_training_nobody_wants_and_starts_the_new_one():
    trainer = FakeTrainer()
    service = TrainingService(trainer)
    old = service.request(key(11), "alice")
    wait_for(lambda: old.state == RUNNING)
    new = service.request(key(12), "alice")  # the seed changed on alice's page
    wait_for(lambda: old.state == CANCELLED)
    wait_for(lambda: new.state == RUNNING)  # without waiting for the old run to finish
    trainer.finish(12)
    wait_for(lambda: new.state == DONE)
    assert new.result.model.head_w[0, 0] == 12 and old.result is None and service.finished(key(11)) is None


def test_a_training_two_visitors_want_goes_on_when_one_leaves_and_the_queue_has_positions():
    trainer = FakeTrainer()
    service = TrainingService(trainer)
    shared = service.request(key(1), "alice")
    assert service.request(key(1), "bob") is shared
    wait_for(lambda: shared.state == RUNNING)
    waiting = service.request(key(2), "carol")
    assert waiting.state == QUEUED and service.position(waiting) == 1 and service.position(shared) == 0
    service.cancel("alice")
    time.sleep(0.05)
    assert shared.state == RUNNING  # bob still wants it
    service.cancel("bob")
    wait_for(lambda: shared.state == CANCELLED)
    wait_for(lambda: waiting.state == RUNNING)
    service.cancel("carol")
    wait_for(lambda: waiting.state == CANCELLED)
    assert trainer.started == [1, 2]


def test_a_cancelled_real_training_s_child_process_ends_at_once():
    from test_training_process import children
    service = TrainingService()
    job = service.request(TrainingKey(parse_stack("conv-16-5x5_max-2x2"), 10, 0, 20000), "alice")
    wait_for(lambda: job.batches, 60)
    service.cancel("alice")
    wait_for(lambda: job.state == CANCELLED, 10)
    wait_for(lambda: not children(), 10)
