"""gage run --help-op and -n/--needed, against real runs (plain output as
in Gage 0.1.2's doctests)."""

from __future__ import annotations

import pytest

GAGEFILE = '''\
[hello]
description = """Say hello.

Prints a greeting."""
exec = "python hello.py"
config = "hello.py"

[fail]
exec = "python -c 'raise SystemExit(3)'"

[bare]
exec = "echo bare"
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("TERM", "unknown")
    monkeypatch.setenv("COLUMNS", "60")
    (tmp_path / ".gage" / "runs").mkdir(parents=True)
    (tmp_path / "gage.toml").write_text(GAGEFILE)
    (tmp_path / "hello.py").write_text('name = "Gage"\ni = 1\nprint(f"Hello {name} {i}")\n')
    return tmp_path


def test_help_op(gage_cli, project):
    code, out, _ = gage_cli("run", "hello", "--help-op", cwd=project)
    assert code == 0
    assert out.splitlines() == [
        "Usage: gage run hello",
        "",
        "  Say hello.",
        "",
        "  Prints a greeting.",
        "",
        "Flags",
        "name  default",
        "i     1",
        "name  Gage",
    ]
    code, out, _ = gage_cli("run", "bare", "--help-op", cwd=project)
    assert out == "Usage: gage run bare\n"
    assert not any((project / ".gage" / "runs").iterdir())


def test_needed_skips_comparable_runs(gage_cli, project):
    code, out, _ = gage_cli("run", "hello", "-y", cwd=project)
    assert code == 0 and out == "Hello Gage 1\n"
    name = gage_cli("select", "--name", cwd=project)[1].strip()
    code, out, _ = gage_cli("run", "hello", "--needed", "-y", cwd=project)
    assert code == 5
    assert out.splitlines() == [
        f"Run skipped because a comparable run exists ({name})",
        f"For details, run 'gage show {name}'",
    ]
    # Other flags: not comparable; then it is.
    code, out, _ = gage_cli("run", "hello", "i=2", "-n", "-y", cwd=project)
    assert code == 0 and out == "Hello Gage 2\n"
    code, out, _ = gage_cli("run", "hello", "-n", "-y", "i=2", cwd=project)
    assert code == 5
    # Flags given as the default value are the same config.
    code, out, _ = gage_cli("run", "hello", "-n", "-y", "name=Gage", "i=1", cwd=project)
    assert code == 5 and f"({name})" in out


def test_needed_ignores_error_runs(gage_cli, project):
    assert gage_cli("run", "fail", "-y", cwd=project)[0] == 3
    code, _out, _ = gage_cli("run", "fail", "-y", "--needed", cwd=project)
    assert code == 3  # ran again: an error run is not comparable


def test_needed_refused_with_start_and_batches(gage_cli, project):
    code, _out, err = gage_cli("run", "--start", "1", "--needed", cwd=project)
    assert code == 1 and "--needed cannot be used with --start" in err
    code, _out, err = gage_cli("run", "hello", "i=[1,2]", "--needed", "-y", cwd=project)
    assert code == 1 and "--needed is for single runs" in err
