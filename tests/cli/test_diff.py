"""gage diff (and gage_core.compare.diff): flags, source files by manifest hash
with unified diffs, output diff, metrics side by side; limits for big and
binary files; JSON; errors."""

from __future__ import annotations

import json

import pytest

from gage_core.compare.diff import MISSING, diff_runs
from gage_core.store.store import RunStore
from helpers.demo_store import DEMO_RUN_IDS, write_demo_store


@pytest.fixture
def two_runs(gage_cli, example_project):
    assert gage_cli("run", "prepare", "-y", "-q", cwd=example_project)[0] == 0
    for lr in ("0.1", "0.5"):
        code, _, err = gage_cli("run", "train", f"lr={lr}", "epochs=3", "delay=0", "-y", "-q", cwd=example_project)
        assert code == 0, err
    return example_project


def test_diff_two_latest_runs(gage_cli, two_runs):
    code, out, err = gage_cli("diff", cwd=two_runs)
    assert code == 0, err
    runs = RunStore(two_runs / ".gage" / "runs").list_runs()
    older, newer = runs[1], runs[0]
    assert out.splitlines()[0].startswith(f"{older.name} (train, completed)")
    assert "Flags: 1 differ, 3 the same" in out
    assert "lr" in out and "0.1" in out and "0.5" in out
    assert "Source files: 1 differ, 1 the same" in out
    assert "changed  train.py  (source)" in out
    assert f"--- {older.name}/train.py" in out and "-lr = 0.1" in out and "+lr = 0.5" in out
    assert f"+++ {newer.name}/output" in out
    assert "-epoch 1/3 step=1 loss=" in out
    assert "Metrics" in out and "change" in out


def test_diff_sections_and_json(gage_cli, two_runs):
    code, out, _ = gage_cli("diff", "2", "1", "--flags", cwd=two_runs)
    assert code == 0 and "Flags:" in out and "Output" not in out and "Metrics" not in out
    code, out, _ = gage_cli("diff", "1", "2", "--metrics", cwd=two_runs)
    assert "Metrics" in out and "Flags" not in out
    code, out, _ = gage_cli("diff", "2", "1", "--json", cwd=two_runs)
    data = json.loads(out)
    assert [f["name"] for f in data["flags"]] == ["lr"]
    assert data["flags"][0]["a"] == 0.1 and data["flags"][0]["b"] == 0.5
    assert data["files"][0]["path"] == "train.py" and data["files"][0]["status"] == "changed"
    assert data["output"]["diff"][0].startswith("---")
    assert {m["name"] for m in data["metrics"]} >= {"loss", "accuracy"}
    # All files: dependency and generated files are compared too.
    code, out, _ = gage_cli("diff", "2", "1", "--files", "--all-files", "--json", cwd=two_runs)
    paths = {f["path"] for f in json.loads(out)["files"]}
    assert "model.json" in paths and "train.py" in paths


def test_diff_limits_lines(gage_cli, two_runs):
    code, out, _ = gage_cli("diff", "2", "1", "--output", "-n", "3", cwd=two_runs)
    assert code == 0 and "more diff lines (use -n to show more)" in out


def test_diff_errors(gage_cli, example_project):
    code, _, err = gage_cli("diff", cwd=example_project)
    assert code == 1 and "need two runs" in err
    code, _, err = gage_cli("diff", "1", cwd=example_project)
    assert code == 1 and "two runs" in err
    assert "Traceback" not in err


def _demo(tmp_path):
    runs_dir = write_demo_store(tmp_path)
    store = RunStore(runs_dir)
    return runs_dir, store


def test_core_missing_flags_added_removed_binary_and_big_files(tmp_path):
    runs_dir, store = _demo(tmp_path)
    a_id, b_id = DEMO_RUN_IDS[0], DEMO_RUN_IDS[1]  # prepare vs train
    ra, rb = runs_dir / a_id, runs_dir / b_id
    (ra / "same.py").write_text("x = 1\n")
    (rb / "same.py").write_text("x = 1\n")
    (ra / "bin.py").write_bytes(b"\0\1\2")
    (rb / "bin.py").write_bytes(b"\0\1\3")
    (ra / "big.py").write_text("a\n" * 100)
    (rb / "big.py").write_text("b\n" * 100)
    (ra / "gone.py").write_text("")
    (rb / "new.py").write_text("")
    (runs_dir / f"{a_id}.meta" / "manifest").write_text(
        "s 1 same.py\ns 2 bin.py\ns 3 big.py\ns 4 gone.py\ng 9 out.bin\n")
    (runs_dir / f"{b_id}.meta" / "manifest").write_text(
        "s 1 same.py\ns 5 bin.py\ns 6 big.py\ns 7 new.py\ng 8 out.bin\n")
    a, b = store.get(a_id), store.get(b_id)
    result = diff_runs(a, b, store, max_file_bytes=100)
    by_path = {f.path: f for f in result.files}
    assert set(by_path) == {"bin.py", "big.py", "gone.py", "new.py"}
    assert by_path["gone.py"].status == "removed" and by_path["new.py"].status == "added"
    assert by_path["bin.py"].diff.note == "binary file"
    assert "larger than 100 bytes" in by_path["big.py"].diff.note
    assert result.same_files == 1
    flags = {k: (x, y) for k, x, y in result.flags}
    assert flags["samples"] == (400, MISSING) and flags["lr"] == (MISSING, 0.1)
    metrics = {k: (x, y) for k, x, y in result.metrics}
    assert metrics["loss"] == (MISSING, 0.1826)
    everything = diff_runs(a, b, store, all_files=True)
    assert "out.bin" in {f.path for f in everything.files}


def test_core_output_diff_truncated(tmp_path):
    runs_dir, store = _demo(tmp_path)
    a, b = store.get(DEMO_RUN_IDS[1]), store.get(DEMO_RUN_IDS[2])
    result = diff_runs(a, b, store, max_diff_lines=5, flags=False, files=False, metrics=False)
    assert len(result.output.lines) == 5 and result.output.truncated > 0
    assert result.flags == [] and result.metrics == []
    result = diff_runs(a, b, store, max_output_bytes=60)
    assert "first 60 bytes" in result.output.note
