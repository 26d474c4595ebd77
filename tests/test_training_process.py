"""Training in a child process gives exactly the in-process result, and stops at once."""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from cnnlab.data import MNIST_TRAIN_PATH, load_mnist
from cnnlab.presets import parse_stack
from cnnlab.training import Progress, accuracy, init_model, predict, train
from cnnlab.training_process import (CHILD_ENVIRONMENT, FOLDER_PREFIX, EpochDone, TrainingFailed, TrainingStopped,
                                     clean_stale_folders, train_in_child)


def test_the_child_trains_exactly_what_the_parent_would():
    specs = parse_stack("conv-4-3x3-nobias_relu_max-2x2_conv-2-3x3")
    seen = []
    trained = train_in_child(specs, 512, 2, seed=3, report=seen.append)
    data = load_mnist(MNIST_TRAIN_PATH)
    snapshots = []
    here = train(specs, data.images[:512], data.labels[:512], 2, 3,
                 on_epoch=lambda e, m: snapshots.append([a.copy() for a in m.arrays()]))
    assert len(trained.models) == 3  # untrained, after epoch 1, after epoch 2
    for model, arrays in zip(trained.models, snapshots):
        for a, b in zip(model.arrays(), arrays):
            np.testing.assert_array_equal(a, b)
    untrained = init_model(specs, (1, 28, 28), 3)
    for a, b in zip(trained.models[0].arrays(), untrained.arrays()):
        np.testing.assert_array_equal(a, b)  # epoch 0 is exactly the untrained network
    model = trained.model
    assert set(model.params[0]) == {"W"} and model.params[1] is None  # no bias; ReLU has no weights
    test = load_mnist()
    assert trained.accuracy == accuracy(here, test.images, test.labels)
    assert trained.test_accuracy[0] == accuracy(untrained, test.images, test.labels)
    np.testing.assert_allclose(trained.test_probabilities, predict(here, test.images), rtol=1e-6, atol=1e-7)
    batches = [p for p in seen if isinstance(p, Progress)]
    epochs = [p for p in seen if isinstance(p, EpochDone)]
    assert [(p.epoch, p.batch) for p in batches][-1] == (2, 8) and all(p.loss > 0 for p in batches)
    assert [(e.epoch, e.test_accuracy) for e in epochs] == [(1, trained.test_accuracy[1]), (2, trained.accuracy)]


def test_an_interrupted_training_is_killed_at_once():
    class Stop(Exception):
        pass

    def stop(progress):
        raise Stop

    with pytest.raises(Stop):
        train_in_child(parse_stack("conv-16-5x5_max-2x2"), 20000, 10, seed=0, report=stop)
    assert not children(), "the training process outlived the interruption"


def children(parent: int | None = None) -> list[int]:
    """The living (not zombie) children of `parent` (this process by default) running
    cnnlab.training_process."""
    parent = os.getpid() if parent is None else parent
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == parent and state != "Z" and b"cnnlab.training_process" in cmdline:
            found.append(int(entry.name))
    return found


def test_a_failing_child_says_so():
    with pytest.raises(TrainingFailed, match="ended with code 1: .*Group 2 must divide"):
        train_in_child(parse_stack("conv-4-3x3-g2"), 256, 1, seed=0)


def test_a_training_whose_stop_event_is_set_is_stopped_and_its_child_killed():
    stop = threading.Event()
    with pytest.raises(TrainingStopped):  # the report does not raise: the event alone stops it
        train_in_child(parse_stack("conv-16-5x5_max-2x2"), 20000, 10, seed=0, report=lambda p: stop.set(), stop=stop)
    assert not children()


def test_a_training_s_folder_names_its_server_and_is_removed_after():
    mine = FOLDER_PREFIX + f"{os.getpid()}-"
    seen = []
    train_in_child(parse_stack("conv-2-3x3"), 256, 1, seed=0,
                   report=lambda p: seen.extend(f.name for f in Path(tempfile.gettempdir()).glob(mine + "*")))
    assert seen and not list(Path(tempfile.gettempdir()).glob(mine + "*"))


