"""The example project's pipeline end to end, as the README's Gagefile
comment says: prepare -> train -> evaluate, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from gage_core.store.store import RunStore


def test_example_pipeline(gage_cli, example_project):
    code, out, err = gage_cli("run", "prepare", "-y", cwd=example_project)
    assert code == 0, err
    assert "wrote 300 rows to train.csv" in out
    code, out, err = gage_cli("run", "train", "epochs=3", "delay=0", "-y", cwd=example_project)
    assert code == 0, err
    assert "epoch 3/3" in out
    code, out, err = gage_cli("run", "evaluate", "-y", cwd=example_project)
    assert code == 0, err
    assert "test_accuracy:" in out

    evaluate, train, prepare = RunStore(example_project / ".gage" / "runs").list_runs()
    assert [r.op_name for r in (prepare, train, evaluate)] == ["prepare", "train", "evaluate"]
    assert [r.status for r in (prepare, train, evaluate)] == ["completed"] * 3
    assert train.config["epochs"] == 3
    assert isinstance(evaluate.metrics["test_accuracy"], (int, float))
    assert 0.0 <= evaluate.metrics["test_accuracy"] <= 1.0

    deps = json.loads((Path(f"{evaluate.run_dir}.meta") / "deps.json").read_text())["dependencies"]
    sources = {d["source"]["operation"]: d["source"]["run"] for d in deps}
    assert sources == {"train": train.id, "prepare": prepare.id}
    train_files = next(d for d in deps if d["source"]["operation"] == "train")["files"]
    assert "model.json" in {f["path"] for f in train_files}

    # Every run of the pipeline checks out.
    for run in (prepare, train, evaluate):
        code, out, _ = gage_cli("check", run.id, "--format", "concise", cwd=example_project)
        assert code == 0 and out == f"{run.name}: ok (finished run)\n"
