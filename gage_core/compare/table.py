"""A compare table of runs: rows = runs, columns = run attributes, flags
and metrics, chosen by names or globs; sortable; exported to CSV.

Column specs (comma or space separated):

* run attributes: ``name id op status started stopped duration label
  tags batch exit``;
* flags: ``config.lr``, ``config.*``, or a bare flag name (``lr``, ``l*``);
* metrics: ``metric.loss``, ``metric.val_*`` (``metrics.`` works too);
  a bare name that is not a flag is looked up in the metrics;
* ``*`` alone: every flag and metric.

Default columns: ``name op status started label``, the flags whose values
differ between the runs (every flag when there is one run or none
differ), then every metric any run has.

Sorting: numbers as numbers, text case-insensitively, missing values last
whichever the direction.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ATTRIBUTES",
    "DEFAULT_ATTRIBUTES",
    "CompareColumn",
    "CompareTable",
    "parse_column_spec",
    "resolve_columns",
    "build_table",
    "format_value",
]

ATTRIBUTES = ("name", "id", "op", "status", "started", "stopped", "duration", "label", "tags", "batch", "exit")
DEFAULT_ATTRIBUTES = ("name", "op", "status", "started", "label")
_TIME_ATTRS = ("started", "stopped")
_PREFIXES = {"config": "flag", "flag": "flag", "flags": "flag", "metric": "metric", "metrics": "metric"}


@dataclass(frozen=True)
class CompareColumn:
    """``key`` is canonical: ``name``, ``config.lr`` or ``metric.loss``."""

    key: str
    kind: str  # "attr" | "flag" | "metric"

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1] if self.kind != "attr" else self.key


def parse_column_spec(text: str | Sequence[str] | None) -> list[str]:
    if text is None:
        return []
    if isinstance(text, str):
        return [p for p in re.split(r"[\s,]+", text.strip()) if p]
    return [p for item in text for p in parse_column_spec(item)]


def _keys(maps: Iterable[dict]) -> list[str]:
    seen: dict[str, None] = {}
    for m in maps:
        for k in m:
            seen.setdefault(str(k), None)
    return list(seen)


def _norm(v) -> str:
    return json.dumps(v, sort_keys=True, default=str)


def _default_columns(runs: Sequence, metrics: dict[str, dict]) -> list[CompareColumn]:
    cols = [CompareColumn(a, "attr") for a in DEFAULT_ATTRIBUTES]
    flag_keys = sorted(_keys(r.config or {} for r in runs))
    varying = [
        k for k in flag_keys
        if len({_norm((r.config or {}).get(k)) for r in runs}) > 1
    ]
    cols += [CompareColumn(f"config.{k}", "flag") for k in (varying or flag_keys)]
    metric_keys = sorted(_keys(metrics.get(r.id, {}) for r in runs), key=lambda k: (k == "step", k))
    cols += [CompareColumn(f"metric.{k}", "metric") for k in metric_keys]
    return cols


def resolve_columns(
    spec: str | Sequence[str] | None, runs: Sequence, metrics: dict[str, dict] | None = None
) -> tuple[list[CompareColumn], list[str]]:
    """The columns for ``spec`` (None or empty: the default columns), and
    the spec items that matched nothing (to tell the user)."""
    metrics = metrics if metrics is not None else {r.id: dict(r.metrics or {}) for r in runs}
    items = parse_column_spec(spec)
    if not items:
        return _default_columns(runs, metrics), []
    flag_keys = sorted(_keys(r.config or {} for r in runs))
    metric_keys = sorted(_keys(metrics.get(r.id, {}) for r in runs))
    out: list[CompareColumn] = []
    unmatched: list[str] = []

    def add(col: CompareColumn) -> None:
        if col not in out:
            out.append(col)

    for item in items:
        low = item.lower()
        if low in ATTRIBUTES:
            add(CompareColumn(low, "attr"))
            continue
        if item == "*":
            for k in flag_keys:
                add(CompareColumn(f"config.{k}", "flag"))
            for k in metric_keys:
                add(CompareColumn(f"metric.{k}", "metric"))
            continue
        prefix, dot, rest = item.partition(".")
        kind = _PREFIXES.get(prefix.lower()) if dot and rest else None
        is_glob = any(c in item for c in "*?[")
        if kind is not None:
            keys = flag_keys if kind == "flag" else metric_keys
            matched = fnmatch.filter(keys, rest) if is_glob else ([rest] if rest in keys else [])
            canon = "config" if kind == "flag" else "metric"
            for k in matched:
                add(CompareColumn(f"{canon}.{k}", kind))
            if not matched:
                unmatched.append(item)
            continue
        flags = fnmatch.filter(flag_keys, item) if is_glob else ([item] if item in flag_keys else [])
        mets = fnmatch.filter(metric_keys, item) if is_glob else ([item] if item in metric_keys else [])
        for k in flags:
            add(CompareColumn(f"config.{k}", "flag"))
        for k in mets:
            if not (not is_glob and flags):  # exact name: the flag wins
                add(CompareColumn(f"metric.{k}", "metric"))
        if not flags and not mets:
            unmatched.append(item)
    return out, unmatched


def _attr_value(run, name: str, now: float | None):
    if name == "op":
        return run.op_name
    if name == "batch":
        return run.batch_id
    if name == "exit":
        return run.exit_code
    if name == "tags":
        return " ".join(run.tags) or None
    if name == "duration":
        from gage_core.store.timefmt import run_duration_us

        return run_duration_us(run.started, run.stopped, run.status == "running", now)
    return getattr(run, name, None)


def _sort_key(value):
    """(missing, kind, value): numbers before text, missing always last."""
    if value is None or value == "":
        return (1, 0, 0)
    if isinstance(value, bool):
        return (0, 1, str(value).lower())
    if isinstance(value, (int, float)):
        return (0, 0, value) if value == value else (1, 0, 0)
    return (0, 1, str(value).lower())


def format_value(column: CompareColumn, value) -> str:
    """Plain text of a cell (CSV and the TUI): times as UTC ISO 8601."""
    if value is None:
        return ""
    if column.key in _TIME_ATTRS and isinstance(value, int):
        import datetime as dt

        try:
            t = dt.datetime.fromtimestamp(value / 1e6, tz=dt.timezone.utc)
        except (OverflowError, ValueError, OSError):  # a corrupt timestamp file
            return str(value)
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if column.key == "duration" and isinstance(value, int):
        return f"{value / 1e6:.1f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


@dataclass
class CompareTable:
    """Runs as rows, ``columns`` as columns; ``values[run_id][key]``."""

    columns: list[CompareColumn]
    runs: list
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    live: set[str] = field(default_factory=set)

    def value(self, run_id: str, key: str):
        return self.values.get(run_id, {}).get(key)

    def text(self, run_id: str, column: CompareColumn) -> str:
        return format_value(column, self.value(run_id, column.key))

    def sort(self, key: str, reverse: bool = False) -> CompareTable:
        """Sort rows in place by a column key; missing values stay last."""
        present = [r for r in self.runs if _sort_key(self.value(r.id, key))[0] == 0]
        missing = [r for r in self.runs if _sort_key(self.value(r.id, key))[0] == 1]
        present.sort(key=lambda r: _sort_key(self.value(r.id, key)), reverse=reverse)
        self.runs = present + missing
        return self

    def best(self, key: str, lowest: bool = True):
        """The run with the lowest (or highest) value in a column."""
        rows = [r for r in self.runs if isinstance(_sort_key(self.value(r.id, key))[2], (int, float))
                and _sort_key(self.value(r.id, key))[0] == 0]
        if not rows:
            return None
        pick = min if lowest else max
        return pick(rows, key=lambda r: self.value(r.id, key))

    def rows(self) -> list[list[str]]:
        return [[self.text(r.id, c) for c in self.columns] for r in self.runs]

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["run", *(c.key for c in self.columns)])
        for run, row in zip(self.runs, self.rows()):
            writer.writerow([run.id, *row])
        return buf.getvalue()

    def write_csv(self, path: str | os.PathLike) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.to_csv(), encoding="utf-8")
        return p


def build_table(
    runs: Sequence,
    spec: str | Sequence[str] | None = None,
    summaries=None,
    now: float | None = None,
) -> CompareTable:
    """The compare table of ``runs`` (order kept) for a column spec.
    ``summaries`` (a ``compare_series.SummaryCache``) supplies live metrics
    for running runs; without it the runs' recorded metrics are used."""
    metrics: dict[str, dict] = {}
    live: set[str] = set()
    for r in runs:
        if summaries is not None:
            s = summaries.get(r)
            metrics[r.id] = s.metrics
            if s.live:
                live.add(r.id)
        else:
            metrics[r.id] = dict(r.metrics or {})
    columns, unmatched = resolve_columns(spec, runs, metrics)
    values: dict[str, dict] = {}
    for r in runs:
        row: dict[str, Any] = {}
        for c in columns:
            if c.kind == "attr":
                row[c.key] = _attr_value(r, c.key, now)
            elif c.kind == "flag":
                row[c.key] = (r.config or {}).get(c.name)
            else:
                row[c.key] = metrics[r.id].get(c.name)
        values[r.id] = row
    return CompareTable(columns=columns, runs=list(runs), values=values, unmatched=unmatched, live=live)
