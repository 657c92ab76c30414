"""Runs copied to and from fsspec URLs (file://): complete, verified,
resumable, idempotent, modes restored, --sync deletions, refusals."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from gage_core.gagefile.model import OpDef
from gage_core.process.launch import run_foreground
from gage_core.project import Project
from gage_core.staging.lifecycle import init_run, stage_run
from gage_core.store.store import RunStore
from gage_core.sync.runs import MARKER, list_copied_runs, pull_run, push_run
from gage_core.sync.transfer import SyncError, open_url


@pytest.fixture
def finished_run(tmp_path) -> Project:
    d = tmp_path / "proj"
    d.mkdir()
    (d / "op.py").write_text(
        "import os\nprint('loss: 1.5')\nopen('model.bin','wb').write(os.urandom(5000))\n"
        "open('run.sh','w').write('#!/bin/sh\\n')\nos.chmod('run.sh', 0o755)\n"
    )
    project = Project(dir=d, gagefile=None, runs_dir=tmp_path / "runs")
    opdef = OpDef(name="op", exec={"run": [sys.executable, "op.py"]})
    run_id = init_run(project, opdef, {}, label="first")
    stage_run(project, run_id, opdef, {})
    assert run_foreground(project.runs_dir / run_id, echo=False) == 0
    return project.runs_dir / run_id


def _tree(base: Path) -> dict[str, tuple[bytes, int]]:
    out = {}
    for p in sorted(base.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(base))] = (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
    return out


def test_push_then_pull_gives_the_same_run_with_modes(finished_run, tmp_path):
    url = (tmp_path / "bucket").as_uri()
    result = push_run(finished_run.parent, finished_run.name, url)
    assert result.sent == result.files > 0
    assert list_copied_runs(url) == [finished_run.name]
    dest = tmp_path / "other-runs"
    pull_run(url, finished_run.name, dest)
    assert _tree(dest / finished_run.name) == _tree(finished_run)
    assert stat.S_IMODE((dest / finished_run.name / "run.sh").stat().st_mode) == 0o555
    assert stat.S_IMODE((dest / finished_run.name / "model.bin").stat().st_mode) == 0o444
    src_meta = {k: v for k, v in _tree(Path(f"{finished_run}.meta")).items() if k != "proc/.reserve"}
    assert _tree(dest / f"{finished_run.name}.meta") == src_meta
    assert (dest / f"{finished_run.name}.user").is_dir()
    run = RunStore(dest).get(finished_run.name)
    assert (run.status, run.label, run.metrics["loss"]) == ("completed", "first", 1.5)
    assert not (dest / ".gage-pull").exists()


def test_copies_are_idempotent_and_resume(finished_run, tmp_path):
    url = (tmp_path / "bucket").as_uri()
    push_run(finished_run.parent, finished_run.name, url)
    again = push_run(finished_run.parent, finished_run.name, url)
    assert again.up_to_date and again.sent == 0
    # An interrupted copy: a half file and no marker.
    remote_model = tmp_path / "bucket" / finished_run.name / "model.bin"
    remote_model.write_bytes(remote_model.read_bytes()[:100])
    (tmp_path / "bucket" / f"{finished_run.name}.meta" / MARKER).unlink()
    assert list_copied_runs(url) == []
    with pytest.raises(SyncError, match="not completely copied"):
        pull_run(url, finished_run.name, tmp_path / "x")
    resumed = push_run(finished_run.parent, finished_run.name, url)
    assert resumed.sent == 1
    assert remote_model.read_bytes() == (finished_run / "model.bin").read_bytes()
    dest = tmp_path / "other"
    pull_run(url, finished_run.name, dest)
    assert pull_run(url, finished_run.name, dest).sent == 0


def test_sync_deletes_what_the_source_no_longer_has(finished_run, tmp_path):
    url = (tmp_path / "bucket").as_uri()
    extra = tmp_path / "bucket" / finished_run.name / "stale.txt"
    extra.parent.mkdir(parents=True)
    extra.write_text("old")
    push_run(finished_run.parent, finished_run.name, url)
    assert extra.exists()
    result = push_run(finished_run.parent, finished_run.name, url, sync=True)
    assert result.deleted == 1 and not extra.exists()
    other = tmp_path / "bucket" / "someone-elses-file"
    other.write_text("keep")
    push_run(finished_run.parent, finished_run.name, url, sync=True)
    assert other.exists()


def test_a_marker_naming_paths_outside_the_run_is_refused(finished_run, tmp_path):
    url = (tmp_path / "bucket").as_uri()
    push_run(finished_run.parent, finished_run.name, url)
    marker = tmp_path / "bucket" / f"{finished_run.name}.meta" / MARKER
    data = json.loads(marker.read_text())
    data["files"][f"{finished_run.name}/../../escape"] = [1, 0o644]
    marker.write_text(json.dumps(data))
    with pytest.raises(SyncError, match="outside the run"):
        pull_run(url, finished_run.name, tmp_path / "dest")
    assert not (tmp_path / "escape").exists()


def test_a_size_mismatch_is_an_error_not_a_half_copy(finished_run, tmp_path):
    url = (tmp_path / "bucket").as_uri()
    push_run(finished_run.parent, finished_run.name, url)
    (tmp_path / "bucket" / finished_run.name / "model.bin").write_bytes(b"short")
    with pytest.raises(SyncError, match="received 5 bytes of 5000"):
        pull_run(url, finished_run.name, tmp_path / "dest")
    assert not (tmp_path / "dest" / finished_run.name).exists()


def test_unknown_scheme_is_a_clear_error():
    with pytest.raises(SyncError, match="no filesystem installed for 'nosuch://'|nosuch"):
        open_url("nosuch://bucket/x")


def test_local_paths_are_urls_too(finished_run, tmp_path):
    plain = tmp_path / "plain-dir"
    push_run(finished_run.parent, finished_run.name, str(plain))
    assert (plain / f"{finished_run.name}.meta" / MARKER).is_file()
    assert os.path.isfile(plain / finished_run.name / "model.bin")


@pytest.mark.parametrize("bad", ["..", ".x", "a/b", "", "a b", "../runs"])
def test_names_that_are_not_run_ids_are_refused(tmp_path, bad):
    url = (tmp_path / "bucket").as_uri()
    with pytest.raises(SyncError, match="not a run id"):
        pull_run(url, bad, tmp_path / "dest")
    with pytest.raises(SyncError, match="not a run id"):
        push_run(tmp_path, bad, url)


def test_listing_skips_entries_that_are_not_run_ids(tmp_path):
    bucket = tmp_path / "bucket"
    (bucket / "...meta").mkdir(parents=True)
    (bucket / "...meta" / MARKER).write_text("{}")
    (bucket / "..copied").write_text("{}")
    assert list_copied_runs(bucket.as_uri()) == []
