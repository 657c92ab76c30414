"""The dependency spellings of Gage's design notes pass ``gage check`` and
stage, in TOML, JSON with comments and YAML."""

from __future__ import annotations

import hashlib
import json

import pytest
import tomlkit
import yaml

from gage_core.store.store import RunStore

PREPARE = {"exec": "python -c \"open('data.csv', 'w').write('a,b\\n')\""}
TRAIN_EXEC = "python -c \"print(open('data.csv').read())\""

# name -> (one depends entry, file the staged run must hold)
SPELLINGS = {
    "type-runfiles": ({"type": "runfiles", "run-select": "op=prepare"}, "data.csv"),
    "run.select": ({"run.select": "op=prepare"}, "data.csv"),
    "run-select": ({"run-select": "op=prepare"}, "data.csv"),
    "operation": ({"operation": "prepare"}, "data.csv"),
    "files.select": ({"run.select": "op=prepare", "files.select": "data.csv"}, "data.csv"),
    "select": ({"run-select": "op=prepare", "select": "data.csv"}, "data.csv"),
    "run-table": ({"run": {"select": "op=prepare"}, "files": {"select": "data.csv"}}, "data.csv"),
    "runfiles-string": ("runfiles: op=prepare", "data.csv"),
    "file-string": ("file: src.txt", "src.txt"),
    "dir-string": ("dir: assets", "assets/a.txt"),
    "dvcfile-string": ("dvcfile: tracked.csv", "tracked.csv"),
    "project-files.select": ({"files.select": "src.txt"}, "src.txt"),
}


def _write(project, fmt: str, dep) -> None:
    ops = {"prepare": PREPARE, "train": {"exec": TRAIN_EXEC, "depends": [dep]}}
    if fmt == "toml":
        (project / "gage.toml").write_text(tomlkit.dumps(ops))
    elif fmt == "json":
        text = json.dumps(ops, indent=2)
        # Comments anywhere and a trailing comma: JSON with comments.
        text = "// operations\n" + text.replace('"prepare": {', '"prepare": { /* first */', 1)
        text = text[: text.rindex("}")].rstrip() + ",\n}\n"
        (project / "gage.json").write_text(text)
    else:
        (project / "gage.yaml").write_text("# operations\n" + yaml.safe_dump(ops, sort_keys=False))


def _project(tmp_path):
    project = tmp_path / "proj"
    (project / "assets").mkdir(parents=True)
    (project / ".gage" / "runs").mkdir(parents=True)
    (project / "assets" / "a.txt").write_text("a")
    (project / "src.txt").write_text("src")
    data = b"x,y\n"
    md5 = hashlib.md5(data).hexdigest()
    (project / "tracked.csv.dvc").write_text(f"outs:\n- md5: {md5}\n  size: 4\n  hash: md5\n  path: tracked.csv\n")
    cache = project / ".dvc" / "cache" / "files" / "md5" / md5[:2]
    cache.mkdir(parents=True)
    (cache / md5[2:]).write_bytes(data)
    return project


@pytest.mark.parametrize("fmt", ["toml", "json", "yaml"])
@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_spelling_checks_and_stages(gage_cli, tmp_path, fmt, spelling):
    project = _project(tmp_path)
    dep, expected = SPELLINGS[spelling]
    _write(project, fmt, dep)
    code, out, err = gage_cli("check", cwd=project)
    assert code == 0, out + err
    assert "is a valid Gage file" in out
    code, _out, err = gage_cli("run", "prepare", "-y", "-q", cwd=project)
    assert code == 0, err
    code, out, err = gage_cli("run", "train", "--stage", "-y", "-q", cwd=project)
    assert code == 0, out + err
    staged = [r for r in RunStore(project / ".gage" / "runs").list_runs() if r.op_name == "train"]
    assert [r.status for r in staged] == ["staged"]
    assert (staged[0].run_dir / expected).is_file()


def test_toml_dotted_keys(gage_cli, tmp_path):
    """TOML's own dotted keys: ``run.select = ...`` is a ``run`` table."""
    project = _project(tmp_path)
    (project / "gage.toml").write_text(
        "[prepare]\n"
        f"exec = {json.dumps(PREPARE['exec'])}\n"
        "[train]\n"
        f"exec = {json.dumps(TRAIN_EXEC)}\n"
        "[[train.depends]]\n"
        'run.select = "op=prepare"\n'
        'files.select = "data.csv"\n'
    )
    assert gage_cli("check", cwd=project)[0] == 0
    assert gage_cli("run", "prepare", "-y", "-q", cwd=project)[0] == 0
    code, out, err = gage_cli("run", "train", "--preview", "--json", cwd=project)
    assert code == 0, err
    deps = json.loads(out)["dependencies"]
    assert [d["type"] for d in deps] == ["run-files"]


@pytest.mark.parametrize("fmt", ["toml", "json", "yaml"])
def test_dependency_type_in_config_says_depends(gage_cli, tmp_path, fmt):
    project = _project(tmp_path)
    ops = {"train": {"exec": TRAIN_EXEC, "config": [{"keys": "x", "type": "run-files"}]}}
    if fmt == "toml":
        text = f'[train]\nexec = {json.dumps(TRAIN_EXEC)}\n\n[[train.config]]\nkeys = "x"\ntype = "run-files"\n'
        line = 6
    elif fmt == "json":
        text = json.dumps(ops, indent=2)
        line = next(i for i, t in enumerate(text.splitlines(), 1) if '"type"' in t)
    else:
        text = yaml.safe_dump(ops, sort_keys=False)
        line = next(i for i, t in enumerate(text.splitlines(), 1) if "type:" in t)
    (project / f"gage.{fmt}").write_text(text)
    code, out, _err = gage_cli("check", "--format", "full", cwd=project)
    assert code == 1
    assert f"gage.{fmt}:{line}:" in out
    assert "unknown key 'type' in 'train.config[0]'" in out
    assert "did you mean `depends`?" in out


def test_unknown_dependency_type_still_refused(gage_cli, tmp_path):
    project = _project(tmp_path)
    _write(project, "toml", {"type": "runfile", "run.select": "op=prepare"})
    code, out, _ = gage_cli("check", cwd=project)
    assert code == 1
    assert "runfile" in out
