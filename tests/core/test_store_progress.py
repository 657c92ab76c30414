"""Cold listings report progress with the runs read so far (newest
first), and the index gives a fast unchecked first answer."""

from __future__ import annotations

import os
import random
import time
import uuid
from pathlib import Path

from gage_core.store.store import FIRST_SCREEN, RunStore
from helpers.meta_runs import make_run


def _store_of_uuid4_runs(runs_dir: Path, count: int) -> dict[str, int]:
    """Runs with random (uuid4) ids, as Gage 0.1.2 makes them, started at
    shuffled times; each meta's mtime is a little after its run's time, as
    when the run wrote it. Returns id -> start time (µs)."""
    rng = random.Random(7)
    now = time.time_ns() // 1000 - (count + 10) * 60_000_000
    starts = list(range(count))
    rng.shuffle(starts)
    made = {}
    for n in starts:
        rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        t = now + n * 60_000_000
        make_run(runs_dir, {"started": str(t)}, run_id=rid)
        mt = (t + rng.randrange(1, 30_000_000)) * 1000
        meta = runs_dir / f"{rid}.meta"
        for p in [meta, *meta.iterdir()]:
            os.utime(p, ns=(mt, mt))
        made[rid] = t
    return made


def test_cold_listing_shows_the_newest_screenful_first(tmp_path):
    made = _store_of_uuid4_runs(tmp_path, 600)
    calls = []
    runs = RunStore(tmp_path).list_runs(progress=lambda done, total, so_far: calls.append((done, total, so_far)))
    assert len(runs) == 600
    done, total, first = calls[0]
    assert total == 600 and done < 600  # shown before the store was read
    newest = sorted(made, key=made.get, reverse=True)[:FIRST_SCREEN]
    assert [r.id for r in first[:FIRST_SCREEN]] == newest
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_cold_listing_is_right_when_mtimes_say_nothing(tmp_path):
    # Every meta touched at once (copied without times): still the newest.
    made = _store_of_uuid4_runs(tmp_path, 300)
    for name in os.listdir(tmp_path):
        os.utime(tmp_path / name)
    calls = []
    RunStore(tmp_path).list_runs(progress=lambda done, total, so_far: calls.append(so_far))
    newest = sorted(made, key=made.get, reverse=True)[:FIRST_SCREEN]
    assert [r.id for r in calls[0][:FIRST_SCREEN]] == newest


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
