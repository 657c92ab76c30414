"""RunStore listing, the index cache and its correctness when runs change."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import psutil
import pytest

from gage_core.errors import RunNotFound
from gage_core.store import layout
from gage_core.store.attribute_log import append_user_attrs
from gage_core.store.ids import new_run_id, run_name
from gage_core.store.index import INDEX_DIR, INDEX_NAME, INDEX_VERSION, seal_record, unseal_record
from gage_core.store.store import RunStore
from helpers.gage012 import make_finished_run, make_stale_lock_run
from helpers.meta_runs import make_run


def _age(root, seconds: float = 60) -> None:
    """Set every mtime under ``root`` into the past (out of the racy window)."""
    t = time.time() - seconds
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.utime(os.path.join(dirpath, name), (t, t))


def _bump(path):
    """Make sure an mtime changes even on coarse clocks."""
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_list_reads_all_fields(tmp_path):
    rid = make_run(tmp_path, {
        "started": "1795471227100000", "stopped": "1795471228100000", "proc/exit": "0",
        "summary.json": json.dumps({"metrics": {"loss": {"value": 0.25, "label": "Loss"}, "acc": 0.9,
                                                "bad": "x"}, "attributes": {"label": "from summary"}}),
        "project.json": json.dumps({"project_dir": "/elsewhere", "project_id": "pid-1", "namespace": "proj"}),
        "batch": "b-1\n",
    })
    (tmp_path / f"{rid}.project").write_text("file:../..")
    [run] = RunStore(tmp_path).list_runs()
    assert run.id == rid and run.name == run_name(rid)
    assert run.status == "completed" and run.exit_code == 0
    assert run.metrics == {"loss": 0.25, "acc": 0.9}
    assert run.label == "from summary"
    assert run.config == {"lr": 0.1}
    assert run.project_dir == os.path.normpath(str(tmp_path / "../.."))
    assert run.project_id == "pid-1"
    assert run.batch_id == "b-1"
    assert run.duration_us == 1_000_000
    assert run.meta_error is None
    assert run.timestamp == 1795471227100000


def test_newest_first_and_no_opref_is_not_a_run(tmp_path):
    a = make_run(tmp_path, {"started": "100"})
    b = make_run(tmp_path, {"started": "300"})
    c = make_run(tmp_path, {"started": "200"})
    (layout.meta_dir(tmp_path, new_run_id())).mkdir()  # being created
    (tmp_path / "stray.txt").write_text("x")
    assert [r.id for r in RunStore(tmp_path).list_runs()] == [b, c, a]


def test_missing_runs_dir_lists_nothing(tmp_path):
    assert RunStore(tmp_path / "nope").list_runs() == []


def test_get(tmp_path):
    rid = make_run(tmp_path)
    store = RunStore(tmp_path)
    assert store.get(rid).id == rid
    with pytest.raises(RunNotFound):
        store.get(new_run_id())
    assert store.read_meta(rid, "opref") == b"2 proj train"


def test_corrupt_meta_is_listed_with_meta_error(tmp_path):
    bad_exit = make_run(tmp_path, {"proc/exit": "zz"})
    bad_json = make_run(tmp_path, {"proc/exit": "0", "summary.json": "{", "config.json": "[1"})
    bad_opref = make_run(tmp_path, {"opref": "9 nonsense"})
    bad_time = make_run(tmp_path, {"started": "later"})
    zipped = make_finished_run(tmp_path)
    zpath = tmp_path / f"{zipped}.meta.zip"
    zpath.write_bytes(zpath.read_bytes()[:50])
    user = layout.user_dir(tmp_path, bad_json)
    user.mkdir()
    (user / "0.json").write_text("{oops")
    runs = {r.id: r for r in RunStore(tmp_path).list_runs()}
    assert runs[bad_exit].status == "unknown" and "proc/exit" in runs[bad_exit].meta_error
    assert runs[bad_json].status == "completed" and runs[bad_json].config == {}
    assert "summary.json" in runs[bad_json].meta_error and "user attrs" in runs[bad_json].meta_error
    assert runs[bad_opref].opref.name == "?" and runs[bad_opref].meta_error
    assert runs[bad_time].started is None and "started" in runs[bad_time].meta_error
    assert runs[zipped].status == "unknown" and runs[zipped].meta_error


def test_containers(tmp_path):
    rid = make_run(tmp_path)
    store = RunStore(tmp_path)
    move = layout.move_dir(tmp_path, rid)
    move.mkdir()
    (move / f"{new_run_id()}-trash").touch()
    assert store.list_runs() == []
    [run] = store.list_runs(include_deleted=True)
    assert run.container == "trash"
    (move / f"{new_run_id()}-active").touch()  # restore: last marker wins
    assert [r.id for r in store.list_runs()] == [rid]


def _index_rows(runs_dir) -> dict:
    """``{id: (key, record)}`` read straight from the index file."""
    with sqlite3.connect(runs_dir / INDEX_NAME) as db:
        return {rid: (key, json.loads(unseal_record(rid, rec)) if rec else None)
                for rid, key, rec in db.execute("SELECT id, key, record FROM runs")}


def _poison_label(runs_dir, rid, label) -> None:
    with sqlite3.connect(runs_dir / INDEX_NAME) as db:
        (rec,) = db.execute("SELECT record FROM runs WHERE id=?", (rid,)).fetchone()
        rec = json.loads(unseal_record(rid, rec))
        rec[10] = label
        # Sealed as the index seals it: a hand edit would fail the digest.
        db.execute("UPDATE runs SET record=?, label=? WHERE id=?", (seal_record(rid, json.dumps(rec)), label, rid))


def test_index_is_written_and_used(tmp_path):
    rid = make_run(tmp_path, {"proc/exit": "0"})
    _age(tmp_path)
    store = RunStore(tmp_path)
    store.list_runs()
    assert rid in _index_rows(tmp_path)
    # Prove the second listing comes from the index: poison the record.
    _poison_label(tmp_path, rid, "from index")
    assert store.list_runs()[0].label == "from index"
    assert store.newest_runs(5).runs[0].label == "from index"
    # Deleting the index is safe.
    store.clear_index()
    assert store.list_runs()[0].label is None
    # A damaged index is ignored and rebuilt.
    (tmp_path / INDEX_NAME).write_bytes(b"SQLite format 3\x00" + b"\xff" * 3000)
    assert store.list_runs()[0].id == rid
    assert store.newest_runs(5).runs[0].id == rid
    assert list(_index_rows(tmp_path)) == [rid]
    (tmp_path / INDEX_NAME).write_text("{garbage")
    assert store.newest_runs(5).runs[0].id == rid
    with sqlite3.connect(tmp_path / INDEX_NAME) as db:
        assert db.execute("SELECT value FROM info WHERE name='version'").fetchone() == (str(INDEX_VERSION),)
    # A record of another shape is read again from the files.
    with sqlite3.connect(tmp_path / INDEX_NAME) as db:
        db.execute("UPDATE runs SET record=?", ('{"x": 1}',))
    assert store.list_runs()[0].id == rid
    assert store.newest_runs(5).runs[0].id == rid


def test_written_since_names_the_runs_another_process_told_the_index_about(tmp_path):
    ids = [make_run(tmp_path, {"proc/exit": "0"}) for _ in range(3)]
    _age(tmp_path)
    RunStore(tmp_path).list_runs()
    watcher = RunStore(tmp_path).open_index(create=False)
    mark, first = watcher.written_since(None)
    assert first == []  # the first look only marks
    assert watcher.written_since(mark) == (mark, [])  # nothing written: nothing named
    # A label from another process (as `gage label` does it).
    code = (
        "import sys; from gage_core.store import layout; from gage_core.store.attribute_log import append_user_attrs;"
        f"append_user_attrs(layout.user_dir({str(tmp_path)!r}, {ids[1]!r}), set={{'label': 'x'}}, author='t')"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    mark2, written = watcher.written_since(mark)
    assert written == [ids[1]] and mark2 != mark
    assert watcher.written_since(mark2) == (mark2, [])
    # A rebuilt index (deleted, listed again) names every run once.
    RunStore(tmp_path).clear_index()
    RunStore(tmp_path).list_runs()
    watcher.close()
    watcher = RunStore(tmp_path).open_index(create=False)
    mark3, written = watcher.written_since(mark2)
    assert sorted(written) == sorted(ids)
    assert watcher.written_since(mark3) == (mark3, [])
    watcher.close()


def test_changes_in_the_same_clock_tick_are_seen(tmp_path):
    rid = make_run(tmp_path, {"proc/exit": "0", "summary.json": '{"metrics": {"loss": 1}}'})
    store = RunStore(tmp_path)
    assert store.list_runs()[0].metrics == {"loss": 1}
    summary = layout.meta_dir(tmp_path, rid) / "summary.json"
    st = os.stat(summary)
    summary.write_text('{"metrics": {"loss": 2}}')
    os.utime(summary, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime as before
    assert store.list_runs()[0].metrics == {"loss": 2}


def test_index_follows_status_label_and_deletion(tmp_path):
    store = RunStore(tmp_path)
    rid = make_run(tmp_path)
    other = make_run(tmp_path, {"proc/exit": "1"})
    assert {r.id: r.status for r in store.list_runs()} == {rid: "staged", other: "error"}
    # Status change: started, lock, exit.
    meta = layout.meta_dir(tmp_path, rid)
    (meta / "started").write_text(str(layout.now_us()))
    (meta / "proc").mkdir()
    (meta / "proc" / "lock").write_text(str(os.getpid()))
    assert next(r for r in store.list_runs() if r.id == rid).status == "running"
    (meta / "proc" / "lock").unlink()
    (meta / "proc" / "exit").write_text("0")
    (meta / "summary.json").write_text('{"metrics": {"loss": 1.5}}')
    run = next(r for r in store.list_runs() if r.id == rid)
    assert run.status == "completed" and run.metrics == {"loss": 1.5}
    # In-place rewrite of summary.json.
    with open(meta / "summary.json", "w") as f:
        f.write('{"metrics": {"loss": 0.5}}')
    _bump(meta / "summary.json")
    assert next(r for r in store.list_runs() if r.id == rid).metrics == {"loss": 0.5}
    # Label change.
    append_user_attrs(layout.user_dir(tmp_path, rid), set={"label": "one", "tags": ["x"]})
    run = next(r for r in store.list_runs() if r.id == rid)
    assert (run.label, run.tags) == ("one", ("x",))
    append_user_attrs(layout.user_dir(tmp_path, rid), set={"label": "two"})
    _bump(layout.user_dir(tmp_path, rid))
    assert next(r for r in store.list_runs() if r.id == rid).label == "two"
    # Deletion to trash, then permanent deletion.
    move = layout.move_dir(tmp_path, other)
    move.mkdir()
    (move / f"{new_run_id()}-trash").touch()
    assert [r.id for r in store.list_runs()] == [rid]
    import shutil

    shutil.rmtree(layout.meta_dir(tmp_path, rid))
    assert store.list_runs() == []
    assert rid not in _index_rows(tmp_path)


def test_cached_running_run_turns_terminated_when_killed(tmp_path):
    proc = subprocess.Popen(["sleep", "30"])
    try:
        ct = psutil.Process(proc.pid).create_time()
        rid = make_run(tmp_path, {"started": "5", "proc/lock": f"runner {proc.pid} {ct!r}\n"})
        store = RunStore(tmp_path)
        assert store.list_runs()[0].status == "running"
        assert store.list_runs()[0].status == "running"  # from the index
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # Nothing on disk changed: the index key is the same.
        assert store.list_runs()[0].status == "terminated"
        assert _index_rows(tmp_path)[rid][1][4] == "terminated"  # status
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_gage_012_runs_list(tmp_path):
    done = make_finished_run(tmp_path, label="lbl", metrics={"loss": 0.5, "acc": {"value": 0.75}})
    stale = make_stale_lock_run(tmp_path)
    runs = {r.id: r for r in RunStore(tmp_path).list_runs()}
    assert runs[done].status == "completed" and runs[done].label == "lbl"
    assert runs[done].metrics == {"loss": 0.5, "acc": 0.75}
    assert runs[done].name == run_name(done) and len(runs[done].name) == 11
    assert runs[stale].status == "terminated"


def test_unwritable_index_still_lists(tmp_path):
    rid = make_run(tmp_path)
    (tmp_path / INDEX_NAME).mkdir(parents=True)  # cannot be read nor replaced
    assert [r.id for r in RunStore(tmp_path).list_runs()] == [rid]
    assert [r.id for r in RunStore(tmp_path).list_runs()] == [rid]
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    (tmp_path / INDEX_NAME).rmdir()
    (tmp_path / INDEX_DIR).rmdir()
    (tmp_path / INDEX_DIR).write_text("a file where the index dir goes")
    assert [r.id for r in RunStore(tmp_path).newest_runs(5).runs] == [rid]
    assert (tmp_path / INDEX_DIR).read_text() == "a file where the index dir goes"


def test_concurrent_listers_keep_a_valid_index(tmp_path):
    ids = {make_run(tmp_path, {"proc/exit": "0"}) for _ in range(30)}
    code = (
        "import sys; from gage_core.store.store import RunStore\n"
        "s = RunStore(sys.argv[1])\n"
        "for _ in range(5):\n"
        "    s.clear_index() if _ % 2 else None\n"
        "    assert len(s.list_runs()) == 30\n"
    )
    import sys

    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)]) for _ in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    # A clear racing a writer can leave the cache with fewer rows (the
    # writer's file was unlinked under it). What it holds is never another
    # run, the first page never misses a run, and the next listing fills it.
    assert set(_index_rows(tmp_path)) <= ids
    assert {r.id for r in RunStore(tmp_path).newest_runs(100).runs} == ids
    assert {r.id for r in RunStore(tmp_path).list_runs()} == ids
    assert set(_index_rows(tmp_path)) == ids
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_a_read_stopped_early_never_costs_the_index(tmp_path):
    """A reader that takes the first rows and goes: whenever its cursor is
    collected (after the connection closed too), the index stays."""
    from gage_core.store.index import RunIndex

    made = [make_run(tmp_path, {"proc/exit": "0", "started": str(1_700_000_000_000_000 + i)}) for i in range(5)]
    _age(tmp_path)
    store = RunStore(tmp_path)
    store.list_runs()

    def generation():
        with RunIndex(tmp_path) as index:
            return index.info("generation")

    before = generation()
    assert [r.id for r in store.cached_runs(limit=2)] == made[::-1][:2]
    index = RunIndex(tmp_path)
    rows = index.newest(None)
    next(rows)
    index.close()
    del rows
    assert generation() == before
    assert len(store.cached_runs()) == 5


def test_a_dir_without_runs_gets_no_index(tmp_path):
    """Listing a directory that holds no runs (a mistyped --runs) writes
    nothing into it; the first run makes the index."""
    (tmp_path / "notes.txt").write_text("mine")
    store = RunStore(tmp_path)
    assert store.list_runs() == [] and store.newest_runs(20).total == 0
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]
    run_id = make_run(tmp_path)
    assert [r.id for r in store.newest_runs(20).runs] == [run_id]
    assert (tmp_path / INDEX_NAME).is_file()
