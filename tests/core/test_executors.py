"""The executor protocol without Ray: the proxy runner against a fake
executor and against a stub of the Jobs REST API whose jobs run the
cluster-side entry point as local processes; status mapping, executor
choice, shipping limits and the local executor."""

from __future__ import annotations

import json
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gage_core.gagefile.model import OpDef
from gage_core.process import metafiles as mf
from gage_core.process.executors.base import (
    ExecutorError,
    ExecutorHandle,
    JobState,
    choose_executor,
    normalize_address,
    read_handle,
    write_handle,
)
from gage_core.process.executors.local import LocalExecutor
from gage_core.process.executors.proxy import LogFilter, ProxyRunner
from gage_core.process.executors.ray import WORKING_DIR_LIMIT, RayExecutor, check_shippable
from gage_core.process.executors.remote import BEGIN, END
from gage_core.process.output import STDERR, STDOUT, OutputReader
from gage_core.project import Project
from gage_core.staging.lifecycle import init_run, stage_run
from gage_core.store.meta import MetaReader
from gage_core.store.status import derive_status
from helpers.jobs_stub import NODE_ID, PREAMBLE, JobsStub
from helpers.real_runs import new_project

PY = sys.executable


@pytest.fixture
def project(tmp_path) -> Project:
    return new_project(tmp_path)


@pytest.fixture
def stub():
    s = JobsStub()
    yield s
    s.close()


def staged_run(project: Project, script: str) -> Path:
    (project.dir / "op.py").write_text(textwrap.dedent(script))
    opdef = OpDef(name="op", exec={"run": [PY, "op.py"]})
    run_id = init_run(project, opdef, {})
    stage_run(project, run_id, opdef, {})
    return project.runs_dir / run_id


def meta_of(run_dir: Path) -> Path:
    return run_dir.with_name(run_dir.name + ".meta")


def status(run_dir: Path) -> str:
    with MetaReader(meta_of(run_dir)) as meta:
        return derive_status(meta).status


def lines(run_dir: Path) -> list[tuple[int, bytes]]:
    reader = OutputReader(meta_of(run_dir) / "output" / "40_run")
    reader.refresh(final=True)
    return [(line.stream, line.data) for line in reader.read()]


def remote_handle(run_dir: Path, address: str, store: str, submitted: bool = True) -> ExecutorHandle:
    handle = ExecutorHandle("ray", run_dir.name, address=address, store=store, python=PY, submitted=submitted)
    write_handle(meta_of(run_dir), handle)
    return handle


SPLIT = """
import sys
print("out 1", flush=True)
print("err 1", file=sys.stderr, flush=True)
print("loss: 0.5", flush=True)
open("made.txt", "w").write("made")
"""


# -- the proxy with a stubbed Jobs API -----------------------------------------


def test_proxy_streams_then_installs_the_jobs_exact_copy(project, stub, tmp_path):
    run_dir = staged_run(project, SPLIT)
    store = (tmp_path / "store").as_uri()
    remote_handle(run_dir, stub.address, store)
    job = stub.start_job(run_dir, store, tmp_path / "bundle")
    ProxyRunner(run_dir, 5.0, install_signals=False).run()
    assert job.proc.wait(30) == 0
    assert status(run_dir) == "completed"
    got = lines(run_dir)
    assert [d for s, d in got if s == STDOUT] == [b"out 1\n", b"loss: 0.5\n"]
    assert [d for s, d in got if s == STDERR] == [b"err 1\n"]
    assert (run_dir / "made.txt").read_text() == "made"
    assert oct((run_dir / "made.txt").stat().st_mode & 0o777) == oct(0o444)
    meta = meta_of(run_dir)
    assert json.loads((meta / "summary.json").read_text())["metrics"]["loss"] == 0.5
    assert not (meta / "proc" / "lock").exists()
    handle = read_handle(meta)
    assert handle.node_id == NODE_ID and handle.submitted
    log = (meta / "log" / "runner").read_text()
    assert "job: " in log and "Fetched the run's files" in log
    # Ray's own lines never reach the run's output.
    assert PREAMBLE.splitlines()[0] not in (meta / "output" / "40_run").read_bytes()


