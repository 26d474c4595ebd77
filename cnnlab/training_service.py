"""Trainings off the visitors' scripts: one worker thread per server process runs them one
at a time (each in a child process, cnnlab.training_process), from a queue, while pages
only read the progress. No Streamlit here.

A training is asked for by its settings (TrainingKey) on behalf of an owner (a browser
session, an opaque id) of a visitor (an opaque id grouping owners; the owner itself by
default). An owner wants one training at a time: asking for another leaves the first,
and a queued or running training that nobody wants any more is cancelled (its child
killed at once). Owners that are no longer alive (`alive`, asked every `watch_every`
seconds) leave their trainings once gone for `gone_after` seconds. The queue is bounded:
at most `per_visitor` trainings queued or running for one visitor and `total` in all (a
new one past either is refused: QueueFull), and it is served round-robin by visitor (one
visitor's many trainings wait behind every other visitor's next one). A training that
fails (its child killed, out of memory) stays failed for its owners (never started again
unless one of them retries); finished trainings are kept in a cache bounded in bytes, and
a result is only ever handed out under the key that produced it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from cnnlab.cache import ByteCache
from cnnlab.layers import LayerSpec
from cnnlab.training import Progress
from cnnlab.training_process import EpochDone, Trained, TrainingFailed, clean_stale_folders, train_in_child

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


class QueueFull(Exception):
    """A new training refused: `limit` trainings are already queued or running for this
    visitor (`scope` "visitor") or in all (`scope` "total")."""

    def __init__(self, scope: str, limit: int) -> None:
        super().__init__(f"{limit} trainings already queued or running ({scope})")
        self.scope, self.limit = scope, limit


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
    visitor: str = ""  # whose turn it waits for in the round-robin queue: the visitor who asked first

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


Trainer = Callable[[TrainingKey, Callable[[Progress | EpochDone], None], threading.Event], Trained]


def train_key(key: TrainingKey, report: Callable[[Progress | EpochDone], None], stop: threading.Event) -> Trained:
    return train_in_child(key.specs, key.images, key.epochs, key.seed, report, stop=stop)


def always_alive(owner: str) -> bool:
    return True


class TrainingService:
    """The queue and its worker (started with the first request); the finished trainings
    kept (their weights after every epoch and test probabilities) are bounded by
    `keep_bytes` and `keep_count`, least recently used dropped first. Starting one removes
    the temporary folders of trainings whose server was killed (`clean`)."""

    def __init__(self, trainer: Trainer = train_key, keep_bytes: int = 32 * 2**20, keep_count: int = 16,
                 per_visitor: int = 2, total: int = 8, alive: Callable[[str], bool] = always_alive,
                 watch_every: float = 1.0, gone_after: float = 2.0, clean: bool = True) -> None:
        self._trainer = trainer
        self.per_visitor, self.total = per_visitor, total
        self._alive, self._watch_every, self._gone_after = alive, watch_every, gone_after
        self._lock = threading.Condition()
        self._lanes: dict[str, deque[Job]] = {}  # each visitor's queued jobs, oldest first
        self._turns: deque[str] = deque()  # the visitors with queued jobs, whose turn is next first
        self._live: dict[TrainingKey, Job] = {}
        self._owned: dict[str, Job] = {}  # each owner's training (live, or failed until it retries or leaves)
        self._visitor_of: dict[str, str] = {}
        self._done = ByteCache(keep_bytes, keep_count)
        self._worker: threading.Thread | None = None
        self._watcher: threading.Thread | None = None
        if clean:
            clean_stale_folders()

    def finished(self, key: TrainingKey) -> Job | None:
        """The finished job of `key`, if it is kept; nothing is started."""
        return self._done.get(key)

    def current(self, key: TrainingKey) -> Job | None:
        """The job of `key`, live or finished (kept), if there is one; nothing is started."""
        with self._lock:
            return self._live.get(key) or self._done.get(key)

    def request(self, key: TrainingKey, owner: str, visitor: str | None = None, retry: bool = False) -> Job:
        """The job of `key` for `owner` (of `visitor`, the owner itself by default): finished,
        running or queued (queued now if new: QueueFull if the visitor's or the whole queue
        is full). The owner's previous training is left (and cancelled if nobody else wants
        it). A training of `key` that failed for this owner is returned as it is, failed,
        unless `retry`: then it is queued again."""
        with self._lock:
            visitor = visitor or self._visitor_of.get(owner) or owner
            mine = self._owned.get(owner)
            if mine is not None and mine.key == key and mine.state == FAILED:
                if not retry:
                    return mine
                self._leave(owner)
            self._leave(owner, keep=key)
            done = self._done.get(key)
            if done is not None:
                return done
            job = self._live.get(key)
            if job is None or job.cancel.is_set():  # none, or one whose child is being stopped: a new one
                self._check_room(visitor)
                job = Job(key, visitor=visitor)
                self._live[key] = job
                if visitor not in self._lanes:
                    self._lanes[visitor] = deque()
                    self._turns.append(visitor)
                self._lanes[visitor].append(job)
                self._start()
            job.owners.add(owner)
            self._owned[owner], self._visitor_of[owner] = job, visitor
            self._lock.notify_all()
            return job

    def retry(self, key: TrainingKey, owner: str, visitor: str | None = None) -> Job:
        """`request` again after a failure: the training of `key` is queued anew."""
        return self.request(key, owner, visitor, retry=True)

    def cancel(self, owner: str) -> None:
        """`owner` no longer wants its training (cancelled if nobody else wants it)."""
        with self._lock:
            self._leave(owner)

    def position(self, job: Job) -> int:
        """0 while it runs, else how many trainings run or wait before it (in the order the
        worker will take them: round-robin by visitor)."""
        with self._lock:
            if job.state != QUEUED:
                return 0
            running = any(j.state == RUNNING for j in self._live.values())
            order = self._order()
            return int(running) + order.index(job) if job in order else 0

    def live_count(self, visitor: str | None = None) -> int:
        """How many trainings are queued or running (for `visitor`: the ones its owners want)."""
        with self._lock:
            return len(self._live) if visitor is None else self._count(visitor)

    def _count(self, visitor: str) -> int:
        return sum(any(self._visitor_of.get(o) == visitor for o in j.owners) for j in self._live.values())

    def _check_room(self, visitor: str) -> None:
        if self._count(visitor) >= self.per_visitor:
            raise QueueFull("visitor", self.per_visitor)
        if len(self._live) >= self.total:
            raise QueueFull("total", self.total)

    def _order(self) -> list[Job]:
        """The queued jobs in the order the worker takes them: one from each visitor in turn."""
        lanes = [list(self._lanes[v]) for v in self._turns]
        return [lane[i] for i in range(max(map(len, lanes), default=0)) for lane in lanes if i < len(lane)]

    def _leave(self, owner: str, keep: TrainingKey | None = None) -> None:
        job = self._owned.get(owner)
        if job is None or job.key == keep:
            return
        del self._owned[owner]
        self._visitor_of.pop(owner, None)
        job.owners.discard(owner)
        if job.live and not job.owners:
            job.cancel.set()
            if job.state == QUEUED:
                self._finish(job, CANCELLED)

    def _finish(self, job: Job, state: str) -> None:
        """`job` ends in `state`; its owners keep it only if it failed (until they retry or leave)."""
        job.state = state
        if self._live.get(job.key) is job:
            del self._live[job.key]
        if state != FAILED:
            for owner in list(job.owners):
                if self._owned.get(owner) is job:
                    del self._owned[owner]
                    self._visitor_of.pop(owner, None)
        lane = self._lanes.get(job.visitor)
        if lane is not None and job in lane:
            lane.remove(job)
            if not lane:
                del self._lanes[job.visitor]
                self._turns.remove(job.visitor)

    def _start(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="cnnlab-training", daemon=True)
            self._worker.start()
        if self._alive is not always_alive and (self._watcher is None or not self._watcher.is_alive()):
            self._watcher = threading.Thread(target=self._watch, name="cnnlab-training-owners", daemon=True)
            self._watcher.start()

    def _take(self) -> Job:
        """The next job: the first of the visitor whose turn it is (who then goes last)."""
        visitor = self._turns.popleft()
        lane = self._lanes[visitor]
        job = lane.popleft()
        if lane:
            self._turns.append(visitor)
        else:
            del self._lanes[visitor]
        return job

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._turns:
                    self._lock.wait()
                job = self._take()
                if job.cancel.is_set():
                    continue
                job.state = RUNNING
            self._run(job)

    def _watch(self) -> None:
        """Every `watch_every` s: owners not alive for `gone_after` s leave their trainings."""
        missing: dict[str, float] = {}
        while True:
            with self._lock:
                while not self._owned:
                    missing.clear()
                    self._lock.wait()
                owners = list(self._owned)
            now, gone = time.monotonic(), []
            for owner in owners:
                if self._alive(owner):
                    missing.pop(owner, None)
                elif now - missing.setdefault(owner, now) >= self._gone_after:
                    gone.append(owner)
            with self._lock:
                for owner in gone:
                    self._leave(owner)
                    missing.pop(owner, None)
                for owner in set(missing) - set(self._owned):
                    del missing[owner]
            time.sleep(self._watch_every)

    def _run(self, job: Job) -> None:
        def report(progress: Progress | EpochDone) -> None:
            if job.cancel.is_set():
                raise Cancelled
            (job.epochs_done if isinstance(progress, EpochDone) else job.batches).append(progress)

        t0 = time.perf_counter()
        try:
            result = self._trainer(job.key, report, job.cancel)
        except Exception as err:  # noqa: BLE001 - whatever ended it, the job ends and the worker goes on
            with self._lock:
                if job.cancel.is_set():
                    self._finish(job, CANCELLED)
                    return
                job.error = str(err) if isinstance(err, TrainingFailed) else f"{type(err).__name__}: {err}"
                self._finish(job, FAILED)
            print(f"cnnlab: a training failed (not started again): {job.error}", file=sys.stderr)
            return
        job.result, job.seconds = result, time.perf_counter() - t0
        with self._lock:
            self._done.put(job.key, job)
            self._finish(job, DONE)
