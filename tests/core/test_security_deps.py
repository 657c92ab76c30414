"""Dependencies cannot reach outside the project, the source run or the
new run's directory: ``..``, absolute paths, symlinks out, globs through
symlinked dirs, DVC outputs with escaping paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gage_core.errors import StagingError
from gage_core.gagefile.model import Dependency, OpDef
from gage_core.process.launch import run_foreground
from gage_core.staging.deps import resolve_dependencies
from gage_core.store.store import RunStore
from helpers.real_runs import make_run, new_project

SECRET = b"top secret outside the project\n"


@pytest.fixture
def setup(tmp_path):
    project = new_project(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    (outside / "sub").mkdir()
    (outside / "sub" / "more.txt").write_bytes(SECRET)
    d = project.dir
    (d / "data").mkdir()
    (d / "data" / "ok.csv").write_text("a,b\n")
    (d / "link-file").symlink_to(outside / "secret.txt")
    (d / "link-dir").symlink_to(outside)
    (d / "data" / "inner-link").symlink_to(outside / "secret.txt")
    run_dir = tmp_path / "newrun"
    run_dir.mkdir()
    return project, outside, run_dir


def _resolve(project, run_dir, *deps, preview=False, config=None):
    opdef = OpDef(name="op", exec={"run": "true"}, depends=tuple(deps))
    return resolve_dependencies(project.dir, opdef, run_dir, RunStore(project.runs_dir),
                                config or {}, preview=preview)


def _no_secret_copied(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            p = Path(dirpath) / f
            if p.is_file():
                assert p.read_bytes() != SECRET, f"secret copied to {p}"


@pytest.mark.parametrize("dep", [
    "file: ../outside/secret.txt",
    "file: data/../../outside/secret.txt",
    "file: /etc/passwd",
    "dir: /",
    "file: link-file",
    "dir: link-dir",
    "file: link-dir/secret.txt",
    "dir: data",  # contains a symlink leading out
    "file: data/inner-link",
    Dependency(type="project-files", files=("link-dir/*",)),
    Dependency(type="project-files", files=("link-dir/**/*.txt",)),
    Dependency(type="project-files", files=("data/*",), link=True),
    Dependency(type="project-files", files=("link-file",), link=True),
    Dependency(type="project-files", files=("..",)),
    Dependency(type="project-files", files=("C:/Windows/x",)),
    Dependency(type="runs-summary", summary_filename="../escaped.json"),
    Dependency(type="runs-summary", summary_filename="/tmp/escaped.json"),
])
def test_project_paths_cannot_escape(setup, dep):
    project, _outside, run_dir = setup
    try:
        result = _resolve(project, run_dir, dep)
    except StagingError as e:
        assert e.message
    else:
        # Globs may legitimately match nothing outside: then nothing escaped.
        for f in result.paths:
            assert not os.path.isabs(f) and ".." not in f.split("/")
    _no_secret_copied(run_dir)
    assert not (run_dir.parent / "escaped.json").exists()
    assert not Path("/tmp/escaped.json").exists()
    # Preview says why instead of raising, and writes nothing.
    res = _resolve(project, run_dir, dep, preview=True)
    assert len(res.entries) == 1


def test_glob_does_not_follow_symlinked_dirs(setup):
    project, _outside, run_dir = setup
    res = _resolve(project, run_dir, Dependency(type="project-files", files=("**/*.csv",)))
    assert res.paths == ["data/ok.csv"]
    _no_secret_copied(run_dir)


def _source_run(project, files: dict[str, bytes], links: dict[str, Path]) -> Path:
    body = "; ".join(
        [f"printf %s {v.decode()!r} > {k}" for k, v in files.items()]
        + [f"ln -s {t} {k}" for k, t in links.items()]
    )
    run_dir = make_run(project, body, name="prepare", sourcecode=())
    assert run_foreground(run_dir, echo=False) == 0
    return run_dir


@pytest.mark.parametrize("files", [(), ("*",), ("regex:.*",), ("leak*",)])
def test_run_files_cannot_follow_symlinks_out_of_the_source_run(setup, files):
    project, outside, run_dir = setup
    _source_run(project, {"model.json": b"{}"},
                {"leak.txt": outside / "secret.txt", "leakdir": outside})
    dep = Dependency(type="run-files", operation="prepare", files=files)
    try:
        result = _resolve(project, run_dir, dep)
    except StagingError as e:
        assert "leak" in e.message
    else:
        assert not any(p.startswith("leak") for p in result.paths), result.paths
    _no_secret_copied(run_dir)


@pytest.mark.parametrize("pattern", ["../x", "/etc/*", "a/../../b"])
def test_run_files_patterns_cannot_escape(setup, pattern):
    project, _outside, run_dir = setup
    _source_run(project, {"model.json": b"{}"}, {})
    with pytest.raises(StagingError):
        _resolve(project, run_dir, Dependency(type="run-files", operation="prepare", files=(pattern,)))


DVC_CACHE_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.mark.parametrize("out_path", ["../../escaped-by-dvc", "/tmp/escaped-by-dvc-abs", "a/../../../escaped-by-dvc"])
def test_dvc_outputs_cannot_be_placed_outside_the_run(setup, out_path):
    project, _outside, run_dir = setup
    d = project.dir
    cache = d / ".dvc" / "cache" / "files" / "md5" / DVC_CACHE_MD5[:2]
    cache.mkdir(parents=True)
    (cache / DVC_CACHE_MD5[2:]).write_bytes(b"dvc payload\n")
    (d / "evil.dvc").write_text(f"outs:\n- md5: {DVC_CACHE_MD5}\n  path: {out_path}\n")
    with pytest.raises(StagingError):
        _resolve(project, run_dir, "dvcfile: evil.dvc")
    target = Path(os.path.normpath(os.path.join(run_dir, out_path)))
    assert not target.exists()
    assert not Path("/tmp/escaped-by-dvc-abs").exists()


def test_dependency_written_through_a_symlink_in_the_run_dir_is_refused(setup):
    """A staged file that is a symlink out of the run dir (e.g. made by a
    stage hook) cannot redirect a dependency write outside."""
    project, outside, run_dir = setup
    (run_dir / "data").symlink_to(outside)
    with pytest.raises(StagingError):
        _resolve(project, run_dir, "file: data/ok.csv")
    assert not (outside / "ok.csv").exists()
