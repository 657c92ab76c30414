"""Cold listings report progress with the runs read so far (newest
first), and the index gives a fast unchecked first answer."""

from __future__ import annotations

import os

from gage_core.store.store import FIRST_SCREEN, RunStore
from helpers.meta_runs import make_run, store_of_uuid4_runs


def test_cold_listing_shows_the_newest_screenful_first(tmp_path):
    made = store_of_uuid4_runs(tmp_path, 600)
    calls = []
    runs = RunStore(tmp_path).list_runs(progress=lambda done, total, so_far: calls.append((done, total, so_far())))
    assert len(runs) == 600
    done, total, first = calls[0]
    assert total == 600 and done < 600  # shown before the store was read
    newest = sorted(made, key=made.get, reverse=True)[:FIRST_SCREEN]
    assert [r.id for r in first[:FIRST_SCREEN]] == newest
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_cold_listing_is_right_when_mtimes_say_nothing(tmp_path):
    # Every meta touched at once (copied without times): still the newest.
    made = store_of_uuid4_runs(tmp_path, 300)
    for name in os.listdir(tmp_path):
        os.utime(tmp_path / name)
    calls = []
    RunStore(tmp_path).list_runs(progress=lambda done, total, so_far: calls.append(so_far()))
    newest = sorted(made, key=made.get, reverse=True)[:FIRST_SCREEN]
    assert [r.id for r in calls[0][:FIRST_SCREEN]] == newest


def test_cold_page_is_given_as_soon_as_it_is_certain(tmp_path):
    made = store_of_uuid4_runs(tmp_path, 600)
    events = []
    page = RunStore(tmp_path).newest_runs(
        20,
        progress=lambda done, total, _so_far: events.append(("progress", done, total)),
        first_page=lambda runs: events.append(("page", [r.id for r in runs])),
    )
    newest = sorted(made, key=made.get, reverse=True)[:20]
    assert [r.id for r in page.runs] == newest and page.total == 600
    told = [i for i, e in enumerate(events) if e[0] == "page"]
    assert len(told) == 1 and events[told[0]][1] == newest
    # Told while the index was still being built.
    assert any(e[0] == "progress" and e[1] < e[2] for e in events[told[0] + 1 :])


def test_cold_page_is_not_told_early_when_the_first_screen_does_not_hold_it(tmp_path):
    store_of_uuid4_runs(tmp_path, 300)
    told = []
    page = RunStore(tmp_path).newest_runs(FIRST_SCREEN + 1, first_page=told.append)
    assert told == [] and len(page.runs) == FIRST_SCREEN + 1


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
