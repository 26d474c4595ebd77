"""The training worker: one training at a time off the visitors' scripts, a queue with
positions, bounded per visitor and in all and served round-robin by visitor, cancellation
of what nobody wants (owners gone included), failures shown and never restarted, and
results only under their own settings."""

import inspect
import os
import signal
import threading
import time

import numpy as np
import pytest

from cnnlab.presets import parse_stack
from cnnlab.training import Model, Progress, network
from cnnlab.training_process import EpochDone, Trained, TrainingFailed
from cnnlab.training_service import (CANCELLED, DONE, FAILED, QUEUED, RUNNING, QueueFull, TrainingKey,
                                     TrainingService)
from test_training_process import children


def key(seed: int, epochs: int = 2) -> TrainingKey:
    return TrainingKey(parse_stack("conv-4-3x3_relu_max-2x2"), epochs, seed, 1000)


class FakeTrainer:
    """Reports a batch every few ms until released; its 'model' records the seed."""

    def __init__(self) -> None:
        self.release = {}
        self.started = []

    def __call__(self, k: TrainingKey, report, stop: threading.Event) -> Trained:
        self.started.append(k.seed)
        gate = self.release.setdefault(k.seed, threading.Event())
        batch = 0
        while not gate.wait(0.005):
            if stop.is_set():
                raise TrainingFailed("stopped")
            batch += 1
            report(Progress(1, k.epochs, batch % 10 + 1, 10, 1.0 / batch, 0.5))
        report(EpochDone(1, 0.9))
        model = Model(network(k.specs), [None] * len(k.specs) + [{"W": np.full((1, 10), k.seed, np.float32),
                                                                   "b": np.zeros(10, np.float32)}])
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
    assert job.result.model.params[-1]["W"][0, 0] == 11 and job.epochs_done == [EpochDone(1, 0.9)]
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
    assert new.result.model.params[-1]["W"][0, 0] == 12 and old.result is None and service.finished(key(11)) is None


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
    service = TrainingService()
    job = service.request(TrainingKey(parse_stack("conv-16-5x5_max-2x2"), 10, 0, 20000), "alice")
    wait_for(lambda: job.batches, 60)
    service.cancel("alice")
    wait_for(lambda: job.state == CANCELLED, 10)
    wait_for(lambda: not children(), 10)


def test_the_queue_is_served_round_robin_by_visitor():
    """One visitor's three trainings, queued first, do not keep a second visitor's one waiting
    behind all three: the worker takes one of each visitor in turn."""
    trainer = FakeTrainer()
    service = TrainingService(trainer, per_visitor=3)
    running = service.request(key(0), "x")
    wait_for(lambda: running.state == RUNNING)
    a = [service.request(key(s), f"a{s}", visitor="A") for s in (1, 2, 3)]  # three tabs of visitor A
    b = service.request(key(4), "b", visitor="B")
    assert [service.position(j) for j in (*a, b)] == [1, 3, 4, 2]
    for seed in (0, 1, 4, 2, 3):
        trainer.finish(seed)
    wait_for(lambda: all(j.state == DONE for j in (*a, b)))
    assert trainer.started == [0, 1, 4, 2, 3]


def test_the_queue_is_bounded_per_visitor_and_in_all_and_joining_a_training_is_always_allowed():
    trainer = FakeTrainer()
    service = TrainingService(trainer, per_visitor=2, total=3)
    first = service.request(key(1), "a1", visitor="A")
    service.request(key(2), "a2", visitor="A")
    with pytest.raises(QueueFull) as refused:
        service.request(key(3), "a3", visitor="A")
    assert (refused.value.scope, refused.value.limit) == ("visitor", 2)
    assert service.live_count("A") == 2 and service.current(key(3)) is None  # nothing queued
    assert service.request(key(1), "a3", visitor="A") is first  # an existing training: joined, not refused
    service.request(key(4), "b", visitor="B")
    with pytest.raises(QueueFull) as refused:
        service.request(key(5), "c", visitor="C")
    assert (refused.value.scope, refused.value.limit) == ("total", 3) and service.live_count() == 3
    service.cancel("b")
    assert service.request(key(5), "c", visitor="C").state in (QUEUED, RUNNING)  # room again
    assert service.request(key(1), "a1", visitor="A") is first  # asked again by the page: still the same
    for seed in range(6):
        trainer.finish(seed)


def test_owners_that_are_gone_give_their_trainings_up_and_shared_ones_go_on_while_one_is_alive():
    trainer = FakeTrainer()
    alive = {"alice", "bob", "carol", "dave"}
    service = TrainingService(trainer, alive=lambda owner: owner in alive, watch_every=0.05, gone_after=0.2)
    shared = service.request(key(1), "alice")
    assert service.request(key(1), "bob") is shared
    wait_for(lambda: shared.state == RUNNING)
    queued = service.request(key(2), "carol")
    other = service.request(key(3), "dave")
    alive.discard("alice")  # alice's tab closed: bob still wants it
    alive.discard("carol")  # carol's queued training goes
    t0 = time.monotonic()
    wait_for(lambda: queued.state == CANCELLED, 5)
    assert 0.2 <= time.monotonic() - t0 < 2 and service.position(other) == 1
    assert shared.state == RUNNING and shared.owners == {"bob"}
    alive.discard("bob")
    wait_for(lambda: shared.state == CANCELLED, 5)
    wait_for(lambda: other.state == RUNNING)
    trainer.finish(3)
    wait_for(lambda: other.state == DONE)
    assert trainer.started == [1, 3]


