"""`gage check RUN`, `gage run` flags after options, and the staging
progress line (callback plumbing; no terminal timing)."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from gage_core.store.store import RunStore


def _runs(project: Path):
    return RunStore(project / ".gage" / "runs").list_runs()


@pytest.fixture
def prepared(gage_cli, example_project) -> Path:
    code, _, err = gage_cli("run", "prepare", "-y", "-q", cwd=example_project)
    assert code == 0, err
    return example_project


def test_check_good_run(gage_cli, prepared):
    [run] = _runs(prepared)
    code, out, err = gage_cli("--plain", "check", "1", cwd=prepared)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"Run {run.name} (prepare, completed) {run.id}"
    assert any(l.startswith("  ok       manifest: all ") for l in lines)
    assert lines[-1] == f"{run.name}: ok (finished run)"
    # By name prefix, by id, by run directory; concise and json.
    code, out, _ = gage_cli("check", run.name[:5], "--format", "concise", cwd=prepared)
    assert code == 0 and out == f"{run.name}: ok (finished run)\n"
    code, out, _ = gage_cli("check", str(run.run_dir), "--format", "json", cwd=prepared)
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "ok"
    assert data["runs"][0]["run"] == run.id and data["runs"][0]["kind"] == "finished"
    # A Gagefile and a project dir are still checked as before.
    code, out, _ = gage_cli("check", cwd=prepared)
    assert code == 0 and "is a valid Gage file" in out
    code, out, _ = gage_cli("check", ".", cwd=prepared)
    assert code == 0 and "is a valid Gage file" in out


def test_check_tampered_run(gage_cli, prepared):
    [run] = _runs(prepared)
    target = run.run_dir / "train.csv"
    os.chmod(target, stat.S_IMODE(target.stat().st_mode) | stat.S_IWUSR)
    with open(target, "a") as f:
        f.write("9,9,1\n")
    code, out, _ = gage_cli("check", "1", "--format", "concise", cwd=prepared)
    assert code == 1
    assert f"{run.name}: problem[manifest]: 1 file(s) changed after the run finished" in out
    assert f"{run.name}: problem[read-only]: 1 run file(s) are writable: train.csv" in out
    code, out, _ = gage_cli("check", "1", "--format", "json", cwd=prepared)
    data = json.loads(out)
    assert data["verdict"] == "problems"
    assert {f["topic"] for f in data["runs"][0]["findings"] if f["level"] == "problem"} == {
        "manifest", "read-only"}


def test_check_incomplete_run(gage_cli, prepared):
    [run] = _runs(prepared)
    (Path(f"{run.run_dir}.meta") / "summary.json").unlink()
    code, out, _ = gage_cli("--plain", "check", run.name, cwd=prepared)
    assert code == 1
    assert "  problem  meta: missing meta file(s): summary.json" in out
    assert out.splitlines()[-1] == f"{run.name}: 1 problem"


def test_check_staged_run(gage_cli, example_project):
    code, out, err = gage_cli("run", "prepare", "--stage", "-y", cwd=example_project)
    assert code == 0, err
    [run] = _runs(example_project)
    code, out, _ = gage_cli("check", "1", "--format", "concise", cwd=example_project)
    assert code == 0 and out == f"{run.name}: ok (staged run)\n"
    (run.run_dir / "prepare.py").write_text("changed\n")
    code, out, _ = gage_cli("check", "1", "--format", "concise", cwd=example_project)
    assert code == 1 and "changed after staging" in out and "prepare.py" in out


def test_check_staged_run_with_dependencies(gage_cli, prepared):
    code, _, err = gage_cli("run", "train", "--stage", "-y", cwd=prepared)
    assert code == 0, err
    code, out, _ = gage_cli("--plain", "check", "1", cwd=prepared)
    assert code == 0, out
    assert "dependencies: 2 dependency file(s) from 1 dependency(ies) present" in out
    staged = _runs(prepared)[0]
    (staged.run_dir / "train.csv").unlink()
    code, out, _ = gage_cli("check", "1", "--format", "concise", cwd=prepared)
    assert code == 1
    assert "problem[dependencies]: 1 dependency file(s) missing from the run: train.csv" in out


def test_check_unknown_target(gage_cli, prepared):
    code, _, err = gage_cli("check", "zzzz", cwd=prepared)
    assert code == 1
    assert "'zzzz' is not a file or project directory, and no run matches it" in err
    assert "Traceback" not in err
    code, _, err = gage_cli("check", "9", cwd=prepared)
    assert code == 1 and "no run matches it" in err
    code, _, err = gage_cli("check", "missing/gage.toml", cwd=prepared)
    assert code == 1 and "does not exist" in err
    code, _, err = gage_cli("check", "1", "--format", "github", cwd=prepared)
    assert code == 1 and "--format github is for Gagefiles" in err


def test_run_flags_after_options(gage_cli, prepared):
    code, out, err = gage_cli("run", "train", "-y", "-q", "epochs=3", "delay=0", cwd=prepared)
    assert code == 0, err
    run = _runs(prepared)[0]
    assert run.op_name == "train" and run.config["epochs"] == 3 and run.config["delay"] == 0
    code, _, err = gage_cli("run", "-y", "train", "epochs=2", "-q", "delay=0", "-l", "two", "lr=0.2",
                            cwd=prepared)
    assert code == 0, err
    run = _runs(prepared)[0]
    assert (run.config["epochs"], run.config["lr"], run.label) == (2, 0.2, "two")
    code, _, err = gage_cli("run", "train", "-y", "--bogus", "epochs=1", cwd=prepared)
    assert code == 2 and "unrecognized arguments: --bogus" in err
    # Other commands keep plain argparse behaviour.
    code, out, _ = gage_cli("--plain", "ls", "-n", "1", cwd=prepared)
    assert code == 0 and "train" in out


def test_no_progress_line_without_terminal(gage_cli, example_project):
    code, _, err = gage_cli("run", "prepare", "-y", cwd=example_project)
    assert code == 0 and "Copying source code" not in err


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_copy_progress_rendering():
    from gage_tui.cli.progress import CopyProgress, copy_progress_for

    assert copy_progress_for(io.StringIO()) is None
    assert isinstance(copy_progress_for(_Tty()), CopyProgress)
    now = [0.0]
    stream = _Tty()
    progress = CopyProgress(stream, delay=0.5, clock=lambda: now[0])
    progress(10, 100)
    assert stream.getvalue() == ""  # quick so far: nothing shown
    now[0] = 0.6
    progress(20, 100)
    progress(100, 100)
    assert stream.getvalue() == (
        "\rCopying source code: 20/100 files\rCopying source code: 100/100 files\n"
    )
    progress.close()  # already ended: no extra newline
    assert stream.getvalue().endswith("files\n")
    unfinished = _Tty()
    p2 = CopyProgress(unfinished, delay=0.0, clock=lambda: 1.0)
    p2(1, 5)
    p2.close()
    assert unfinished.getvalue() == "\rCopying source code: 1/5 files\n"
