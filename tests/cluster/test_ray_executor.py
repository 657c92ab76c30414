"""Runs executed on a real Ray head (started by the session fixture) look
and behave like local runs: live output, exact files back, exit codes,
stop, a killed proxy re-attached, no line lost."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gage_core.process.output import STDERR, STDOUT, OutputReader
from gage_core.store.meta import MetaReader
from gage_core.store.status import derive_status, parse_lock
from helpers.cluster import gage, only_run, wait_for_run

# One private head for all of them: the tests run on one xdist worker.
pytestmark = [pytest.mark.ray, pytest.mark.timeout(300), pytest.mark.xdist_group("ray")]


def _status(meta) -> str:
    with MetaReader(meta) as reader:
        return derive_status(reader).status


def _lines(meta, name="40_run"):
    reader = OutputReader(meta / "output" / name)
    reader.refresh(final=True)
    return [(line.stream, line.data) for line in reader.read()]


def _text(meta) -> bytes:
    return (meta / "output" / "40_run").read_bytes() if (meta / "output" / "40_run").exists() else b""


def test_run_streams_live_and_fetches_exact_files(ray_project, gage_env, tmp_path):
    gage(gage_env, "run", "wait", f"go_file={tmp_path / 'go'}", "--executor", "ray", "--background", "-y", cwd=ray_project)
    run_dir, meta = only_run(tmp_path / "runs")
    # The job waits for the go file: its first line arrives while it runs.
    wait_for_run(lambda: b"ready\n" in _text(meta), what="the first line streamed", meta=meta)
    assert _status(meta) == "running"
    # gage tail -f follows the remote run like a local one, to its end.
    tail = subprocess.Popen(
        [str(Path(sys.executable).with_name("gage")), "tail", "-f", run_dir.name],
        cwd=ray_project, env=gage_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    handle = json.loads((meta / "proc" / "executor.json").read_text())
    assert handle["executor"] == "ray" and handle["submission_id"] == run_dir.name
    assert handle["address"] == gage_env["RAY_ADDRESS"]
    (tmp_path / "go").touch()
    wait_for_run(lambda: (meta / "proc" / "exit").exists(), what="the run's end", meta=meta)
    assert _status(meta) == "completed"
    assert _lines(meta) == [(STDOUT, b"ready\n"), (STDOUT, b"done\n")]
    assert not (meta / "proc" / "lock").exists()
    assert json.loads((meta / "proc" / "executor.json").read_text())["node_id"]
    tail_out, _ = tail.communicate(timeout=60)
    assert tail.returncode == 0
    assert b"ready\n" in tail_out and tail_out.rstrip().endswith(b"done")
    shown = gage(gage_env, "show", "1", cwd=ray_project).stdout
    assert "ray at " + gage_env["RAY_ADDRESS"] in shown


def test_stdout_stderr_split_summary_and_files_come_back(ray_project, gage_env, tmp_path):
    proc = gage(gage_env, "run", "hello", "--executor", "ray", "-y", cwd=ray_project)
    assert "out 1\nout 2\n" in proc.stdout.replace("err 1\n", "").replace("err 2\n", "")
    run_dir, meta = only_run(tmp_path / "runs")
    lines = _lines(meta)
    # The two pipes are read as data arrives: each stream keeps its order.
    assert [d for s, d in lines if s == STDOUT] == [b"out 1\n", b"out 2\n", b"loss: 0.25\n"]
    assert [d for s, d in lines if s == STDERR] == [b"err 1\n", b"err 2\n"]
    summary = json.loads((meta / "summary.json").read_text())
    assert summary["metrics"]["loss"] == 0.25
    model = run_dir / "model.txt"
    assert model.read_text() == "weights\n"
    assert stat.S_IMODE(model.stat().st_mode) == 0o444  # read-only, as a local run's
    assert "g " in (meta / "manifest").read_text()  # the job's own manifest lists model.txt
    assert "model.txt" in (meta / "manifest").read_text()
    assert _status(meta) == "completed"


def test_exit_code_3_reads_error(ray_project, gage_env, tmp_path):
    proc = gage(gage_env, "run", "fail", "--executor", "ray", "-y", cwd=ray_project, check=False)
    assert proc.returncode == 3
    _run_dir, meta = only_run(tmp_path / "runs")
    assert (meta / "proc" / "exit").read_text().strip() == "3"
    assert _status(meta) == "error"
    assert _lines(meta) == [(STDOUT, b"failing\n")]


def test_stop_reads_terminated(ray_project, gage_env, tmp_path):
    gage(gage_env, "run", "wait", f"go_file={tmp_path / 'go'}", "--executor", "ray", "--background", "-y", cwd=ray_project)
    _run_dir, meta = only_run(tmp_path / "runs")
    wait_for_run(lambda: b"ready\n" in _text(meta), what="the job to run", meta=meta)
    proc = gage(gage_env, "stop", "-y", "-g", "10", "1", cwd=ray_project)
    assert "Stopped run" in proc.stdout
    # gage stop returns once the run has ended.
    code = int((meta / "proc" / "exit").read_text())
    assert code < 0
    assert _status(meta) == "terminated"
    assert b"done" not in _text(meta)


def test_killed_proxy_reads_detached_and_reattaches(ray_project, gage_env, tmp_path):
    gage(gage_env, "run", "wait", f"go_file={tmp_path / 'go'}", "--executor", "ray", "--background", "-y", cwd=ray_project)
    _run_dir, meta = only_run(tmp_path / "runs")
    wait_for_run(lambda: b"ready\n" in _text(meta), what="the job to run", meta=meta)
    runner = [e for e in parse_lock((meta / "proc" / "lock").read_bytes()) if e.role == "runner"]
    os.kill(runner[0].pid, signal.SIGKILL)
    wait_for_run(lambda: _status(meta) == "detached", what="detached", meta=meta)
    listed = gage(gage_env, "ls", cwd=ray_project).stdout
    assert "detached" in listed
    # The job lives on without its proxy; it finishes while detached.
    (tmp_path / "go").touch()
    proc = gage(gage_env, "run", "--attach", "1", "-y", cwd=ray_project)
    assert "ready" in proc.stdout
    assert _status(meta) == "completed"
    assert _lines(meta) == [(STDOUT, b"ready\n"), (STDOUT, b"done\n")]
    again = gage(gage_env, "run", "--attach", "1", "-y", cwd=ray_project, check=False)
    assert again.returncode != 0 and "completed" in again.stderr


def test_a_million_lines_stream_without_loss(ray_project, gage_env, tmp_path):
    # An unwritable store: the job cannot hand its files back, so what
    # stays is exactly what the proxy streamed.
    bad_store = (tmp_path / "no-store").as_uri()
    (tmp_path / "no-store").write_text("a file, not a directory")
    gage(gage_env, "run", "many", "--executor", "ray", "--ray-store", bad_store, "-q", "-y", cwd=ray_project)
    _run_dir, meta = only_run(tmp_path / "runs")
    expected = b"".join(b"%d\n" % i for i in range(1_000_000))
    assert _text(meta) == expected
    index_size = (meta / "output" / "40_run.index").stat().st_size
    assert index_size == 9 * 1_000_000
    assert _status(meta) == "completed"
    assert "keeping the streamed output" in (meta / "log" / "runner").read_text()


def test_a_batch_runs_as_jobs(ray_project, gage_env, tmp_path):
    go_a, go_b = tmp_path / "a", tmp_path / "b"
    go_a.touch()
    go_b.touch()
    proc = gage(gage_env, "run", "wait", f"go_file=[{go_a},{go_b}]", "--executor", "ray",
                "--max-parallel", "2", "-y", cwd=ray_project)
    assert "2 of 2 runs completed" in proc.stdout + proc.stderr
    metas = sorted((tmp_path / "runs").glob("*.meta"))
    assert len(metas) == 2
    for meta in metas:
        assert json.loads((meta / "proc" / "executor.json").read_text())["submitted"]
        assert _status(meta) == "completed"
        assert _lines(meta) == [(STDOUT, b"ready\n"), (STDOUT, b"done\n")]
