"""Fault injection on real runs: killed runner, killed child, killed UI,
a full disk while writing output, many runs at once.

What must hold every time: the output written so far is intact (every
line indexed, nothing torn in the middle), the status tells the truth
(never ``running`` for a dead run), and no traceback reaches the user.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gage_core.process.launch import runner_args, start_detached
from gage_core.process.output import INDEX_RECORD, OutputReader
from gage_core.store.store import RunStore
from helpers.real_runs import (
    PY,
    REPO,
    env_with_repo,
    lock_pids,
    make_run,
    meta_of,
    new_project,
    status,
    wait_exit,
    wait_for,
    wait_gone,
)

COUNTER = """\
import sys, time
n = int(sys.argv[1])
delay = float(sys.argv[2])
for i in range(n):
    print(f"line {i}", flush=True)
    if delay:
        time.sleep(delay)
"""


@pytest.fixture
def project(tmp_path):
    return new_project(tmp_path)


def _output(run_dir: Path, name: str = "40_run") -> OutputReader:
    reader = OutputReader(meta_of(run_dir) / "output" / name)
    reader.refresh(final=True)
    return reader


def _lines(run_dir: Path) -> list[bytes]:
    reader = _output(run_dir)
    try:
        return list(reader.lines(0, len(reader)))
    finally:
        reader.close()


def _index_records(run_dir: Path) -> int:
    size = (meta_of(run_dir) / "output" / "40_run.index").stat().st_size
    assert size % INDEX_RECORD.size == 0, "torn index record"
    return size // INDEX_RECORD.size


def _assert_counter_prefix(lines: list[bytes]) -> None:
    """Lines are exactly ``line 0`` .. ``line k-1``: nothing torn or lost in
    the middle. A killed child may have written its last line in two pieces
    (unbuffered ``print`` writes the text, then the newline), so the last
    line may be a prefix of the next one without its newline: the runner
    keeps what the program wrote, nothing more, nothing less."""
    *complete, last = lines or [b"line 0\n"]
    assert complete == [b"line %d\n" % i for i in range(len(complete))]
    expected = b"line %d\n" % len(complete)
    assert last == expected or (not last.endswith(b"\n") and expected.startswith(last))


def _wait_lines(run_dir: Path, n: int) -> None:
    path = meta_of(run_dir) / "output" / "40_run"

    def enough():
        try:
            return path.read_bytes().count(b"\n") >= n
        except OSError:
            return False

    wait_for(enough, 30, f"{n} output lines")


def test_runner_sigkill_mid_output_keeps_output_and_reads_terminated(project):
    run_dir = make_run(project, [PY, "counter.py", "100000", "0.001"], {"counter.py": COUNTER})
    start_detached(run_dir)
    pids = lock_pids(run_dir)
    _wait_lines(run_dir, 50)
    os.kill(pids["runner"], signal.SIGKILL)
    assert wait_gone(pids["runner"]) and wait_gone(pids["child"]), "child outlived its runner"
    assert status(run_dir) == "terminated"
    lines = _lines(run_dir)
    assert len(lines) >= 50
    _assert_counter_prefix(lines)
    # The index is written before each block: it may lead, never lag.
    assert _index_records(run_dir) >= len(lines)
    # Listing and the CLI agree and do not crash.
    run = RunStore(project.runs_dir).list_runs()[0]
    assert run.status == "terminated" and run.meta_error is None
    # gage stop records the end (and gives back the killed runner's reserve).
    from gage_core.process.stop import stop_run

    assert stop_run(run_dir, grace=1) == -15
    assert not (meta_of(run_dir) / "proc" / ".reserve").exists()
    assert status(run_dir) == "terminated"
    assert os.stat(run_dir / "counter.py").st_mode & 0o222 == 0  # finished: read-only


def test_child_sigkill_is_recorded_by_the_runner(project):
    run_dir = make_run(project, [PY, "counter.py", "100000", "0.001"], {"counter.py": COUNTER})
    start_detached(run_dir)
    pids = lock_pids(run_dir)
    _wait_lines(run_dir, 20)
    os.kill(pids["child"], signal.SIGKILL)
    assert wait_exit(run_dir) == -signal.SIGKILL
    assert wait_gone(pids["runner"])
    meta = meta_of(run_dir)
    assert not (meta / "proc" / "lock").exists()
    assert (meta / "stopped").exists() and (meta / "summary.json").exists()
    assert status(run_dir) == "terminated"
    lines = _lines(run_dir)
    _assert_counter_prefix(lines)
    assert _index_records(run_dir) == len(lines)
    # Finished run: files read-only.
    assert os.stat(run_dir / "counter.py").st_mode & 0o222 == 0


UI_SCRIPT = """\
import sys, time
from pathlib import Path
from gage_core.gagefile.model import OpDef
from gage_core.process.launch import launch_detached
from gage_core.project import Project

