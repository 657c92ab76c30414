"""Runs in storage: the same layout as a runs directory, plus a marker.

A run copied to a URL is ``<id>/`` (run dir), ``<id>.meta/`` (or a Gage
0.1.2 ``<id>.meta.zip``) and ``<id>.user/``, like in a runs directory.
``<id>.meta/.copied`` (or ``<id>.copied`` beside a ``.meta.zip``) is
written last: JSON with the size and mode of every file. A run without
it is incomplete (a copy in progress or interrupted) and is not pulled.
Pushing a run again sends only what the other side lacks; a pushed run
whose marker matches is left alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from gage_core.sync.transfer import (
    ProgressFn,
    SyncError,
    TransferProgress,
    download_files,
    join,
    local_files,
    open_url,
    remote_files,
    upload_files,
)

__all__ = [
    "MARKER",
    "RUN_PARTS",
    "CopyResult",
    "push_run",
    "pull_run",
    "list_copied_runs",
    "read_marker",
]

MARKER = ".copied"
# Run parts that travel: never <id>.project (a path on this machine) nor
# <id>.move (trash state), as Gage 0.1.2's copy.
RUN_PARTS = ("", ".meta", ".meta.zip", ".user")
# Meta files that belong to this machine's process, not to the run.
_LOCAL_META = ("proc/lock", "proc/.reserve", MARKER)


@dataclass
class CopyResult:
    run_id: str
    files: int = 0
    sent: int = 0
    bytes: int = 0
    deleted: int = 0
    up_to_date: bool = False


_RUN_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,99}")


def _check_run_id(run_id: str) -> str:
    """A run id names entries of a runs dir: nothing that could lead
    elsewhere (``..``, ``/``) is accepted from storage."""
    if not _RUN_ID.fullmatch(run_id):
        raise SyncError(f"not a run id: {run_id!r}")
    return run_id


def _marker_path(root: str, run_id: str, zipped: bool) -> str:
    return join(root, f"{run_id}.copied") if zipped else join(root, f"{run_id}.meta", MARKER)


def _manifest(runs_dir: Path, run_id: str) -> dict[str, list[int]]:
    """``"<part>/<relpath>" -> [size, mode]`` of the run's local files."""
    out: dict[str, list[int]] = {}
    for suffix in RUN_PARTS:
        base = runs_dir / f"{run_id}{suffix}"
        if not base.exists():
            continue
        for rel, (size, mode) in local_files(base).items():
            if suffix == ".meta" and (rel in _LOCAL_META or rel.endswith(".part")):
                continue
            out[f"{run_id}{suffix}/{rel}" if rel else f"{run_id}{suffix}"] = [size, mode]
    return out


def read_marker(fs, root: str, run_id: str) -> dict[str, list[int]] | None:
    """The manifest of a completely copied run, None when there is none."""
    for zipped in (False, True):
        try:
            data = json.loads(fs.cat_file(_marker_path(root, run_id, zipped)))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as e:
            raise SyncError(f"{_marker_path(root, run_id, zipped)}: unreadable ({e})") from None
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict) or not all(
            isinstance(v, list) and len(v) == 2 and all(isinstance(n, int) for n in v)
            for v in files.values()
        ):
            raise SyncError(f"{_marker_path(root, run_id, zipped)}: not a copy marker")
        return files
    return None


def _split(key: str) -> tuple[str, str]:
    part, _, rel = key.partition("/")
    return part, rel


def push_run(
    runs_dir: str | os.PathLike,
    run_id: str,
    url: str,
    *,
    sync: bool = False,
    on_progress: ProgressFn | None = None,
    fs_root=None,
) -> CopyResult:
    """Copy a run from ``runs_dir`` to ``url``. With ``sync`` the run's
    files at ``url`` that it no longer has are deleted."""
    runs_dir = Path(runs_dir)
    _check_run_id(run_id)
    fs, root = fs_root or open_url(url)
    manifest = _manifest(runs_dir, run_id)
    if not any(_split(k)[0] in (f"{run_id}.meta", f"{run_id}.meta.zip") for k in manifest):
        raise SyncError(f"run {run_id} has no meta in {runs_dir}")
    zipped = any(_split(k)[0] == f"{run_id}.meta.zip" for k in manifest)
    total = sum(v[0] for v in manifest.values())
    result = CopyResult(run_id, files=len(manifest), bytes=total)
    existing: dict[str, dict[str, int]] = {}
    for suffix in RUN_PARTS:
        part = f"{run_id}{suffix}"
        existing[part] = remote_files(fs, join(root, part))
    marker = _marker_path(root, run_id, zipped)
    extras = [
        (part, rel) for part, remote in existing.items() for rel in remote
        if f"{part}/{rel}" not in manifest and part not in manifest
        and not (part == f"{run_id}.meta" and rel == MARKER)
    ]
    if (not sync or not extras) and read_marker(fs, root, run_id) == manifest and all(
        existing.get(_split(k)[0], {}).get(_split(k)[1]) == v[0] for k, v in manifest.items()
    ):
        result.up_to_date = True
        if on_progress is not None:
            on_progress(TransferProgress(total, total, len(manifest), len(manifest)))
        return result
    if fs.exists(marker):
        fs.rm_file(marker)
    progress = TransferProgress(bytes_total=total, files_total=len(manifest))
    by_part: dict[str, dict[str, tuple[int, int]]] = {}
    for key, (size, mode) in manifest.items():
        part, rel = _split(key)
        by_part.setdefault(part, {})[rel] = (size, mode)
    for part, files in by_part.items():
        result.sent += upload_files(
            runs_dir / part, fs, join(root, part), files, existing.get(part, {}), progress, on_progress
        )
    if sync:
        for part, rel in extras:
            fs.rm_file(join(root, part, rel) if rel else join(root, part))
            result.deleted += 1
    fs.pipe_file(marker, json.dumps({"run": run_id, "files": manifest}, sort_keys=True).encode())
    return result


