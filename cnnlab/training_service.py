"""Trainings off the visitors' scripts: one worker thread per server process runs them one
at a time (each in a child process, cnnlab.training_process), from a queue, while pages
only read the progress. No Streamlit here.

A training is asked for by its settings (TrainingKey) on behalf of an owner (a browser
session). An owner wants one training at a time: asking for another leaves the first,
and a queued or running training that nobody wants any more is cancelled (its child
killed at once). Finished trainings are kept in a cache bounded in bytes, and a result
is only ever handed out under the key that produced it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from cnnlab.cache import ByteCache
from cnnlab.layers import LayerSpec
from cnnlab.training import Progress
from cnnlab.training_process import EpochDone, Trained, TrainingFailed, train_in_child

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


@dataclass(frozen=True)
class TrainingKey:
    """What a training is: the stack, Max Epoch, the seed, the number of training images."""

    specs: tuple[LayerSpec, ...]
    epochs: int
    seed: int
    images: int


class Cancelled(Exception):
    """Raised in the worker's progress callback to stop a training that nobody wants."""


@dataclass
class Job:
    """One training: its state, what it has reported so far, and its result when done."""

    key: TrainingKey
    state: str = QUEUED
    batches: list[Progress] = field(default_factory=list)
    epochs_done: list[EpochDone] = field(default_factory=list)
    result: Trained | None = None
    seconds: float = 0.0
    error: str = ""
    owners: set[str] = field(default_factory=set)
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def live(self) -> bool:
        return self.state in (QUEUED, RUNNING)

    @property
    def fraction(self) -> float:
        """How much of the training is done, 0 to 1."""
        if self.state == DONE:
            return 1.0
        if not self.batches:
            return 0.0
        p = self.batches[-1]
        return ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches)


Trainer = Callable[[TrainingKey, Callable[[Progress | EpochDone], None]], Trained]


def train_key(key: TrainingKey, report: Callable[[Progress | EpochDone], None]) -> Trained:
    return train_in_child(key.specs, key.images, key.epochs, key.seed, report)


class TrainingService:
    """The queue and its worker (started with the first request); the finished trainings
    kept (their weights after every epoch and test probabilities) are bounded by
    `keep_bytes` and `keep_count`, least recently used dropped first."""

    def __init__(self, trainer: Trainer = train_key, keep_bytes: int = 64 * 2**20, keep_count: int = 16) -> None:
        self._trainer = trainer
        self._lock = threading.Condition()
        self._queue: deque[Job] = deque()
        self._live: dict[TrainingKey, Job] = {}
        self._owned: dict[str, TrainingKey] = {}
        self._done = ByteCache(keep_bytes, keep_count)
        self._worker: threading.Thread | None = None

    def finished(self, key: TrainingKey) -> Job | None:
        """The finished job of `key`, if it is kept; nothing is started."""
        return self._done.get(key)

    def current(self, key: TrainingKey) -> Job | None:
        """The job of `key`, live or finished (kept), if there is one; nothing is started."""
        with self._lock:
            return self._live.get(key) or self._done.get(key)

    def request(self, key: TrainingKey, owner: str) -> Job:
        """The job of `key` for `owner`: finished, running or queued (queued now if new).
        The owner's previous training is left (and cancelled if nobody else wants it)."""
        done = self._done.get(key)
        with self._lock:
            self._leave(owner, keep=key)
            if done is not None:
                return done
            job = self._live.get(key)
            if job is None:
                job = Job(key)
                self._live[key] = job
                self._queue.append(job)
                self._start()
                self._lock.notify_all()
            job.owners.add(owner)
            self._owned[owner] = key
            return job

    def cancel(self, owner: str) -> None:
        """`owner` no longer wants its training (cancelled if nobody else wants it)."""
        with self._lock:
            self._leave(owner)

    def position(self, job: Job) -> int:
        """0 while it runs, else how many trainings run or wait before it."""
        with self._lock:
            if job.state != QUEUED:
                return 0
            running = any(j.state == RUNNING for j in self._live.values())
            return int(running) + list(self._queue).index(job)

    def _leave(self, owner: str, keep: TrainingKey | None = None) -> None:
        key = self._owned.get(owner)
        if key is None or key == keep:
            return
        del self._owned[owner]
        job = self._live.get(key)
        if job is not None:
            job.owners.discard(owner)
            if not job.owners:
                job.cancel.set()
                if job.state == QUEUED:
                    self._finish(job, CANCELLED)

    def _finish(self, job: Job, state: str) -> None:
        job.state = state
        self._live.pop(job.key, None)
        if job in self._queue:
            self._queue.remove(job)

    def _start(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="cnnlab-training", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    self._lock.wait()
                job = self._queue.popleft()
                if job.cancel.is_set():
                    continue
                job.state = RUNNING
            self._run(job)

    def _run(self, job: Job) -> None:
        def report(progress: Progress | EpochDone) -> None:
            if job.cancel.is_set():
                raise Cancelled
            (job.epochs_done if isinstance(progress, EpochDone) else job.batches).append(progress)

        t0 = time.perf_counter()
        try:
            result = self._trainer(job.key, report)
        except Cancelled:
            with self._lock:
                self._finish(job, CANCELLED)
            return
        except TrainingFailed as err:
            with self._lock:
                job.error = str(err)
                self._finish(job, FAILED)
            return
        job.result, job.seconds = result, time.perf_counter() - t0
        with self._lock:
            self._done.put(job.key, job)
            self._finish(job, DONE)