def test_stop_request_stops_the_job_and_reads_terminated(project, stub, tmp_path):
    run_dir = staged_run(project, """
        import time
        print("looping", flush=True)
        while True:
            time.sleep(0.05)
    """)
    store = (tmp_path / "store").as_uri()
    remote_handle(run_dir, stub.address, store)
    job = stub.start_job(run_dir, store, tmp_path / "bundle")
    proxy = ProxyRunner(run_dir, 5.0, install_signals=False)
    thread = threading.Thread(target=proxy.run)
    thread.start()
    out = meta_of(run_dir) / "output" / "40_run"
    deadline = time.monotonic() + 60
    while not (out.exists() and b"looping" in out.read_bytes()):
        assert time.monotonic() < deadline, "the job's first line never arrived"
        time.sleep(0.05)
    proxy.request_stop(signal.SIGTERM)
    thread.join(60)
    assert not thread.is_alive()
    assert stub.stop_requests == [run_dir.name]
    assert status(run_dir) == "terminated"
    assert mf.read_exit(meta_of(run_dir)) == -signal.SIGTERM
    assert job.proc.wait(30) is not None  # the job ended too


def test_job_unknown_to_the_cluster_reads_terminated_with_the_reason(project, stub, tmp_path):
    run_dir = staged_run(project, "print('never runs')")
    remote_handle(run_dir, stub.address, (tmp_path / "store").as_uri())
    ProxyRunner(run_dir, 5.0, install_signals=False).run()
    assert status(run_dir) == "terminated"
    assert "Job lost" in (meta_of(run_dir) / "log" / "runner").read_text()


def test_a_job_that_left_no_copy_keeps_its_streamed_output_and_exit(project, stub, tmp_path):
    run_dir = staged_run(project, """
        import sys
        print("partial", flush=True)
        sys.exit(3)
    """)
    blocked = tmp_path / "store"
    blocked.write_text("a file where the store should be")
    remote_handle(run_dir, stub.address, blocked.as_uri())
    stub.start_job(run_dir, blocked.as_uri(), tmp_path / "bundle")
    ProxyRunner(run_dir, 5.0, install_signals=False).run()
    assert status(run_dir) == "error"
    assert mf.read_exit(meta_of(run_dir)) == 3
    assert lines(run_dir) == [(STDOUT, b"partial\n")]
    assert "keeping the streamed output" in (meta_of(run_dir) / "log" / "runner").read_text()


def test_a_broken_log_stream_is_reopened_without_loss(project, stub, tmp_path):
    run_dir = staged_run(project, """
        import pathlib, time
        for i in range(2000):
            print(f"line {i}", flush=True)
    """)
    # No store: the streamed copy is what stays, so it must be complete.
    blocked = tmp_path / "store"
    blocked.write_text("not a directory")
    remote_handle(run_dir, stub.address, blocked.as_uri())
    stub.break_stream_after = len(PREAMBLE) + 5000
    stub.start_job(run_dir, blocked.as_uri(), tmp_path / "bundle")
    ProxyRunner(run_dir, 5.0, install_signals=False).run()
    assert stub.streams_opened >= 2
    assert (meta_of(run_dir) / "output" / "40_run").read_bytes() == b"".join(
        f"line {i}\n".encode() for i in range(2000)
    )
    assert status(run_dir) == "completed"


def test_ray_executor_poll_maps_states(stub, tmp_path):
    executor = RayExecutor(stub.address)
    handle = ExecutorHandle("ray", "missing", address=stub.address)
    assert executor.poll(handle).phase == "lost"
    with pytest.raises(ExecutorError, match="cannot reach"):
        RayExecutor("http://127.0.0.1:9").poll(handle)


# -- the proxy with a fake executor --------------------------------------------


class FakeExecutor:
    """Scripted job: its log, states and a copy to hand back."""

    name = "fake"

    def __init__(self, log: bytes, states: list[JobState], copy: tuple[Path, Path] | None = None):
        self.log = log
        self.states = list(states)
        self.copy = copy
        self.submitted: list[str] = []
        self.stopped: list[str] = []

    def submit(self, run_dir, handle, grace):
        self.submitted.append(handle.submission_id)
        return handle.with_changes(submitted=True)

    def poll(self, handle):
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def tail(self, handle):
        log = self.log

        class _Stream:
            error = None

            def __iter__(self):
                for i in range(0, len(log), 7):  # small, uneven chunks
                    yield log[i:i + 7]

            def close(self):
                pass

        return _Stream()

    def stop(self, handle, grace):
        self.stopped.append(handle.submission_id)

    def fetch(self, handle, dest):
        return self.copy


