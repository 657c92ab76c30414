"""gage run with list values and batch files: staging, status lines, exit
codes, --preview count, --stage, --background (supervisor)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gage_core.store.status import UNFINISHED
from gage_core.store.store import RunStore
from helpers.batches import NAP, NAP_GAGEFILE, max_overlap
from helpers.real_runs import wait_for


@pytest.fixture
def nap_dir(tmp_path) -> Path:
    d = tmp_path / "nap"
    d.mkdir()
    (d / "gage.toml").write_text(NAP_GAGEFILE)
    (d / "nap.py").write_text(NAP)
    return d


def _runs(d: Path):
    return RunStore(d / ".gage" / "runs").list_runs()


def test_list_values_make_one_run_each_with_status_lines(gage_cli, nap_dir):
    code, out, err = gage_cli("run", "nap", "i=[1,2]", "secs=[0,0.1]", "-y", "--max-parallel", "2", cwd=nap_dir)
    assert code == 0, err
    runs = _runs(nap_dir)
    assert len(runs) == 4 and {r.status for r in runs} == {"completed"}
    assert len({r.batch_id for r in runs}) == 1 and runs[0].batch_id
    assert sorted((r.config["i"], r.config["secs"]) for r in runs) == [(1, 0.0), (1, 0.1), (2, 0.0), (2, 0.1)]
    lines = out.splitlines()
    assert sum(" started " in l for l in lines) == 4
    assert sum(" completed in " in l for l in lines) == 4
    assert "i=1 secs=0.0" in out  # the flags that vary, on the start line
    assert "loss=" in out  # metrics on the end line
    assert lines[-1] == "4 of 4 runs completed"
    assert "i=1 step=1" not in out  # run output is not echoed
    assert max_overlap(runs) <= 2


def test_failed_run_makes_exit_code_nonzero(gage_cli, nap_dir):
    code, out, err = gage_cli("run", "nap", "i=[1,2,3]", "secs=0", "fail=2", "-y", cwd=nap_dir)
    assert code == 1
    assert "failed (exit 3)" in out
    assert "2 of 3 runs completed, 1 failed" in err
    assert sorted(r.status for r in _runs(nap_dir)) == ["completed", "completed", "error"]


def test_batch_files_and_precedence(gage_cli, nap_dir):
    (nap_dir / "a.csv").write_text("i,secs\n1,0.5\n2,0.5\n")
    (nap_dir / "b.json").write_text(json.dumps([{"fail": 7}, {"fail": 8}]))
    code, out, err = gage_cli("run", "nap", "-b", "a.csv", "--batch", "b.json", "secs=0", "-y",
                              "--max-parallel", "3", cwd=nap_dir)
    assert code == 0, err
    configs = sorted((r.config["i"], r.config["fail"], r.config["secs"]) for r in _runs(nap_dir))
    # 2 x 2 rows; secs on the command line overrides the file's 0.5.
    assert configs == [(1, 7, 0.0), (1, 8, 0.0), (2, 7, 0.0), (2, 8, 0.0)]


def test_max_runs_truncates(gage_cli, nap_dir):
    code, _, err = gage_cli("run", "nap", "i=[1,2,3,4]", "secs=0", "-m", "2", "-y", cwd=nap_dir)
    assert code == 0, err
    assert sorted(r.config["i"] for r in _runs(nap_dir)) == [1, 2]


def test_preview_lists_combinations(gage_cli, nap_dir, monkeypatch):
    monkeypatch.setenv("TERM", "unknown")
    code, out, err = gage_cli("run", "nap", "i=[1,2,3]", "secs=[0,1]", "--preview", cwd=nap_dir)
    tail = out[out.index("Batch: 6 runs (one per combination)"):].splitlines()
    assert [line.split() for line in tail[1:]] == [
        ["#", "i", "secs"], ["1", "1", "0.0"], ["2", "1", "1.0"], ["3", "2", "0.0"],
        ["4", "2", "1.0"], ["5", "3", "0.0"], ["6", "3", "1.0"],
    ]
    code, out, _ = gage_cli("run", "nap", "i=[1,2,3]", "-m", "2", "--preview", "--json", cwd=nap_dir)
    data = json.loads(out)
    assert data["runs"] == 2 and data["batch"] == [{"i": 1}, {"i": 2}]
    code, out, _ = gage_cli("run", "nap", "i=[1,2,3]", "--preview", "--json", cwd=nap_dir)
    assert json.loads(out)["runs"] == 3
    code, out, _ = gage_cli("run", "nap", "i=1", "--preview", "--json", cwd=nap_dir)
    assert json.loads(out)["runs"] == 1
    assert _runs(nap_dir) == []


def test_stage_only_and_errors(gage_cli, nap_dir):
    code, out, err = gage_cli("run", "nap", "i=[1,2]", "--stage", "-y", cwd=nap_dir)
    assert code == 0, err
    assert "2 runs staged" in out
    assert {r.status for r in _runs(nap_dir)} == {"staged"}
    code, _, err = gage_cli("run", "nap", "i=[1,x]", "-y", cwd=nap_dir)
    assert code == 1 and "flag 'i' expects an integer" in err
    code, _, err = gage_cli("run", "nap", "-b", "missing.csv", "-y", cwd=nap_dir)
    assert code == 1 and "missing.csv does not exist" in err
    code, _, err = gage_cli("run", "nap", "i=[1,2]", "--max-parallel", "0", "-y", cwd=nap_dir)
    assert code == 2 and "--max-parallel: must be 1 or more" in err
    code, _, err = gage_cli("run", "nap", "i=[1,2]", cwd=nap_dir)
    assert code == 1 and "-y" in err
    assert "Traceback" not in err
    assert len(_runs(nap_dir)) == 2


def test_background_batch_uses_supervisor(gage_cli, nap_dir):
    code, out, err = gage_cli("run", "nap", "i=[1,2,3]", "secs=0.3", "--background", "--max-parallel", "2", "-y", "-q",
                              cwd=nap_dir)
    assert code == 0, err
    assert "Batch " in out and "3 runs started in the background, at most 2 at once" in out
    def all_ended():
        runs = _runs(nap_dir)
        return runs if len(runs) == 3 and all(r.status not in UNFINISHED for r in runs) else None

    runs = wait_for(all_ended, 60, "the background batch to finish")
    assert [r.status for r in runs] == ["completed"] * 3
    assert max_overlap(runs) <= 2
    code, out, _ = gage_cli("ls", "-w", f"batch = {runs[0].batch_id}", cwd=nap_dir)
    assert out.count("nap") == 3
