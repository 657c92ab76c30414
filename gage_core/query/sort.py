"""Sorting runs by fields: ``sort_runs(runs, ["-metric.accuracy", "started"])``.

A key is a field name as in the filter language (``started``, ``op``,
``status``, ``name``, ``label``, ``metric.loss``, ``config.lr`` or a bare
flag name), optionally prefixed by ``-`` for descending (``+`` for
ascending). The first key is the primary one. Runs missing a value sort
last in either direction; numbers sort before text; text ignores case.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gage_core.errors import GageError
from gage_core.query.fields import field_getter, filter_fields, value_number, value_text

__all__ = ["sort_runs", "parse_sort_keys", "check_sort_keys", "SortKeyError"]


class SortKeyError(GageError):
    """A sort key that is not a field name."""


def parse_sort_keys(keys: Iterable[str] | str) -> list[tuple[str, bool]]:
    """``(field, descending)`` pairs; a string may hold comma-separated keys."""
    if isinstance(keys, str):
        keys = [keys]
    out = []
    for raw in keys:
        for key in str(raw).split(","):
            key = key.strip()
            if not key:
                continue
            desc = key.startswith("-")
            name = key[1:].strip() if key[0] in "+-" else key
            if not name or any(ch.isspace() for ch in name):
                raise SortKeyError(
                    f"invalid sort key '{key}'", hint="e.g. -s started, -s -metric.loss"
                )
            out.append((name, desc))
    return out


def _key(value):
    num = value_number(value)
    if num is not None and not isinstance(value, str):
        return (0, num, "")
    text = value_text(value)
    return (1, 0, text.lower() + "\0" + text)


def sort_runs(runs: Iterable[Any], keys: Iterable[str] | str) -> list:
    """``runs`` sorted by ``keys`` (stable; missing values last)."""
    result = list(runs)
    for name, desc in reversed(parse_sort_keys(keys)):
        _canon, getter = field_getter(name)
        present: list[tuple[tuple, Any]] = []
        missing: list[Any] = []
        for run in result:
            values = getter(run)
            if not values or (isinstance(values[0], float) and values[0] != values[0]):
                missing.append(run)
            else:
                present.append((_key(values[0]), run))
        present.sort(key=lambda kv: kv[0], reverse=desc)
        result = [run for _k, run in present] + missing
    return result



def check_sort_keys(keys: Iterable[str] | str, runs: Iterable[Any]) -> None:
    """A bare sort key must name a built-in field or a flag or metric some
    of ``runs`` has: ``-s nosuch`` is refused instead of sorting nothing."""
    import difflib

    known = filter_fields(runs)
    for name, _desc in parse_sort_keys(keys):
        canon, _getter = field_getter(name)
        if not canon.startswith("config.") or canon in known or f"metric.{name}" in known:
            continue
        if "." in name:
            continue  # config.K / metric.K of keys no run has: sorts nothing, said by the prefix
        choices = [k for k in known if "." not in k] + [k.split(".", 1)[1] for k in known if "." in k]
        close = difflib.get_close_matches(name, choices, n=1)
        raise SortKeyError(
            f"unknown sort key '{name}': not a field, nor a flag or metric of the listed runs",
            hint=(f"did you mean '{close[0]}'? " if close else "")
            + "fields: " + ", ".join(k for k in known if "." not in k),
        )