def test_only_folders_of_servers_that_are_gone_are_cleaned(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid no process has any more (a killed server's)
    stale = tmp_path / f"{FOLDER_PREFIX}{dead.pid}-abc123"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "model.npz").write_bytes(b"x" * 100)
    live = tmp_path / f"{FOLDER_PREFIX}{os.getpid()}-def456"  # this server's, training now
    live.mkdir()
    other = tmp_path / f"{FOLDER_PREFIX}k2j3h4x9"  # not named by a pid: not ours to judge
    other.mkdir()
    unrelated = tmp_path / f"something-{dead.pid}-else"
    unrelated.mkdir()
    assert clean_stale_folders(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and other.exists() and unrelated.exists()


def test_a_killed_server_s_training_child_dies_with_it_and_its_folder_is_cleaned_at_the_next_start(tmp_path):
    from cnnlab.training_process import PACKAGE_ROOT
    code = ("from cnnlab.presets import parse_stack; from cnnlab.training_process import train_in_child; "
            "train_in_child(parse_stack('conv-16-5x5_max-2x2'), 20000, 10, 0, report=lambda p: print(1, flush=True))")
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(PACKAGE_ROOT)}
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env, cwd=tmp_path)
    server.stdout.readline()  # training: its first report
    [child] = children(server.pid)
    folders = list(tmp_path.glob(f"{FOLDER_PREFIX}{server.pid}-*"))
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    server.stdout.close()
    end = time.monotonic() + 5
    while _running(child):  # its next report finds no reader: it ends (it would otherwise train on, unseen)
        assert time.monotonic() < end, "the training child outlived its server"
        time.sleep(0.02)
    assert len(folders) == 1 and folders[0].exists()  # left behind by the killed server
    assert clean_stale_folders(tmp_path) == folders and not folders[0].exists()


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_child_keeps_every_named_parameter_statistics_too():
    """A BatchNormalization's running mean and var (not trained by gradient) come back from
    the child as the parent's own training leaves them."""
    specs = parse_stack("conv-2-3x3_bn_relu")
    trained = train_in_child(specs, 128, 1, seed=1)
    data = load_mnist(MNIST_TRAIN_PATH)
    here = train(specs, data.images[:128], data.labels[:128], 1, 1)
    assert set(trained.model.params[1]) == {"beta", "gamma", "mean", "var"}
    for name, array in here.params[1].items():
        np.testing.assert_array_equal(trained.model.params[1][name], array)
    assert not np.array_equal(trained.models[0].params[1]["var"], trained.model.params[1]["var"])


def test_the_child_runs_with_one_malloc_arena_and_finds_this_package():
    """One arena (glibc): with one per worker thread, each kept its own freed blocks and a
    child peaked up to 1.5x its priced batch memory above its base (bench_training_memory.py)."""
    from cnnlab.training_process import PACKAGE_ROOT, child_environment

    env = child_environment()
    assert env["MALLOC_ARENA_MAX"] == "1"
    assert str(PACKAGE_ROOT) in env["PYTHONPATH"].split(os.pathsep)


_CHILD_PROBE = """
import ctypes, glob, json, os
import numpy as np
threads = None
for path in glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")):
    try:
        threads = int(ctypes.CDLL(path).scipy_openblas_get_num_threads64_())
    except (OSError, AttributeError):
        continue
def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
base = rss_mb()
block = np.ones(64 * 2**20 // 8)  # 64 MB, touched, then freed
del block
print(json.dumps({"blas_threads": threads, "kept_mb": rss_mb() - base}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_a_training_child_s_environment_limits_blas_and_keeps_freed_memory():
    """What cnnlab.threads and cnnlab.memory did in-process, the child's environment does:
    one OpenBLAS thread, and freed blocks kept mapped for the next batch (not without it)."""
    import json
    from cnnlab.training_process import child_environment
    plain = {k: v for k, v in os.environ.items() if k not in CHILD_ENVIRONMENT}
    runs = {name: json.loads(subprocess.run([sys.executable, "-c", _CHILD_PROBE], env=env, capture_output=True,
                                            text=True, check=True).stdout)
            for name, env in (("child", child_environment()), ("plain", plain))}
    assert runs["child"]["kept_mb"] > 48, runs
    assert runs["plain"]["kept_mb"] < 16, runs
    if runs["child"]["blas_threads"] is None:
        pytest.skip("numpy here has no scipy-openblas to read")
    assert runs["child"]["blas_threads"] == 1
