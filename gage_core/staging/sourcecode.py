"""Source code selection and copy.

Public API::

    select_source_files(project_dir, patterns: tuple | None, runs_dir=None,
                        use_gitignore=True) -> SourceSelection
    copy_source_files(selection, project_dir, run_dir, progress=None) -> int
        # progress(done, total) is called at most ~100 times plus once at the end

    @dataclass SourceSelection:
        paths: tuple[str, ...]          # sorted walk order, '/'-separated, relative
        sizes: tuple[int, ...]          # bytes, same order
        total_size: int
        truncated_rules: tuple[str, ...]  # patterns whose max-matches refused files
        skipped_links: tuple[str, ...]  # symlinks whose target is outside the project
        refused: int                    # files refused by max-matches
        patterns_used: tuple[str, ...]  # after combining with the defaults
        gitignore: bool                 # .gitignore rules were applied
        gitignored: int                 # files/dirs skipped because git ignores them
        count (property), to_json()

Semantics: rules in order, the last matching rule decides, no match = not
selected. ``dir`` rules prune directories while walking (last matching dir
rule decides; ``sentinel=`` requires that path inside the dir). Differences
from Gage 0.1.2, on purpose: an exclude rule without ``dir`` also excludes
files below a directory it matches (``-**/.*`` alone skips ``.venv/x.py``:
the known FIXME); ``max-matches`` counts files the rule selected (the rule
that decided), and reaching it is reported; the runs directory (wherever
``$runs-dir`` points, even the project dir itself: then its run entries) and
the project's ``.gage`` and any ``.git`` dir are never selected; a symlink
whose real path is outside the project is never followed (listed in
``skipped_links``); in a git work tree, files git
ignores (``.gitignore``, ``.git/info/exclude``, global excludes) are skipped.
"""

from __future__ import annotations

import glob as _glob
import os
import re
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gage_core.errors import StagingError
from gage_core.staging.patterns import Rule, effective_patterns, is_text_file, parse_patterns

__all__ = ["SourceSelection", "select_source_files", "copy_source_files", "git_ignored"]


@dataclass(frozen=True)
class SourceSelection:
    paths: tuple[str, ...]
    sizes: tuple[int, ...]
    total_size: int
    truncated_rules: tuple[str, ...]
    refused: int
    patterns_used: tuple[str, ...]
    gitignore: bool = False
    gitignored: int = 0
    skipped_links: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.paths)

    def to_json(self) -> dict:
        return {
            "patterns": list(self.patterns_used),
            "paths": list(self.paths),
            "count": self.count,
            "total_size": self.total_size,
            "truncated_rules": list(self.truncated_rules),
            "refused": self.refused,
            "gitignore": self.gitignore,
            "gitignored": self.gitignored,
            "skipped_links": list(self.skipped_links),
        }


def git_ignored(project_dir: Path) -> tuple[set[str], set[str]] | None:
    """(ignored files, ignored dirs) relative to ``project_dir`` from one
    ``git ls-files`` call; ``None`` when git is missing or this is no work tree."""
    try:
        res = subprocess.run(
            ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z"],
            cwd=project_dir, capture_output=True, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if res.returncode != 0:
        return None
    files, dirs = set(), set()
    for item in res.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not item:
            continue
        if item.endswith("/"):
            dirs.add(item.rstrip("/"))
        else:
            files.add(item)
    return files, dirs


def _sentinel_present(dir_path: str, sentinel: str) -> bool:
    if not any(c in sentinel for c in "*?["):
        return os.path.lexists(os.path.join(dir_path, sentinel))
    return bool(_glob.glob(os.path.join(_glob.escape(dir_path), sentinel), recursive=True))


# Entries a runs directory holds: run dirs and their sidecars, the index.
_RUN_ENTRY = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?:\.|\Z)|\.gage")


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