def _job_log(run_id: str, body: bytes, code: int) -> bytes:
    return PREAMBLE + BEGIN + run_id.encode() + b"\n" + body + END + f"{run_id} {code}".encode() + b"\n"


def test_proxy_submits_once_then_never_again(project, tmp_path):
    run_dir = staged_run(project, "print('x')")
    remote_handle(run_dir, "http://127.0.0.1:1", (tmp_path / "s").as_uri(), submitted=False)
    fake = FakeExecutor(_job_log(run_dir.name, b"a\nb\n", 0), [JobState("succeeded", 0)])
    ProxyRunner(run_dir, 5.0, executor=fake, install_signals=False).run()
    assert fake.submitted == [run_dir.name]
    assert read_handle(meta_of(run_dir)).submitted
    assert lines(run_dir) == [(STDOUT, b"a\n"), (STDOUT, b"b\n")]
    assert status(run_dir) == "completed"
    # A second proxy for an ended run refuses to start.
    assert ProxyRunner(run_dir, 5.0, executor=fake, install_signals=False).run() == 2
    assert fake.submitted == [run_dir.name]


def test_stop_before_submit_never_submits(project, tmp_path):
    run_dir = staged_run(project, "print('x')")
    remote_handle(run_dir, "http://127.0.0.1:1", (tmp_path / "s").as_uri(), submitted=False)
    fake = FakeExecutor(b"", [JobState("pending")])
    proxy = ProxyRunner(run_dir, 5.0, executor=fake, install_signals=False)
    proxy.request_stop()
    proxy.run()
    assert fake.submitted == []
    assert status(run_dir) == "terminated"


def test_exit_from_the_end_line_when_there_is_no_copy(project, tmp_path):
    run_dir = staged_run(project, "print('x')")
    remote_handle(run_dir, "http://127.0.0.1:1", (tmp_path / "s").as_uri())
    fake = FakeExecutor(_job_log(run_dir.name, b"metric: 1\n", 3), [JobState("running")])
    ProxyRunner(run_dir, 5.0, executor=fake, install_signals=False).run()
    assert mf.read_exit(meta_of(run_dir)) == 3
    assert status(run_dir) == "error"


@settings(max_examples=60, deadline=None)
@given(
    body=st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"") + b"\n"), max_size=20),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
)
def test_log_filter_ignores_chunking(body, cuts):
    run_id = "0123"
    data = _job_log(run_id, b"".join(body), 7)
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    filt = LogFilter(run_id)
    out = b"".join(filt.feed(data[a:b]) for a, b in zip(points, points[1:]))
    assert out == b"".join(body)
    assert filt.ended and filt.end_code == 7


def test_log_filter_needs_markers_at_line_start():
    filt = LogFilter("r1")
    text = b"echo " + BEGIN + b"r1\n" + BEGIN + b"r1\nreal\nsay " + END + b"r1 0\n" + END + b"r1 0\n"
    assert filt.feed(text) == b"real\nsay " + END + b"r1 0\n"
    assert filt.end_code == 0


# -- status, choice, shipping ----------------------------------------------------


def test_dead_proxy_reads_detached_and_dead_runner_terminated(project, tmp_path):
    local = staged_run(project, "print('x')")
    remote = staged_run(project, "print('y')")
    remote_handle(remote, "http://127.0.0.1:1", (tmp_path / "s").as_uri())
    for run_dir in (local, remote):
        # A PID that cannot be alive.
        (meta_of(run_dir) / "proc" / "lock").write_text("runner 999999999 1.0\n")
    assert status(local) == "terminated"
    assert status(remote) == "detached"
    from gage_core.store.store import RunStore

    runs = {r.id: r for r in RunStore(project.runs_dir).list_runs()}
    assert runs[remote.name].executor == "ray" and runs[remote.name].where == "ray at http://127.0.0.1:1"
    assert runs[local.name].executor == "local"


