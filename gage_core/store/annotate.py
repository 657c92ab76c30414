"""Labels, tags and comments: entries in a run's attribute log (``<id>.user/``).

The log stays writable after a run finished (its files are read-only),
so annotations can change forever. Each change appends one entry
(``attribute_log.append_user_attrs``); nothing is rewritten.

Keys: ``label`` (str); ``tags`` (list of str, the whole list is set on each
change); ``comment:<id>`` = ``{"msg", "timestamp" (ms), "author"}`` with
``<id>`` the first 13 chars of a time-sortable uuid (as Gage). Editing a
comment re-sets it with the original timestamp and an ``edited`` time.

Each function takes a ``Run`` (anything with ``user_dir``) or the user
dir path itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gage_core.errors import GageError
from gage_core.store.attribute_log import (
    append_user_attrs,
    current_author,
    new_comment_id,
    read_user_attrs,
)

__all__ = [
    "AnnotationError",
    "Comment",
    "get_label",
    "set_label",
    "clear_label",
    "get_tags",
    "add_tags",
    "remove_tags",
    "clear_tags",
    "set_tags",
    "add_comment",
    "edit_comment",
    "delete_comment",
    "list_comments",
    "find_comment",
    "validate_tag",
]


class AnnotationError(GageError):
    """A label, tag or comment that cannot be set (empty, unknown id...)."""


@dataclass(frozen=True)
class Comment:
    id: str
    msg: str
    timestamp: int | None  # ms since epoch
    author: str | None = None
    edited: int | None = None  # ms since epoch


def _user_dir(target: Any) -> Path:
    if isinstance(target, (str, os.PathLike)):
        return Path(target)
    return Path(target.user_dir)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


# -- label -------------------------------------------------------------------


def get_label(target) -> str | None:
    """The label in the attribute log (not the summary fallback)."""
    label = read_user_attrs(_user_dir(target)).get("label")
    return label if isinstance(label, str) else None


def set_label(target, label: str, author: str | None = None) -> str:
    """Set the label (surrounding whitespace dropped); returns it."""
    text = " ".join(str(label).split("\n")).strip()
    if not text:
        raise AnnotationError("label is empty", hint="use --clear to remove a label")
    append_user_attrs(_user_dir(target), set={"label": text}, author=author)
    return text


def clear_label(target, author: str | None = None) -> None:
    append_user_attrs(_user_dir(target), delete=["label"], author=author)


# -- tags --------------------------------------------------------------------


def validate_tag(tag: str) -> str:
    """A tag as stored: stripped, non-empty, without whitespace or commas."""
    text = str(tag).strip()
    if not text:
        raise AnnotationError("tag is empty")
    if any(ch.isspace() for ch in text) or "," in text:
        raise AnnotationError(
            f"invalid tag '{text}': tags contain no spaces or commas",
            hint="use - or _ between words",
        )
    return text


def get_tags(target) -> tuple[str, ...]:
    raw = read_user_attrs(_user_dir(target)).get("tags")
    return tuple(str(t) for t in raw) if isinstance(raw, list) else ()


def set_tags(target, tags: Iterable[str], author: str | None = None) -> tuple[str, ...]:
    """Replace all tags (order kept, duplicates dropped)."""
    clean = tuple(dict.fromkeys(validate_tag(t) for t in tags))
    append_user_attrs(_user_dir(target), set={"tags": list(clean)}, author=author)
    return clean


def add_tags(target, tags: Iterable[str], author: str | None = None) -> tuple[str, ...]:
    """Add tags after the existing ones; returns the new tag list. Writes
    nothing when every tag is already there."""
    new = [validate_tag(t) for t in tags]
    current = get_tags(target)
    merged = tuple(dict.fromkeys([*current, *new]))
    if merged != current:
        append_user_attrs(_user_dir(target), set={"tags": list(merged)}, author=author)
    return merged


def remove_tags(target, tags: Iterable[str], author: str | None = None) -> tuple[str, ...]:
    """Remove tags; returns the remaining ones. Unknown tags are ignored."""
    drop = {str(t).strip() for t in tags}
    current = get_tags(target)
    kept = tuple(t for t in current if t not in drop)
    if kept != current:
        append_user_attrs(_user_dir(target), set={"tags": list(kept)}, author=author)
    return kept


def clear_tags(target, author: str | None = None) -> None:
    if get_tags(target):
        append_user_attrs(_user_dir(target), delete=["tags"], author=author)


# -- comments ----------------------------------------------------------------


def _comment(key: str, value: Any) -> Comment | None:
    if not key.startswith("comment:") or not isinstance(value, dict):
        return None
    msg = value.get("msg")
    ts = value.get("timestamp")
    author = value.get("author")
    edited = value.get("edited")
    return Comment(
        id=key[len("comment:"):],
        msg=msg if isinstance(msg, str) else str(msg),
        timestamp=_ms(ts),
        author=author if isinstance(author, str) else None,
        edited=_ms(edited),
    )


def _ms(value: Any) -> int | None:
    """A plausible epoch-ms time from a (hand-edited) log entry, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not 0 <= value < 253_402_300_800_000:  # NaN, inf, negative, past year 9999
        return None
    return int(value)