class _Walker:
    def __init__(self, root: Path, rules: list[Rule], skip_dirs: set[str], ignored, runs_dir=None):
        self.root = str(root)
        self.root_real = os.path.realpath(root)
        self.runs_real = os.path.realpath(runs_dir) if runs_dir is not None else None
        self.skipped_links: list[str] = []
        self.dir_rules = [r for r in rules if r.is_dir]
        self.file_rules = [r for r in rules if not r.is_dir]
        # exclude rules that, matching a directory, exclude everything below it
        self.inherit = [i for i, r in enumerate(self.file_rules) if not r.include and r.type is None
                        and r.size_lt is None and r.size_gt is None]
        self.skip_dirs = skip_dirs
        self.ign_files, self.ign_dirs = ignored if ignored else (set(), set())
        self.gitignored = 0
        self.paths: list[str] = []
        self.sizes: list[int] = []
        self._seen: set[tuple[int, int]] = set()

    def walk(self) -> None:
        st = os.stat(self.root)
        self._seen.add((st.st_dev, st.st_ino))
        self._walk_dir(self.root, "", frozenset())

    def _dir_excluded(self, abs_dir: str, rel: str) -> bool:
        for rule in reversed(self.dir_rules):
            if rule.regex.match(rel) and (rule.sentinel is None or _sentinel_present(abs_dir, rule.sentinel)):
                return not rule.include
        return False

    def _walk_dir(self, abs_dir: str, rel_dir: str, inherited: frozenset) -> None:
        try:
            with os.scandir(abs_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        subdirs = []
        in_runs_dir = self.runs_real is not None and os.path.realpath(abs_dir) == self.runs_real
        for entry in entries:
            rel = rel_dir + entry.name
            if in_runs_dir and _RUN_ENTRY.match(entry.name):
                continue
            if entry.is_symlink() and not _inside(os.path.realpath(entry.path), self.root_real):
                self.skipped_links.append(rel)
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                subdirs.append((entry, rel))
                continue
            if rel in self.ign_files:
                self.gitignored += 1
                continue
            try:
                if not entry.is_file():  # fifos, sockets, broken symlinks
                    continue
            except OSError:
                continue
            size = self._select_file(entry, rel, inherited)
            if size is not None:
                self.paths.append(rel)
                self.sizes.append(size)
        for entry, rel in subdirs:
            if rel in self.skip_dirs or entry.name == ".git":
                continue
            if rel in self.ign_dirs:
                self.gitignored += 1
                continue
            if self._dir_excluded(entry.path, rel):
                continue
            if self.runs_real is not None and os.path.realpath(entry.path) == self.runs_real:
                continue
            if entry.is_symlink():
                try:
                    st = os.stat(entry.path)
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) in self._seen:
                    continue
                self._seen.add((st.st_dev, st.st_ino))
            sub_inherited = inherited | {i for i in self.inherit if self.file_rules[i].regex.match(rel)}
            self._walk_dir(entry.path, rel + "/", frozenset(sub_inherited))

    def _select_file(self, entry: os.DirEntry, rel: str, inherited: frozenset) -> int | None:
        size = None
        text = None
        for idx in range(len(self.file_rules) - 1, -1, -1):
            rule = self.file_rules[idx]
            if not rule.regex.match(rel) and idx not in inherited:
                continue
            if rule.needs_stat() or (size is None and rule.include):
                if size is None:
                    try:
                        size = entry.stat().st_size
                    except OSError:
                        return None
                if rule.size_lt is not None and not size < rule.size_lt:
                    continue
                if rule.size_gt is not None and not size > rule.size_gt:
                    continue
            if rule.type in ("text", "binary"):
                if text is None:
                    text = is_text_file(entry.path)
                if text != (rule.type == "text"):
                    continue
            if rule.max_matches is not None and rule.matches >= rule.max_matches:
                rule.refused += 1
                continue
            if not rule.include:
                return None
            rule.matches += 1
            return size
        return None