def test_a_briefly_disconnected_owner_keeps_its_training():
    trainer = FakeTrainer()
    alive = {"alice"}
    service = TrainingService(trainer, alive=lambda owner: owner in alive, watch_every=0.02, gone_after=0.5)
    job = service.request(key(1), "alice")
    alive.clear()
    time.sleep(0.2)  # a network blip: reconnected well within gone_after
    alive.add("alice")
    time.sleep(0.6)
    assert job.state == RUNNING
    trainer.finish(1)


def test_a_training_that_fails_is_shown_as_failed_to_its_owners_and_not_started_again_until_retried():
    started = []

    def dies(k, report, stop):  # a child that always dies (killed for memory)
        started.append(k.seed)
        raise TrainingFailed("The training process ended with code -9: no message")

    service = TrainingService(dies)
    job = service.request(key(1), "alice")
    wait_for(lambda: job.state == FAILED)
    for _ in range(20):  # the page's poll, twice a second
        assert service.request(key(1), "alice") is job
    time.sleep(0.1)
    assert started == [1] and job.error.endswith("code -9: no message")
    again = service.retry(key(1), "alice")
    assert again is not job
    wait_for(lambda: again.state == FAILED)
    assert started == [1, 1] and service.request(key(1), "alice") is again
    service.request(key(2), "alice")  # other settings: the failure is left behind
    wait_for(lambda: started == [1, 1, 2])


def test_a_training_whose_child_is_killed_mid_epoch_fails_once_and_no_child_starts_again():
    service = TrainingService()
    job = service.request(TrainingKey(parse_stack("conv-16-5x5_max-2x2"), 10, 0, 20000), "alice")
    wait_for(lambda: job.batches, 60)
    [child] = children()
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: job.state == FAILED, 10)
    assert "code -9" in job.error
    end = time.monotonic() + 3  # longer than the 2.8 s after which a new child used to start
    while time.monotonic() < end:  # the page keeps asking
        assert service.request(job.key, "alice") is job and not children()
        time.sleep(0.1)
    retried = service.retry(job.key, "alice")
    wait_for(lambda: retried.batches, 60)
    assert retried.state == RUNNING and len(children()) == 1
    service.cancel("alice")
    wait_for(lambda: retried.state == CANCELLED and not children(), 10)


def test_a_real_training_whose_owner_is_gone_has_its_child_killed():
    alive = {"alice"}
    service = TrainingService(alive=lambda owner: owner in alive, watch_every=0.1, gone_after=0.3)
    job = service.request(TrainingKey(parse_stack("conv-16-5x5_max-2x2"), 10, 1, 20000), "alice")
    wait_for(lambda: job.batches, 60)
    alive.clear()
    t0 = time.monotonic()
    wait_for(lambda: job.state == CANCELLED and not children(), 10)
    assert time.monotonic() - t0 < 5


def test_streamlit_still_tells_which_sessions_are_connected():
    """cnnlab.ui.compute.session_alive leans on Streamlit's Runtime (not public API)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager
    from cnnlab.ui.compute import session_alive

    assert callable(Runtime.exists) and callable(Runtime.instance)
    assert list(inspect.signature(Runtime.is_active_session).parameters) == ["self", "session_id"]
    assert "_active_session_info_by_id" in inspect.getsource(WebsocketSessionManager.is_active_session)
    assert "del self._active_session_info_by_id[session_id]" in inspect.getsource(
        WebsocketSessionManager.disconnect_session)  # a closed tab is no longer active at once
    assert not Runtime.exists() and session_alive("any")  # outside a server: everyone counts as alive


def test_a_finished_training_is_held_only_by_the_bounded_cache_not_by_its_owners():
    import gc
    import weakref
    trainer = FakeTrainer()
    service = TrainingService(trainer, keep_count=1)
    first = service.request(key(1), "alice")
    trainer.finish(1)
    wait_for(lambda: first.state == DONE)
    gone = weakref.ref(first)
    del first
    second = service.request(key(2), "bob")  # alice's tab stays open, on the finished training
    trainer.finish(2)
    wait_for(lambda: second.state == DONE)
    gc.collect()
    assert service.finished(key(1)) is None and gone() is None  # dropped from the cache: freed


def test_asking_again_for_a_training_being_stopped_queues_a_new_one():
    trainer = FakeTrainer()
    service = TrainingService(trainer)
    old = service.request(key(1), "alice")
    wait_for(lambda: old.state == RUNNING)
    service.cancel("alice")
    new = service.request(key(1), "alice")  # Train it again at once, before the old child has stopped
    assert new is not old
    wait_for(lambda: old.state == CANCELLED and new.state == RUNNING)
    trainer.finish(1)
    wait_for(lambda: new.state == DONE)
    assert trainer.started == [1, 1]
