"""gage board: table, CSV and Gage's board JSON from real runs, with and
without a board config (columns, run-select, group-select, score)."""

from __future__ import annotations

import csv
import io
import json

import pytest

# One worker builds the module-scoped board_project once (not once per worker).
pytestmark = pytest.mark.xdist_group("board")

GAGEFILE = '[default]\nexec = "python summary.py"\nconfig = "summary.py"\n'
SUMMARY = (
    "import json\nfake_speed = 1\nfoo = 'a'\nkind = 'example'\n"
    "json.dump({'attributes': {'type': kind, 'foo': foo}, 'metrics': {'speed': fake_speed}},"
    " open('summary.json', 'w'))\n"
)


@pytest.fixture(scope="module")
def board_project(tmp_path_factory):
    """Four real runs (module scoped: the tests only read them)."""
    import subprocess
    import sys

    project = tmp_path_factory.mktemp("board") / "summary"
    (project / ".gage" / "runs").mkdir(parents=True)
    (project / "gage.toml").write_text(GAGEFILE)
    (project / "summary.py").write_text(SUMMARY)
    for flags in (["fake_speed=1", "foo=a"], ["fake_speed=2", "foo=a"], ["fake_speed=3", "foo=b"],
                  ["fake_speed=4", "foo=b", "-l", "best"]):
        subprocess.run(
            [sys.executable, "-m", "gage_tui.cli.main", "-C", str(project), "run", "-y", "-q", *flags],
            check=True, capture_output=True,
        )
    return project


@pytest.fixture
def project(board_project, monkeypatch):
    monkeypatch.setenv("TERM", "unknown")
    monkeypatch.setenv("COLUMNS", "80")
    for name in ("board.json", "board.toml", "board.yaml"):
        (board_project / name).unlink(missing_ok=True)
    return board_project


def test_board_json_shape(gage_cli, project):
    code, out, _ = gage_cli("board", "--json", cwd=project)
    assert code == 0
    data = json.loads(out)
    assert [c["field"] for c in data["colDefs"]] == [
        "run:name", "run:operation", "run:started", "run:status", "run:label",
        "config:fake_speed", "config:foo", "config:kind", "attribute:foo", "attribute:type", "metric:speed",
    ]
    rows = data["rowData"]
    assert [r["config:fake_speed"] for r in rows] == [4, 3, 2, 1]
    assert rows[0]["run:label"] == "best" and rows[1]["run:label"] is None
    assert set(rows[0]) == {c["field"] for c in data["colDefs"]} | {"run:id"}
    assert rows[0]["run:status"] == "completed" and rows[0]["attribute:type"] == "example"
    assert "T" in rows[0]["run:started"]


def test_board_table_and_csv(gage_cli, project):
    code, out, _ = gage_cli("board", cwd=project)
    lines = out.splitlines()
    assert lines[0].split() == ["name", "operation", "started", "status", "label", "fake_speed", "foo",
                                "kind", "foo", "type", "speed"]
    assert lines[1].split()[5:] == ["best", "4", "b", "example", "b", "example", "4"]
    code, out, _ = gage_cli("board", "--csv", "1", "2", cwd=project)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:2] == ["run:name", "run:operation"] and len(rows) == 3
    assert rows[1][rows[0].index("metric:speed")] == "4"


def test_board_config_columns_and_score(gage_cli, project):
    (project / "board.yaml").write_text(
        "columns:\n  - config:fake_speed\n  - metric: speed\n    label: Speed\n    flag-filter-label: S\n"
        "  - score:\n      average: ['config:fake_speed', ['metric:speed', 3]]\n    label: score-1\n"
    )
    code, out, _ = gage_cli("board", "--json", cwd=project)
    data = json.loads(out)
    assert data["colDefs"][:2] == [{"field": "config:fake_speed"}, {"field": "metric:speed", "label": "Speed", "flagFilterLabel": "S"}]
    assert set(data["rowData"][0]) == {"run:id", "config:fake_speed", "metric:speed"}
    code, out, _ = gage_cli("board", "--csv", cwd=project)
    assert out.splitlines()[:2] == ["config:fake_speed,Speed,score-1", "4,4,4.0"]
    code, out, _ = gage_cli("board", "--no-config", "--csv", cwd=project)
    assert out.startswith("run:name,")