def list_copied_runs(url: str, fs_root=None) -> list[str]:
    """Ids of the runs completely copied to ``url``."""
    fs, root = fs_root or open_url(url)
    try:
        names = [p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(root, detail=False)]
    except FileNotFoundError:
        return []
    except OSError as e:
        raise SyncError(f"cannot list {url}: {e}") from None
    ids = []
    for name in names:
        if name.endswith(".copied"):
            ids.append(name[: -len(".copied")])
        elif name.endswith(".meta") and fs.exists(join(root, name, MARKER)):
            ids.append(name[: -len(".meta")])
    return sorted({i for i in ids if _RUN_ID.fullmatch(i)})


def pull_run(
    url: str,
    run_id: str,
    runs_dir: str | os.PathLike,
    *,
    sync: bool = False,
    meta_only: bool = False,
    on_progress: ProgressFn | None = None,
    fs_root=None,
) -> CopyResult:
    """Copy a completely copied run from ``url`` into ``runs_dir`` with
    the modes it had. A run new to ``runs_dir`` is assembled in
    ``.gage-pull/`` and moved into place meta last, so a listing never
    sees half of it. ``meta_only`` fetches the meta without the output
    files (enough to filter runs)."""
    runs_dir = Path(runs_dir)
    _check_run_id(run_id)
    fs, root = fs_root or open_url(url)
    manifest = read_marker(fs, root, run_id)
    if manifest is None:
        raise SyncError(
            f"run {run_id} at {url} is not completely copied",
            hint="copy it again from where it was made",
        )
    if meta_only:
        manifest = {
            k: v for k, v in manifest.items()
            if _split(k)[0] in (f"{run_id}.meta", f"{run_id}.user")
            and not _split(k)[1].startswith(("output/", "log/"))
        }
    for key in manifest:
        part, rel = _split(key)
        if part not in (f"{run_id}{s}" for s in RUN_PARTS) or _unsafe(rel):
            raise SyncError(f"{url}: copy marker of {run_id} names a path outside the run: {key}")
    in_place = (runs_dir / f"{run_id}.meta").exists() or (runs_dir / f"{run_id}.meta.zip").exists()
    work = runs_dir if in_place else runs_dir / ".gage-pull"
    total = sum(v[0] for v in manifest.values())
    progress = TransferProgress(bytes_total=total, files_total=len(manifest))
    result = CopyResult(run_id, files=len(manifest), bytes=total)
    by_part: dict[str, dict[str, tuple[int, int]]] = {}
    for key, (size, mode) in manifest.items():
        part, rel = _split(key)
        by_part.setdefault(part, {})[rel] = (size, mode)
    for part, files in by_part.items():
        result.sent += download_files(fs, join(root, part), work / part, files, progress, on_progress)
    if sync and in_place:
        for part, files in by_part.items():
            base = runs_dir / part
            if base.is_dir():
                for rel in local_files(base):
                    if rel not in files and not (part.endswith(".meta") and rel in _LOCAL_META):
                        (base / rel).unlink()
                        result.deleted += 1
    if not in_place:
        # Meta last: the run appears in listings complete.
        for part in sorted(by_part, key=lambda p: (p.endswith((".meta", ".meta.zip")), p)):
            dst = runs_dir / part
            if dst.exists():
                _remove(dst)
            os.replace(work / part, dst)
        try:
            work.rmdir()
        except OSError:
            pass
    return result


def _unsafe(rel: str) -> bool:
    parts = rel.split("/")
    return rel.startswith("/") or any(p in ("..", "") for p in parts if rel) or "\\" in rel


def _remove(path: Path) -> None:
    """Delete a file or a tree, read-only files included."""
    if path.is_dir() and not path.is_symlink():
        for root, dirs, _files in os.walk(path):
            for d in dirs:
                full = os.path.join(root, d)
                if not os.path.islink(full):
                    os.chmod(full, stat.S_IRWXU)
        shutil.rmtree(path)
    else:
        path.unlink()
