"""The sanitised model: exec/progress/sourcecode/config/depends normalisation,
partial loading, discovery and the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from gage_core.gagefile import (
    GAGEFILE_NAMES,
    find_gagefile,
    load_gagefile,
    load_gagefile_text,
)
from gage_core.project import Project, find_project_dir, open_project
from gage_core.settings import settings_from
from helpers.paths import FIXTURES, SAMPLES

GAGEFILES = FIXTURES / "gagefiles"


def _load(text: str, name: str = "gage.toml", project_dir: Path = Path("/tmp/myproj")):
    return load_gagefile_text(text, Path(name), project_dir)


def test_exec_forms():
    gf = _load(
        '[a]\nexec = "python a.py"\n[b]\nexec = ["python", "b.py"]\n'
        '[c.exec]\nrun = "x"\nstage-runtime = ["pip", "install"]\nfinalize = ""\n'
    )
    assert gf.ops["a"].exec == {"run": "python a.py"}
    assert gf.ops["b"].exec == {"run": ("python", "b.py")}
    assert gf.ops["c"].exec == {"run": "x", "stage-runtime": ("pip", "install")}


def test_progress_sourcecode_output_summary_version():
    gf = _load(
        '[a]\nprogress = "tqdm"\nsourcecode = false\noutput-summary = ""\nversion = 1\n'
        '[b]\nsourcecode = []\n[c]\nsourcecode = true\n[d]\nsourcecode = "*.py"\n'
        '[e]\nprogress.run = "tqdm"\nversion = "v2"\n'
    )
    ops = gf.ops
    assert ops["a"].progress == {"run": "tqdm"}
    assert ops["a"].sourcecode == ()
    assert ops["a"].output_summary is False
    assert ops["a"].version == "1"
    assert ops["b"].sourcecode == ()
    assert ops["c"].sourcecode is None
    assert ops["d"].sourcecode == ("*.py",)
    assert ops["e"].progress == {"run": "tqdm"} and ops["e"].version == "v2"
    assert ops["e"].sourcecode is None and ops["e"].output_summary is True


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="samples not available")
def test_config_spellings():
    gf = load_gagefile(SAMPLES / "config.toml")
    keys = {name: [c.keys for c in op.config] for name, op in gf.ops.items()}
    assert keys == {
        "hello": [("hello.py",)],
        "hello-2": [("hello.py",)],
        "hello-3": [("hello.py", "goodbye.json")],
        "hello-4": [("hello.py",)],
        "hello-5": [("hello.py",)],
        "hello-6": [("hello.py",)],
        "hello-7": [("hello.py",)],
        "hello-8": [("hello.py",), ("goodbye.py",)],
    }


def test_config_object_fields():
    gf = _load('[a]\n[[a.config]]\nkeys = ["x.py#*", "-x.py#p*"]\nprefix = "x."\n')
    (spec,) = gf.ops["a"].config
    assert spec.keys == ("x.py#*", "-x.py#p*") and spec.prefix == "x."


def test_dependency_forms_and_inference():
    gf = _load(
        "[a]\n"
        'depends = ["file: data.csv", "dir: data", "dvcfile: d.csv", "runfiles: op=prepare",\n'
        '  {files = "x"}, {run-select = "op=b", files = "*.h5"}, {type = "file", path = "p"},\n'
        '  {type = "run-files", operation = "prep", flag = "data"},\n'
        '  {type = "runs-summary", runs-select = "op=t", summary-filename = "s.json"},\n'
        '  {type = "dvcfile", path = "q.csv", sha256 = "' + "a" * 64 + '"}]\n'
    )
    assert gf.valid, gf.diagnostics
    deps = [(d.type, d.files, d.run_select) for d in gf.ops["a"].depends]
    assert deps == [
        ("project-files", ("data.csv",), None),
        ("project-files", ("data",), None),
        ("dvcfile", ("d.csv",), None),
        ("run-files", (), "op=prepare"),
        ("project-files", ("x",), None),
        ("run-files", ("*.h5",), "op=b"),
        ("project-files", ("p",), None),
        ("run-files", (), "op=prep"),
        ("runs-summary", (), "op=t"),
        ("dvcfile", ("q.csv",), None),
    ]
    d = gf.ops["a"].depends
    assert d[7].operation == "prep" and d[7].flag == "data"
    assert d[8].summary_filename == "s.json"
    assert d[9].sha256 == "a" * 64


def test_single_dependency_object():
    gf = _load('[a]\ndepends = {run-select = "op=x"}\n')
    assert [d.type for d in gf.ops["a"].depends] == ["run-files"]


def test_partial_loading_policy():
    gf = load_gagefile(GAGEFILES / "partial.toml")
    assert gf.runs_dir == "runs"
    ok = gf.ops["ok"]
    assert not ok.broken and ok.exec == {"run": "python ok.py"} and ok.description == ""
    assert {d.pointer for d in ok.diagnostics} == {"/ok/description", "/ok/foo"}
    assert gf.ops["bad-exec"].broken and gf.ops["bad-exec"].exec == {}
    assert gf.ops["bad-depends"].broken
    assert gf.ops["bad-depends"].diagnostics[0].code == "pattern"
    no_exec = gf.ops["no-exec"]
    assert not no_exec.broken and no_exec.exec == {} and no_exec.diagnostics == ()
    assert len(gf.errors) == 4


def test_op_that_is_not_an_object_is_broken():
    gf = _load('{"a": 1, "b": {"exec": "x"}}', "g.json")
    assert gf.ops["a"].broken and not gf.ops["b"].broken


def test_bad_runs_dir_is_dropped():
    gf = _load('"$runs-dir" = 1\n[a]\nexec = "x"\n')
    assert gf.runs_dir is None and not gf.valid and not gf.ops["a"].broken


def test_namespace_defaults_to_project_dir_name(tmp_path):
    proj = tmp_path / "my-proj"
    proj.mkdir()
    (proj / "gage.toml").write_text('[a]\nexec = "x"\n')
    gf = load_gagefile(proj / "gage.toml")
    assert gf.namespace == "my-proj" and gf.project_dir == proj
    (proj / "gage.toml").write_text('"$namespace" = "ns"\n[a]\nexec = "x"\n')
    assert load_gagefile(proj / "gage.toml").namespace == "ns"


def test_find_gagefile_precedence(tmp_path):
    assert find_gagefile(tmp_path) is None
    for name in ("gage.json", "gage.yaml", "gage.toml"):
        (tmp_path / name).write_text("{}")
    assert find_gagefile(tmp_path).name == "gage.toml"
    (tmp_path / ".gage").mkdir()
    (tmp_path / ".gage" / "gage.json").write_text("{}")
    assert find_gagefile(tmp_path) == tmp_path / ".gage" / "gage.json"
    assert GAGEFILE_NAMES[0] == ".gage/gage.toml"


def test_find_project_dir(tmp_path, monkeypatch):
    proj = tmp_path / "proj"
    sub = proj / "a" / "b"
    sub.mkdir(parents=True)
    (proj / "gage.toml").write_text("")
    assert find_project_dir(sub) == proj.resolve()
    (proj / "a" / "pyproject.toml").write_text("")
    assert find_project_dir(sub) == (proj / "a").resolve()
    assert find_project_dir(sub, environ={"PROJECT_DIR": str(proj)}) == proj.resolve()


def test_home_gage_dir_is_not_a_project(tmp_path, monkeypatch):
    home = Path.home()  # a temp dir per test (conftest)
    (home / ".gage" / "runs").mkdir(parents=True)
    work = home / "work"
    work.mkdir()
    assert find_project_dir(work) is None


def test_open_project(example_project):
    project = open_project(settings_from(cwd=example_project))
    assert isinstance(project, Project)
    assert project.dir == example_project.resolve()
    assert project.gagefile is not None and project.gagefile.valid
    assert project.runs_dir == example_project.resolve() / ".gage" / "runs"
    assert set(project.gagefile.ops) >= {"prepare", "train", "evaluate"}


def test_open_project_never_raises_for_content(tmp_path):
    (tmp_path / "gage.json").write_text("{ nope")
    project = open_project(settings_from(cwd=tmp_path))
    assert project.gagefile is not None and not project.gagefile.valid
    assert project.gagefile.ops == {}


def test_open_project_outside_any_project(tmp_path):
    project = open_project(settings_from(cwd=tmp_path))
    assert project.dir is None and project.gagefile is None
    assert project.runs_dir == Path.home() / ".gage" / "runs"


def test_not_utf8_is_a_diagnostic(tmp_path):
    (tmp_path / "gage.toml").write_bytes(b'[a]\nexec = "\xff"\n')
    gf = load_gagefile(tmp_path / "gage.toml")
    assert not gf.valid and gf.diagnostics[0].code == "syntax"


def test_yaml_oddities():
    gf = _load("a:\n  exec: x\n  default: yes\n1: {exec: y}\nd: 2024-01-01\n", "g.yaml")
    assert gf.ops["a"].default is True
    assert "1" in gf.ops
    assert gf.ops["d"].broken
    gf = _load("a: &x [*x]\n", "g.yaml")
    assert not gf.valid and gf.ops == {}


def test_open_project_unreadable_gagefile(tmp_path):
    (tmp_path / "gage.toml").mkdir()  # a directory where the file should be
    (tmp_path / "gage.json").write_text("{}")
    # find_gagefile skips non-files, so gage.json is used.
    assert open_project(settings_from(cwd=tmp_path)).gagefile.path.name == "gage.json"