def select_source_files(
    project_dir: str | os.PathLike,
    patterns: tuple[str, ...] | None,
    runs_dir: str | os.PathLike | None = None,
    use_gitignore: bool = True,
) -> SourceSelection:
    """Select the project files an op copies as source code.

    ``patterns`` is ``OpDef.sourcecode`` (``None`` = defaults, ``()`` = none).
    Raises StagingError for an invalid pattern or a missing project dir.
    """
    root = Path(project_dir)
    if not root.is_dir():
        raise StagingError(f"project directory {root} does not exist")
    used = effective_patterns(patterns)
    if not used:
        return SourceSelection((), (), 0, (), 0, used)
    rules = parse_patterns(used)
    skip = {".gage"}
    if runs_dir is not None:
        try:
            rel = os.path.relpath(os.path.realpath(runs_dir), os.path.realpath(root))
        except ValueError:
            rel = ".."
        if not rel.startswith("..") and rel != ".":
            skip.add(rel.replace(os.sep, "/"))
    ignored = git_ignored(root) if use_gitignore else None
    walker = _Walker(root, rules, skip, ignored, runs_dir)
    walker.walk()
    truncated = tuple(r.text for r in rules if r.refused)
    return SourceSelection(
        paths=tuple(walker.paths),
        sizes=tuple(walker.sizes),
        total_size=sum(walker.sizes),
        truncated_rules=truncated,
        refused=sum(r.refused for r in rules),
        patterns_used=used,
        gitignore=ignored is not None,
        gitignored=walker.gitignored,
        skipped_links=tuple(walker.skipped_links),
    )


def _copy_one(src: str, dst: str, umask: int) -> None:
    fd = os.open(src, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        mode = stat.S_IMODE(st.st_mode)
        out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode | 0o200)
        try:
            if st.st_size:
                sent = 0
                while True:
                    n = os.sendfile(out, fd, None, 1 << 24)
                    if n == 0:
                        break
                    sent += n
            if (mode | 0o200) & ~umask != mode:
                os.fchmod(out, mode)
        finally:
            os.close(out)
    finally:
        os.close(fd)


def _copy_fallback(src: str, dst: str, umask: int) -> None:
    import shutil

    shutil.copyfile(src, dst)
    shutil.copymode(src, dst)


def copy_source_files(
    selection: SourceSelection,
    project_dir: str | os.PathLike,
    run_dir: str | os.PathLike,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Copy the selected files into ``run_dir`` keeping relative paths and
    permission bits; returns the number copied. Raises StagingError when a
    file cannot be read or written."""
    src_root, dst_root = os.fspath(project_dir), os.fspath(run_dir)
    total = len(selection.paths)
    umask = os.umask(0)
    os.umask(umask)
    copy = _copy_one if hasattr(os, "sendfile") else _copy_fallback
    src_real = os.path.realpath(src_root)
    made: set[str] = set()
    step = max(1, total // 100)
    for done, rel in enumerate(selection.paths, 1):
        parent = rel.rpartition("/")[0]
        if parent not in made:
            os.makedirs(os.path.join(dst_root, parent), exist_ok=True)
            made.add(parent)
        src = os.path.join(src_root, rel)
        dst = os.path.join(dst_root, rel)
        if not _inside(os.path.realpath(src), src_real):
            # Changed into a link out of the project since it was selected.
            raise StagingError(f"source file {rel} now leads outside the project (a symlink)")
        try:
            try:
                copy(src, dst, umask)
            except OSError as e:
                if e.errno not in (22, 38, 95):  # EINVAL/ENOSYS/EOPNOTSUPP: no sendfile here
                    raise
                _copy_fallback(src, dst, umask)
        except OSError as e:
            raise StagingError(f"cannot copy source file {rel}: {e.strerror or e}") from None
        if progress is not None and (done % step == 0 or done == total):
            progress(done, total)
    if progress is not None and total == 0:
        progress(0, 0)
    return total
