"""Corrupt and half-written meta files: such runs are listed as such
(``meta_error``), the rest of the store is unaffected, and ``gage ls`` /
``gage show`` / ``gage cat`` never crash on them."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from gage_core.process.launch import run_foreground
from gage_core.store.index import INDEX_NAME
from gage_core.store.store import RunStore
from helpers.real_runs import make_run, meta_of, new_project

# One worker builds the module-scoped store_with_corruptions once (not once per worker).
pytestmark = pytest.mark.xdist_group("faults_store")

DEEP = b"[" * 100_000 + b"]" * 100_000

# name -> (meta relpath, content); None content removes the file.
CORRUPTIONS = {
    "summary-half": ("summary.json", b'{"metrics": {"loss": 0.'),
    "summary-deep": ("summary.json", DEEP),
    "summary-list": ("summary.json", b"[1, 2]"),
    "config-binary": ("config.json", b"\x00\xff\xfe garbage"),
    "config-deep": ("config.json", DEEP),
    "opref-empty": ("opref", b""),
    "opref-junk": ("opref", b"\xff\xfe\x00"),
    "exit-junk": ("proc/exit", b"abc"),
    "exit-empty": ("proc/exit", b""),
    "started-junk": ("started", b"12ab"),
    "started-huge": ("started", b"99999999999999999999999"),
    "stopped-negative": ("stopped", b"-99999999999999999999"),
    "project-list": ("project.json", b"[1]"),
    "project-half": ("project.json", b'{"project_dir": "/x'),
    "lock-junk": ("proc/lock", b"\x00\x00 not a lock"),
}

ABSURD = {"started-huge", "stopped-negative"}


@pytest.fixture(scope="module")
def store_with_corruptions(tmp_path_factory):
    project = new_project(tmp_path_factory.mktemp("corrupt"))
    good = make_run(project, "echo good; echo 'loss: 0.25'", name="good")
    assert run_foreground(good, echo=False) == 0
    bad = {}
    for name, (rel, content) in CORRUPTIONS.items():
        run_dir = make_run(project, "echo hi", name=name)
        assert run_foreground(run_dir, echo=False) == 0
        path = meta_of(run_dir) / rel
        if rel == "proc/lock":
            (meta_of(run_dir) / "proc" / "exit").unlink()
        path.write_bytes(content)
        bad[name] = run_dir.name
    runs_dir = Path(project.runs_dir)
    # A corrupt Gage 0.1.2 zipped meta, a meta dir being created (no opref
    # yet), a half-written user attribute entry, stray files.
    (runs_dir / "0badzip0-0000-4000-8000-000000000000.meta.zip").write_bytes(b"PK\x03\x04 truncated")
    (runs_dir / "0creatin-0000-7000-8000-000000000000.meta").mkdir()
    user = runs_dir / f"{good.name}.user"
    user.mkdir(exist_ok=True)
    (user / "01900000-0000-7000-8000-000000000000.json").write_bytes(b'{"set": {"label": "ha')
    (runs_dir / "README").write_text("not a run")
    return project, good.name, bad


def _check_listing(runs_dir: Path, good_id: str, bad: dict) -> None:
    for use_index in (False, True, True):  # no index, build it, use it
        runs = {r.id: r for r in RunStore(runs_dir, use_index=use_index).list_runs()}
        g = runs[good_id]
        assert g.status == "completed" and g.metrics == {"loss": 0.25} and g.op_name == "good"
        # The half-written user entry is reported, the rest of the run is fine.
        assert g.meta_error and "user attrs" in g.meta_error and g.label is None
        for name, run_id in bad.items():
            assert run_id in runs, f"{name} not listed"
            run = runs[run_id]
            # Absurd but well-formed values need not be reported, only survived.
            assert run.meta_error or name in ABSURD, f"{name}: corruption not reported"
            assert run.status != "running", name
        assert "0badzip0-0000-4000-8000-000000000000" in runs
        assert runs["0badzip0-0000-4000-8000-000000000000"].meta_error
        assert "0creatin-0000-7000-8000-000000000000" not in runs  # not a run yet


def test_corrupt_meta_listed_as_such_rest_unaffected(store_with_corruptions):
    project, good_id, bad = store_with_corruptions
    _check_listing(Path(project.runs_dir), good_id, bad)
    runs = {r.id: r for r in RunStore(project.runs_dir).list_runs()}
    assert runs[bad["exit-junk"]].status == "unknown"
    assert runs[bad["lock-junk"]].status == "terminated"
    assert runs[bad["summary-half"]].metrics == {}
    # One absurdly nested file spoils only itself, not the whole run.
    for name in ("summary-deep", "config-deep"):
        assert runs[bad[name]].status == "completed" and runs[bad[name]].op_name == name
    assert runs[bad["config-binary"]].config == {}


def _sql(runs_dir: Path, *statements: str) -> None:
    with sqlite3.connect(runs_dir / INDEX_NAME) as db:
        for stmt in statements:
            db.execute(stmt)


INDEX_DAMAGE = {
    "garbage": lambda d: (d / INDEX_NAME).write_bytes(b"\x00garbage"),
    "truncated": lambda d: (d / INDEX_NAME).write_bytes((d / INDEX_NAME).read_bytes()[:1500]),
    "empty": lambda d: (d / INDEX_NAME).write_bytes(b""),
    "foreign-schema": lambda d: _sql(d, "DROP TABLE runs", "CREATE TABLE runs (x)", "INSERT INTO runs VALUES (1)"),
    "other-version": lambda d: _sql(d, "UPDATE info SET value='99' WHERE name='version'"),
    "record-shape": lambda d: _sql(d, "UPDATE runs SET record='[1, 2, 3]'"),
    "record-junk": lambda d: _sql(d, "UPDATE runs SET record='{not json'"),
    "record-null": lambda d: _sql(d, "UPDATE runs SET record=NULL, is_run=1"),
    "key-junk": lambda d: _sql(d, "UPDATE runs SET key='[1,2'"),
}


@pytest.mark.parametrize("damage", sorted(INDEX_DAMAGE))
def test_damaged_index_is_ignored(store_with_corruptions, damage):
    project, good_id, bad = store_with_corruptions
    runs_dir = Path(project.runs_dir)
    store = RunStore(runs_dir)
    store.list_runs()
    INDEX_DAMAGE[damage](runs_dir)
    page = store.newest_runs(1000, containers=None)
    assert good_id in {r.id for r in page.runs}
    assert "0creatin-0000-7000-8000-000000000000" not in {r.id for r in page.runs}
    _check_listing(runs_dir, good_id, bad)
    assert store.newest_runs(1000, containers=None).total == len(store.list_runs(include_deleted=True))


def test_cli_ls_show_cat_survive_corrupt_meta(store_with_corruptions, gage_cli):
    project, good_id, bad = store_with_corruptions
    code, out, err = gage_cli("ls", "-a", cwd=project.dir)
    assert code == 0, err
    assert "Traceback" not in out + err
    for run_id in [good_id, *bad.values(), "0badzip0"]:
        for args in (("show", run_id), ("cat", run_id, "--output")):
            code, out, err = gage_cli(*args, cwd=project.dir)
            assert "Traceback" not in out + err, (args, err)
            assert code in (0, 1), (args, code, err)


def test_half_written_meta_never_reads_running(tmp_path):
    """A run whose runner died at each step of writing its meta reads a
    plain status, never ``running``, and never breaks the listing."""
    project = new_project(tmp_path)
    run_dir = make_run(project, "echo hi")
    meta = meta_of(run_dir)
    os.unlink(meta / "staged")
    (meta / "proc").mkdir(exist_ok=True)
    (meta / "proc" / "lock").write_text("")  # runner killed mid-write of its lock
    runs = RunStore(project.runs_dir).list_runs()
    assert [r.status for r in runs] == ["terminated"]
    (meta / "proc" / "lock").write_text("runner 999999999 1.5\nchild 999999998 1.5\n")
    assert RunStore(project.runs_dir).get(run_dir.name).status == "terminated"


@pytest.mark.parametrize("value", [10**20, -(10**20), 2**63])
def test_absurd_timestamps_format_without_raising(value):
    """Times read from damaged meta files (valid integers, impossible
    dates) format as something, never raise (CLI, compare, TUI)."""
    from gage_core.compare.table import CompareColumn, format_value
    from gage_core.store.timefmt import format_ago, format_timestamp

    assert format_value(CompareColumn("started", "attr"), value)
    assert format_timestamp(value) and isinstance(format_ago(value), str)
