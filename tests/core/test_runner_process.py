"""The runner with real processes: capture, exit codes, kill, stop, read-only."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import time
from pathlib import Path

import psutil
import pytest

from gage_core.gagefile.model import OpDef
from gage_core.process.launch import run_foreground, start_detached
from gage_core.process.output import OutputReader
from gage_core.process.stop import stop_run
from gage_core.project import Project
from gage_core.staging.lifecycle import RunFailed, init_run, stage_run
from gage_core.store.store import RunStore
from helpers.real_runs import lock_pids, make_run, new_project, status, wait_exit, wait_gone

PY = sys.executable


@pytest.fixture
def project(tmp_path) -> Project:
    return new_project(tmp_path)


NASTY = """
import sys
out, err = sys.stdout.buffer, sys.stderr.buffer
def o(b): out.write(b); out.flush()
def e(b): err.write(b); err.flush()
o(b"plain\\n")
o(b"bad utf8 \\xff\\xfe\\xc3 end\\n")
e(b"err one\\n")
for i in range(5):
    o(b"\\rprogress %d" % i)
o(b"\\n")
o(b"x" * (10 * 1024 * 1024) + b"\\n")
for i in range(300):
    o(b"out %d\\n" % i)
    e(b"err %d\\n" % i)
    if i == 150:
        e(b"err partial")
