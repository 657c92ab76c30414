"""Projects shaped like Gage 0.1.2's upstream examples (hello, config,
summary, phases, sourcecode, runs-dir), written here: the runs get the
flags, summaries, file types and listing Gage 0.1.2 gives for them
(checked side by side with the published gage==0.1.2; see the note).

Plain output as in 0.1.2's doctests: TERM=unknown, COLUMNS=80.
"""

from __future__ import annotations

import json

import pytest

from gage_core.store.meta import MetaReader
from gage_core.store.store import RunStore

GREETER = 'who = "Joe"\ncount = 1\n\nfor _ in range(count):\n    print(f"Hello, {who}")\n'

CONFIG_TOML = '''\
[greet]
description = "Config from an object"
exec = "python greet.py"
[greet.config]
keys = "greet.py#who"

[greet-string]
exec = "python greet.py"
config = "greet.py#who"

[greet-list]
exec = "python greet.py"
config = ["greet.py#who"]

[greet-all]
exec = "python greet.py"
config = "greet.py"
'''

REPORT = '''\
import json, os
target = os.getenv("REPORT") or "summary.json"
kind = "demo"
speed = 0.5
with open(target, "w") as f:
    if target.endswith(".toml"):
        f.write(f'[attributes]\\nkind = "{kind}"\\n\\n[metrics]\\nspeed = {speed}\\n')
    else:
        json.dump({"attributes": {"kind": kind}, "metrics": {"speed": speed}}, f)
'''

SUMMARY_TOML = '''\
[report]
default = true
exec = "python report.py"
config = "report.py"

[report-named]
exec = "REPORT=results.json python report.py"
config = "report.py"
[report-named.summary]
filename = "results.json"

[report-toml]
exec = "REPORT=out.toml python report.py"
config = "report.py"
[report-toml.summary]
filename = "out.toml"

[report-meta]
exec = "python -c \\"import json; json.dump({'metrics': {'acc': {'value': 0.75, 'color': 'red'}}}, open('summary.json', 'w'))\\""
'''

PHASES_TOML = '''\
[phases]
exec.stage-sourcecode = "touch src-made"
exec.stage-runtime = "touch runtime-made"
exec.stage-dependencies = "touch dep-made"
exec.run = "touch run-made"
exec.finalize = "touch final-made"
'''

SOURCECODE_TOML = '''\
[default]
exec = "ls"

[only-py]
exec = "ls"
sourcecode = "*.py"

[no-data]
exec = "ls"
sourcecode = "-notes.txt"

[all]
exec = "ls"
sourcecode = "**/*"
'''


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("TERM", "unknown")
    monkeypatch.setenv("COLUMNS", "80")


def _project(tmp_path, files: dict[str, str | bytes], runs: str = ".gage/runs"):
    project = tmp_path / "project"
    (project / runs).mkdir(parents=True)
    for name, content in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return project


def _latest(project, runs: str = ".gage/runs"):
    return RunStore(project / runs).list_runs()[0]


def _meta_json(run, name: str):
    with MetaReader(run.meta_dir) as meta:
        return meta.read_json(name)


def _manifest(run) -> list[tuple[str, str]]:
    with MetaReader(run.meta_dir) as meta:
        text = meta.read_text("manifest") or ""
    return sorted((line.split(" ", 2)[0], line.split(" ", 2)[2]) for line in text.splitlines() if line)


def test_hello_flags_and_output(gage_cli, tmp_path, env):
    project = _project(tmp_path, {
        "gage.toml": '[hello]\ndescription = """\nSay hello.\n\nA greeting.\n"""\nexec = "python greet.py"\nconfig = "greet.py"\n',
        "greet.py": GREETER,
    })
    code, out, _ = gage_cli("run", "-y", cwd=project)
    assert (code, out) == (0, "Hello, Joe\n")
    code, out, _ = gage_cli("run", "who=Moon", "-y", cwd=project)
    assert out == "Hello, Moon\n"
    run = _latest(project)
    assert _meta_json(run, "config.json") == {"count": 1, "who": "Moon"}
    assert _meta_json(run, "summary.json") == {"metrics": {}, "attributes": {}}
    assert _manifest(run) == [("s", "gage.toml"), ("s", "greet.py")]
    code, out, _ = gage_cli("show", "--output", cwd=project)
    assert out == "Hello, Moon\n"
    code, out, _ = gage_cli("run", "--help-op", cwd=project)
    assert out.splitlines()[:5] == ["Usage: gage run hello", "", "  Say hello.", "", "  A greeting."]


@pytest.mark.parametrize(
    "op,flags,config",
    [
        ("greet", [], {"who": "Joe"}),
        ("greet-string", ["who=Ann"], {"who": "Ann"}),
        ("greet-list", [], {"who": "Joe"}),
        ("greet-all", ["who=Mike", "count=2"], {"count": 2, "who": "Mike"}),
    ],
)
def test_config_spellings(gage_cli, tmp_path, env, op, flags, config):
    project = _project(tmp_path, {"gage.toml": CONFIG_TOML, "greet.py": GREETER})
    code, out, err = gage_cli("run", op, *flags, "-y", cwd=project)
    assert code == 0, err
    assert out == f"Hello, {config['who']}\n" * config.get("count", 1)
    assert _meta_json(_latest(project), "config.json") == config


