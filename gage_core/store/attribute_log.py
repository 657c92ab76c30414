"""User attributes of a run: the attribute log in ``<id>.user/``.

Gage 0.1.2 format: one JSON file per change, named
``<time-sortable uuid>.json``, content ``{"author", "set", "delete"}``,
chmod 0444. The current value is all entries applied in filename order.
Logs from other machines merge by copying files.

Keys: ``label`` (str), ``tags`` (list of str), ``comment:<id>``
(``{"msg", "timestamp"}``, timestamp in ms).
"""

from __future__ import annotations

import errno
import getpass
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gage_core.errors import StoreError
from gage_core.store.atomic import write_atomic
from gage_core.store.ids import new_run_id

__all__ = [
    "read_user_attrs",
    "append_user_attrs",
    "user_attr_entries",
    "comments",
    "new_comment_id",
    "current_author",
]


def current_author() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return os.environ.get("USER") or "unknown"


def _entry_files(user_dir: Path) -> list[Path]:
    try:
        names = sorted(n for n in os.listdir(user_dir) if n.endswith(".json"))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [user_dir / n for n in names]


def user_attr_entries(
    user_dir: str | os.PathLike, errors: list[str] | None = None
) -> list[tuple[str, dict]]:
    """``(filename, entry)`` pairs in apply order. Malformed entries are
    skipped; a message for each is appended to ``errors`` when given."""
    out = []
    for path in _entry_files(Path(user_dir)):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError) as e:
            # RecursionError: absurdly nested JSON (a crafted or damaged entry).
            if errors is not None:
                errors.append(f"{path.name}: {e}")
            continue
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("set", {}), dict)
            or not isinstance(data.get("delete", []), list)
        ):
            if errors is not None:
                errors.append(f"{path.name}: not an attribute log entry")
            continue
        out.append((path.name, data))
    return out


def read_user_attrs(
    user_dir: str | os.PathLike, errors: list[str] | None = None
) -> dict[str, Any]:
    """Current user attributes: all log entries applied in filename order.

    Never raises for bad content: malformed entries are skipped and, when
    ``errors`` is given, described there."""
    attrs: dict[str, Any] = {}
    for _name, entry in user_attr_entries(user_dir, errors):
        for key, value in (entry.get("set") or {}).items():
            attrs[key] = value
        for key in entry.get("delete") or []:
            if isinstance(key, str):
                attrs.pop(key, None)
    return attrs


def append_user_attrs(
    user_dir: str | os.PathLike,
    set: Mapping[str, Any] | None = None,
    delete: Iterable[str] | None = None,
    author: str | None = None,
) -> Path:
    """Write one log entry (read-only file) and return its path. Raises
    ``StoreError`` (nothing half-written is left) when the store cannot be
    written: a full disk, a read-only file system, no permission."""
    user_dir = Path(user_dir)
    entry = {
        "author": author or current_author(),
        "set": dict(set or {}),
        "delete": list(delete or []),
    }
    try:
        user_dir.mkdir(parents=True, exist_ok=True)
        while True:
            dest = user_dir / f"{new_run_id()}.json"
            if not dest.exists():
                break
        write_atomic(dest, json.dumps(entry, sort_keys=True), mode=0o444)
        if user_dir.name.endswith(".user"):
            # The runs dir's mtime does not show a new entry in an existing
            # user dir: tell the run index.
            from gage_core.store.store import note_runs_changed

            note_runs_changed(user_dir.parent, [user_dir.name[: -len(".user")]])
    except OSError as e:
        reason = "the disk is full" if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT) else (
            "the store is read-only" if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else e.strerror or str(e))
        raise StoreError(
            f"cannot record the change in {user_dir}: {reason}",
            hint="free space or make the runs directory writable, then try again",
        ) from None
    return dest


def new_comment_id() -> str:
    """A comment id: the first 13 chars of a time-sortable uuid (as Gage)."""
    return new_run_id()[:13]


def comments(attrs: Mapping[str, Any]) -> list[dict]:
    """Comments in timestamp order: ``{"id", "msg", "timestamp"}`` and
    ``"author"`` when the comment names one (Gage 0.1.2's do not)."""
    out = []
    for key, value in attrs.items():
        if not key.startswith("comment:") or not isinstance(value, dict):
            continue
        msg = value.get("msg")
        ts = value.get("timestamp")
        author = value.get("author")
        out.append(
            {
                "id": key[len("comment:"):],
                **({"author": author} if isinstance(author, str) else {}),
                "msg": msg if isinstance(msg, str) else str(msg),
                "timestamp": ts if isinstance(ts, (int, float)) and 0 <= ts < 253_402_300_800_000 else None,
            }
        )
    out.sort(key=lambda c: (c["timestamp"] is None, c["timestamp"] or 0, c["id"]))
    return out