project = Project(dir=Path(sys.argv[1]), gagefile=None, runs_dir=Path(sys.argv[2]))
opdef = OpDef(name="train", exec={"run": [sys.executable, "counter.py", "3000", "0.0005"]})
run_id = launch_detached(project, opdef, {}, label="from the ui")
print(run_id, flush=True)
time.sleep(120)
"""


def test_ui_killed_mid_run_output_complete_and_status_correct(project):
    """A UI process launches a detached run, then is SIGKILLed with its
    whole process group (as a closed terminal would): the run carries on,
    its output is complete and its status is right."""
    (project.dir / "counter.py").write_text(COUNTER)
    ui = subprocess.Popen(
        [PY, "-c", UI_SCRIPT, str(project.dir), str(project.runs_dir)],
        stdout=subprocess.PIPE,
        cwd=REPO,
        env=env_with_repo(),
        start_new_session=True,
    )
    try:
        run_id = ui.stdout.readline().decode().strip()
        assert len(run_id) == 36, run_id
        run_dir = Path(project.runs_dir) / run_id
        pids = lock_pids(run_dir)
        _wait_lines(run_dir, 10)
        os.killpg(ui.pid, signal.SIGKILL)
        ui.wait(timeout=10)
    finally:
        if ui.poll() is None:
            ui.kill()
            ui.wait()
        ui.stdout.close()
    assert wait_exit(run_dir, timeout=120) == 0
    assert wait_gone(pids["runner"])
    lines = _lines(run_dir)
    assert len(lines) == 3000
    _assert_counter_prefix(lines)
    assert _index_records(run_dir) == 3000
    run = RunStore(project.runs_dir).get(run_id)
    assert run.status == "completed" and run.label == "from the ui"


# -- disk full ------------------------------------------------------------

FLOOD = """\
import sys
line = "x" * 200 + "\\n"
for i in range(40000):
    sys.stdout.write(f"{i:08d} " + line)
