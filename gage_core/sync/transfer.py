"""Copy file trees between local directories and fsspec URLs.

A file is sent (or fetched) unless the other side already has it with the
same size, so an interrupted copy resumes where it stopped and a repeated
one sends nothing. After each file the size on the other side is checked;
a mismatch is an error, never a silent half copy. fsspec does not carry
file modes: callers record them (see ``runs``) and restore them.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gage_core.errors import GageError

__all__ = [
    "SyncError",
    "TransferProgress",
    "open_url",
    "join",
    "local_files",
    "remote_files",
    "upload_files",
    "download_files",
]


class SyncError(GageError):
    """A copy to or from storage failed."""


@dataclass
class TransferProgress:
    """Counts so far of one copy; ``path`` is the file being copied."""

    bytes_done: int = 0
    bytes_total: int = 0
    files_done: int = 0
    files_total: int = 0
    path: str = ""


ProgressFn = Callable[[TransferProgress], None]


def open_url(url: str):
    """(fsspec filesystem, root path) for ``url``; a local path or
    ``file://`` URL is the local filesystem."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(url)
    except ImportError as e:
        scheme = url.split("://", 1)[0]
        extra = " (pip install 'gage-workbench[s3]')" if scheme in ("s3", "s3a") else ""
        raise SyncError(
            f"{url}: no filesystem installed for '{scheme}://'{extra}", hint=str(e)
        ) from None
    except ValueError as e:
        raise SyncError(f"{url}: {e}") from None
    return fs, root.rstrip("/") or "/"


def join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(p.strip("/") for p in parts)])


def local_files(base: Path) -> dict[str, tuple[int, int]]:
    """relpath -> (size, permission bits) of the regular files under
    ``base`` (symlinked files count as their target; symlinked dirs are
    not followed, so a link to a big dependency tree is not copied)."""
    out: dict[str, tuple[int, int]] = {}
    if base.is_file():
        st = base.stat()
        return {"": (st.st_size, stat.S_IMODE(st.st_mode))}
    for root, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d)))
        rel_root = os.path.relpath(root, base)
        for name in sorted(files):
            full = os.path.join(root, name)
            try:
                st = os.stat(full)
            except OSError:
                continue  # a dangling link
            if not stat.S_ISREG(st.st_mode):
                continue
            rel = name if rel_root == "." else f"{rel_root}/{name}".replace(os.sep, "/")
            out[rel] = (st.st_size, stat.S_IMODE(st.st_mode))
    return out


def remote_files(fs, base: str) -> dict[str, int]:
    """relpath -> size of the files under ``base`` (empty when absent)."""
    try:
        found = fs.find(base, detail=True)
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise SyncError(f"cannot list {base}: {e}") from None
    prefix = base.rstrip("/") + "/"
    out = {}
    for path, info in found.items():
        if info.get("type") == "directory":
            continue
        path = path.rstrip("/")
        rel = path[len(prefix):] if path.startswith(prefix) else ("" if path == base.rstrip("/") else None)
        if rel is None:
            continue
        out[rel] = int(info.get("size") or 0)
    return out


def _remote_size(fs, path: str) -> int | None:
    try:
        fs.invalidate_cache(path)
        return int(fs.info(path).get("size") or 0)
    except FileNotFoundError:
        return None


def upload_files(
    local_base: Path,
    fs,
    remote_base: str,
    files: dict[str, tuple[int, int]],
    existing: dict[str, int],
    progress: TransferProgress,
    on_progress: ProgressFn | None = None,
) -> int:
    """Send the ``files`` of ``local_base`` whose size differs from
    ``existing``; returns the number sent."""
    sent = 0
    for rel, (size, _mode) in files.items():
        src = local_base / rel if rel else local_base
        dst = join(remote_base, rel) if rel else remote_base
        progress.path = rel
        if existing.get(rel) != size:
            try:
                fs.makedirs(posixpath.dirname(dst), exist_ok=True)
                fs.put_file(str(src), dst)
            except OSError as e:
                raise SyncError(f"cannot copy {src} to {dst}: {e}") from None
            got = _remote_size(fs, dst)
            if got != size:
                raise SyncError(f"{dst}: copied {got} bytes of {size}; run the copy again")
            sent += 1
        progress.files_done += 1
        progress.bytes_done += size
        if on_progress is not None:
            on_progress(progress)
    return sent


def download_files(
    fs,
    remote_base: str,
    local_base: Path,
    files: dict[str, tuple[int, int]],
    progress: TransferProgress,
    on_progress: ProgressFn | None = None,
) -> int:
    """Fetch the ``files`` (relpath -> (size, mode)) of ``remote_base``
    whose local size differs, then give every file its recorded mode;
    returns the number fetched. A file is fetched to a temp name and
    renamed, so readers never see half of it."""
    got_count = 0
    for rel, (size, mode) in files.items():
        dst = local_base / rel if rel else local_base
        src = join(remote_base, rel) if rel else remote_base
        progress.path = rel
        try:
            have = dst.stat().st_size if not dst.is_symlink() else None
        except OSError:
            have = None
        if have != size:
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(f".{dst.name}.part")
            try:
                fs.get_file(src, str(tmp))
            except (OSError, FileNotFoundError) as e:
                raise SyncError(f"cannot copy {src}: {e}") from None
            got = tmp.stat().st_size
            if got != size:
                tmp.unlink()
                raise SyncError(f"{src}: received {got} bytes of {size}; run the copy again")
            if dst.is_dir() and not dst.is_symlink():
                raise SyncError(f"{dst} is a directory; cannot replace it with a file")
            os.replace(tmp, dst)
            got_count += 1
        if mode and stat.S_IMODE(dst.lstat().st_mode) != mode and not dst.is_symlink():
            os.chmod(dst, mode)
        progress.files_done += 1
        progress.bytes_done += size
        if on_progress is not None:
            on_progress(progress)
    return got_count
