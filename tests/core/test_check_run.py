"""gage_core.store.integrity with real runs (lifecycle + runner processes), and the
staging bits it relies on: linked dependency dirs in the manifest, the
max-matches log line, the copy progress callback."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gage_core.gagefile.model import Dependency, OpDef
from gage_core.process.files import read_manifest
from gage_core.process.launch import run_foreground
from gage_core.project import Project
from gage_core.staging.lifecycle import RunFailed, init_run, stage_run
from gage_core.store.integrity import check_run
from gage_core.store.store import RunStore
from helpers.real_runs import wait_for


@pytest.fixture
def project(tmp_path) -> Project:
    d = tmp_path / "proj"
    d.mkdir()
    (d / "train.py").write_text("print('loss: 0.5')\n")
    (d / "util.py").write_text("X = 1\n")
    return Project(dir=d, gagefile=None, runs_dir=d / ".gage" / "runs")


def _stage(project: Project, run="python -u train.py", progress=None, **op):
    exec_ = op.pop("exec", {"run": run})
    opdef = OpDef(name=op.pop("name", "train"), exec=exec_, **op)
    run_id = init_run(project, opdef, {})
    stage_run(project, run_id, opdef, {}, progress=progress)
    return project.runs_dir / run_id


def _finish(project: Project, **op) -> Path:
    run_dir = _stage(project, **op)
    assert run_foreground(run_dir, echo=False) == 0
    return run_dir


def _check(run_dir: Path):
    return check_run(RunStore(run_dir.parent).get(run_dir.name))


def _problems(result) -> list[tuple[str, str]]:
    return [(f.topic, f.message) for f in result.problems]


def test_good_finished_run(project):
    result = _check(_finish(project))
    assert result.kind == "finished" and result.status == "completed"
    assert result.verdict == "ok", _problems(result)
    topics = {f.topic for f in result.findings if f.level == "ok"}
    assert {"meta", "lock", "read-only", "manifest"} <= topics
    assert result.to_json()["verdict"] == "ok"


def test_tampered_run(project):
    run_dir = _finish(project)
    target = run_dir / "train.py"
    os.chmod(target, stat.S_IMODE(target.stat().st_mode) | stat.S_IWUSR)
    target.write_text("print('loss: 0.0')\n")
    result = _check(run_dir)
    assert result.verdict == "problems"
    by_topic = {f.topic: f for f in result.problems}
    assert by_topic["manifest"].paths == ("train.py",)
    assert "changed after the run finished" in by_topic["manifest"].message
    assert by_topic["read-only"].paths == ("train.py",)
    # Read-only again: only the content change is left.
    os.chmod(target, 0o444)
    assert [f.topic for f in _check(run_dir).problems] == ["manifest"]


def test_added_and_removed_files(project):
    run_dir = _finish(project)
    os.chmod(run_dir, 0o755)
    (run_dir / "extra.txt").write_text("x")
    os.chmod(run_dir / "extra.txt", 0o444)
    (run_dir / "util.py").unlink()
    msgs = " | ".join(m for _t, m in _problems(_check(run_dir)))
    assert "not in the manifest" in msgs and "extra.txt" in msgs
    assert "missing" in msgs and "util.py" in msgs


def test_incomplete_run(project):
    run_dir = _finish(project)
    meta = Path(f"{run_dir}.meta")
    (meta / "summary.json").unlink()
    (meta / "started").unlink()
    result = _check(run_dir)
    [finding] = [f for f in result.problems if f.topic == "meta"]
    assert finding.paths == ("started", "summary.json")
    assert "missing meta file(s): started, summary.json" in finding.message


def test_corrupt_meta_and_stale_lock(project):
    run_dir = _finish(project)
    meta = Path(f"{run_dir}.meta")
    (meta / "stopped").write_text("soon")
    (meta / "proc" / "lock").write_text("runner 999999999 1.0\n")
    problems = _problems(_check(run_dir))
    assert ("lock", "stale proc/lock left behind after the run ended") in problems
    assert any(t == "meta" and "stopped is not an integer" in m for t, m in problems)


def test_runner_died_without_exit(project):
    run_dir = _stage(project)
    meta = Path(f"{run_dir}.meta")
    (meta / "proc").mkdir(exist_ok=True)
    (meta / "proc" / "lock").write_text("runner 999999999 1.0\n")
    result = _check(run_dir)
    assert result.kind == "finished" and result.status == "terminated"
    assert any(t == "lock" and "no proc/exit" in m for t, m in _problems(result))


def test_modified_during_run_is_a_note(project):
    (project.dir / "train.py").write_text(
        "with open('util.py', 'a') as f:\n    f.write('Y = 2\\n')\nprint('done')\n"
    )
    run_dir = _finish(project)
    result = _check(run_dir)
    assert result.verdict == "ok", _problems(result)
    [note] = [f for f in result.findings if f.level == "note"]
    assert note.topic == "manifest" and note.paths == ("util.py",)
    assert "modified during the run" in note.message


def test_staged_run(project):
    run_dir = _stage(project)
    result = _check(run_dir)
    assert result.kind == "staged" and result.status == "staged"
    assert result.verdict == "ok", _problems(result)
    (run_dir / "util.py").write_text("X = 2\n")
    problems = _problems(_check(run_dir))
    assert len(problems) == 1 and "changed after staging" in problems[0][1]


def test_staging_failure_is_not_incomplete(project):
    with pytest.raises(RunFailed):
        _stage(project, exec={"run": "true", "stage-sourcecode": "exit 3"})
    [run] = RunStore(project.runs_dir).list_runs()
    result = check_run(run)
    assert result.status == "error" and result.verdict == "ok", _problems(result)
    assert any(f.level == "note" and "during staging" in f.message for f in result.findings)


def test_linked_dependency_dir(project):
    data = project.dir / "data"
    data.mkdir()
    (data / "a.csv").write_text("1\n")
    dep = Dependency("project-files", files=("data",), link=True)
    run_dir = _finish(project, depends=(dep,))
    assert (run_dir / "data").is_symlink()
    manifest = read_manifest(Path(f"{run_dir}.meta"))
    assert manifest["data"][0] == "d"
    assert "data/a.csv" not in manifest  # the link is not followed
    result = _check(run_dir)
    assert result.verdict == "ok", _problems(result)
    assert any(f.topic == "dependencies" and f.level == "ok" for f in result.findings)
    # The link's target vanishes: the dependency is reported.
    (data / "a.csv").unlink()
    data.rmdir()
    problems = _problems(_check(run_dir))
    assert any(t == "dependencies" and "point to nothing" in m for t, m in problems)


def test_missing_dependency_file(project):
    (project.dir / "labels.csv").write_text("l\n")
    run_dir = _stage(project, depends=(Dependency("project-files", files=("labels.csv",)),))
    (run_dir / "labels.csv").unlink()
    problems = _problems(_check(run_dir))
    assert any(t == "dependencies" and "labels.csv" in m for t, m in problems)


def test_truncated_rules_logged(project):
    for i in range(5):
        (project.dir / f"f{i}.txt").write_text(str(i))
    run_dir = _stage(project, sourcecode=("*.txt max-matches=2",))
    log = (Path(f"{run_dir}.meta") / "log" / "runner").read_text()
    assert "max-matches reached: 3 file(s) not copied (rules: *.txt max-matches=2)" in log
    assert sorted(p.name for p in run_dir.iterdir()) == ["f0.txt", "f1.txt"]


def test_copy_progress_callback(project):
    for i in range(250):
        (project.dir / f"m{i:03}.py").write_text(str(i))
    calls: list[tuple[int, int]] = []
    run_dir = _stage(project, progress=lambda done, total: calls.append((done, total)))
    total = 252  # m*.py, train.py, util.py
    assert calls[-1] == (total, total)
    assert all(t == total for _d, t in calls) and len(calls) < total  # throttled
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)
    assert len([p for p in run_dir.iterdir() if p.suffix == ".py"]) == total


def test_gage_012_runs(tmp_path):
    from helpers.gage012 import make_finished_run, make_stale_lock_run

    runs_dir = tmp_path / "runs"
    zipped = make_finished_run(runs_dir)
    stale = make_stale_lock_run(runs_dir)
    store = RunStore(runs_dir)
    for run_dir in (runs_dir / zipped, runs_dir / stale):
        for p in run_dir.rglob("*"):
            if p.is_file():
                os.chmod(p, 0o444)
    result = check_run(store.get(zipped))
    assert result.kind == "finished" and result.verdict == "ok", _problems(result)
    result = check_run(store.get(stale))
    assert result.status == "terminated"
    problems = _problems(result)
    assert any(t == "lock" and "no proc/exit" in m for t, m in problems)
    assert any(t == "meta" and "proc/exit" in m for t, m in problems)


def test_running_run(project):

    from gage_core.process.launch import start_detached
    from gage_core.process.stop import stop_run

    (project.dir / "train.py").write_text("import time\ntime.sleep(60)\n")
    run_dir = _stage(project)
    start_detached(run_dir)
    lock = Path(f"{run_dir}.meta") / "proc" / "lock"
    wait_for(lambda: "child" in (lock.read_text() if lock.exists() else ""), 20, "the child's lock")
    try:
        result = _check(run_dir)
        assert result.kind == "running" and result.verdict == "ok", _problems(result)
        assert any(f.level == "note" and "running" in f.message for f in result.findings)
    finally:
        stop_run(RunStore(run_dir.parent).get(run_dir.name), grace=5.0)
    result = _check(run_dir)
    assert result.kind == "finished" and result.status == "terminated"
    assert result.verdict == "ok", _problems(result)