print("the end")
"""


def _try_tmpfs(mnt: Path, size: str) -> bool:
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return False
    mnt.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                         capture_output=True)
    return res.returncode == 0


def _assert_clean_disk_error(run_dir: Path, runner_stderr: bytes) -> None:
    meta = meta_of(run_dir)
    assert int((meta / "proc" / "exit").read_text()) > 0
    assert status(run_dir) == "error"
    log = (meta / "log" / "runner").read_text()
    assert "Traceback" not in log
    assert "cannot write output" in log.lower(), log
    assert b"Traceback" not in runner_stderr, runner_stderr.decode(errors="replace")
    assert not (meta / "proc" / "lock").exists()
    # What was written is consistent: every complete line indexed.
    lines = _lines(run_dir)
    assert lines, "nothing captured before the disk filled"
    assert _index_records(run_dir) >= len(lines)


def _run_runner(run_dir: Path, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        runner_args(run_dir), cwd=REPO, env=env_with_repo(), capture_output=True,
        preexec_fn=preexec, timeout=120,
    )


@pytest.mark.slow
def test_disk_full_on_a_small_tmpfs(tmp_path):
    mnt = tmp_path / "small"
    if not _try_tmpfs(mnt, "1m"):
        pytest.skip("cannot mount a tmpfs here (not root)")
    try:
        project = new_project(tmp_path, runs_dir=mnt / "runs")
        run_dir = make_run(project, [PY, "flood.py"], {"flood.py": FLOOD})
        res = _run_runner(run_dir)
        assert res.returncode == 0
        _assert_clean_disk_error(run_dir, res.stderr)
        # The store still lists and shows it.
        runs = RunStore(project.runs_dir).list_runs()
        assert [r.status for r in runs] == ["error"]
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_output_write_failure_file_size_limit(project):
    """Simulated disk full: RLIMIT_FSIZE on the runner makes every write
    past 256 KiB fail (EFBIG) while small meta files still fit."""
    run_dir = make_run(project, [PY, "flood.py"], {"flood.py": FLOOD})
    limit = 256 * 1024

    def preexec():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    res = _run_runner(run_dir, preexec)
    assert res.returncode == 0
    _assert_clean_disk_error(run_dir, res.stderr)
    size = (meta_of(run_dir) / "output" / "40_run").stat().st_size
    assert size <= limit


# -- many runs ---------------------------------------------------------------


@pytest.mark.slow
def test_fifty_runs_started_at_once(project):
    expected = {}
    for i in range(50):
        code = (0, 0, 3, -15)[i % 4]
        cmd = f"echo run {i}; sleep 0.{i % 7}; " + ("kill -TERM $$" if code < 0 else f"exit {code}")
        expected[make_run(project, cmd)] = code
    for run_dir in expected:
        start_detached(run_dir)
    for run_dir, code in expected.items():
        got = wait_exit(run_dir, timeout=240)
        # A shell killed by SIGTERM: the runner records -15.
        assert got == code, (run_dir.name, got, code)
    runs = {r.id: r for r in RunStore(project.runs_dir).list_runs()}
    assert len(runs) == 50
    want = {0: "completed", 3: "error", -15: "terminated"}
    for run_dir, code in expected.items():
        run = runs[run_dir.name]
        assert run.status == want[code], run
        i = int(_lines(run_dir)[0].split()[1])
        assert _lines(run_dir)[0] == b"run %d\n" % i
        # The runner removes its lock right after writing the exit code; a
        # loaded machine may hold it between the two, not forever.
        lock = meta_of(run_dir) / "proc" / "lock"
        wait_for(lambda lock=lock: not lock.exists(), 30, f"the lock of {run_dir.name} to go")
    assert len({r.name for r in runs.values()}) == 50


CREATOR = """\
import sys
from pathlib import Path
from gage_core.gagefile.model import OpDef
from gage_core.process.launch import run_foreground
from gage_core.staging.lifecycle import init_run, stage_run
from gage_core.project import Project
from gage_core.store.store import RunStore

project = Project(dir=Path(sys.argv[1]), gagefile=None, runs_dir=Path(sys.argv[2]))
tag = sys.argv[3]
store = RunStore(project.runs_dir)
for i in range(int(sys.argv[4])):
    opdef = OpDef(name="op-" + tag, exec={"run": f"echo {tag} {i}"})
    run_id = init_run(project, opdef, {"i": i}, label=f"{tag}-{i}")
    stage_run(project, run_id, opdef, {"i": i})
    assert run_foreground(project.runs_dir / run_id, echo=False) == 0
    store.list_runs()  # both processes also rewrite the index
print("done", flush=True)
"""


@pytest.mark.slow
def test_two_processes_create_runs_concurrently(project):
    n = 15
    procs = [
        subprocess.Popen([PY, "-c", CREATOR, str(project.dir), str(project.runs_dir), tag, str(n)],
                         cwd=REPO, env=env_with_repo(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for tag in ("a", "b")
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode(errors="replace")
        assert out.strip() == b"done"
    for use_index in (True, False):
        runs = RunStore(project.runs_dir, use_index=use_index).list_runs()
        assert len(runs) == 2 * n
        assert len({r.id for r in runs}) == 2 * n and len({r.name for r in runs}) == 2 * n
        assert all(r.status == "completed" and r.meta_error is None for r in runs)
        labels = sorted(r.label for r in runs)
        assert labels == sorted(f"{t}-{i}" for t in "ab" for i in range(n))
        for r in runs:
            tag, i = r.label.split("-")
            assert r.op_name == f"op-{tag}" and r.config == {"i": int(i)}
            assert _lines(r.run_dir) == [f"{tag} {i}\n".encode()]


STAGE_SCRIPT = """\
import sys
from pathlib import Path
from gage_core.errors import GageError
from gage_core.gagefile.model import OpDef
from gage_core.staging.lifecycle import init_run, stage_run
from gage_core.project import Project