e(b" done\\n")
o(b"no final newline")
"""


def test_nasty_output_byte_exact(project):
    run_dir = make_run(project, f"{PY} nasty.py", {"nasty.py": NASTY})
    assert run_foreground(run_dir, echo=False) == 0
    exp_out = (
        b"plain\nbad utf8 \xff\xfe\xc3 end\n"
        + b"".join(b"\rprogress %d" % i for i in range(5)) + b"\n"
        + b"x" * (10 * 1024 * 1024) + b"\n"
        + b"".join(b"out %d\n" % i for i in range(300))
        + b"no final newline"
    )
    exp_err = (
        b"err one\n"
        + b"".join(b"err %d\n" % i + (b"err partial" if i == 150 else b"") for i in range(300))
        + b" done\n"
    )
    out_path = Path(f"{run_dir}.meta") / "output" / "40_run"
    raw = out_path.read_bytes()
    assert len(raw) == len(exp_out) + len(exp_err)
    reader = OutputReader(out_path)
    reader.refresh(final=True)
    lines = reader.read()
    assert os.path.getsize(f"{out_path}.index") == 9 * len(lines)
    assert all(ln.time_ms is not None for ln in lines)
    assert b"".join(ln.data for ln in lines if ln.stream == 0) == exp_out
    assert b"".join(ln.data for ln in lines if ln.stream == 1) == exp_err
    assert b"".join(ln.data for ln in lines) == raw
    assert status(run_dir) == "completed"


def test_failing_exit_is_error_and_files_read_only(project):
    (project.dir / "tool.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(project.dir / "tool.sh", 0o755)
    run_dir = make_run(
        project,
        f"{PY} -c \"open('gen.txt', 'w').write('x'); import sys; print('loss: 0.5'); sys.exit(3)\"",
        {"tool.py": "x = 1\n"},
    )
    assert run_foreground(run_dir, echo=False) == 3
    run = RunStore(run_dir.parent).get(run_dir.name)
    assert run.status == "error" and run.exit_code == 3
    assert run.metrics == {"loss": 0.5}
    assert stat.S_IMODE((run_dir / "gen.txt").stat().st_mode) == 0o444
    assert stat.S_IMODE((run_dir / "tool.py").stat().st_mode) == 0o444
    assert stat.S_IMODE((run_dir / "tool.sh").stat().st_mode) == 0o555
    meta = Path(f"{run_dir}.meta")
    assert not (meta / "proc" / "lock").exists()
    manifest = (meta / "manifest").read_text()
    assert " gen.txt\n" in manifest and manifest.startswith(("g ", "s "))
    assert "g " in manifest and "s " in manifest


def test_env_vars_win_and_shebang_keeps_newlines(project, monkeypatch):
    monkeypatch.setenv("RUN_DIR", "/wrong")
    monkeypatch.setenv("RUN_ID", "wrong")
    cmd = "#!/bin/sh\necho \"dir=$RUN_DIR\"\necho \"id=$RUN_ID unbuf=$PYTHONUNBUFFERED\"\necho \"pd=$project_dir\""
    run_dir = make_run(project, cmd)
    assert run_foreground(run_dir, echo=False) == 0
    out = (Path(f"{run_dir}.meta") / "output" / "40_run").read_text()
    assert f"dir={run_dir}\n" in out
    assert f"id={run_dir.name} unbuf=1\n" in out
    assert f"pd={project.dir.resolve()}\n" in out


def test_sigkill_runner_and_child_reads_terminated(project):
    run_dir = make_run(project, f"{PY} -c \"import time; time.sleep(60)\"")
    start_detached(run_dir)
    pids = lock_pids(run_dir)
    assert status(run_dir) == "running"
    child = psutil.Process(pids["child"])  # pinned: its PID may be reused once it is reaped
    os.kill(pids["runner"], signal.SIGKILL)
    with contextlib.suppress(psutil.NoSuchProcess):
        child.kill()  # psutil refuses a PID that now names another process
    assert wait_gone(pids["runner"], timeout=10.0) and wait_gone(pids["child"], timeout=10.0)
    assert status(run_dir) == "terminated"


def test_runner_killed_alone_child_does_not_linger(project):
    # A shell with a background grandchild: the guard must end the group.
    run_dir = make_run(project, "sleep 60 & echo started; sleep 60; wait")
    start_detached(run_dir)
    pids = lock_pids(run_dir)
    child = psutil.Process(pids["child"])
    group = [child] + child.children(recursive=True)
    os.kill(pids["runner"], signal.SIGKILL)
    for p in group:
        assert wait_gone(p.pid, timeout=10.0), f"process {p.pid} lingers"
    # SIGKILL is delivered when the runner next runs (a stalled disk can
    # hold it for seconds): the run reads "terminated" once it is gone.
    assert wait_gone(pids["runner"], timeout=10.0)
    assert status(run_dir) == "terminated"


def test_stop_records_negative_exit(project):
    run_dir = make_run(project, f"{PY} -c \"import time; print('up', flush=True); time.sleep(60)\"")
    start_detached(run_dir)
    lock_pids(run_dir)
    assert stop_run(run_dir, grace=5) == -15
    assert status(run_dir) == "terminated"
    assert not (Path(f"{run_dir}.meta") / "proc" / "lock").exists()


def test_stop_escalates_to_sigkill(project):
    prog = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('x', flush=True); time.sleep(60)"
    run_dir = make_run(project, [PY, "-c", prog])
    start_detached(run_dir)
    lock_pids(run_dir)
    assert stop_run(run_dir, grace=0.5) < 0
    assert status(run_dir) == "terminated"


def test_stop_with_only_the_lock_left(project):
    run_dir = make_run(project, f"{PY} -c \"import time; time.sleep(60)\"")
    start_detached(run_dir)
    pids = lock_pids(run_dir)
    os.kill(pids["runner"], signal.SIGKILL)
    wait_gone(pids["child"], timeout=10.0)
    assert stop_run(run_dir, grace=1) == -15
    assert status(run_dir) == "terminated"


def test_staging_hook_failure_leaves_ended_run(project):
    opdef = OpDef(name="op", exec={"run": "echo never", "stage-runtime": "echo building; exit 4"})
    run_id = init_run(project, opdef, {})
    with pytest.raises(RunFailed) as exc:
        stage_run(project, run_id, opdef, {})
    assert exc.value.exit_code == 4
    run = RunStore(project.runs_dir).get(run_id)
    assert run.status == "error" and run.exit_code == 4
    out = Path(f"{project.runs_dir / run_id}.meta") / "output" / "20_runtime"
    assert out.read_bytes() == b"building\n"


def test_phases_and_file_types(project):
    run_dir = make_run(
        project,
        {
            "stage-sourcecode": "touch src-file",
            "stage-runtime": "touch runtime-file",
            "stage-dependencies": "touch dep-file",
            "run": "touch generated-file",
            "finalize": "touch generated-2",
        },
        sourcecode=(),
    )
    assert run_foreground(run_dir, echo=False) == 0
    meta = Path(f"{run_dir}.meta")
    types = {ln.split()[2]: ln.split()[0] for ln in (meta / "manifest").read_text().splitlines()}
    assert types == {
        "src-file": "s", "runtime-file": "r", "dep-file": "d",
        "generated-file": "g", "generated-2": "g",
    }
    assert sorted(os.listdir(meta / "output")) == sorted(
        f"{n}{s}" for n in ("10_sourcecode", "20_runtime", "30_dependencies", "40_run", "50_finalize")
        for s in ("", ".index")
    )


@pytest.mark.slow
def test_twenty_runs_at_once(project):
    runs = []
    for i in range(20):
        code = i % 4  # 0 completed, else error
        runs.append((make_run(project, f"sleep 0.{i % 5}; echo run {i}; exit {code}"), code))
    for run_dir, _ in runs:
        start_detached(run_dir)
    for run_dir, code in runs:
        assert wait_exit(run_dir, timeout=90) == code
    store = RunStore(project.runs_dir)
    for run_dir, code in runs:
        run = store.get(run_dir.name)
        assert run.status == ("completed" if code == 0 else "error"), run
        out = (Path(f"{run_dir}.meta") / "output" / "40_run").read_bytes()
        assert out.startswith(b"run ")


def test_ctrl_c_in_foreground_records_minus_two(project, tmp_path):
    import subprocess

    run_dir = make_run(project, f"{PY} -c \"import time; print('up', flush=True); time.sleep(60)\"")
    script = (
        "import sys\nfrom gage_core.process.launch import run_foreground\n"
        f"sys.exit(run_foreground({str(run_dir)!r}, echo=False) & 0xff)\n"
    )
    # Test runners may start workers with SIGINT ignored, which children
    # inherit; a person at a terminal has it at its default.
    fg = subprocess.Popen(
        [PY, "-c", script], cwd=Path(__file__).resolve().parents[2],
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lock_pids(run_dir)
    fg.send_signal(signal.SIGINT)
    fg.wait(timeout=30)
    assert wait_exit(run_dir) == -2
    assert status(run_dir) == "terminated"


def test_runner_error_still_writes_exit(project):
    run_dir = make_run(project, "echo hi")
    (Path(f"{run_dir}.meta") / "proc" / "cmd.json").write_text("{not json")
    assert run_foreground(run_dir, echo=False) == 1
    log = (Path(f"{run_dir}.meta") / "log" / "runner").read_text()
    assert "Runner error" in log
    assert status(run_dir) == "error"


def test_missing_program_exits_127(project):
    run_dir = make_run(project, ["/no/such/program", "x"])
    assert run_foreground(run_dir, echo=False) == 127
    out = (Path(f"{run_dir}.meta") / "output" / "40_run").read_bytes()
    assert b"cannot start" in out


def test_progress_meta_file(project):
    prog = (
        "import sys, time\n"
        "for i in range(11):\n"
        "    sys.stderr.write('\\r%3d%%|' % (i * 10) + '#' * i + ' ' * (10 - i) + '| %d/10 [00:00<00:00]' % i)\n"
        "    sys.stderr.flush(); time.sleep(0.03)\n"
        "sys.stderr.write('\\n')\n"
    )
    run_dir = make_run(project, f"{PY} bar.py", {"bar.py": prog}, progress={"run": "tqdm"})
    assert run_foreground(run_dir, echo=False) == 0
    import json

    data = json.loads((Path(f"{run_dir}.meta") / "progress").read_text())
    assert data == {"phase": "run", "percent": 100, "n": 10, "total": 10}


def test_background_grandchild_does_not_hold_the_run(project):
    run_dir = make_run(project, "sleep 30 & echo $! > bg.pid; echo done")
    t0 = time.monotonic()
    assert run_foreground(run_dir, echo=False) == 0
    assert time.monotonic() - t0 < 20
    bg = int((run_dir / "bg.pid").read_text())
    assert wait_gone(bg, timeout=10.0)
    assert status(run_dir) == "completed"


def test_launch_detached_and_follow_output(project):
    from gage_core.process.launch import launch_detached
    from gage_core.process.output import RunOutputFollower

    opdef = OpDef(name="op", exec={"run": "echo a; echo b >&2; sleep 0.2; echo c", "finalize": "echo f"})
    run_id = launch_detached(project, opdef, {}, label="x")
    run_dir = project.runs_dir / run_id
    seen = []
    with RunOutputFollower(f"{run_dir}.meta") as follower:
        deadline = time.monotonic() + 30
        while True:
            done = (Path(f"{run_dir}.meta") / "proc" / "exit").exists()
            seen += [(name, ln.data, ln.stream) for name, ln in follower.poll(final=done)]
            if done:
                break
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert sorted(seen) == sorted([
        ("40_run", b"a\n", 0), ("40_run", b"b\n", 1), ("40_run", b"c\n", 0), ("50_finalize", b"f\n", 0),
    ])
    assert RunStore(project.runs_dir).get(run_id).label == "x"


def test_request_stop_is_non_blocking(project):
    from gage_core.process.stop import request_stop

    run_dir = make_run(project, f"{PY} -c \"import time; time.sleep(60)\"")
    start_detached(run_dir)
    lock_pids(run_dir)
    assert request_stop(run_dir) is True
    assert wait_exit(run_dir) == -15
    assert request_stop(run_dir) is False


def test_ctrl_c_during_staging_hook_stops_it(project):
    import subprocess

    opdef_code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from gage_core.gagefile.model import OpDef\n"
        "from gage_core.project import Project\n"
        "from gage_core.staging.lifecycle import init_run, stage_run\n"
        f"p = Project(dir=Path({str(project.dir)!r}), gagefile=None, runs_dir=Path({str(project.runs_dir)!r}))\n"
        "op = OpDef(name='op', exec={'run': 'true', 'stage-runtime': 'echo building; sleep 60'}, sourcecode=())\n"
        "rid = init_run(p, op, {})\n"
        "print(rid, flush=True)\n"
        "try:\n    stage_run(p, rid, op, {})\nexcept KeyboardInterrupt:\n    sys.exit(130)\n"
        "except Exception as e:\n    print(type(e).__name__, e.exit_code, flush=True); sys.exit(3)\n"
    )
    proc = subprocess.Popen([PY, "-c", opdef_code], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    run_id = proc.stdout.readline().strip()
    run_dir = project.runs_dir / run_id
    lock_pids(run_dir)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 3 and "RunFailed 130" in out
    run = RunStore(project.runs_dir).get(run_id)
    assert run.status == "terminated" and run.exit_code == -2
    assert not (Path(f"{run_dir}.meta") / "proc" / "lock").exists()


def test_runner_in_process_puts_back_the_signal_handlers(project):
    """A runner run inside another process must not leave it, nor what it
    starts later, deaf to SIGTERM and Ctrl-C."""
    import subprocess

    from gage_core.process.runner import Runner

    stops = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    before = {sig: signal.getsignal(sig) for sig in stops}
    run_dir = make_run(project, "echo hi")
    Runner(run_dir).run()
    assert status(run_dir) == "completed"
    assert {sig: signal.getsignal(sig) for sig in stops} == before
    child = subprocess.Popen([PY, "-c", "import time; time.sleep(60)"])
    child.terminate()
    assert child.wait(timeout=30) == -signal.SIGTERM
