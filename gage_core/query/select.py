"""Run selection specs, as Gage: ``1`` (newest), ``2:5``, id or name prefix.

``runs`` are given newest first (as ``RunStore.list_runs`` returns them,
after any ``--where`` filtering). Each spec is tried as:

1. an index ``N`` (1-based); out of range falls through to 3;
2. a slice ``A:B``: 1-based inclusive start, inclusive end (``2:4`` = runs
   2, 3 and 4); negatives count from the oldest (``-2:`` = the two
   oldest); ``:`` = all; ``0:2`` = the first two;
3. a prefix of the run id or the run name (possibly several runs).

``select_runs`` returns the union of all specs in list order and raises
``RunNotFound`` for a spec that matches nothing; ``select_one`` raises
``RunSelectError`` (with ``candidates``) when a spec matches several runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from gage_core.errors import RunNotFound, RunSelectError

__all__ = ["select_runs", "select_one", "match_spec", "describe_run"]

# Each side is empty or a whole number: a lone "-" is no number.
_SLICE = re.compile(r"^(-?\d+)?:(-?\d+)?$")
_LIST_HINT = "Use 'gage ls' to show available runs."


def match_spec(runs: Sequence[Any], spec: str) -> list:
    """The runs one spec selects, in list order (may be empty)."""
    spec = spec.strip()
    if not spec:
        return []
    # isdecimal, not isdigit: "²".isdigit() is true but int("²") fails.
    # int() also refuses more than 4300 digits: such text is a prefix.
    if spec.isdecimal() and len(spec) < 100:
        n = int(spec)
        if 1 <= n <= len(runs):
            return [runs[n - 1]]
    m = _SLICE.match(spec)
    if m and len(spec) < 100:
        return list(runs[_slice(m.group(1), m.group(2))])
    low = spec.lower()
    exact = [r for r in runs if (getattr(r, "id", "") or "").lower() == low]
    if exact:
        return exact
    return [
        r
        for r in runs
        if (getattr(r, "id", "") or "").lower().startswith(low)
        or (getattr(r, "name", "") or "").lower().startswith(low)
    ]


def _slice(a: str | None, b: str | None) -> slice:
    start = None
    if a:
        n = int(a)
        start = n - 1 if n > 0 else (0 if n == 0 else n)
    end = int(b) if b else None  # Python-style: -1 drops the oldest
    return slice(start, end)


def select_runs(runs: Sequence[Any], specs: Iterable[str]) -> list:
    """Union of the runs each spec selects, in list order.

    Raises ``RunNotFound`` naming the first spec that selects nothing."""
    runs = list(runs)
    chosen: set[int] = set()
    for spec in specs:
        found = match_spec(runs, spec)
        if not found:
            raise RunNotFound(f"No runs match '{spec}'", hint=_LIST_HINT)
        chosen.update(id(r) for r in found)
    return [r for r in runs if id(r) in chosen]


def select_one(runs: Sequence[Any], spec: str | None = None) -> Any:
    """The one run ``spec`` names (default: the newest).

    Raises ``RunNotFound`` when nothing matches and ``RunSelectError``
    listing the candidates when several do."""
    runs = list(runs)
    if spec is None or not str(spec).strip():
        if not runs:
            raise RunNotFound("No runs", hint="Start one with 'gage run OPERATION'.")
        return runs[0]
    found = match_spec(runs, str(spec))
    if not found:
        raise RunNotFound(f"No runs match '{spec}'", hint=_LIST_HINT)
    if len(found) > 1:
        shown = [describe_run(r) for r in found[:10]]
        more = f" (and {len(found) - 10} more)" if len(found) > 10 else ""
        raise RunSelectError(
            f"'{spec}' matches {len(found)} runs: " + ", ".join(shown) + more,
            candidates=found,
            hint="Use a longer id or name prefix, or an index from 'gage ls'.",
        )
    return found[0]


def describe_run(run: Any) -> str:
    """``name (op, id prefix)`` for messages."""
    op = getattr(run, "op_name", None) or "?"
    return f"{getattr(run, 'name', '?')} ({op}, {str(getattr(run, 'id', ''))[:8]})"