@pytest.mark.parametrize(
    "config,expected",
    [
        ({"group-select": {"group-by": {"attribute": "foo"}, "max": {"run-attr": "started"}}}, [("a", 2), ("b", 4)]),
        ({"group-select": {"group-by": {"attribute": "foo"}, "min": {"run-attr": "started"}}}, [("a", 1), ("b", 3)]),
        ({"group-select": {"group-by": {"config": "foo"}, "min": {"metric": "speed"}}}, [("a", 1), ("b", 3)]),
        ({"run-select": {"status": "completed"}, "group-select": {"group-by": {"attribute": "foo"}, "max": {"config": "fake_speed"}}}, [("a", 2), ("b", 4)]),
    ],
)
def test_board_group_select(gage_cli, project, config, expected):
    config["columns"] = [{"attribute": "foo", "label": "Foo"}, {"metric": "speed"}]
    (project / "board.json").write_text(json.dumps(config))
    code, out, err = gage_cli("board", "--json", cwd=project)
    assert code == 0, err
    rows = json.loads(out)["rowData"]
    assert [(r["attribute:foo"], r["metric:speed"]) for r in rows] == expected
    code, out, _ = gage_cli("board", "--csv", cwd=project)
    assert out.splitlines()[0] == "Foo,metric:speed"


def test_board_run_select_operation(gage_cli, project):
    (project / "board.toml").write_text('[run-select]\noperation = "other"\n')
    code, out, _ = gage_cli("board", "--json", cwd=project)
    assert json.loads(out)["rowData"] == []


@pytest.mark.parametrize(
    "name,text,words",
    [
        ("board.yaml", "- a\n", "expected a map"),
        ("board.json", '{"colums": []}', "unknown key 'colums' (did you mean 'columns'?)"),
        ("board.json", '{"columns": ["speed"]}', "'speed' is not a field"),
        ("board.json", "[", "board.json:1:1: unclosed list: the ']' for this '[' is missing"),
        ("board.json", '{"group-select": {"max": {"metric": "speed"}}}', "missing a group-by field"),
        ("board.json", '{"group-select": {"group-by": {"config": "foo"}}}', "needs either min or max"),
        ("board.json", '{"group-select": {"group-by": {"config": "foo"}, "min": {}}}', "min/max is missing a field"),
    ],
)
def test_board_config_errors(gage_cli, project, name, text, words):
    (project / name).write_text(text)
    code, _out, err = gage_cli("board", "--json", cwd=project)
    assert code == 1 and words in err and "Traceback" not in err


def test_board_default_config_precedence(gage_cli, project):
    (project / "board.toml").write_text('columns = ["metric:speed"]\n')
    (project / "board.yaml").write_text("columns: [config:foo]\n")
    code, _out, err = gage_cli("-v", "board", "--csv", cwd=project)
    assert "Using config from board.toml" in err
    (project / "board.json").write_text('{"columns": ["run:status"]}')
    code, out, err = gage_cli("-v", "board", "--csv", cwd=project)
    assert "Using config from board.json" in err and out.startswith("run:status\n")
    code, out, err = gage_cli("check", "--board", "board.yaml", cwd=project)
    assert (code, out) == (0, "board.yaml is a valid board configuration file\n")


def test_board_option_errors(gage_cli, project):
    code, _out, err = gage_cli("board", "--csv", "--json", cwd=project)
    assert code == 2 and "not allowed with" in err
    code, _out, err = gage_cli("board", "--no-config", "-c", "x.json", cwd=project)
    assert code == 1 and "cannot be used together" in err
    code, _out, err = gage_cli("board", "-c", "missing.json", cwd=project)
    assert code == 1 and 'board config "missing.json" does not exist' in err
