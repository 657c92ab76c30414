"""`gage run --preview [--json]` and the example pipeline through the CLI."""

from __future__ import annotations

import json


def test_preview_plain(gage_cli, example_project):
    code, out, err = gage_cli("--plain", "run", "train", "lr=0.3", "--preview", cwd=example_project)
    assert code == 0, err
    assert "Preview of train" in out and "python -u train.py" in out
    assert "lr" in out and "0.3 *" in out and "train.py#lr" in out
    assert "model_util.py" in out and "Source code: 2 files" in out
    assert "run-files: op=prepare" in out and "no completed run" in out
    assert not (example_project / ".gage" / "runs").exists() or not any(
        (example_project / ".gage" / "runs").iterdir())


def test_preview_json(gage_cli, example_project):
    code, out, err = gage_cli("run", "evaluate", "--preview", "--json", cwd=example_project)
    assert code == 0, err
    data = json.loads(out)
    assert data["operation"] == "evaluate"
    assert [d["spec"] for d in data["dependencies"]] == ["run-files: op=train", "run-files: op=prepare"]
    assert data["sourcecode"]["paths"] == ["evaluate.py", "model_util.py"]


def test_preview_unknown_flag(gage_cli, example_project):
    code, out, err = gage_cli("run", "train", "lrr=1", "--preview", cwd=example_project)
    assert code != 0 and "unknown flag 'lrr'" in err and "lr" in err


def test_example_pipeline_end_to_end(gage_cli, example_project):
    code, out, err = gage_cli("run", "prepare", "-y", "-q", cwd=example_project)
    assert code == 0, err
    code, out, err = gage_cli("run", "train", "epochs=2", "delay=0", "-y", "-q", cwd=example_project)
    assert code == 0, err
    code, out, err = gage_cli("run", "evaluate", "--preview", "--json", cwd=example_project)
    deps = json.loads(out)["dependencies"]
    assert [sorted(f["path"] for f in d["files"]) for d in deps][0] == ["model.json", "test.csv", "train.csv"]
    code, out, err = gage_cli("run", "evaluate", "-y", "-q", cwd=example_project)
    assert code == 0, err
    code, out, err = gage_cli("show", "--json", cwd=example_project)
    run = json.loads(out)
    assert run["status"] == "completed" and "test_accuracy" in run["metrics"]
    assert {d["source"]["operation"] for d in run["dependencies"]} == {"train", "prepare"}
    assert {f["path"]: f["type"] for f in run["files"]}["model.json"] == "dependency"
