"""The run dir's files log (``log/files``), ``manifest`` and read-only marking.

``log/files`` lines: ``<event> <type> <mtime_us|-> <relpath>`` with event
``a``dded/``m``odified/``d``eleted and type ``s`` source code, ``r``
runtime, ``d`` dependency, ``g`` generated. The manifest is
the reduction of the log, one ``<type> <sha256> <relpath>`` line per file.
A file keeps the type of its first add.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from gage_core.store.atomic import write_atomic

__all__ = [
    "PHASE_FILE_TYPES",
    "log_files",
    "read_files_log",
    "read_manifest",
    "parse_manifest",
    "write_manifest",
    "set_readonly",
    "file_sha256",
]

# Exec phase -> file type of the files it adds.
PHASE_FILE_TYPES = {
    "stage-sourcecode": "s",
    "stage-config": "s",
    "stage-runtime": "r",
    "stage-dependencies": "d",
    "run": "g",
    "finalize": "g",
}


def _scan(run_dir: Path) -> dict[str, int]:
    """relpath -> mtime in µs of every file and symlink (symlinks are entries
    of their own, never followed: a linked dependency dir is one entry)."""
    out: dict[str, int] = {}
    base = str(run_dir)
    for root, dirs, files in os.walk(base):
        dirs.sort()
        rel_root = os.path.relpath(root, base)
        links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        for name in sorted(files + links):
            full = os.path.join(root, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            rel = name if rel_root == "." else f"{rel_root}/{name}".replace(os.sep, "/")
            out[rel] = st.st_mtime_ns // 1000
    return out


def read_files_log(meta_dir: str | os.PathLike) -> dict[str, tuple[str, int]]:
    """Reduced files log: relpath -> (type, last logged mtime µs)."""
    state: dict[str, tuple[str, int]] = {}
    try:
        text = (Path(meta_dir) / "log" / "files").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return state
    for line in text.splitlines():
        parts = line.split(" ", 3)
        if len(parts) != 4:
            continue
        event, ftype, mtime, path = parts
        if event == "d":
            state.pop(path, None)
        elif event == "a":
            state[path] = (ftype, int(mtime) if mtime.isdigit() else 0)
        elif event == "m":
            prev = state.get(path)
            state[path] = (prev[0] if prev else ftype, int(mtime) if mtime.isdigit() else 0)
    return state


def log_files(run_dir: str | os.PathLike, meta_dir: str | os.PathLike, ftype: str) -> set[str]:
    """Append events for files added/modified/deleted since the last log.
    Returns the relpaths added or modified."""
    run_dir = Path(run_dir)
    state = read_files_log(meta_dir)
    current = _scan(run_dir) if run_dir.is_dir() else {}
    lines = []
    changed: set[str] = set()
    for path, mtime in current.items():
        prev = state.get(path)
        if prev is None:
            lines.append(f"a {ftype} {mtime} {path}")
            changed.add(path)
        elif prev[1] != mtime:
            lines.append(f"m {prev[0]} {mtime} {path}")
            changed.add(path)
    for path, (ptype, _m) in state.items():
        if path not in current:
            lines.append(f"d {ptype} - {path}")
    if lines:
        log = Path(meta_dir) / "log" / "files"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
    return changed


def read_manifest(meta_dir: str | os.PathLike) -> dict[str, tuple[str, str]]:
    """relpath -> (type, sha256) from the meta ``manifest``."""
    try:
        return parse_manifest((Path(meta_dir) / "manifest").read_bytes())
    except OSError:
        return {}


def parse_manifest(data: bytes | None) -> dict[str, tuple[str, str]]:
    """relpath -> (type letter, sha256) from manifest bytes
    (``<type> <sha256> <relpath>`` lines; others are skipped)."""
    out: dict[str, tuple[str, str]] = {}
    for line in (data or b"").decode("utf-8", errors="replace").splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            out[parts[2]] = (parts[0], parts[1])
    return out


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    p = Path(path)
    if p.is_symlink():
        h.update(os.readlink(p).encode("utf-8", errors="surrogateescape"))
        return h.hexdigest()
    with open(p, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def write_manifest(
    run_dir: str | os.PathLike, meta_dir: str | os.PathLike, changed: set[str] | None = None
) -> list[str]:
    """Rewrite ``manifest`` from the files log. Files in ``changed`` (or not
    yet in the manifest) are hashed; others keep their hash. Returns
    messages for staged files (type s/r/d) whose hash changed."""
    run_dir = Path(run_dir)
    previous = read_manifest(meta_dir)
    state = read_files_log(meta_dir)
    lines = []
    messages = []
    for path in sorted(state):
        ftype = state[path][0]
        prev = previous.get(path)
        if prev is None or changed is None or path in changed:
            try:
                sha = file_sha256(run_dir / path)
            except OSError:
                continue
            if prev is not None and prev[1] != sha and ftype in "srd":
                messages.append(f'File "{path}" was modified during the run')
        else:
            sha = prev[1]
        lines.append(f"{ftype} {sha} {path}\n")
    write_atomic(Path(meta_dir) / "manifest", "".join(lines))
    return messages


def set_readonly(run_dir: str | os.PathLike) -> None:
    """chmod files read-only: 0o555 when executable, else 0o444. Symlinks
    and directories are left alone."""
    for root, _dirs, files in os.walk(os.fspath(run_dir)):
        for name in files:
            full = os.path.join(root, name)
            try:
                st = os.lstat(full)
                if not stat.S_ISREG(st.st_mode):
                    continue
                mode = 0o555 if st.st_mode & 0o111 else 0o444
                if stat.S_IMODE(st.st_mode) != mode:
                    os.chmod(full, mode)
            except OSError:
                pass
