"""Named archives: runs set aside from the listing, as in Gage 0.1.2.

An archive is ``<runs>/.archives/<archive id>/<time-uuid>.json`` holding
``{"id", "name", "date"}`` (epoch seconds); renaming adds a newer JSON
file, deleting adds a newer ``<time-uuid>.deleted`` (the lexically last
entry wins). A run is in an archive when its last container marker
(``<id>.move/<time-uuid>-<archive id>``) names the archive; like the
trash, archiving never moves run files, and ``restore`` marks the run
``active`` again.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gage_core.errors import GageError, StoreError
from gage_core.store.atomic import write_atomic
from gage_core.store.ids import new_run_id
from gage_core.store.trash import check_not_running, mark_container

__all__ = [
    "Archive",
    "ArchiveNotFound",
    "archives_dir",
    "list_archives",
    "archive_for_name",
    "make_archive",
    "rename_archive",
    "delete_archive",
    "archive_runs",
    "default_archive_name",
]


class ArchiveNotFound(GageError):
    """No archive has the name the user gave."""


@dataclass(frozen=True)
class Archive:
    id: str
    name: str
    date: int  # epoch seconds of the last change


def archives_dir(runs_dir: str | os.PathLike) -> Path:
    return Path(runs_dir) / ".archives"


def _entries(path: Path) -> list[str]:
    try:
        return sorted(n for n in os.listdir(path) if n.endswith((".json", ".deleted")))
    except OSError:
        return []


def list_archives(runs_dir: str | os.PathLike) -> list[Archive]:
    """Archives that are not deleted, by name. Unreadable entries are
    skipped (an archive written by a newer Gage must not break listing)."""
    out = []
    root = archives_dir(runs_dir)
    try:
        ids = sorted(os.listdir(root))
    except OSError:
        return []
    for archive_id in ids:
        entries = _entries(root / archive_id)
        if not entries or entries[-1].endswith(".deleted"):
            continue
        try:
            data = json.loads((root / archive_id / entries[-1]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            date = data.get("date")
            out.append(Archive(archive_id, data["name"], date if isinstance(date, int) else 0))
    return sorted(out, key=lambda a: a.name)


def archive_for_name(runs_dir: str | os.PathLike, name: str) -> Archive:
    for archive in list_archives(runs_dir):
        if archive.name == name:
            return archive
    raise ArchiveNotFound(
        f"archive '{name}' does not exist", hint="Use 'gage archive --list' to show available archives."
    )


def _write(runs_dir, archive_id: str, name: str) -> Archive:
    if not name.strip() or "\n" in name:
        raise GageError("an archive name must be one non-empty line")
    archive = Archive(archive_id, name, int(time.time()))
    path = archives_dir(runs_dir) / archive_id / f"{new_run_id()}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"id": archive.id, "name": archive.name, "date": archive.date}))
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from None
    return archive


def make_archive(runs_dir: str | os.PathLike, name: str) -> Archive:
    """A new, empty archive; refuses a name already in use."""
    if any(a.name == name for a in list_archives(runs_dir)):
        raise GageError(f"archive '{name}' already exists")
    return _write(runs_dir, str(uuid.uuid4()), name)


def rename_archive(runs_dir: str | os.PathLike, current: str, new: str) -> Archive:
    archive = archive_for_name(runs_dir, current)
    if current != new and any(a.name == new for a in list_archives(runs_dir)):
        raise GageError(f"archive '{new}' already exists")
    return _write(runs_dir, archive.id, new)


def delete_archive(runs_dir: str | os.PathLike, archive: Archive, runs_in_it: int) -> None:
    """Delete an empty archive (its runs must be restored or purged first)."""
    if runs_in_it:
        raise GageError(
            f"archive '{archive.name}' is not empty ({runs_in_it} run{'s' if runs_in_it != 1 else ''})",
            hint=f"restore its runs with 'gage restore -A {archive.name}' or purge them with "
            f"'gage purge -A {archive.name}'",
        )
    path = archives_dir(runs_dir) / archive.id / f"{new_run_id()}.deleted"
    try:
        path.touch(exist_ok=False)
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from None


def archive_runs(runs: Iterable[Any], archive: Archive) -> list[Any]:
    """Put ``runs`` in ``archive``; refuses (all of them) when one is running."""
    runs = list(runs)
    check_not_running(runs, "archive")
    for run in runs:
        mark_container(run, archive.id)
    return runs


def default_archive_name() -> str:
    return time.strftime("%Y-%m-%d-%H%M%S")