project = Project(dir=Path(sys.argv[1]), gagefile=None, runs_dir=Path(sys.argv[2]))
opdef = OpDef(name="op", exec={"run": "echo never"}, sourcecode=("*.txt",))
run_id = init_run(project, opdef, {})
print(run_id, flush=True)
try:
    stage_run(project, run_id, opdef, {})
except GageError as e:
    print("gage error:", e.message, flush=True)
    sys.exit(1)
"""


def _stage_on_full_disk(project, preexec=None) -> tuple[str, str]:
    (project.dir / "big.txt").write_bytes(b"0123456789abcdef\n" * 200_000)  # 3.4 MB
    res = subprocess.run([PY, "-c", STAGE_SCRIPT, str(project.dir), str(project.runs_dir)],
                         cwd=REPO, env=env_with_repo(), capture_output=True, text=True,
                         preexec_fn=preexec, timeout=120)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr, res.stderr
    run_id, message = res.stdout.splitlines()[:2]
    return run_id, message


def _assert_staging_failure_recorded(project, run_id: str, message: str) -> None:
    assert "no space" in message.lower() or "too large" in message.lower(), message
    run = RunStore(project.runs_dir).get(run_id)
    # Recorded as ended with an error, never left "pending" or "running".
    assert run.status == "error", run
    log = (Path(project.runs_dir) / f"{run_id}.meta" / "log" / "runner").read_text()
    assert "Staging failed" in log and "Traceback" not in log


@pytest.mark.slow
def test_disk_full_while_staging_on_a_small_tmpfs(tmp_path):
    mnt = tmp_path / "small"
    if not _try_tmpfs(mnt, "1m"):
        pytest.skip("cannot mount a tmpfs here (not root)")
    try:
        project = new_project(tmp_path, runs_dir=mnt / "runs")
        run_id, message = _stage_on_full_disk(project)
        _assert_staging_failure_recorded(project, run_id, message)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_write_failure_while_staging_file_size_limit(project):
    limit = 1024 * 1024

    def preexec():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run_id, message = _stage_on_full_disk(project, preexec)
    _assert_staging_failure_recorded(project, run_id, message)


UI_STAGING_SCRIPT = """\
import sys, time
from pathlib import Path
from gage_core.gagefile.model import OpDef
from gage_core.process.launch import launch_detached
from gage_core.project import Project

project = Project(dir=Path(sys.argv[1]), gagefile=None, runs_dir=Path(sys.argv[2]))
opdef = OpDef(name="train", exec={"stage-runtime": "echo installing; sleep 60", "run": "echo never"})
launch_detached(project, opdef, {})
"""


def test_ui_killed_while_staging_leaves_a_terminated_run(project):
    """The UI stages in its own process (a worker): killed during a stage
    hook, the hook's process group ends too and the run reads
    ``terminated``, never ``running`` or ``pending``."""
    ui = subprocess.Popen([PY, "-c", UI_STAGING_SCRIPT, str(project.dir), str(project.runs_dir)],
                          cwd=REPO, env=env_with_repo(), start_new_session=True)
    try:
        runs_dir = Path(project.runs_dir)
        meta = wait_for(lambda: next(iter(runs_dir.glob("*.meta")), None), 30, "a run")
        run_dir = runs_dir / meta.name[: -len(".meta")]
        pids = lock_pids(run_dir)
        wait_for(lambda: (meta / "output" / "20_runtime").exists()
                 and (meta / "output" / "20_runtime").read_bytes(), 30, "hook output")
        os.killpg(ui.pid, signal.SIGKILL)
        ui.wait(timeout=10)
    finally:
        if ui.poll() is None:
            ui.kill()
            ui.wait()
    assert wait_gone(pids["child"]), "the stage hook outlived the UI"
    run = RunStore(project.runs_dir).get(run_dir.name)
    assert run.status == "terminated", run
    assert (meta / "output" / "20_runtime").read_bytes() == b"installing\n"
