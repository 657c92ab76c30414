"""Stores: nothing lost, nothing hidden, nothing trusted blindly (real
``gage`` commands, real files; the published Gage 0.1.2 from PyPI for the
interoperability test)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from gage_core.store.index import INDEX_NAME
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
    except Exception as e:
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


def _gage(*argv: str, cwd: Path, limit_file_size: bool = False, timeout: float = 60):
    """The gage CLI in a subprocess (optionally unable to grow any file,
    as on a full disk)."""
    import resource
    import signal
    import subprocess

    def full_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    return subprocess.run(
        [sys.executable, "-c", "import sys; from gage_tui.cli.main import main; sys.exit(main())", *argv],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
        preexec_fn=full_disk if limit_file_size else None)


def test_annotations_on_a_full_disk_give_one_clear_error(gage_cli, tmp_path):
    project = _project(tmp_path / "p")
    assert gage_cli("run", "train", "-y", cwd=project)[0] == 0
    for argv in (("label", "1", "--set", "x", "-y"), ("tag", "1", "--add", "t", "-y"),
                 ("comment", "1", "-m", "hello", "-y")):
        res = _gage(*argv, cwd=project, limit_file_size=True)
        assert res.returncode == 1, (argv, res.stderr)
        assert "Traceback" not in res.stderr and res.stderr.count("gage: ") == 1, res.stderr
        assert "cannot record the change" in res.stderr and "disk is full" in res.stderr
    [run] = RunStore(project / ".gage" / "runs").list_runs()
    assert run.label is None and run.tags == ()
    assert not [p for p in (project / ".gage" / "runs").rglob(".*.tmp")]


def _damage(index: Path, how: str) -> None:
    index.parent.mkdir(exist_ok=True)
    if index.exists() or index.is_symlink():
        index.unlink()
    if how == "deep":
        index.write_text("[" * 200_000)
    elif how == "fifo":
        os.mkfifo(index)
    elif how == "zero":
        os.symlink("/dev/zero", index)
    elif how == "huge":
        with open(index, "wb") as f:
            f.truncate(8 << 30)  # sparse: 8 GB that cost no disk


def test_damaged_index_is_ignored_and_rebuilt(gage_cli, tmp_path):
    project = _project(tmp_path / "p")
    assert gage_cli("run", "train", "-y", cwd=project)[0] == 0
    index = project / ".gage" / "runs" / INDEX_NAME
    for how in ("deep", "fifo", "zero", "huge"):
        _damage(index, how)
        res = _gage("ls", "--json", cwd=project)
        assert res.returncode == 0, (how, res.stderr)
        [row] = json.loads(res.stdout)
        assert row["status"] == "completed" and row["metrics"] == {"loss": 0.5}, how
        assert index.is_file() and not index.is_symlink() and index.stat().st_size < 1 << 20, how


def test_edited_index_is_not_trusted_over_the_meta(gage_cli, tmp_path):
    project = _project(tmp_path / "p")
    assert gage_cli("run", "train", "-y", cwd=project)[0] == 0
    index = project / ".gage" / "runs" / INDEX_NAME
    assert gage_cli("ls", cwd=project)[0] == 0
    with sqlite3.connect(index) as db:
        edited = db.execute(
            "UPDATE runs SET status = 'error', record = replace(replace(record, '\"completed\"', '\"error\"'), '0.5', '9.5')"
            " WHERE is_run AND record LIKE '%\"completed\"%'"
        ).rowcount
    assert edited == 1
    code, out, _ = gage_cli("ls", "--json", cwd=project)
    [row] = json.loads(out)
    assert row["status"] == "completed" and row["metrics"] == {"loss": 0.5}


def test_meta_without_opref_is_listed_as_damaged(gage_cli, tmp_path):
    project = _project(tmp_path / "p")
    assert gage_cli("run", "train", "-y", cwd=project)[0] == 0
    runs = project / ".gage" / "runs"
    broken_id = "01a00000-0000-7000-8000-000000000001"
    meta = runs / f"{broken_id}.meta"
    (meta / "proc").mkdir(parents=True)
    (meta / "proc" / "exit").write_text("0")
    old = os.stat(runs).st_mtime - 3600
    os.utime(meta, (old, old))
    code, out, _ = gage_cli("ls", "--json", "--all-projects", cwd=project)
    rows = {r["id"]: r for r in json.loads(out)}
    assert broken_id in rows and "opref" in (rows[broken_id]["meta_error"] or "")
    code, out, _ = gage_cli("ls", "--all-projects", "--plain", cwd=project)
    assert "unknown !" in out


def test_finished_run_is_read_only_deep(gage_cli, tmp_path):
    project = _project(tmp_path / "p")
    assert gage_cli("run", "train", "-y", cwd=project)[0] == 0
    [run] = RunStore(project / ".gage" / "runs").list_runs()
    meta = Path(f"{run.run_dir}.meta")
    files = [p for base in (run.run_dir, meta) for p in base.rglob("*") if p.is_file()]
    assert meta / "summary.json" in files and meta / "proc" / "exit" in files
    writable = [str(p) for p in files if p.stat().st_mode & 0o222]
    assert writable == []


def test_filter_input_cannot_hang(gage_cli, tmp_path):
    project = _project(tmp_path / "p")
    assert gage_cli("run", "train", "-y", "-l", "a" * 40 + "b", cwd=project)[0] == 0
    res = _gage("ls", "-w", "loss = " + "9" * 64_000, cwd=project)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    res = _gage("ls", "-w", "loss < " + "9" * 64_000 + ".5", "--plain", cwd=project)
    assert res.returncode == 0 and "train" in res.stdout, res.stderr
    # Exponential in Python's re (no answer in a lifetime), answered at once here.
    res = _gage("ls", "-w", "label ~ /(a+)+$/", cwd=project)
    assert res.returncode == 0 and "No runs" in res.stdout, res.stderr
    # Exponential for every backtracking engine: stopped by the time limit.
    res = _gage("ls", "-w", "label ~ /(a|aa)+$/", cwd=project)
    assert res.returncode == 1 and "takes too long" in res.stderr and "Traceback" not in res.stderr
    res = _gage("ls", "-w", "label ~ /a+b$/", "--plain", cwd=project)
    assert res.returncode == 0 and "train" in res.stdout
