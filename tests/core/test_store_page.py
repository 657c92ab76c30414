"""The first page of a listing from the run index: the same runs as a
full listing, kept right when runs change, are added or vanish, and with
many processes writing at once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from gage_core.store import layout
from gage_core.store.attribute_log import append_user_attrs
from gage_core.store.store import RunStore
from gage_core.store.trash import mark_container
from helpers.meta_runs import make_run


def _age(root, seconds: float = 60) -> None:
    t = time.time() - seconds
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.utime(os.path.join(dirpath, name), (t, t))
    os.utime(root, (t, t))


def _ids(runs):
    return [r.id for r in runs]


def _same_as_full_listing(store: RunStore, limit: int = 1000) -> None:
    full = store.list_runs()
    page = store.newest_runs(limit)
    assert _ids(page.runs) == _ids(full[:limit])
    assert page.total == len(full)
    for a, b in zip(page.runs, full):
        assert (a.status, a.label, a.tags, a.metrics, a.container) == (b.status, b.label, b.tags, b.metrics, b.container)


def test_page_is_the_head_of_the_full_listing(tmp_path):
    made = [make_run(tmp_path, {"proc/exit": "0", "started": str(1_700_000_000_000_000 + i)}) for i in range(30)]
    _age(tmp_path)
    store = RunStore(tmp_path)
    page = store.newest_runs(10)  # builds the index
    assert _ids(page.runs) == list(reversed(made))[:10] and page.total == 30
    assert _ids(store.newest_runs(10).runs) == list(reversed(made))[:10]
    assert store.newest_runs(0).total == 30
    assert store.newest_runs(10, project=lambda pdir, pid: False).total == 0


def test_page_follows_changes_of_aged_runs(tmp_path):
    ids = [make_run(tmp_path, {"proc/exit": "0", "started": str(1_700_000_000_000_000 + i)}) for i in range(5)]
    _age(tmp_path)
    store = RunStore(tmp_path)
    store.newest_runs(3)
    _age(tmp_path)
    # A label on a run with a user dir already (its dir mtime moves only).
    append_user_attrs(layout.user_dir(tmp_path, ids[-1]), set={"label": "one"})
    _age(tmp_path)
    append_user_attrs(layout.user_dir(tmp_path, ids[-1]), set={"label": "two"})
    assert store.newest_runs(3).runs[0].label == "two"
    # Deleted, restored, deleted again: the last marker lands in an existing dir.
    run = store.get(ids[-1])
    for container in ("trash", "active", "trash"):
        mark_container(run, container)
        _age(tmp_path)
    assert ids[-1] not in _ids(store.newest_runs(3).runs)
    _same_as_full_listing(store)
    # A new run and a purged one.
    new = make_run(tmp_path, {"started": str(1_800_000_000_000_000)})
    shutil.rmtree(layout.meta_dir(tmp_path, ids[-2]))
    _age(tmp_path)
    page = store.newest_runs(3)
    assert page.runs[0].id == new and ids[-2] not in _ids(page.runs)
    _same_as_full_listing(store)
    # A staged run that finished (its status column is re-checked).
    meta = layout.meta_dir(tmp_path, new)
    (meta / "proc").mkdir()
    (meta / "proc" / "exit").write_text("1")
    _age(tmp_path)
    assert store.newest_runs(3).runs[0].status == "error"


def test_page_after_the_index_is_deleted(tmp_path):
    for i in range(20):
        make_run(tmp_path, {"proc/exit": "0", "started": str(1_700_000_000_000_000 + i)})
    store = RunStore(tmp_path)
    before = _ids(store.newest_runs(5).runs)
    store.clear_index()
    assert _ids(store.newest_runs(5).runs) == before
    _same_as_full_listing(store)


_WRITER = """
import sys, time
sys.path.insert(0, sys.argv[3])
from helpers.meta_runs import make_run
runs_dir, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    rid = make_run(__import__("pathlib").Path(runs_dir), {"started": str(time.time_ns() // 1000)})
    meta = __import__("pathlib").Path(runs_dir) / (rid + ".meta")
    (meta / "proc").mkdir()
    (meta / "summary.json").write_text('{"metrics": {"loss": %d}}' % i)
    (meta / "proc" / "exit").write_text("0")
"""

_LISTER = """
import sys
from gage_core.store.store import RunStore
store = RunStore(sys.argv[1])
for i in range(int(sys.argv[2])):
    if i % 7 == 3:
        store.clear_index()
    page = store.newest_runs(20)
    assert len(page.runs) <= 20 and page.total >= len(page.runs)
    if i % 5 == 0:
        store.list_runs()
"""


def test_concurrent_writers_and_listers_agree_with_the_meta(tmp_path):
    tests_dir = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([tests_dir, os.environ.get("PYTHONPATH", "")]))
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), "25", tests_dir], env=env)
        for _ in range(4)
    ]
    listers = [subprocess.Popen([sys.executable, "-c", _LISTER, str(tmp_path), "30"], env=env) for _ in range(2)]
    assert [p.wait(timeout=300) for p in writers + listers] == [0] * 6
    store = RunStore(tmp_path)
    truth = {r.id: r for r in RunStore(tmp_path, use_index=False).list_runs()}
    assert len(truth) == 100
    page = store.newest_runs(1000)
    assert page.total == 100
    assert {r.id: (r.status, r.metrics) for r in page.runs} == {
        r.id: (r.status, r.metrics) for r in truth.values()
    }
    indexed = {r.id: (r.status, r.metrics) for r in store.cached_runs()}
    assert indexed == {r.id: (r.status, r.metrics) for r in truth.values()}
