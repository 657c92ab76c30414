"""The order of the runs table: one comparable key per run, so a sorted
list of run ids can take a changed run out and put it back by bisection.

Numbers sort before text, numbers by value, text ignoring case; runs
missing the value come last in either direction; ties keep the newest run
first. ``sort_runs`` sorts a whole list the same way (two stable sorts,
much faster than sorting by the composite key).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gage_core.query.fields import value_number, value_text

__all__ = ["newest_key", "order_key", "sort_runs", "is_present"]


class _Desc:
    """Reverses the order of a sort key (descending within an ascending sort)."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __lt__(self, other: _Desc) -> bool:
        return other.key < self.key

    def __eq__(self, other) -> bool:
        return isinstance(other, _Desc) and other.key == self.key


def _value_key(value) -> tuple:
    num = value_number(value)
    if num is not None and not isinstance(value, str):
        return (0, num, "")
    text = value_text(value)
    return (1, 0, text.lower() + "\0" + text)


def newest_key(run) -> tuple:
    """Sorts runs oldest first (reverse it for the listing order)."""
    ts = run.timestamp
    return (ts is not None, ts or 0, run.id)


def is_present(value) -> bool:
    return value is not None and value != "" and not (isinstance(value, float) and value != value)


def order_key(run, value, reverse: bool) -> tuple:
    """The place of ``run`` whose sort value is ``value``, as one key that
    sorts ascending."""
    if not is_present(value):
        return (1, _Desc(newest_key(run)))
    vkey = _value_key(value)
    return (0, _Desc(vkey) if reverse else vkey, _Desc(newest_key(run)))


def sort_runs(runs: list, value_of: Callable[[Any], Any] | None, reverse: bool) -> list:
    """``runs`` in the order ``order_key`` gives (``value_of`` None: by
    time, newest first)."""
    runs = sorted(runs, key=newest_key, reverse=True)
    if value_of is None:
        return runs
    present, missing = [], []
    for run in runs:
        value = value_of(run)
        (present if is_present(value) else missing).append((value, run))
    # Stable sorts: ties keep newest first in either direction.
    present.sort(key=lambda vr: _value_key(vr[0]), reverse=reverse)
    return [r for _v, r in present] + [r for _v, r in missing]
