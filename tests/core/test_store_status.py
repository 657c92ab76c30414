"""Status derivation with real processes and real lock files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil
import pytest

from gage_core.store.meta import MetaReader
from gage_core.store.status import derive_status, parse_lock, pid_alive, run_status
from helpers.gage012 import DEAD_PID, make_finished_run, make_stale_lock_run
from helpers.real_runs import wait_gone


def _meta(tmp_path, files: dict[str, str]):
    meta = tmp_path / "r.meta"
    for name, text in files.items():
        p = meta / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return MetaReader(meta)


@pytest.mark.parametrize(
    "files, status",
    [
        ({"opref": "2 p op"}, "unknown"),
        ({"initialized": "1"}, "pending"),
        ({"initialized": "1", "staged": "2"}, "staged"),
        ({"staged": "2", "proc/exit": "0"}, "completed"),
        ({"staged": "2", "proc/exit": "1"}, "error"),
        ({"staged": "2", "proc/exit": "-15"}, "terminated"),
        ({"staged": "2", "proc/exit": "-2\n"}, "terminated"),
        ({"staged": "2", "proc/lock": str(DEAD_PID)}, "terminated"),
        ({"staged": "2", "proc/lock": ""}, "terminated"),
        ({"staged": "2", "proc/lock": f"runner {os.getpid()} 1.0\n"}, "terminated"),  # reused PID
        ({"staged": "2", "proc/lock": str(os.getpid())}, "running"),
        ({"staged": "2", "proc/exit": "0", "proc/lock": str(os.getpid())}, "completed"),
    ],
)
def test_status_table(tmp_path, files, status):
    assert run_status(_meta(tmp_path, files)) == status


def test_lock_with_create_time_of_live_process_is_running(tmp_path):
    ct = psutil.Process(os.getpid()).create_time()
    lock = f"runner {DEAD_PID} 1.5\nchild {os.getpid()} {ct!r}\n"
    info = derive_status(_meta(tmp_path, {"staged": "1", "proc/lock": lock}))
    assert info.status == "running"
    assert [e.role for e in info.lock] == ["runner", "child"]


def test_killed_process_reads_terminated(tmp_path):
    proc = subprocess.Popen(["sleep", "30"])
    try:
        ct = psutil.Process(proc.pid).create_time()
        meta = _meta(tmp_path, {"staged": "1", "proc/lock": f"runner {proc.pid} {ct!r}\nchild {proc.pid} {ct!r}\n"})
        assert run_status(meta) == "running"
        os.kill(proc.pid, signal.SIGKILL)
        wait_gone(proc.pid)
        # Not reaped yet: a zombie is not alive.
        assert run_status(meta) == "terminated"
        proc.wait()
        assert run_status(meta) == "terminated"
        # Gage 0.1.2 style bare PID lock, same dead process.
        (meta.path / "proc" / "lock").write_text(str(proc.pid))
        assert run_status(meta) == "terminated"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_killed_runner_tree_reads_terminated(tmp_path):
    # A "runner" (python) owning a child (sleep); SIGKILL both.
    code = "import subprocess,sys,time; p=subprocess.Popen(['sleep','30']); print(p.pid, flush=True); time.sleep(30)"
    runner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child_pid = int(runner.stdout.readline())
    child = psutil.Process(child_pid)  # pins the process: a reused PID is not it
    try:
        lock = (
            f"runner {runner.pid} {psutil.Process(runner.pid).create_time()!r}\n"
            f"child {child_pid} {psutil.Process(child_pid).create_time()!r}\n"
        )
        meta = _meta(tmp_path, {"staged": "1", "proc/lock": lock})
        assert run_status(meta) == "running"
        os.kill(child_pid, signal.SIGKILL)
        assert run_status(meta) == "running"  # the runner still lives
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
        # SIGKILL is delivered when the process next runs: on a loaded
        # machine the child can outlive os.kill by a moment.
        assert wait_gone(child_pid)
        assert run_status(meta) == "terminated"
    finally:
        # Only processes still provably ours: once reaped, a PID may already
        # belong to another test's process.
        if runner.poll() is None:
            runner.kill()
        runner.wait()
        try:
            if child.is_running():
                child.kill()
        except psutil.NoSuchProcess:
            pass


def test_corrupt_exit_does_not_raise(tmp_path):
    info = derive_status(_meta(tmp_path, {"staged": "1", "proc/exit": "garbage"}))
    assert info.status == "unknown"
    assert info.errors and "proc/exit" in info.errors[0]


def test_gage_012_runs(tmp_path):
    rid = make_finished_run(tmp_path, exit_code=3)
    assert run_status(MetaReader.for_run(tmp_path, rid)) == "error"
    rid = make_stale_lock_run(tmp_path)
    assert run_status(MetaReader.for_run(tmp_path, rid)) == "terminated"


def test_parse_lock_and_pid_alive():
    assert parse_lock("123")[0].pid == 123
    assert parse_lock("runner 5 1.25\njunk line here x\nchild x 1\n")[0].create_time == 1.25
    assert len(parse_lock("runner 5 1.25\njunk line here x\nchild x 1\n")) == 1
    assert pid_alive(os.getpid())
    assert not pid_alive(DEAD_PID)
    assert not pid_alive(0)
