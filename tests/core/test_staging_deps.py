"""Dependency resolution with real run directories (gage_core.staging.deps)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os

import pytest

from gage_core.errors import StagingError
from gage_core.gagefile.model import Dependency, OpDef
from gage_core.staging.deps import DepsResult, normalize_dependency, resolve_dependencies, resolved_run_pins
from gage_core.store.store import RunStore
from helpers.gage012 import make_finished_run

T0 = 1795471227007732


@pytest.fixture
def project(tmp_path):
    p = tmp_path / "proj"
    (p / "data").mkdir(parents=True)
    (p / "data" / "train.csv").write_text("a,b\n1,2\n")
    (p / "data" / "sub").mkdir()
    (p / "data" / "sub" / "x.txt").write_text("x")
    (p / "labels.csv").write_text("l\n1\n")
    (p / ".gage" / "runs").mkdir(parents=True)
    return p


def _run(project, op, files: dict[str, str], t0=T0, exit_code=0, config=None, metrics=None):
    runs = project / ".gage" / "runs"
    run_id = make_finished_run(runs, op=op, t0_us=t0, exit_code=exit_code, zipped=False,
                               config=config, metrics=metrics)
    manifest = [f"s {'0' * 64} train.py"]
    for rel, text in files.items():
        p = runs / run_id / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        manifest.append(f"g {hashlib.sha256(text.encode()).hexdigest()} {rel}")
    (runs / f"{run_id}.meta" / "manifest").write_text("\n".join(manifest) + "\n")
    return run_id


def _resolve(project, deps, config=None, preview=False, run_dir=None, into=None):
    run_dir = run_dir or project.parent / "run"
    run_dir.mkdir(exist_ok=True)
    op = OpDef(name="train", depends=tuple(deps))
    return resolve_dependencies(project, op, run_dir, RunStore(project / ".gage" / "runs"),
                                config or {}, preview=preview, into=into), run_dir


def test_project_files_copy_file_dir_and_glob(project):
    res, run = _resolve(project, [Dependency("project-files", files=("labels.csv",)),
                                  Dependency("project-files", files=("data",)),
                                  Dependency("project-files", files=("*.csv",))])
    assert (run / "labels.csv").read_text() == "l\n1\n" and not (run / "labels.csv").is_symlink()
    assert (run / "data/sub/x.txt").read_text() == "x"
    assert sorted(res.paths) == ["data/sub/x.txt", "data/train.csv", "labels.csv", "labels.csv"]
    assert res.entries[0]["source"] == {"project": str(project)}
    assert res.entries[1]["files"][0] == {"path": "data/train.csv", "from": "data/train.csv", "link": False}
    json.dumps(res.to_json())


def test_project_files_link(project):
    res, run = _resolve(project, [Dependency("project-files", files=("data",), link=True)])
    assert (run / "data").is_symlink()
    assert os.readlink(run / "data") == os.path.realpath(project / "data")
    assert res.paths == ["data"]


@pytest.mark.parametrize("shorthand, type_, field, value", [
    ("file: data.csv", "project-files", "files", ("data.csv",)),
    ("dir: data", "project-files", "files", ("data",)),
    ("dvcfile: data.csv", "dvcfile", "files", ("data.csv",)),
    ("runfiles: op=prepare-data", "run-files", "run_select", "op=prepare-data"),
])
def test_shorthands(shorthand, type_, field, value):
    dep = normalize_dependency(shorthand)
    assert dep.type == type_ and getattr(dep, field) == value
    assert normalize_dependency(Dependency("file", files=("x",))).type == "project-files"


@pytest.mark.parametrize("path, needle", [
    ("../outside.txt", "leaves the project"),
    ("data/../../outside.txt", "leaves the project"),
    ("/etc/passwd", "absolute"),
    ("https://example.com/data.csv", "URL"),
    ("s3://bucket/x", "URL"),
    ("escape", "symlink that leaves"),
    ("linkdir", "symlink that leaves"),
])
def test_path_escapes_rejected(project, path, needle):
    outside = project.parent / "outside.txt"
    outside.write_text("secret")
    (project / "escape").symlink_to(outside)
    (project / "linkdir").mkdir()
    (project / "linkdir" / "s").symlink_to(outside)
    with pytest.raises(StagingError) as e:
        _resolve(project, [Dependency("project-files", files=(path,))])
    assert needle in e.value.message
    # preview reports instead of raising
    res, run = _resolve(project, [Dependency("project-files", files=(path,))], preview=True)
    assert needle in res.entries[0]["error"]
    assert not (run / "outside.txt").exists()


def test_missing_project_file(project):
    with pytest.raises(StagingError) as e:
        _resolve(project, [Dependency("project-files", files=("nope.csv",))])
    assert "nope.csv" in e.value.message


def test_run_files_newest_completed(project):
    old = _run(project, "prepare", {"train.csv": "old"}, t0=T0)
    new = _run(project, "prepare", {"train.csv": "new", "test.csv": "t", "log.txt": "l"}, t0=T0 + 10**7)
    _run(project, "prepare", {"train.csv": "failed"}, t0=T0 + 2 * 10**7, exit_code=1)
    _run(project, "other", {"train.csv": "other"}, t0=T0 + 3 * 10**7)
    res, run = _resolve(project, [normalize_dependency("runfiles: op=prepare")])
    assert (run / "train.csv").read_text() == "new"
    assert (run / "test.csv").exists() and not (run / "train.py").exists()  # source code not taken
    assert res.entries[0]["source"]["run"] == new
    assert {f["from"] for f in res.entries[0]["files"]} == {f"{new}/train.csv", f"{new}/test.csv", f"{new}/log.txt"}
    # globs, regex, operation =, and a pinned run by flag
    res, run = _resolve(project, [Dependency("run-files", operation="prepare", files=("*.csv",))],
                        run_dir=project.parent / "run2")
    assert sorted(res.paths) == ["test.csv", "train.csv"]
    res, run = _resolve(project, [Dependency("run-files", run_select="op = prepare", files=(r"regex:^tr.*\.csv$",))],
                        run_dir=project.parent / "run3")
    assert res.paths == ["train.csv"]
    res, run = _resolve(project, [normalize_dependency("runfiles: op=prepare")],
                        config={"prepare": old[:8]}, run_dir=project.parent / "run4")
    assert (run / "train.csv").read_text() == "old" and res.entries[0]["source"]["run"] == old
    res, run = _resolve(project, [Dependency("run-files", run_select="op=prepare", flag="data_run")],
                        config={"data_run": old[:6]}, run_dir=project.parent / "run5")
    assert res.entries[0]["source"]["run"] == old


def test_run_files_errors(project):
    with pytest.raises(StagingError) as e:
        _resolve(project, [normalize_dependency("runfiles: op=prepare")])
    assert "no completed run" in e.value.message and "prepare" in e.value.hint
    _run(project, "prepare", {"a.txt": "a"})
    with pytest.raises(StagingError) as e:
        _resolve(project, [Dependency("run-files", run_select="op=prepare", files=("*.csv",))])
    assert "no files matching" in e.value.message
    with pytest.raises(StagingError) as e:
        _resolve(project, [normalize_dependency("runfiles: op=prepare")], config={"prepare": "zzzz"})
    assert "zzzz" in e.value.message
    with pytest.raises(StagingError) as e:
        _resolve(project, [Dependency("run-files", run_select="op = = x")])
    assert "invalid run-select" in e.value.message


def test_runs_summary_json_and_csv(project):
    a = _run(project, "train", {}, t0=T0, config={"lr": 0.1}, metrics={"loss": 0.5})
    b = _run(project, "train", {}, t0=T0 + 10**7, config={"lr": 0.2}, metrics={"loss": 0.3, "acc": 0.9})
    _run(project, "prepare", {}, t0=T0 + 2 * 10**7)
    res, run = _resolve(project, [Dependency("runs-summary", run_select="op=train")])
    data = json.loads((run / "runs.json").read_text())
    assert [r["id"] for r in data] == [b, a]
    assert data[0]["flag:lr"] == 0.2 and data[0]["metric:acc"] == 0.9 and data[1]["metric:acc"] is None
    res, run = _resolve(project, [Dependency("runs-summary", run_select="op=train", summary_filename="s.csv")],
                        run_dir=project.parent / "r2")
    rows = list(csv.reader(io.StringIO((run / "s.csv").read_text())))
    assert rows[0][:3] == ["id", "name", "operation"] and len(rows) == 3
    assert res.paths == ["s.csv"]


def _dvc_project(project, cached: bool, v3: bool = True):
    data = b"x,y\n1,2\n"
    md5 = hashlib.md5(data).hexdigest()
    (project / "data.csv.dvc").write_text(f"outs:\n- md5: {md5}\n  size: 8\n  hash: md5\n  path: data.csv\n")
    if cached:
        base = project / ".dvc" / "cache" / ("files/md5" if v3 else "")
        (base / md5[:2]).mkdir(parents=True)
        (base / md5[:2] / md5[2:]).write_bytes(data)
    return data


@pytest.mark.parametrize("v3", [True, False])
def test_dvcfile_from_cache(project, v3):
    data = _dvc_project(project, cached=True, v3=v3)
    res, run = _resolve(project, [normalize_dependency("dvcfile: data.csv")])
    assert (run / "data.csv").read_bytes() == data
    assert res.entries[0]["source"]["dvc"][0]["md5"] == hashlib.md5(data).hexdigest()


def test_dvcfile_from_dvc_lock_dir(project):
    files = {"a.txt": b"a", "b/c.txt": b"c"}
    cache = project / ".dvc" / "cache" / "files" / "md5"
    listing = []
    for rel, data in files.items():
        md5 = hashlib.md5(data).hexdigest()
        (cache / md5[:2]).mkdir(parents=True, exist_ok=True)
        (cache / md5[:2] / md5[2:]).write_bytes(data)
        listing.append({"md5": md5, "relpath": rel})
    blob = json.dumps(listing).encode()
    dmd5 = hashlib.md5(blob).hexdigest() + ".dir"
    (cache / dmd5[:2]).mkdir(parents=True, exist_ok=True)
    (cache / dmd5[:2] / dmd5[2:]).write_bytes(blob)
    (project / "dvc.lock").write_text(
        f"schema: '2.0'\nstages:\n  prep:\n    cmd: x\n    outs:\n    - path: prepared\n      md5: {dmd5}\n")
    res, run = _resolve(project, [Dependency("dvcfile", files=("prepared",))])
    assert (run / "prepared/b/c.txt").read_bytes() == b"c"
    assert sorted(res.paths) == ["prepared/a.txt", "prepared/b/c.txt"]


def test_dvcfile_not_cached_says_dvc_pull(project):
    _dvc_project(project, cached=False)
    with pytest.raises(StagingError) as e:
        _resolve(project, [normalize_dependency("dvcfile: data.csv")])
    assert "not in the local DVC cache" in e.value.message and "dvc pull data.csv" in e.value.hint
    with pytest.raises(StagingError) as e:
        _resolve(project, [normalize_dependency("dvcfile: labels.csv")])
    assert "not tracked by DVC" in e.value.message


def test_sha256_checked(project):
    good = hashlib.sha256(b"l\n1\n").hexdigest()
    res, _ = _resolve(project, [Dependency("project-files", files=("labels.csv",), sha256=good)])
    assert res.entries[0]["files"][0]["sha256"] == good
    with pytest.raises(StagingError) as e:
        _resolve(project, [Dependency("project-files", files=("labels.csv",), sha256="0" * 64)])
    assert "sha256" in e.value.message
    res, _ = _resolve(project, [Dependency("project-files", files=("labels.csv",), sha256="0" * 64)],
                      preview=True)
    assert "sha256" in res.entries[0]["error"]


def test_preview_writes_nothing(project):
    _run(project, "prepare", {"train.csv": "new"})
    res, run = _resolve(project, [normalize_dependency("runfiles: op=prepare"),
                                  Dependency("project-files", files=("data",))], preview=True)
    assert list(run.iterdir()) == []
    assert sorted(res.paths) == ["data/sub/x.txt", "data/train.csv", "train.csv"]
    assert all("error" not in e for e in res.entries)


def test_whole_project_and_runs_dir_rejected(project):
    for path in (".", "./", ".gage/runs"):
        with pytest.raises(StagingError):
            _resolve(project, [Dependency("project-files", files=(path,))])


def test_pin_flag_is_a_flag_with_empty_default(project):
    from gage_core.staging.config import read_config_defaults
    from gage_core.staging.flags import check_flags

    op = OpDef(name="train", depends=(normalize_dependency("runfiles: op=prepare"),
                                      Dependency("run-files", run_select="op=x", flag="x_run")))
    defaults = read_config_defaults(project, op)
    assert dict(defaults) == {"prepare": "", "x_run": ""}
    assert defaults.source_of("prepare").startswith("depends: op=prepare")
    # a prefix that looks like a number keeps its text
    assert check_flags({"prepare": "0123"}, defaults) == {"prepare": "0123"}
    assert check_flags({"prepare": 123}, defaults) == {"prepare": "123"}


def test_a_failing_dependency_is_recorded_with_what_resolved_before(project):
    prepared = _run(project, "prepare", {"train.csv": "data"})
    into = DepsResult()
    deps = [normalize_dependency("runfiles: op=prepare"), Dependency("project-files", files=("missing.txt",))]
    with pytest.raises(StagingError) as e:
        _resolve(project, deps, into=into)
    assert "missing.txt" in e.value.message
    first, failed = into.entries
    assert first["source"]["run"] == prepared and "error" not in first and into.paths == ["train.csv"]
    assert failed["type"] == "project-files" and "missing.txt" in failed["error"] and failed["files"] == []
    assert all("_src" not in f for entry in into.entries for f in entry["files"])


def test_resolved_run_pins_name_the_runs_a_run_used(project):
    old = _run(project, "prepare", {"train.csv": "old"}, t0=T0)
    _run(project, "other", {"x.csv": "x"}, t0=T0 + 10**6)
    deps = (normalize_dependency("runfiles: op=prepare"),
            Dependency("run-files", run_select="op = other", flag="other_run"),
            Dependency("project-files", files=("labels.csv",)))
    res, _run_dir = _resolve(project, deps)
    _run(project, "prepare", {"train.csv": "new"}, t0=T0 + 10**7)
    op = OpDef(name="train", depends=deps)
    pins = resolved_run_pins(op, res.entries)
    assert pins == {"prepare": old, "other_run": res.entries[1]["source"]["run"]}
    # Pinned, the newer prepare run is not taken.
    again, run_dir = _resolve(project, deps, config=pins, run_dir=project.parent / "again")
    assert (run_dir / "train.csv").read_text() == "old" and again.entries[0]["source"]["run"] == old
    # A dependency changed since, or one that failed, gets no pin.
    changed = OpDef(name="train", depends=(Dependency("run-files", run_select="op = prepare", files=("*.csv",)),))
    assert resolved_run_pins(changed, res.entries) == {}
    broken = [{**res.entries[0], "error": "no completed run"}]
    assert resolved_run_pins(op, broken) == {}
    assert resolved_run_pins(op, [{"type": "run-files", "spec": "x", "source": "not a dict"}]) == {}