def test_executor_choice_order():
    env = {"GAGE_EXECUTOR": "ray", "RAY_ADDRESS": "127.0.0.1:8265"}
    assert choose_executor(None, None, env) == ("ray", "http://127.0.0.1:8265")
    assert choose_executor("local", None, env) == ("local", None)
    assert choose_executor(None, "http://h:1", env) == ("ray", "http://h:1")
    assert choose_executor(None, None, {}, "ray", "http://p:2") == ("ray", "http://p:2")
    assert choose_executor(None, None, {"RAY_ADDRESS": "http://e:3"}, "ray", "http://p:2")[1] == "http://e:3"
    assert choose_executor(None, None, {}) == ("local", None)
    with pytest.raises(ExecutorError, match="unknown executor 'slurm'"):
        choose_executor(None, None, {"GAGE_EXECUTOR": "slurm"})
    with pytest.raises(ExecutorError, match="RAY_ADDRESS"):
        choose_executor("ray", None, {})
    with pytest.raises(ExecutorError, match="--ray-address needs"):
        choose_executor(None, "http://h:1", {})


@given(st.text(max_size=40))
def test_any_address_is_a_url_or_a_clear_error(text):
    try:
        url = normalize_address(text)
    except ExecutorError as e:
        assert "address" in e.message or "port" in e.message
    else:
        assert url.startswith(("http://", "https://"))


def test_handle_file_errors_are_clear(tmp_path):
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "executor.json").write_text("{not json")
    with pytest.raises(ExecutorError, match="invalid JSON"):
        read_handle(tmp_path)
    (tmp_path / "proc" / "executor.json").write_text('{"executor": "slurm", "submission_id": "x"}')
    with pytest.raises(ExecutorError, match="no known executor"):
        read_handle(tmp_path)
    (tmp_path / "proc" / "executor.json").write_text('{"executor": "ray", "submission_id": "x", "store": 5}')
    with pytest.raises(ExecutorError, match="'store' must be a string"):
        read_handle(tmp_path)


def test_a_run_over_rays_limit_is_refused_and_stays_staged(project, gage_cli, tmp_path, monkeypatch):
    (project.dir / "gage.toml").write_text('"$runs-dir" = "runs"\n[op]\nexec = "python3 op.py"\nsourcecode = ["op.py", "big.bin"]\n')
    (project.dir / "op.py").write_text("print(1)\n")
    with open(project.dir / "big.bin", "wb") as f:
        f.truncate(WORKING_DIR_LIMIT + 1)  # sparse: no disk used
    monkeypatch.setenv("RAY_ADDRESS", "http://127.0.0.1:9")
    code, _out, err = gage_cli("run", "op", "--executor", "ray", "-y", cwd=project.dir)
    assert code != 0
    assert "Ray ships at most 100 MiB" in err and "Traceback" not in err
    metas = list((project.dir / "runs").glob("*.meta"))
    assert len(metas) == 1 and status(metas[0].with_name(metas[0].name[:-5])) == "staged"
    with pytest.raises(ExecutorError, match="100 MiB"):
        check_shippable(metas[0].with_name(metas[0].name[:-5]))


def test_bad_executor_options_are_clear(project, gage_cli, monkeypatch):
    (project.dir / "gage.toml").write_text('"$executor" = "ray"\n[op]\nexec = "python3 -c pass"\n')
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    code, _out, err = gage_cli("run", "op", "-y", cwd=project.dir)
    assert code != 0 and "RAY_ADDRESS" in err and "Traceback" not in err
    code, _out, err = gage_cli("run", "op", "--executor", "local", "--ray-store", "s3://x", "-y", cwd=project.dir)
    assert code != 0 and "--ray-store needs --executor ray" in err
    (project.dir / "gage.toml").write_text('"$executor" = "rai"\n[op]\nexec = "python3 -c pass"\n')
    code, _out, err = gage_cli("check", cwd=project.dir)
    assert "gage.toml:1:" in err + _out


# -- the local executor ------------------------------------------------------------


def test_local_executor_speaks_the_protocol(project):
    run_dir = staged_run(project, """
        print("one", flush=True)
        print("two", flush=True)
    """)
    executor = LocalExecutor(project.runs_dir)
    handle = ExecutorHandle("local", run_dir.name)
    assert executor.poll(handle).phase == "pending"
    handle = executor.submit(run_dir, handle, 5.0)
    assert handle.submitted
    deadline = time.monotonic() + 60
    while not executor.poll(handle).terminal:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    state = executor.poll(handle)
    assert (state.phase, state.exit_code) == ("succeeded", 0)
    stream = executor.tail(handle)
    got = b""
    for chunk in stream:
        got += chunk
        if not chunk:
            break
    stream.close()
    assert got == b"one\ntwo\n"
    assert executor.fetch(handle, project.runs_dir) is None
    assert not (meta_of(run_dir) / "proc" / "executor.json").exists()
