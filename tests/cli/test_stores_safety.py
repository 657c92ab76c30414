"""Stores: nothing lost, nothing hidden, nothing trusted blindly (real
``gage`` commands, real files; the published Gage 0.1.2 from PyPI for the
interoperability test)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from gage_core.store.store import RunStore
from helpers.gage012_pypi import run_gage012


def _project(root: Path, body: str = "print('loss: 0.5')\n") -> Path:
    root.mkdir(parents=True)
    (root / "train.py").write_text(body)
    (root / "gage.toml").write_text(f'[train]\nexec = "{sys.executable} train.py"\n')
    return root


def test_project_runs_dir_whether_or_not_it_exists(gage_cli, tmp_path):
    project = _project(tmp_path / "p")
    assert not (project / ".gage").exists()
    code, _, err = gage_cli("run", "train", "-y", cwd=project)
    assert code == 0, err
    assert len(RunStore(project / ".gage" / "runs").list_runs()) == 1
    assert not (Path.home() / ".gage" / "runs").exists()
    code, out, _ = gage_cli("help", "runs")
    assert code == 0 and "<project>/.gage/runs" in out and "~/.gage/runs" in out


def test_ls_says_where_other_runs_of_the_project_are(gage_cli, tmp_path):
    project = _project(tmp_path / "p")
    home_runs = Path.home() / ".gage" / "runs"
    # Runs made while the project had no .gage dir (an older rule), then a
    # .gage dir appears: they must not vanish silently.
    code, _, err = gage_cli("--runs", str(home_runs), "run", "train", "-y", cwd=project)
    assert code == 0, err
    code, out, err = gage_cli("ls", cwd=project)
    assert code == 0
    assert f"1 run(s) of this project are in {home_runs}" in err
    assert f"gage --runs {home_runs} ls" in err
    code, out, _ = gage_cli("--runs", str(home_runs), "ls", cwd=project)
    assert "train" in out


def test_gage_012_from_pypi_reads_our_runs_and_shares_the_trash(gage_cli, tmp_path):
    try:
        run_gage012("--version", cwd=tmp_path)
    except Exception as e:  # noqa: BLE001 - no registry here: say so, loudly
        pytest.fail(f"cannot install Gage 0.1.2 from PyPI: {e}")
    project = _project(tmp_path / "p", "print('hello from the run')\nprint('loss: 0.5')\n")
    for label in ("alpha", "beta"):
        code, _, err = gage_cli("run", "train", "-y", "-l", label, cwd=project)
        assert code == 0, err
    ours = RunStore(project / ".gage" / "runs").list_runs()
    res = run_gage012("ls", cwd=project)
    assert res.returncode == 0, res.stderr
    assert "alpha" in res.stdout and "beta" in res.stdout and "completed" in res.stdout
    res = run_gage012("show", ours[0].id, cwd=project)
    assert res.returncode == 0, res.stderr
    assert ours[0].id in res.stdout and "loss" in res.stdout and "hello from the run" in res.stdout
    res = run_gage012("cat", ours[0].id, "-p", "train.py", cwd=project)
    assert res.returncode == 0 and "hello from the run" in res.stdout, res.stderr

    # Deleted by us: in the trash for both.
    code, _, err = gage_cli("delete", "-y", "1", cwd=project)
    assert code == 0, err
    res = run_gage012("ls", cwd=project)
    assert "beta" not in res.stdout and "alpha" in res.stdout
    assert "beta" in run_gage012("ls", "--deleted", cwd=project).stdout
    # Deleted by Gage 0.1.2: in the trash for us; restored by us: back for both.
    res = run_gage012("delete", "-y", ours[1].id, cwd=project)
    assert res.returncode == 0, res.stderr
    code, out, _ = gage_cli("ls", cwd=project)
    assert "alpha" not in out
    code, out, _ = gage_cli("ls", "-d", cwd=project)
    assert "alpha" in out and "beta" in out
    code, _, err = gage_cli("restore", "-y", "1", "2", cwd=project)
    assert code == 0, err
    res = run_gage012("ls", cwd=project)
    assert "alpha" in res.stdout and "beta" in res.stdout


def test_purge_removes_only_the_runs_own_entries(gage_cli, tmp_path):
    project = _project(tmp_path / "p")
    code, _, err = gage_cli("run", "train", "-y", cwd=project)
    assert code == 0, err
    runs = project / ".gage" / "runs"
    [run] = RunStore(runs).list_runs()
    bystanders = [runs / f"{run.id}-notes.txt", runs / f"{run.id}.backup", runs / f"{run.id}x"]
    for path in bystanders:
        path.write_text("keep me")
    code, _, err = gage_cli("delete", "--permanent", "-y", "1", cwd=project)
    assert code == 0, err
    assert sorted(p.name for p in runs.iterdir() if p.name.startswith(run.id)) == sorted(
        p.name for p in bystanders)
