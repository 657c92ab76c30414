"""Run preview: what would happen, nothing executed (gage_core.staging.preview)."""

from __future__ import annotations

import io
import json

from gage_core.gagefile.model import ConfigSpec, Dependency, OpDef
from gage_core.project import open_project
from gage_core.settings import settings_from
from gage_core.staging.preview import build_preview


def test_preview_example_train(example_project):
    project = open_project(settings_from(cwd=example_project))
    pv = build_preview(project, project.gagefile.ops["train"], ["lr=0.5", "epoch=3"])
    data = json.loads(json.dumps(pv.to_json()))
    assert data["operation"] == "train"
    assert [e["phase"] for e in data["exec"]] == [
        "stage-sourcecode", "stage-runtime", "stage-dependencies", "run", "finalize"]
    assert data["exec"][3]["command"] == "python -u train.py"
    flags = {f["name"]: f for f in data["flags"]}
    assert flags["lr"] == {"name": "lr", "value": 0.5, "default": 0.1, "given": True, "source": "train.py#lr"}
    assert flags["epochs"]["value"] == 20 and not flags["epochs"]["given"]
    assert data["sourcecode"]["paths"] == ["model_util.py", "train.py"]
    assert data["sourcecode"]["count"] == 2 and data["sourcecode"]["total_size"] > 0
    assert data["dependencies"][0]["type"] == "run-files"
    assert "no completed run" in data["dependencies"][0]["error"]
    assert any("unknown flag 'epoch'" in p and "epochs" in p for p in data["problems"])
    # nothing written
    assert not (example_project / ".gage").exists()


def test_preview_stage_sourcecode_and_project_dep(tmp_path):
    (tmp_path / "data.csv").write_text("a\n")
    (tmp_path / "train.py").write_text("lr = 0.1\nprint('SHOULD NOT RUN')\n")
    (tmp_path / "marker").write_text("")
    op = OpDef(
        name="train",
        exec={"stage-sourcecode": "touch SHOULD_NOT_EXIST", "run": ("python", "train.py", "$project_dir")},
        config=(ConfigSpec(keys=("train.py",)),),
        depends=(Dependency("project-files", files=("data.csv",)), Dependency("dvcfile", files=("x.csv",))),
        sourcecode=("*.py",),
    )

    class P:
        dir = tmp_path
        runs_dir = tmp_path / ".gage" / "runs"

    pv = build_preview(P(), op, {"lr": "0.3"})
    data = pv.to_json()
    assert data["exec"][0]["command"] == "touch SHOULD_NOT_EXIST"
    assert data["exec"][3]["command"] == ["python", "train.py", str(tmp_path)]
    assert data["flags"][0]["value"] == 0.3
    assert data["sourcecode"]["paths"] == ["train.py"]
    assert data["dependencies"][0]["files"] == [{"path": "data.csv", "from": "data.csv", "link": False}]
    assert "not tracked by DVC" in data["dependencies"][1]["error"]
    assert not (tmp_path / "SHOULD_NOT_EXIST").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "marker", "train.py"]


def test_preview_rendering(example_project):
    from gage_tui.cli.commands.run.preview import show_preview
    from gage_tui.cli.env import CliEnv
    from gage_tui.cli.output import Output

    project = open_project(settings_from(cwd=example_project))
    env = CliEnv(settings=settings_from(cwd=example_project), plain=True)
    buf, err = io.StringIO(), io.StringIO()
    env.__dict__["out"] = Output(plain=True, file=buf, err_file=err)
    code = show_preview(env, project, project.gagefile.ops["prepare"], ["seed=3"], as_json=False)
    text = buf.getvalue()
    assert "Preview of prepare" in text and "python -u prepare.py" in text
    assert "prepare.py" in text and "Source code:" in text
    buf.truncate(0), buf.seek(0)
    show_preview(env, project, project.gagefile.ops["prepare"], [], as_json=True)
    assert json.loads(buf.getvalue())["operation"] == "prepare"
    assert code in (0, 1)
