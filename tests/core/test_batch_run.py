"""Running batches: real runs of a short sleep op through the runner, the
parallel limit checked on the recorded started/stopped timestamps, the
detached supervisor, and staging failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from gage_core.errors import StagingError
from gage_core.process.batch_runner import run_batch
from gage_core.project import open_project
from gage_core.settings import settings_from
from gage_core.staging.batch import launch_runs, plan_batch, stage_batch
from gage_core.staging.flags import parse_flag_assigns
from gage_core.store.status import UNFINISHED
from gage_core.store.store import RunStore
from helpers.batches import NAP, NAP_GAGEFILE, max_overlap
from helpers.real_runs import wait_for


@pytest.fixture
def nap_project(tmp_path) -> Path:
    d = tmp_path / "nap"
    d.mkdir()
    (d / "gage.toml").write_text(NAP_GAGEFILE)
    (d / "nap.py").write_text(NAP)
    return d


def _project(path: Path):
    return open_project(settings_from(cwd=path))


def _stage(path: Path, op: str, *flags: str):
    project = _project(path)
    opdef = project.gagefile.ops[op]
    configs = plan_batch(project, opdef, parse_flag_assigns(list(flags)))
    return project, stage_batch(project, opdef, configs)


def _wait_all_ended(store: RunStore, ids, timeout=90.0):
    def ended():
        runs = [store.get(i) for i in ids]
        return runs if all(r.stopped and r.status not in UNFINISHED for r in runs) else None

    return wait_for(ended, timeout, "the batch to finish")


def test_gagefile_fixture_parses(nap_project):
    ops = _project(nap_project).gagefile.ops
    assert ops["picky"].exec["stage-runtime"].startswith("grep")
    assert not ops["nap"].broken and not ops["picky"].broken


def test_sequential_batch_never_overlaps(nap_project):
    project, (batch_id, ids) = _stage(nap_project, "nap", "i=[1,2,3]", "secs=0.2")
    store = RunStore(project.runs_dir)
    assert [store.get(i).status for i in ids] == ["staged"] * 3
    started, ended = [], []
    result = run_batch([project.runs_dir / i for i in ids], 1,
                       on_start=lambda br: started.append(br.run_id), on_end=lambda br: ended.append(br.run_id))
    assert [br.exit_code for br in result] == [0, 0, 0]
    assert started == ids and ended == ids
    runs = [store.get(i) for i in ids]
    assert all(r.batch_id == batch_id for r in runs) and batch_id
    assert [r.config["i"] for r in runs] == [1, 2, 3]
    assert max_overlap(runs) == 1
    for a, b in zip(runs, runs[1:]):
        assert b.started >= a.stopped


def test_parallel_limit_holds_and_is_used(nap_project):
    project, (_, ids) = _stage(nap_project, "nap", "i=[1,2,3,4,5]", "secs=1.5", "fail=4")
    result = run_batch([project.runs_dir / i for i in ids], 2)
    assert [br.exit_code for br in result] == [0, 0, 0, 3, 0]
    runs = [RunStore(project.runs_dir).get(i) for i in ids]
    assert [r.status for r in runs] == ["completed"] * 3 + ["error", "completed"]
    # Never more than 2 at once; with 1.5 s runs started together, 2 at once.
    assert max_overlap(runs) == 2


def test_supervisor_keeps_limit_after_caller(nap_project):
    project = _project(nap_project)
    opdef = project.gagefile.ops["nap"]
    ids = launch_runs(project, opdef, parse_flag_assigns(["i=[1,2,3,4]", "secs=0.5"]), label="grid", max_parallel=2)
    assert len(ids) == 4
    store = RunStore(project.runs_dir)
    runs = _wait_all_ended(store, ids)
    assert [r.status for r in runs] == ["completed"] * 4
    assert len({r.batch_id for r in runs}) == 1 and runs[0].batch_id
    assert {r.label for r in runs} == {"grid"}
    assert max_overlap(runs) <= 2
    batches = project.runs_dir / ".batches"
    wait_for(lambda: not list(batches.glob("*.json")), 10, "the supervisor to remove its spec when done")
    log = next(batches.glob("*.log")).read_text()
    assert "4 runs, at most 2 at once" in log and "batch done: 0 failed" in log
    # The batch id is a filter field, and the store index knows it.
    from gage_core.query.filter import parse_filter

    flt = parse_filter(f"batch = {runs[0].batch_id}")
    assert sorted(r.id for r in store.list_runs() if flt.matches(r)) == sorted(ids)


def test_single_run_launch_has_no_batch(nap_project):
    project = _project(nap_project)
    [run_id] = launch_runs(project, project.gagefile.ops["nap"], {"secs": 0})
    [run] = _wait_all_ended(RunStore(project.runs_dir), [run_id])
    assert run.batch_id is None and run.status == "completed"


def test_staging_failure_ends_the_staged_runs(nap_project):
    project = _project(nap_project)
    opdef = project.gagefile.ops["picky"]
    configs = plan_batch(project, opdef, parse_flag_assigns(["i=[1,2,3]"]))
    with pytest.raises(StagingError):
        stage_batch(project, opdef, configs)
    runs = RunStore(project.runs_dir).list_runs()
    # Run 1 was staged, run 2 failed staging, run 3 was never made.
    assert len(runs) == 2
    assert {r.status for r in runs} == {"error"}


def test_skips_runs_no_longer_staged(nap_project):
    project, (_, ids) = _stage(nap_project, "nap", "i=[1,2]", "secs=0")
    from gage_core.staging.lifecycle import fail_run

    fail_run(project.runs_dir / f"{ids[0]}.meta", 1, "test: cancelled")
    result = run_batch([project.runs_dir / i for i in ids], 1)
    assert result[0].skipped and result[0].exit_code is None
    assert result[1].exit_code == 0
