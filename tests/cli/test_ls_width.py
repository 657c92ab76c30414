"""gage ls fits the terminal as Gage 0.1.2's list does (TERM=unknown,
COLUMNS=28/45/60/80): empty columns go, metrics are condensed, columns
drop by width instead of collapsing to 'l… t…'. Real runs."""

from __future__ import annotations

import pytest

GAGEFILE = '[train]\nexec = "python train.py"\nconfig = "train.py"\n'
TRAIN = (
    "import json\nlr = 0.1\n"
    "json.dump({'metrics': {'loss': 0.123456, 'acc': 0.9, 'f1': 0.8, 'auc': 0.7}}, open('summary.json', 'w'))\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch, gage_cli):
    monkeypatch.setenv("TERM", "unknown")
    project = tmp_path / "proj"
    (project / ".gage" / "runs").mkdir(parents=True)
    (project / "gage.toml").write_text(GAGEFILE)
    (project / "train.py").write_text(TRAIN)
    assert gage_cli("run", "-y", "-q", cwd=project)[0] == 0
    code, _out, err = gage_cli(
        "run", "-y", "-q", "lr=0.2", "-l", "a rather long label for this run", "-t", "baseline", "-t", "v2",
        cwd=project,
    )
    assert code == 0, err
    return project


def _headers(out: str) -> list[str]:
    return out.splitlines()[0].split()


def test_wide_shows_everything_condensed(gage_cli, project, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = gage_cli("ls", cwd=project)
    assert _headers(out) == ["#", "name", "operation", "started", "duration", "status", "label", "tags", "metrics"]
    first = out.splitlines()[1]
    assert first.endswith("baseline v2  acc=0.9 auc=0.7 f1=0.8 +1")
    assert "a rather long label for this run" in first


def test_80_columns_fit_without_collapsing(gage_cli, project, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = gage_cli("ls", cwd=project)
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    assert "tags" not in _headers(out)  # the first to go
    for header in ("#", "name", "operation", "started", "status"):
        assert header in _headers(out)
    assert "…" not in lines[0]


def test_60_columns_drop_description(gage_cli, project, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    code, out, _ = gage_cli("ls", cwd=project)
    assert all(len(line) <= 60 for line in out.splitlines())
    headers = _headers(out)
    assert not {"label", "tags", "metrics"} & set(headers)
    assert headers[:3] == ["#", "name", "operation"] and "status" in headers


@pytest.mark.parametrize("width,headers", [(45, ["#", "name", "operation"]), (28, ["#", "name"])])
def test_gage_012_width_steps(gage_cli, project, monkeypatch, width, headers):
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = gage_cli("ls", cwd=project)
    assert _headers(out) == headers
    assert len(out.splitlines()) == 3


def test_empty_columns_dropped(gage_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("TERM", "unknown")
    project = tmp_path / "bare"
    (project / ".gage" / "runs").mkdir(parents=True)
    (project / "gage.toml").write_text('[hello]\nexec = "echo hi"\n')
    assert gage_cli("run", "-y", "-q", cwd=project)[0] == 0
    code, out, _ = gage_cli("ls", cwd=project)
    assert _headers(out) == ["#", "name", "operation", "started", "duration", "status"]


def test_pipe_without_columns_gets_every_column(gage_cli, project):
    code, out, _ = gage_cli("ls", cwd=project)  # COLUMNS unset, stdout not a terminal
    assert "tags" in _headers(out) and "metrics" in _headers(out)
