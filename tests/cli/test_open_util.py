"""gage open and gage util purge-run-files against real runs."""

from __future__ import annotations

import sys

import pytest

from gage_core.store.store import RunStore


@pytest.fixture
def project(tmp_path, monkeypatch, gage_cli):
    monkeypatch.setenv("TERM", "unknown")
    monkeypatch.setenv("COLUMNS", "80")
    project = tmp_path / "p"
    (project / ".gage" / "runs").mkdir(parents=True)
    (project / "gage.toml").write_text(
        '[make]\nexec = "python make.py"\n'
    )
    (project / "make.py").write_text(
        "import os\nos.makedirs('ckpt/deep', exist_ok=True)\n"
        "for p in ('ckpt/a.ckpt', 'ckpt/deep/b.ckpt', 'model.bin'):\n    open(p, 'w').write('x' * 10)\n"
    )
    for _ in range(2):
        assert gage_cli("run", "-y", "-q", cwd=project)[0] == 0
    return project


def _run_dirs(project):
    return [r.run_dir for r in RunStore(project / ".gage" / "runs").list_runs()]


def test_open_with_a_program(gage_cli, project, tmp_path):
    record = tmp_path / "opened.txt"
    prog = f"{sys.executable} -c \"import sys; open('{record}', 'w').write(sys.argv[1])\""
    code, _out, err = gage_cli("open", "-c", prog, cwd=project)
    assert code == 0, err
    assert record.read_text() == str(_run_dirs(project)[0].resolve())
    code, _out, err = gage_cli("open", "2", "-p", "make.py", "-c", prog, cwd=project)
    assert code == 0 and record.read_text() == str((_run_dirs(project)[1] / "make.py").resolve())


def test_open_exit_code_and_errors(gage_cli, project):
    code, _out, _err = gage_cli("open", "-c", f"{sys.executable} -c 'raise SystemExit(4)'", cwd=project)
    assert code == 4
    code, _out, err = gage_cli("open", "-p", "../../x", "-c", "cat", cwd=project)
    assert code == 1 and "not inside the run directory" in err
    code, _out, err = gage_cli("open", "-p", "nosuch", "-c", "cat", cwd=project)
    assert code == 1 and "no such file" in err
    code, _out, err = gage_cli("open", "-c", "no-such-program-here", cwd=project)
    assert code == 1 and "no such program" in err


def test_purge_preview_then_delete(gage_cli, project):
    code, out, _ = gage_cli("util", "purge-run-files", "1", "-f", "**/*.ckpt", "--preview", cwd=project)
    assert code == 0
    rows = [line.split() for line in out.splitlines()[1:]]
    assert [(r[1], r[2]) for r in rows] == [
        ("ckpt/a.ckpt", "**/*.ckpt"), ("ckpt/deep/b.ckpt", "**/*.ckpt"), ("gage.toml", "<no"),
        ("make.py", "<no"), ("model.bin", "<no"),
    ]
    latest, older = _run_dirs(project)
    assert (latest / "ckpt" / "a.ckpt").exists()  # preview deletes nothing
    code, out, err = gage_cli("util", "purge-run-files", "1", "-f", "**/*.ckpt", "-y", cwd=project)
    assert (code, out) == (0, "Deleted 2 files\n"), err
    assert not (latest / "ckpt" / "a.ckpt").exists() and (latest / "model.bin").exists()
    assert (older / "ckpt" / "a.ckpt").exists()
    code, out, _ = gage_cli("util", "purge-run-files", "-a", "-f", "*.bin", "-y", cwd=project)
    assert out == "Deleted 2 files\n"
    code, _out, err = gage_cli("util", "purge-run-files", "-a", "-f", "*.bin", "-y", cwd=project)
    assert code == 1 and "no files matched" in err


def test_purge_needs_runs_patterns_and_consent(gage_cli, project):
    code, _out, err = gage_cli("util", "purge-run-files", "-f", "*", cwd=project)
    assert code == 2 and "no runs specified" in err
    code, _out, err = gage_cli("util", "purge-run-files", "-a", cwd=project)
    assert code == 2 and "-f/--file" in err
    code, _out, err = gage_cli("util", "purge-run-files", "-a", "-f", "*", cwd=project)
    assert code == 1 and "pass -y" in err  # no terminal to ask on
    assert all((d / "make.py").exists() for d in _run_dirs(project))
    code, _out, err = gage_cli("util", cwd=project)
    assert code == 2 and "purge-run-files" in err
    code, _out, err = gage_cli("util", "purge-run-files", "-a", "-f", "*", "--bogus", cwd=project)
    assert code == 2 and "usage: gage util purge-run-files" in err
