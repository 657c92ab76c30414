"""Cold listings report progress with the runs read so far (newest
first), and the index gives a fast unchecked first answer."""

from __future__ import annotations

from helpers.meta_runs import make_run

from gage_core.store.ids import new_run_id
from gage_core.store.store import RunStore


def test_cold_listing_reports_progress_newest_first(tmp_path):
    ids = [make_run(tmp_path, run_id=new_run_id()) for _ in range(600)]
    calls = []
    runs = RunStore(tmp_path).list_runs(progress=lambda done, total, so_far: calls.append((done, total, so_far)))
    assert len(runs) == 600
    assert [c[0] for c in calls] == [249, 499]  # every 250 runs read
    assert all(total == 600 for _, total, _ in calls)
    first = calls[0][2]
    assert len(first) == 249
    # Ids are time ordered: the part shown first is the newest runs.
    assert {r.id for r in first} == set(sorted(ids, reverse=True)[:249])


def test_cached_runs_answers_from_the_index(tmp_path):
    run_id = make_run(tmp_path)
    store = RunStore(tmp_path)
    assert store.cached_runs() == []  # no index yet
    [run] = store.list_runs()
    assert [r.id for r in store.cached_runs()] == [run_id]
    # Unchecked: a run made since is not there until the next listing.
    make_run(tmp_path)
    assert len(store.cached_runs()) == 1
    assert len(store.list_runs()) == 2
    assert len(store.cached_runs()) == 2
