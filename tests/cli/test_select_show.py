"""gage select and gage show's section options (-c/-s/-o/-f, --limit-files,
--all-files, -w) against real runs, plain output as in Gage 0.1.2's
doctests (TERM=unknown, COLUMNS=60 and 80)."""

from __future__ import annotations

import pytest

from helpers.cli import in_process_cli, isolate_gage_env

# One worker builds the module-scoped hello_project once (not once per worker).
pytestmark = pytest.mark.xdist_group("select_show")

GAGEFILE = """\
[hello]
exec = "python hello.py"
config = "hello.py"
"""

HELLO = """\
import json
name = "Gage"
print(f"Hello {name}")
print("second line")
json.dump({"attributes": {"type": "example"}, "metrics": {"speed": 0.5}}, open("summary.json", "w"))
"""


@pytest.fixture(scope="module")
def hello_project(tmp_path_factory):
    """Two real runs of hello (module scoped: the tests only read them)."""
    base = tmp_path_factory.mktemp("select_show")
    project = base / "hello"
    (project / ".gage" / "runs").mkdir(parents=True)
    (project / "gage.toml").write_text(GAGEFILE)
    (project / "hello.py").write_text(HELLO)
    for i in range(5):
        (project / f"data{i}.txt").write_text("x" * i)
    with pytest.MonkeyPatch.context() as mp:
        isolate_gage_env(mp, base / "home")
        gage = in_process_cli(mp)
        code, _out, err = gage("run", "-y", "-q", cwd=project)
        assert code == 0, err
        code, _out, err = gage("run", "-y", "-q", "-l", "second", "name=World", cwd=project)
        assert code == 0, err
    return project


@pytest.fixture(params=[60, 80])
def hello(request, monkeypatch, hello_project):
    monkeypatch.setenv("TERM", "unknown")
    monkeypatch.setenv("COLUMNS", str(request.param))
    return hello_project


def _runs(project):
    from gage_core.store.store import RunStore

    return RunStore(project / ".gage" / "runs").list_runs()


def test_select_prints_id_and_attributes(gage_cli, hello):
    latest, first = _runs(hello)
    assert gage_cli("select", cwd=hello)[1] == latest.id + "\n"
    assert gage_cli("select", "2", cwd=hello)[1] == first.id + "\n"
    assert gage_cli("select", "1", "2", "--name", cwd=hello)[1] == f"{latest.name}\n{first.name}\n"
    assert gage_cli("select", first.id[:-4], cwd=hello)[1] == first.id + "\n"
    assert gage_cli("select", "--run-dir", cwd=hello)[1] == f"{latest.run_dir}\n"
    assert gage_cli("select", "--meta-dir", cwd=hello)[1] == f"{latest.meta_dir}\n"
    assert gage_cli("select", "--project-dir", cwd=hello)[1].strip() == latest.project_dir
    assert gage_cli("select", "--label", cwd=hello)[1] == "second\n"
    assert gage_cli("select", "--label", "2", cwd=hello)[1] == "\n"


def test_select_errors(gage_cli, hello):
    code, _out, err = gage_cli("select", "zzzz", cwd=hello)
    assert code == 1 and "No runs match 'zzzz'" in err
    code, _out, err = gage_cli("select", "--name", "--label", cwd=hello)
    assert code == 2 and "usage: gage select" in err


def test_show_config(gage_cli, hello):
    code, out, _ = gage_cli("show", "--config", cwd=hello)
    assert code == 0
    assert out.splitlines() == ["flag  value", "name  World"]
    assert gage_cli("show", "-c", "2", cwd=hello)[1].splitlines()[1] == "name  Gage"


def test_show_summary(gage_cli, hello):
    code, out, _ = gage_cli("show", "--summary", cwd=hello)
    assert out.splitlines() == [
        "name   value    type",
        "type   example  attribute",
        "speed  0.5      metric",
    ]


def test_show_output_is_all_of_it(gage_cli, hello):
    code, out, _ = gage_cli("show", "--output", cwd=hello)
    assert code == 0 and out == "Hello World\nsecond line\n"
    assert gage_cli("show", "-o", "2", cwd=hello)[1] == "Hello Gage\nsecond line\n"


def test_show_files_and_limits(gage_cli, hello):
    code, out, _ = gage_cli("show", "--files", cwd=hello)
    lines = out.splitlines()
    assert lines[0].split() == ["path", "type", "size"]
    paths = [l.split()[0] for l in lines[1:]]
    assert "summary.json" in paths and "hello.py" in paths and "data4.txt" in paths
    assert len(paths) == 8  # 5 data files, gage.toml, hello.py, summary.json; no caption
    code, out, _ = gage_cli("show", "--limit-files", "2", cwd=hello)
    files = out[out.index("Files\n"):out.index("Output")].splitlines()
    assert files[-2].startswith("truncated (2 of 8 files, total ")
    code, out, _ = gage_cli("show", "--all-files", "--limit-files", "2", cwd=hello)
    assert "truncated" not in out and "8 files, total" in out
    code, out, _ = gage_cli("show", "--limit-files", "0", cwd=hello)
    assert "\nFiles\n" not in out


@pytest.mark.parametrize("pair", [("-f", "-s"), ("-s", "-o"), ("-o", "-f"), ("-c", "-f")])
def test_show_sections_exclusive(gage_cli, hello, pair):
    code, _out, err = gage_cli("show", *pair, cwd=hello)
    assert code == 2 and "not allowed with argument" in err


def test_show_where(gage_cli, hello):
    code, out, _ = gage_cli("show", "-w", "label = second", "-c", cwd=hello)
    assert "World" in out
    code, out, _ = gage_cli("show", "-w", "config.name = Gage", "-c", cwd=hello)
    assert "Gage" in out
    code, _out, err = gage_cli("show", "-w", "label = nosuch", cwd=hello)
    assert code == 1


def test_show_never_truncates_paths(gage_cli, hello, monkeypatch):
    latest = _runs(hello)[0]
    code, out, _ = gage_cli("show", cwd=hello)
    assert str(latest.run_dir) in out and latest.id in out


def test_show_rich_at_40_columns_folds_paths_whole(gage_cli, hello, monkeypatch):
    """In a terminal too narrow for the run dir, the path wraps: every
    character is still there to copy (never an ellipsis)."""
    import re

    import gage_tui.cli.output as output

    monkeypatch.setattr(output, "use_plain", lambda requested=False, stream=None: False)
    monkeypatch.setenv("COLUMNS", "40")
    latest = _runs(hello)[0]
    code, out, _ = gage_cli("show", cwd=hello)
    assert code == 0
    text = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "…" not in text
    joined = "".join(line.rstrip().split("  ")[-1].strip() for line in text.splitlines() if line.strip())
    assert str(latest.run_dir) in joined
