"""Labels, tags and comments in the attribute log; delete/restore/purge;
project association after a move. Real runs on disk."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from gage_core.errors import GageError, RunStateError
from gage_core.store import annotate
from gage_core.store.associate import associate, associate_candidates, associate_runs, dissociate, project_ref
from gage_core.store.attribute_log import read_user_attrs, user_attr_entries
from gage_core.store.store import RunStore
from gage_core.store.trash import delete_runs, purge_runs, restore_runs
from helpers.meta_runs import make_run


@pytest.fixture
def store(tmp_path):
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    return RunStore(runs_dir, use_index=False)


def _finished(store, **files):
    base = {"started": "1795471227100000", "stopped": "1795471228100000", "proc/exit": "0"}
    base.update(files)
    run_id = make_run(store.runs_dir, base)
    return store.get(run_id)


def _read_only(run):
    """Make the run's files read-only as a finished run's are."""
    for root, _dirs, files in os.walk(run.run_dir):
        for f in files:
            os.chmod(os.path.join(root, f), 0o444)
    for root, _dirs, files in os.walk(run.meta_dir):
        for f in files:
            os.chmod(os.path.join(root, f), 0o444)


def test_label_round_trip_on_read_only_run(store):
    run = _finished(store)
    run.run_dir.mkdir(exist_ok=True)
    (run.run_dir / "train.py").write_text("print(1)")
    _read_only(run)
    assert annotate.set_label(run, "  first try \n") == "first try"
    assert store.get(run.id).label == "first try"
    annotate.set_label(run, "second")
    assert annotate.get_label(run) == "second"
    annotate.clear_label(run)
    assert store.get(run.id).label is None
    entries = user_attr_entries(run.user_dir)
    assert [e["set"] for _n, e in entries] == [{"label": "first try"}, {"label": "second"}, {}]
    assert entries[-1][1]["delete"] == ["label"]
    assert all(stat.S_IMODE(os.stat(run.user_dir / n).st_mode) == 0o444 for n, _ in entries)
    with pytest.raises(annotate.AnnotationError):
        annotate.set_label(run, "   ")


def test_tags_round_trip(store):
    run = _finished(store)
    assert annotate.add_tags(run, ["a", "b"]) == ("a", "b")
    assert annotate.add_tags(run, ["b", "c"]) == ("a", "b", "c")
    n = len(user_attr_entries(run.user_dir))
    assert annotate.add_tags(run, ["a"]) == ("a", "b", "c")
    assert len(user_attr_entries(run.user_dir)) == n  # nothing to write
    assert annotate.remove_tags(run, ["b", "zzz"]) == ("a", "c")
    assert store.get(run.id).tags == ("a", "c")
    annotate.clear_tags(run)
    assert store.get(run.id).tags == ()
    assert "tags" not in read_user_attrs(run.user_dir)
    for bad in ("", "two words", "a,b"):
        with pytest.raises(annotate.AnnotationError):
            annotate.add_tags(run, [bad])


def test_comments_round_trip(store):
    run = _finished(store)
    c1 = annotate.add_comment(run, "looks good", author="ann")
    c2 = annotate.add_comment(run, "but slow\nsecond line", author="bob")
    assert len(c1.id) == 13 and c1.id < c2.id
    attrs = read_user_attrs(run.user_dir)
    assert attrs[f"comment:{c1.id}"] == {"msg": "looks good", "timestamp": c1.timestamp, "author": "ann"}
    assert [c.msg for c in annotate.list_comments(run)] == ["looks good", "but slow\nsecond line"]
    edited = annotate.edit_comment(run, c1.id.upper(), "looks great", author="carl")
    assert edited.timestamp == c1.timestamp and edited.author == "ann" and edited.edited
    assert annotate.find_comment(run, c1.id).msg == "looks great"
    annotate.delete_comment(run, c2.id)
    assert [c.id for c in annotate.list_comments(run)] == [c1.id]
    with pytest.raises(annotate.AnnotationError) as e:
        annotate.delete_comment(run, "nope")
    assert c1.id in e.value.hint
    with pytest.raises(annotate.AnnotationError):
        annotate.add_comment(run, "  \n ")


def test_ambiguous_comment_prefix(store):
    run = _finished(store)
    a = annotate.add_comment(run, "one")
    b = annotate.add_comment(run, "two")
    common = os.path.commonprefix([a.id, b.id])
    with pytest.raises(annotate.AnnotationError, match="ambiguous"):
        annotate.find_comment(run, common)


def test_delete_restore_purge(store):
    a, b = _finished(store), _finished(store)
    a.run_dir.mkdir(exist_ok=True)
    sub = a.run_dir / "sub"
    sub.mkdir()
    (sub / "f.txt").write_text("x")
    annotate.set_label(a, "doomed")
    (store.runs_dir / f"{a.id}.project").write_text("file:/x")
    delete_runs([a])
    assert [r.id for r in store.list_runs()] == [b.id]
    assert store.get(a.id).container == "trash"
    # Gage 0.1.2's trash form: every entry renamed to <name>.deleted.
    assert sorted(n for n in os.listdir(store.runs_dir) if n.startswith(a.id)) == sorted(
        f"{a.id}{s}.deleted" for s in ("", ".meta", ".project", ".user"))
    restore_runs([store.get(a.id)])
    assert {r.id for r in store.list_runs()} == {a.id, b.id}
    # read-only files and dirs are still purged, from the trash too
    _read_only(a)
    os.chmod(sub, 0o555)
    delete_runs([store.get(a.id)])
    purge_runs([store.get(a.id)])
    assert not [n for n in os.listdir(store.runs_dir) if n.startswith(a.id)]
    assert [r.id for r in store.list_runs(include_deleted=True)] == [b.id]
    delete_runs([b], permanent=True)
    assert os.listdir(store.runs_dir) == []


def test_running_run_is_not_deleted(store):
    run = _finished(store)
    running = type(run)(**{**run.__dict__, "status": "running"})
    with pytest.raises(RunStateError) as e:
        delete_runs([run, running])
    assert "still running" in e.value.message and "gage stop" in e.value.hint
    assert store.get(run.id).container == "active"  # all or nothing
    with pytest.raises(RunStateError):
        purge_runs([running])


def test_associate_after_project_moved(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    runs_dir = tmp_path / "runs"  # outside the project: absolute pointers
    pid = "6f1c1f5e-9d3a-4a53-9a51-0c1d7c2b1f00"
    info = json.dumps({"project_dir": str(project), "project_id": pid, "namespace": "proj"})
    ids = [make_run(runs_dir, {"project.json": info}) for _ in range(2)]
    other = make_run(runs_dir, {"project.json": json.dumps({"project_dir": str(project), "project_id": "x"})})
    store = RunStore(runs_dir, use_index=False)
    for run_id in ids:
        (runs_dir / f"{run_id}.project").write_text(project_ref(project, runs_dir))
    assert store.get(ids[0]).project_dir == str(project)

    moved = tmp_path / "moved" / "proj"
    moved.parent.mkdir()
    shutil.move(project, moved)
    runs = store.list_runs()
    cands = associate_candidates(runs, moved, pid)
    assert sorted(r.id for r in cands) == sorted(ids)
    changed = associate_runs(cands, moved, pid)
    assert len(changed) == 2
    for run_id in ids:
        assert store.get(run_id).project_dir == str(moved)
        assert (runs_dir / f"{run_id}.project").read_text().strip() == f"file:{moved}"
    assert store.get(other).project_dir == str(project)  # different id: untouched
    assert associate_candidates(store.list_runs(), moved, pid) == []
    with pytest.raises(GageError, match="different project id"):
        associate_runs([store.get(other)], moved, pid)
    assert associate_runs([store.get(other)], moved, pid, force=True)
    assert dissociate(store.get(other))
    assert store.get(other).project_dir is None  # removed: the meta record is hidden too
    associate(store.get(other), project)
    assert store.get(other).project_dir == str(project)


def test_project_ref_relative_inside_project(tmp_path):
    assert project_ref(tmp_path, tmp_path / ".gage" / "runs") == "file:../.."
    assert project_ref(tmp_path / "a", tmp_path / "b") == f"file:{tmp_path / 'a'}"
