"""Runs made by Gage 0.1.2 list and show: a built fixture (zipped meta as in
the reference appendix, an unzipped meta with a stale lock) and runs made
by hand with the real Gage 0.1.2 (tests/fixtures/gage012_real)."""

from __future__ import annotations

import json
import shutil

import pytest

from gage_core.store.ids import run_name
from helpers.gage012 import make_finished_run, make_stale_lock_run
from helpers.paths import FIXTURES

REAL_LABELLED = "a57d0d47-3c57-4a4f-9e93-58d14074c4fd"
REAL_PLAIN = "8cfacf0e-ce7e-45b7-8c2d-733f53690075"


@pytest.fixture
def gage_project(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "gage.toml").write_text('[train]\nexec = "python train.py"\n')
    runs = project / ".gage" / "runs"
    ids = {
        "zipped": make_finished_run(runs, label="my label", metrics={"loss": 0.5}),
        "failed": make_finished_run(runs, exit_code=1, t0_us=1795471228000000, zipped=False),
        "stale": make_stale_lock_run(runs),
    }
    return project, ids


def test_ls_reads_gage_012_runs(gage_cli, gage_project):
    project, ids = gage_project
    code, out, err = gage_cli("ls", "--json", cwd=project)
    assert code == 0, err
    runs = {d["id"]: d for d in json.loads(out)}
    assert runs[ids["zipped"]]["status"] == "completed"
    assert runs[ids["zipped"]]["label"] == "my label"
    assert runs[ids["zipped"]]["metrics"] == {"loss": 0.5}
    assert runs[ids["zipped"]]["meta_dir"].endswith(".meta.zip")
    assert runs[ids["failed"]]["status"] == "error"
    assert runs[ids["stale"]]["status"] == "terminated"
    assert [d["id"] for d in json.loads(out)] == [ids["stale"], ids["failed"], ids["zipped"]]
    code, out, _ = gage_cli("ls", cwd=project)
    # Gage's rule for names of UUIDv4 ids; the op is the project's own.
    assert run_name(ids["zipped"]) in out and "proj:train" not in out


def test_show_reads_zipped_gage_012_run(gage_cli, gage_project):
    project, ids = gage_project
    code, out, err = gage_cli("show", run_name(ids["zipped"]), cwd=project)
    assert code == 0, err
    assert out.splitlines()[0] == "train  completed  my label"
    for text in ("epochs  2", "lr      0.2", "loss  0.5", "train.py  source code",
                 "Output (run, last 20 lines)", "Training...", "loss: 0.5", "exit code  0"):
        assert text in out, text


def test_show_reads_stale_lock_run(gage_cli, gage_project):
    project, ids = gage_project
    code, out, err = gage_cli("show", ids["stale"], cwd=project)
    assert code == 0, err
    assert "train  terminated" in out
    assert "epoch 2" in out


@pytest.fixture
def real_project(tmp_path):
    dest = tmp_path / "g012proj"
    shutil.copytree(FIXTURES / "gage012_real", dest)
    return dest


def test_runs_made_by_real_gage_012_list(gage_cli, real_project):
    code, out, err = gage_cli("ls", "--json", cwd=real_project)
    assert code == 0, err
    data = json.loads(out)
    assert [d["id"] for d in data] == [REAL_PLAIN, REAL_LABELLED]
    assert all(d["status"] == "completed" for d in data)
    assert data[1]["label"] == "real gage"
    assert data[1]["config"] == {"lr": 0.2}
    assert data[1]["name"] == "pijut-bujal"  # Gage listed it as 'pijut'
    assert data[1]["project_dir"] == str(real_project)


def test_runs_made_by_real_gage_012_show(gage_cli, real_project):
    code, out, err = gage_cli("show", "pijut", cwd=real_project)
    assert code == 0, err
    assert out.splitlines()[0] == "hello  completed  real gage"
    for text in ("lr  0.2", "train.py   source code", "gage.toml  source code",
                 "Training with lr 0.2", "exit code  0"):
        assert text in out, text


def test_runs_deleted_by_real_gage_012_are_in_the_trash(gage_cli, real_project):
    # The published Gage 0.1.2 `gage delete` renames each entry to *.deleted.
    runs = real_project / ".gage" / "runs"
    for suffix in ("", ".meta", ".user", ".project"):
        src = runs / f"{REAL_LABELLED}{suffix}"
        src.rename(src.with_name(src.name + ".deleted"))
    code, out, _ = gage_cli("ls", "--json", cwd=real_project)
    assert [d["id"] for d in json.loads(out)] == [REAL_PLAIN]
    code, out, _ = gage_cli("ls", "-d", "--json", cwd=real_project)
    [run] = json.loads(out)
    assert run["id"] == REAL_LABELLED and run["container"] == "trash"
    assert run["label"] == "real gage" and run["status"] == "completed"
    code, out, err = gage_cli("show", "-d", "pijut", cwd=real_project)
    assert code == 0, err
    assert "hello  completed  real gage" in out and "Training with lr 0.2" in out