def list_comments(target) -> list[Comment]:
    """Comments oldest first."""
    attrs = read_user_attrs(_user_dir(target))
    out = [c for c in (_comment(k, v) for k, v in attrs.items()) if c is not None]
    out.sort(key=lambda c: (c.timestamp is None, c.timestamp or 0, c.id))
    return out


def find_comment(target, comment_id: str) -> Comment:
    """The comment whose id is or starts with ``comment_id``."""
    wanted = comment_id.strip().lower()
    comments = list_comments(target)
    exact = [c for c in comments if c.id.lower() == wanted]
    found = exact or [c for c in comments if wanted and c.id.lower().startswith(wanted)]
    if not found:
        ids = ", ".join(c.id for c in comments) or "none"
        raise AnnotationError(f"no comment '{comment_id}'", hint=f"comment ids: {ids}")
    if len(found) > 1:
        raise AnnotationError(
            f"comment id '{comment_id}' is ambiguous",
            hint="matches " + ", ".join(c.id for c in found),
        )
    return found[0]


def _check_msg(msg: str) -> str:
    text = str(msg).strip("\n")
    if not text.strip():
        raise AnnotationError("comment is empty")
    return text


def _unique_comment_id(existing: set[str]) -> str:
    """A new comment id (48-bit ms time as ``xxxxxxxx-xxxx``) not in
    ``existing``: ids made in the same millisecond are bumped by one."""
    cid = new_comment_id()
    while cid in existing:
        n = int(cid.replace("-", ""), 16) + 1
        h = f"{n:012x}"
        cid = f"{h[:8]}-{h[8:12]}"
    return cid


def add_comment(target, msg: str, author: str | None = None) -> Comment:
    text = _check_msg(msg)
    author = author or current_author()
    existing = {c.id for c in list_comments(target)}
    comment = Comment(id=_unique_comment_id(existing), msg=text, timestamp=_now_ms(), author=author)
    value = {"msg": text, "timestamp": comment.timestamp, "author": author}
    append_user_attrs(_user_dir(target), set={f"comment:{comment.id}": value}, author=author)
    return comment


def edit_comment(target, comment_id: str, msg: str, author: str | None = None) -> Comment:
    old = find_comment(target, comment_id)
    text = _check_msg(msg)
    author = author or current_author()
    edited = _now_ms()
    timestamp, by = old.timestamp or edited, old.author or author
    value = {"msg": text, "timestamp": timestamp, "author": by, "edited": edited}
    append_user_attrs(_user_dir(target), set={f"comment:{old.id}": value}, author=author)
    return Comment(old.id, text, timestamp, by, edited)


def delete_comment(target, comment_id: str, author: str | None = None) -> Comment:
    old = find_comment(target, comment_id)
    append_user_attrs(_user_dir(target), delete=[f"comment:{old.id}"], author=author)
    return old