@pytest.mark.parametrize(
    "op,summary",
    [
        ("report", {"attributes": {"kind": "demo"}, "metrics": {"speed": 0.5}}),
        ("report-named", {"attributes": {"kind": "demo"}, "metrics": {"speed": 0.5}}),
        ("report-toml", {"attributes": {"kind": "demo"}, "metrics": {"speed": 0.5}}),
        ("report-meta", {"attributes": {}, "metrics": {"acc": {"value": 0.75, "color": "red"}}}),
    ],
)
def test_summaries(gage_cli, tmp_path, env, op, summary):
    project = _project(tmp_path, {"gage.toml": SUMMARY_TOML, "report.py": REPORT})
    code, _out, err = gage_cli("run", op, "-y", cwd=project)
    assert code == 0, err
    run = _latest(project)
    assert _meta_json(run, "summary.json") == summary
    code, out, _ = gage_cli("show", "--summary", cwd=project)
    rows = [line.split() for line in out.splitlines()[1:]]
    expected = [[k, str(v), "attribute"] for k, v in summary["attributes"].items()] + [
        [k, str(v["value"] if isinstance(v, dict) else v), "metric"] for k, v in summary["metrics"].items()
    ]
    assert rows == expected


def test_summary_listing(gage_cli, tmp_path, env):
    project = _project(tmp_path, {"gage.toml": SUMMARY_TOML, "report.py": REPORT})
    for op in ("report", "report-toml", "report-meta"):
        assert gage_cli("run", op, "-y", "-q", cwd=project)[0] == 0
    code, out, _ = gage_cli("ls", cwd=project)
    rows = [line.split() for line in out.splitlines()[1:]]
    assert [(r[0], r[2]) for r in rows] == [("1", "report-meta"), ("2", "report-toml"), ("3", "report")]
    assert all("completed" in r for r in rows)
    assert rows[0][-1] == "acc=0.75" and rows[1][-1] == "speed=0.5"


def test_phases_file_types(gage_cli, tmp_path, env):
    project = _project(tmp_path, {"gage.toml": PHASES_TOML})
    code, _out, err = gage_cli("run", "-y", "-q", cwd=project)
    assert code == 0, err
    assert _manifest(_latest(project)) == [
        ("d", "dep-made"), ("g", "final-made"), ("g", "run-made"), ("r", "runtime-made"),
        ("s", "gage.toml"), ("s", "src-made"),
    ]
    code, out, _ = gage_cli("show", "--files", cwd=project)
    types = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert types == {"final-made": "generated", "run-made": "generated", "dep-made": "dependency",
                     "gage.toml": "source", "src-made": "source", "runtime-made": "runtime"}


@pytest.mark.parametrize(
    "op,files",
    [
        ("default", [".gitignore", "gage.toml", "hello.py", "notes.txt"]),
        ("only-py", ["hello.py"]),
        ("no-data", [".gitignore", "gage.toml", "hello.py"]),
        ("all", [".gitignore", "gage.toml", "hello.py", "hello.pyc", "notes.txt"]),
    ],
)
def test_sourcecode_rules(gage_cli, tmp_path, env, op, files):
    project = _project(tmp_path, {
        "gage.toml": SOURCECODE_TOML, "hello.py": 'print("hi")\n', "notes.txt": "some data\n",
        ".gitignore": "*.pyc\n", "hello.pyc": b"\x00\x01\x02binary",
    })
    code, _out, err = gage_cli("run", op, "-y", "-q", cwd=project)
    assert code == 0, err
    assert [path for _type, path in _manifest(_latest(project))] == files
    code, out, _ = gage_cli("run", op, "--preview", "--json", cwd=project)
    assert json.loads(out)["sourcecode"]["paths"] == files


def test_runs_dir_from_yaml(gage_cli, tmp_path, env):
    project = _project(
        tmp_path,
        {"gage.yaml": "$runs-dir: .runs\n\nhello:\n  exec: python hello.py\n  description: Says hello\n",
         "hello.py": 'print("Hello!")\n'},
        runs=".runs",
    )
    code, out, _ = gage_cli("run", "-y", cwd=project)
    assert (code, out) == (0, "Hello!\n")
    run = _latest(project, ".runs")
    assert _manifest(run) == [("s", "gage.yaml"), ("s", "hello.py")]
    code, out, _ = gage_cli("ops", cwd=project)
    assert out.splitlines()[1].split() == ["hello", "Says", "hello"]
    code, out, _ = gage_cli("check", "-v", cwd=project)
    assert f"runs_directory         {project / '.runs'}" in out
