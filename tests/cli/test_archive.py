"""gage archive (create, --list, --rename, --delete, --delete-empty) and
-A NAME on ls, restore and purge, against real runs."""

from __future__ import annotations

import json

import pytest

from gage_core.store.store import RunStore


@pytest.fixture
def hello(tmp_path, monkeypatch, gage_cli):
    monkeypatch.setenv("TERM", "unknown")
    monkeypatch.setenv("COLUMNS", "80")
    project = tmp_path / "hello"
    (project / ".gage" / "runs").mkdir(parents=True)
    (project / "gage.toml").write_text('[hello]\nexec = "python hello.py"\nconfig = "hello.py"\n')
    (project / "hello.py").write_text('name = "Gage"\nprint(f"Hello {name}")\n')
    for name in ("Moon", "Room"):
        assert gage_cli("run", f"name={name}", "-y", "-q", cwd=project)[0] == 0
    return project


def _names(out: str) -> list[str]:
    return [line.split()[1] for line in out.splitlines()[1:] if line.split() and line.split()[0].isdigit()]


def test_archive_all_list_restore(gage_cli, hello):
    names = _names(gage_cli("ls", cwd=hello)[1])
    code, out, _ = gage_cli("archive", "--all", "-y", cwd=hello)
    assert code == 0
    first, blank, use = out.splitlines()
    assert first.startswith("Archived 2 runs to ") and blank == ""
    name = first.split()[-1]
    assert use == f"Use 'gage restore --archive {name}' to restore from this archive."
    code, out, _ = gage_cli("archive", "--list", cwd=hello)
    assert out.splitlines()[0].split() == ["name", "runs", "last", "archived"]
    assert out.splitlines()[1].split()[:2] == [name, "2"]
    assert gage_cli("ls", cwd=hello)[1].strip() == "No runs"
    assert gage_cli("ls", "-d", cwd=hello)[1].strip() == "No runs"  # not the trash
    assert _names(gage_cli("ls", "-A", name, cwd=hello)[1]) == names
    code, _out, err = gage_cli("restore", "--archive", "invalid", cwd=hello)
    assert code == 1 and err.splitlines() == [
        "gage: archive 'invalid' does not exist", "Use 'gage archive --list' to show available archives.",
    ]
    code, out, _ = gage_cli("restore", "--archive", name, "-y", cwd=hello)
    assert (code, out) == (0, "Restored 2 runs\n")
    assert _names(gage_cli("ls", cwd=hello)[1]) == names
    assert gage_cli("ls", "-A", name, cwd=hello)[1].strip() == "No runs"
    code, out, _ = gage_cli("archive", "-l", cwd=hello)
    assert out.splitlines()[1].split()[:2] == [name, "0"]
    code, out, _ = gage_cli("archive", "--delete-empty", "-y", cwd=hello)
    assert out == "Deleted 1 empty archive\n"
    assert gage_cli("archive", "-l", cwd=hello)[1] == "No archives\n"


def test_named_archive_rename_purge_delete(gage_cli, hello):
    code, out, _ = gage_cli("archive", "1", "--name", "my-archive", "-y", cwd=hello)
    assert out.splitlines()[0] == "Archived 1 run to my-archive"
    code, out, _ = gage_cli("archive", "1", "-n", "my-archive", "-y", cwd=hello)  # adds to it
    assert gage_cli("archive", "-l", cwd=hello)[1].splitlines()[1].split()[:2] == ["my-archive", "2"]
    code, _out, err = gage_cli("archive", "-a", "-A", "nosuch", "-y", cwd=hello)
    assert code == 1 and "archive 'nosuch' does not exist" in err
    code, out, _ = gage_cli("archive", "--rename", "my-archive", "kept", cwd=hello)
    assert out == "Renamed archive 'my-archive' to 'kept'\n"
    code, _out, err = gage_cli("archive", "-d", "kept", "-y", cwd=hello)
    assert code == 1 and "archive 'kept' is not empty (2 runs)" in err
    code, _out, err = gage_cli("purge", "--archive", "invalid", "--all", "-y", cwd=hello)
    assert code == 1 and "archive 'invalid' does not exist" in err
    code, out, _ = gage_cli("purge", "-A", "kept", "-y", cwd=hello)
    assert out == "Purged 2 runs\n"
    assert RunStore(hello / ".gage" / "runs").list_runs(include_deleted=True) == []
    code, out, _ = gage_cli("archive", "-d", "kept", "-y", cwd=hello)
    assert out == "Deleted archive 'kept'\n"


def test_archive_files_are_gage_012s_form(gage_cli, hello):
    gage_cli("archive", "-a", "-n", "x", "-y", cwd=hello)
    root = hello / ".gage" / "runs" / ".archives"
    (archive_dir,) = root.iterdir()
    (entry,) = archive_dir.iterdir()
    data = json.loads(entry.read_text())
    assert data["id"] == archive_dir.name and data["name"] == "x" and isinstance(data["date"], int)
    for run in RunStore(hello / ".gage" / "runs").list_runs(include_deleted=True):
        markers = sorted((hello / ".gage" / "runs" / f"{run.id}.move").iterdir())
        assert markers[-1].name.endswith("-" + archive_dir.name)


def test_archive_needs_runs(gage_cli, hello):
    code, _out, err = gage_cli("archive", "-y", cwd=hello)
    assert code == 2 and "no runs specified" in err
    code, _out, err = gage_cli("archive", "-l", "-d", "x", cwd=hello)
    assert code == 2 and "not allowed with" in err
