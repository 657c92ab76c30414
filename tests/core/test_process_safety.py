"""Processes: the right status, and never the wrong process (real
processes, real files)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gage_core.gagefile.model import OpDef
from gage_core.process.output import OutputReader
from gage_core.process.stop import stop_run
from gage_core.store.store import RunStore
from helpers.gage012 import make_stale_lock_run


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])


def _status(runs: Path, run_id: str) -> str:
    [run] = [r for r in RunStore(runs).list_runs() if r.id == run_id]
    return run.status


def test_bare_pid_lock_with_a_reused_pid_is_not_running_and_not_signalled(tmp_path):
    runs = tmp_path / "runs"
    stranger = _sleeper()
    try:
        run_id = make_stale_lock_run(runs, pid=stranger.pid)
        lock = runs / f"{run_id}.meta" / "proc" / "lock"
        # The lock was written an hour before the process holding its PID started.
        old = time.time() - 3600
        os.utime(lock, (old, old))
        assert _status(runs, run_id) == "terminated"
        stop_run(runs / run_id, grace=0.5)  # records the dead run's end
        assert stranger.poll() is None  # never signalled
        assert _status(runs, run_id) == "terminated"
    finally:
        stranger.kill()
        stranger.wait()


def test_bare_pid_lock_of_the_runs_own_process_is_running_and_stopped(tmp_path):
    runs = tmp_path / "runs"
    child = _sleeper()
    try:
        run_id = make_stale_lock_run(runs, pid=child.pid)  # written after the child started
        assert _status(runs, run_id) == "running"
        # A generous grace: SIGTERM must be what ends it, even on a loaded machine.
        assert stop_run(runs / run_id, grace=60) < 0
        assert child.wait(timeout=10) == -signal.SIGTERM
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


_LAUNCH_AND_DIE = r"""
import os, sys
from pathlib import Path
from gage_core.gagefile.model import OpDef
from gage_core.staging.lifecycle import init_run
from gage_core.project import Project
project = Project(dir=Path(sys.argv[1]), gagefile=None, runs_dir=Path(sys.argv[2]))
run_id = init_run(project, OpDef(name="op", exec={"run": "true"}), {})
print(run_id, flush=True)
os._exit(0)  # the launcher dies before staging
"""


def test_run_whose_launcher_died_before_staging_is_not_pending(tmp_path):
    runs = tmp_path / "runs"
    (tmp_path / "p").mkdir()
    out = subprocess.run([sys.executable, "-c", _LAUNCH_AND_DIE, str(tmp_path / "p"), str(runs)],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]).stdout
    run_id = out.strip()
    assert _status(runs, run_id) == "terminated"


def test_run_being_launched_reads_pending(tmp_path):
    from gage_core.project import Project
    from gage_core.staging.lifecycle import init_run

    runs = tmp_path / "runs"
    (tmp_path / "p").mkdir()
    project = Project(dir=tmp_path / "p", gagefile=None, runs_dir=runs)
    run_id = init_run(project, OpDef(name="op", exec={"run": "true"}), {})
    assert _status(runs, run_id) == "pending"  # this process is alive and launching it


def test_finishing_run_never_reads_terminated(tmp_path):
    """Status read again and again while runs finish: each read says
    running, or the final status, never terminated."""
    from gage_core.store.meta import MetaReader
    from gage_core.store.status import derive_status

    project = tmp_path / "p"
    project.mkdir()
    (project / "gage.toml").write_text('[op]\nexec = "true"\n')
    seen: set[str] = set()
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", "import sys; from gage_tui.cli.main import main; "
                                 "sys.exit(main())", "-C", str(project), "run", "op", "-y", "--background"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proc.wait()
        runs = project / ".gage" / "runs"
        run_id = RunStore(runs).list_runs()[0].id
        while True:
            meta = runs / f"{run_id}.meta"
            path = meta if meta.exists() else runs / f"{run_id}.meta.zip"
            with MetaReader(path) as reader:
                status = derive_status(reader).status
            seen.add(status)
            if status == "completed":
                break
            assert status in ("running", "staged"), status
    assert "terminated" not in seen


def test_run_finishing_between_the_status_reads_is_not_terminated(tmp_path):
    """The runner writes proc/exit and removes its lock (then exits) just
    after the status reader found no exit: the reader must not conclude
    terminated from the lock's dead PIDs, nor staged from its absence."""
    from gage_core.process import metafiles as mf
    from gage_core.store.meta import MetaReader
    from gage_core.store.status import derive_status
    from helpers.gage012 import DEAD_PID

    class RunnerFinishesNow(MetaReader):
        keep_lock = True

        def read_bytes(self, relpath):
            data = super().read_bytes(relpath)
            if relpath == "proc/lock":
                mf.write_exit(self.path, 0)  # the runner's last steps, for real
                if not self.keep_lock:
                    mf.remove_lock(self.path)
                    return None
            return data

    for keep_lock in (True, False):
        runs = tmp_path / f"runs{keep_lock}"
        run_id = make_stale_lock_run(runs, pid=DEAD_PID)
        meta = runs / f"{run_id}.meta"
        (meta / "started").write_text("1")
        reader = RunnerFinishesNow(meta)
        reader.keep_lock = keep_lock
        with reader:
            assert derive_status(reader).status == "completed"


def test_writer_memory_is_bounded_and_index_exact(tmp_path):
    """A 64 MB line and 64 MB of carriage-return progress, no newline: the
    runner stays small and the index still has one record per line."""
    program = (
        "import os\n"
        "chunk = b'x' * (1 << 20)\n"
        "for _ in range(64): os.write(1, chunk)\n"
        "os.write(1, b'\\nend\\n')\n"
        "for i in range(64): os.write(2, (b'\\r' + b'%d' % i * 1000) * 1000)\n"
    )
    (tmp_path / "big.py").write_text(program)
    from gage_core.process.runner import run_phase

    run_dir, meta = tmp_path / "run", tmp_path / "run.meta"
    run_dir.mkdir()
    meta.mkdir()
    peak = _run_and_measure(run_dir, meta, [sys.executable, str(tmp_path / "big.py")], run_phase)
    assert peak < 40 * (1 << 20), peak
    with OutputReader(meta / "output" / "40_run") as reader:
        reader.refresh(final=True)
        records = (meta / "output" / "40_run.index").stat().st_size // 9
        assert len(reader) == records == 3
        assert len(reader.lines(0, 1)[0]) == (64 << 20) + 1
        assert reader.lines(1, 2) == [b"end\n"]


def _run_and_measure(run_dir, meta, cmd, run_phase) -> int:
    """Run the phase in a thread of a fresh process and return that
    process's peak RSS growth in bytes."""
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from gage_core.process.runner import run_phase\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"run_phase(Path({str(run_dir)!r}), Path({str(meta)!r}), 'run', {cmd!r})\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[2]).stdout
    return int(out.strip().splitlines()[-1])


def test_metrics_recorded_when_the_runner_dies_during_finalize(gage_cli, tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "gage.toml").write_text(
        '[op]\nexec.run = "echo loss: 0.25"\n'
        'exec.finalize = "kill -9 $PPID; sleep 5"\n')
    code, _, err = gage_cli("run", "op", "-y", cwd=project)
    [run] = RunStore(project / ".gage" / "runs").list_runs()
    assert run.metrics.get("loss") == 0.25, (run.status, err)
