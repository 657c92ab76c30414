"""Run fields as the filter language and sorting see them.

A field getter returns a list of candidate values (empty = missing): most
fields give one value, ``tag`` gives every tag and ``op`` gives the bare
and the namespaced operation name. Works with any object that has the
attributes of ``gage_core.store.run.Run``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from gage_core.staging.flags import scalar_text

__all__ = [
    "FILTER_FIELDS",
    "TIME_FIELDS",
    "field_getter",
    "filter_fields",
    "value_text",
    "value_number",
]

# (name, description) shown by help and completion, in display order.
FILTER_FIELDS: tuple[tuple[str, str], ...] = (
    ("op", "operation name (also namespace:op)"),
    ("status", "running completed error terminated staged pending unknown"),
    ("label", "run label"),
    ("tag", "a tag of the run (tag = x: has tag x)"),
    ("name", "run name"),
    ("id", "run id"),
    ("started", "start time"),
    ("stopped", "stop time"),
    ("staged", "staging time"),
    ("duration", "run time in microseconds (sorting)"),
    ("project", "project directory"),
    ("project_id", "project id ($project-id)"),
    ("batch", "batch id"),
    ("exit", "exit code"),
    ("container", "active or trash"),
    ("executor", "where the run executes: local or ray"),
    ("config.KEY", "flag value (a bare flag name works too)"),
    ("metric.KEY", "summary metric"),
    ("attr.KEY", "summary attribute"),
)

TIME_FIELDS = frozenset({"started", "stopped", "staged", "initialized", "timestamp", "time"})

_ALIASES = {
    "operation": "op",
    "tags": "tag",
    "exit_code": "exit",
    "project_dir": "project",
    "project-id": "project_id",
    "batch_id": "batch",
    "time": "timestamp",
}

_PREFIXES = {
    "config": "config",
    "flag": "config",
    "flags": "config",
    "metric": "metrics",
    "metrics": "metrics",
    "scalar": "metrics",
    "attr": "attributes",
    "attribute": "attributes",
    "attributes": "attributes",
}


def _one(value) -> list:
    return [] if value is None else [value]


def _op(run) -> list:
    opref = getattr(run, "opref", None)
    name = getattr(opref, "name", None) or getattr(run, "op_name", None)
    if name is None:
        return []
    ns = getattr(opref, "namespace", None)
    return [name, f"{ns}:{name}"] if ns else [name]


def _attr(name: str) -> Callable[[Any], list]:
    return lambda r: _one(getattr(r, name, None))


_BUILTIN: dict[str, Callable[[Any], list]] = {
    "op": _op,
    "tag": lambda r: list(getattr(r, "tags", None) or ()),
    "timestamp": lambda r: _one(
        getattr(r, "started", None) or getattr(r, "staged", None) or getattr(r, "initialized", None)
    ),
    **{
        field: _attr(attr)
        for field, attr in (
            ("status", "status"), ("label", "label"), ("name", "name"), ("id", "id"),
            ("started", "started"), ("stopped", "stopped"), ("staged", "staged"),
            ("initialized", "initialized"), ("duration", "duration_us"),
            ("project", "project_dir"), ("project_id", "project_id"), ("batch", "batch_id"),
            ("exit", "exit_code"), ("container", "container"), ("executor", "executor"),
        )
    },
}


def _lookup(mapping, key: str):
    if not isinstance(mapping, dict):
        return None
    if key in mapping:
        return mapping[key]
    cur: Any = mapping
    for part in key.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _mapping_getter(attr: str, key: str):
    def get(run) -> list:
        return _one(_lookup(getattr(run, attr, None), key))

    return get


def _bare_getter(key: str):
    def get(run) -> list:
        value = _lookup(getattr(run, "config", None), key)
        if value is None:
            value = _lookup(getattr(run, "metrics", None), key)
        return _one(value)

    return get


def field_getter(name: str) -> tuple[str, Callable[[Any], list]]:
    """``(canonical name, getter)`` for a field as written by the user.

    Built-in names are case-insensitive; ``config.K``/``metric.K``/
    ``attr.K`` read those maps; any other name is a flag (config) key,
    falling back to a summary metric of that name."""
    low = name.lower()
    low = _ALIASES.get(low, low)
    if low in _BUILTIN:
        return low, _BUILTIN[low]
    prefix, dot, rest = name.partition(".")
    if dot and rest and prefix.lower() in _PREFIXES:
        attr = _PREFIXES[prefix.lower()]
        canon = {"config": "config", "metrics": "metric", "attributes": "attr"}[attr]
        return f"{canon}.{rest}", _mapping_getter(attr, rest)
    return f"config.{name}", _bare_getter(name)


def filter_fields(runs: Iterable[Any] = ()) -> list[str]:
    """Field names for completion: the built-in ones, then ``config.K``,
    ``metric.K`` and ``attr.K`` for every key seen in ``runs``."""
    out = [name for name, _ in FILTER_FIELDS if not name.endswith(".KEY")]
    seen: dict[str, set] = {"config": set(), "metric": set(), "attr": set()}
    for run in runs:
        for prefix, attr in (("config", "config"), ("metric", "metrics"), ("attr", "attributes")):
            mapping = getattr(run, attr, None)
            if isinstance(mapping, dict):
                seen[prefix].update(k for k in mapping if isinstance(k, str))
    for prefix in ("config", "metric", "attr"):
        out.extend(f"{prefix}.{key}" for key in sorted(seen[prefix]))
    return out


def value_text(value) -> str:
    """A run value as text, the way the user writes it (true, 0.1, [1, 2])."""
    if isinstance(value, str):
        return value
    text = scalar_text(value)
    if text is not None:
        return text
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return str(value)


def value_number(value) -> float | int | None:
    """A run value as a number when it is one (bools are not); numeric
    strings count as numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and value and len(value) < 64:
        try:
            num = float(value)
        except ValueError:
            return None
        return num if not math.isnan(num) else None
    return None
