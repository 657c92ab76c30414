"""Say what happened: staging failures and failing finalize phases are
reported by show and cat, comment authors are recorded and shown, and
carriage-return progress lines are shown as they finally read (real gage
runs)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from gage_core.store.store import RunStore


def _project(root: Path, gagefile: str, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    (root / "gage.toml").write_text(gagefile)
    for rel, text in files.items():
        (root / rel).write_text(text)
    return root


def test_staging_failure_is_shown_by_show_and_cat(gage_cli, tmp_path):
    project = _project(tmp_path / "p", (
        f'[t]\nexec.run = "{sys.executable} t.py"\nexec.stage-runtime = "echo boom >&2; exit 3"\n'),
        {"t.py": "print('never')\n"})
    code, _, err = gage_cli("run", "t", "-y", cwd=project)
    assert code != 0
    code, out, _ = gage_cli("show", cwd=project)
    assert "error: Staging failed: stage-runtime failed with exit code 3" in out
    code, out, err = gage_cli("cat", cwd=project)
    assert "boom" in out
    assert "gage: Staging failed: stage-runtime failed with exit code 3" in err


def test_bad_dependency_value_is_shown_by_show_and_check(gage_cli, tmp_path):
    project = _project(tmp_path / "p", (
        f'[prepare]\nexec.run = "{sys.executable} prepare.py"\n'
        f'[train]\nexec.run = "{sys.executable} t.py"\ndepends = "runfiles: op=prepare"\n'),
        {"prepare.py": "open('data.txt', 'w').write('d')\n", "t.py": "print('never')\n"})
    assert gage_cli("run", "prepare", "-y", cwd=project)[0] == 0
    code, _, err = gage_cli("run", "train", "prepare=bogus", "-y", cwd=project)
    assert code != 0 and "no run matches 'bogus' (flag 'prepare')" in err
    [failed] = [r for r in RunStore(project / ".gage" / "runs").list_runs() if r.op_name == "train"]
    assert failed.status == "error"
    code, out, _ = gage_cli("--plain", "show", failed.id, cwd=project)
    assert "error: Staging failed: no run matches 'bogus' (flag 'prepare')" in out
    assert "not resolved: no run matches 'bogus' (flag 'prepare')" in out
    assert "Traceback" not in out


def test_failing_finalize_is_reported_as_such(gage_cli, tmp_path):
    project = _project(tmp_path / "p", (
        f'[t]\nexec.run = "{sys.executable} t.py"\nexec.finalize = "exit 7"\n'),
        {"t.py": "print('loss: 0.5')\n"})
    gage_cli("run", "t", "-y", cwd=project)
    [run] = RunStore(project / ".gage" / "runs").list_runs()
    assert run.exit_code == 0 and run.metrics == {"loss": 0.5}  # the run phase's own result
    code, out, _ = gage_cli("show", cwd=project)
    assert "Finalize failed with exit code 7" in out
    code, _, err = gage_cli("cat", cwd=project)
    assert "Finalize failed with exit code 7" in err


def test_comment_authors_are_recorded_and_shown(gage_cli, tmp_path):
    project = _project(tmp_path / "p", f'[t]\nexec = "{sys.executable} t.py"\n', {"t.py": "print(1)\n"})
    assert gage_cli("run", "t", "-y", "--comment", "from the run", cwd=project)[0] == 0
    assert gage_cli("comment", "1", "-m", "added later", "-y", cwd=project)[0] == 0
    me = getpass.getuser()
    code, out, _ = gage_cli("show", cwd=project)
    lines = [ln for ln in out.splitlines() if "from the run" in ln or "added later" in ln]
    assert len(lines) == 2 and all(me in ln for ln in lines), out
    code, out, _ = gage_cli("comment", "--list", cwd=project)
    assert out.count(me) == 2, out


def test_carriage_return_progress_is_shown_as_its_final_state(gage_cli, tmp_path):
    program = (
        "import sys\n"
        "for i in range(0, 101, 25):\n"
        "    sys.stdout.write(f'\\rtraining {i:3d}%')\n"
        "sys.stdout.write('\\n')\n"
        "print('done')\n"
    )
    project = _project(tmp_path / "p", f'[t]\nexec = "{sys.executable} t.py"\n', {"t.py": program})
    code, out, err = gage_cli("run", "t", "-y", cwd=project)
    assert code == 0, err
    assert out.splitlines()[:2] == ["training 100%", "done"]
    code, out, _ = gage_cli("cat", cwd=project)
    assert out == "training 100%\ndone\n"
    code, out, _ = gage_cli("cat", "--raw", cwd=project)
    assert out.startswith("\rtraining   0%\rtraining  25%")
    code, out, _ = gage_cli("show", cwd=project)
    assert "training 100%" in out and "\r" not in out
    [run] = RunStore(project / ".gage" / "runs").list_runs()
    raw = (Path(f"{run.run_dir}.meta") / "output" / "40_run").read_bytes()
    assert raw.count(b"\r") == 5  # the bytes on disk are untouched
