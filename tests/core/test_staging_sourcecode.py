"""Source code selection and copy (gage_core.staging.sourcecode)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import pytest

from gage_core.errors import StagingError
from gage_core.staging.patterns import (
    DEFAULT_PATTERNS,
    effective_patterns,
    glob_to_regex,
    is_text_file,
)
from gage_core.staging.sourcecode import copy_source_files, select_source_files


def _tree(root, files: dict[str, bytes | str]):
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        p.write_bytes(data)
    return root


@pytest.mark.parametrize(
    "glob, path, match",
    [
        ("*.py", "a.py", True), ("*.py", "d/a.py", False), ("**/*.py", "a.py", True),
        ("**/*.py", "d/e/a.py", True), ("**", "a.py", False), ("d/**", "d/a.py", False),
        ("d/**/x", "d/x", True), ("a?.py", "a.py", True), ("a?.py", "ab.py", True),
        ("a?.py", "abc.py", False), ("[ab].txt", "b.txt", True), ("[!ab].txt", "b.txt", False),
        ("data", "data", True), ("data", "data/x", False),
    ],
)
def test_glob_grammar(glob, path, match):
    assert bool(glob_to_regex(glob).match(path)) is match


def test_effective_patterns():
    assert effective_patterns(None) == DEFAULT_PATTERNS
    assert effective_patterns(()) == ()
    assert effective_patterns(("*.py",)) == ("*.py",)
    assert effective_patterns(("-data",)) == DEFAULT_PATTERNS + ("-data",)
    assert effective_patterns(("\\-dash",)) == ("\\-dash",)


def test_default_patterns(tmp_path):
    _tree(tmp_path, {
        "train.py": "print(1)\n",
        ".gitignore": "*.pyc\n",
        "README": "hello\n",
        "model.bin": b"\x00\x01\x02",
        "big.txt": "x" * 100_000,
        "summary.json": "{}",
        "sub/util.py": "x = 1\n",
        ".hidden/secret.py": "x = 2\n",
        "venv/bin/activate": "# venv\n",
        "venv/lib/site.py": "x = 3\n",
        "nocopy/.nocopy": "",
        "nocopy/x.py": "x = 4\n",
        "noext": b"\x7fELF\x00\x00binary",
    })
    sel = select_source_files(tmp_path, None)
    assert sel.paths == (".gitignore", "README", "train.py", "sub/util.py")
    assert sel.total_size == sum(os.path.getsize(tmp_path / p) for p in sel.paths)
    assert sel.count == 4 and not sel.truncated_rules and not sel.gitignore


def test_max_matches_truncation_reported(tmp_path):
    _tree(tmp_path, {f"f{i:02}.txt": "x" for i in range(12)})
    sel = select_source_files(tmp_path, ("*.txt max-matches=5",))
    assert sel.count == 5 and sel.paths[0] == "f00.txt"
    assert sel.truncated_rules == ("*.txt max-matches=5",) and sel.refused == 7


def test_last_matching_rule_wins(tmp_path):
    _tree(tmp_path, {"a.py": "", "test_a.py": "", "test_keep.py": "", "d/b.py": ""})
    sel = select_source_files(tmp_path, ("**/*.py", "-test_*.py", "test_keep.py"))
    assert sel.paths == ("a.py", "test_keep.py", "d/b.py")
    sel = select_source_files(tmp_path, ("*.py",))
    assert "d/b.py" not in sel.paths


def test_exclude_without_dir_also_excludes_files_below(tmp_path):
    """The Gage 0.1.2 FIXME: `-**/.*` alone must skip files in hidden dirs."""
    _tree(tmp_path, {"a.py": "", ".venv/x.py": "", "d/.cache/y.py": "", ".keep.py": ""})
    sel = select_source_files(tmp_path, ("**/*.py", "-**/.*"))
    assert sel.paths == ("a.py",)
    sel = select_source_files(tmp_path, ("**/*.py", "-data"))
    assert set(sel.paths) == {"a.py", ".keep.py", ".venv/x.py", "d/.cache/y.py"}
    # a later include still wins over the inherited exclude
    sel = select_source_files(tmp_path, ("**/*.py", "-**/.*", ".venv/x.py"))
    assert sel.paths == ("a.py", ".venv/x.py")


def test_dir_rules_prune_and_sentinel(tmp_path):
    _tree(tmp_path, {"keep/a.txt": "", "env/bin/activate": "", "env/a.txt": "", "skip/a.txt": ""})
    sel = select_source_files(tmp_path, ("**/*.txt", "-skip dir", "-**/* dir sentinel=bin/activate"))
    assert sel.paths == ("keep/a.txt",)
    sel = select_source_files(tmp_path, ("**/*.txt", "-* dir", "keep dir"))
    assert sel.paths == ("keep/a.txt",)


def test_runs_dir_and_dot_gage_never_selected(tmp_path):
    _tree(tmp_path, {"train.py": "", "runs/abc/train.py": "", ".gage/runs/x/t.py": "", "runsx/a.py": ""})
    sel = select_source_files(tmp_path, ("**/*",), runs_dir=tmp_path / "runs")
    assert sel.paths == ("train.py", "runsx/a.py")


def test_size_and_type_options(tmp_path):
    _tree(tmp_path, {"small.dat": b"\x00" * 10, "big.dat": b"\x00" * 1000, "t.txt": "text"})
    assert select_source_files(tmp_path, ("* binary size<100",)).paths == ("small.dat",)
    assert select_source_files(tmp_path, ("* size>100",)).paths == ("big.dat",)
    assert select_source_files(tmp_path, ("* text",)).paths == ("t.txt",)


def test_bad_pattern(tmp_path):
    with pytest.raises(StagingError) as e:
        select_source_files(tmp_path, ("*.py sizes<3",))
    assert "sizes<3" in e.value.message


def test_text_detection(tmp_path):
    _tree(tmp_path, {"a": "héllo wörld\n", "b": b"\x00\x01", "c": bytes(range(1, 32)) * 4, "d": ""})
    assert is_text_file(tmp_path / "a") and is_text_file(tmp_path / "d")
    assert not is_text_file(tmp_path / "b") and not is_text_file(tmp_path / "c")


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_gitignore_in_git_repo(tmp_path):
    _tree(tmp_path, {
        ".gitignore": "*.pyc\nbuild/\nsecret.txt\n",
        "train.py": "", "train.pyc": "x", "build/out.py": "", "secret.txt": "s", "sub/ok.txt": "",
    })
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    sel = select_source_files(tmp_path, None)
    assert sel.gitignore
    assert sel.paths == (".gitignore", "train.py", "sub/ok.txt")
    assert sel.gitignored == 3
    # without the gitignore honoured, the ignored files are back
    plain = select_source_files(tmp_path, ("**/*",), use_gitignore=False)
    assert {"train.pyc", "build/out.py", "secret.txt"} <= set(plain.paths)
    # a project in a sub dir of the work tree
    sub = select_source_files(tmp_path / "sub", ("**/*",))
    assert sub.gitignore and sub.paths == ("ok.txt",)


def test_copy_keeps_paths_and_mode(tmp_path):
    src = _tree(tmp_path / "p", {"run.sh": "#!/bin/sh\necho hi\n", "a/b/c.txt": "c", "empty": ""})
    os.chmod(src / "run.sh", 0o755)
    os.chmod(src / "a/b/c.txt", 0o444)
    sel = select_source_files(src, ("**/*",))
    calls = []
    n = copy_source_files(sel, src, tmp_path / "run", progress=lambda d, t: calls.append((d, t)))
    assert n == 3 and calls[-1] == (3, 3)
    run = tmp_path / "run"
    assert (run / "run.sh").read_text() == "#!/bin/sh\necho hi\n"
    assert stat.S_IMODE(os.stat(run / "run.sh").st_mode) == 0o755
    assert stat.S_IMODE(os.stat(run / "a/b/c.txt").st_mode) == 0o444
    assert (run / "empty").read_bytes() == b""


def test_special_files_and_broken_links_skipped(tmp_path):
    _tree(tmp_path, {"a.txt": "a"})
    os.mkfifo(tmp_path / "fifo.txt")
    (tmp_path / "broken.txt").symlink_to(tmp_path / "missing")
    assert select_source_files(tmp_path, ("*",)).paths == ("a.txt",)


def test_runs_dir_of_config_never_read(tmp_path):
    from gage_core.gagefile.model import ConfigSpec, OpDef
    from gage_core.staging.config import read_config_defaults

    _tree(tmp_path, {"conf/a.yaml": "lr: 1\n", "runs/r1/conf/a.yaml": "lr: 2\nx: 3\n", "runs/r1.meta/id": "r1"})
    op = OpDef(name="t", config=(ConfigSpec(keys=("**/*.yaml",)),))
    d = read_config_defaults(tmp_path, op)
    assert dict(d) == {"lr": 1} and d.files == ["conf/a.yaml"]
