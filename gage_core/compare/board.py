"""Boards: a table of runs with ``run:*``, ``config:*``, ``attribute:*``
and ``metric:*`` fields, in Gage 0.1.2's board JSON shape
(``{"colDefs": [{"field", ...}], "rowData": [{field: value, "run:id"}]}``).

A board config file (``board.json``, ``board.toml`` or ``board.yaml``)
may pick and order ``columns`` (``"config:lr"``, ``{metric = "loss",
label = "Loss"}``, ``{score = {average = ["metric:a", ["metric:b", 2]]}}``),
select runs (``run-select``: ``operation``, ``status``), keep one run per
group (``group-select``: ``group-by`` and ``min`` or ``max``, each a field
``{run-attr|attribute|metric|config = NAME}``), and set ``title`` and
``description``. Column keys are passed on in camel case (``flag-filter-
label`` -> ``flagFilterLabel``), as Gage does.
"""

from __future__ import annotations

import datetime
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gage_core.errors import GageError

__all__ = [
    "BOARD_CONFIG_NAMES",
    "BoardConfigError",
    "BoardConfig",
    "find_board_config",
    "load_board_config",
    "board_data",
    "column_label",
    "cell_value",
]

BOARD_CONFIG_NAMES = ("board.json", "board.toml", "board.yaml")

_RUN_ATTRS = ("id", "name", "operation", "op_ns", "op_version", "started", "stopped", "status", "label")
_DEFAULT_RUN_ATTRS = {"name", "operation", "started", "status", "label"}
_FIELD_KEYS = (("run-attr", "run"), ("attribute", "attribute"), ("metric", "metric"), ("config", "config"))
_TOP_KEYS = {"id", "name", "title", "description", "columns", "run-select", "group-select", "group-column"}


class BoardConfigError(GageError):
    """A board config that cannot be read or used."""


@dataclass
class BoardConfig:
    path: str | None = None  # None: the default board
    data: dict = field(default_factory=dict)


def find_board_config(directory: str | os.PathLike) -> Path | None:
    """The first of ``board.json``, ``board.toml``, ``board.yaml`` in ``directory``."""
    for name in BOARD_CONFIG_NAMES:
        path = Path(directory) / name
        if path.is_file():
            return path
    return None


def load_board_config(path: str | os.PathLike, shown: str | None = None) -> BoardConfig:
    """Read and check a board config; problems raise ``BoardConfigError``
    naming the file."""
    from gage_core.gagefile.parse import format_for, parse_text

    shown = shown or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BoardConfigError(f'board config "{shown}" does not exist') from None
    except (OSError, UnicodeDecodeError) as e:
        raise BoardConfigError(f'cannot read board config "{shown}": {getattr(e, "strerror", None) or e}') from None
    fmt = format_for(Path(path).name)
    if fmt is None:
        raise BoardConfigError(f'board config "{shown}": use a .json, .toml or .yaml file')
    parsed = parse_text(text, fmt, shown)
    if parsed.data is None:
        d = parsed.diagnostics[0]
        raise BoardConfigError(f"{d.location()}: {d.message}")
    data = parsed.data if parsed.data is not None else {}
    if data is None or (fmt == "yaml" and not text.strip()):
        data = {}
    if not isinstance(data, dict):
        raise BoardConfigError(f'unexpected board config in "{shown}": expected a map')
    _check(data, shown)
    return BoardConfig(str(path), data)


def _check(data: dict, shown: str) -> None:
    import difflib

    def bad(message: str):
        return BoardConfigError(f"invalid board config {shown}: {message}")

    for key in data:
        if key not in _TOP_KEYS:
            close = difflib.get_close_matches(key, sorted(_TOP_KEYS), n=1)
            raise bad(f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    columns = data.get("columns", [])
    if not isinstance(columns, list):
        raise bad("'columns' must be a list")
    for i, col in enumerate(columns):
        if isinstance(col, str):
            if not _is_field(col):
                raise bad(f"columns[{i}]: '{col}' is not a field (run:NAME, config:NAME, attribute:NAME or metric:NAME)")
        elif not isinstance(col, dict):
            raise bad(f"columns[{i}] must be a field string or a map")
        elif not ("field" in col or "score" in col or any(k in col for k, _ in _FIELD_KEYS)):
            raise bad(f"columns[{i}] names no field: use field, run-attr, attribute, metric, config or score")
    for key in ("run-select", "group-select"):
        if key in data and not isinstance(data[key], dict):
            raise bad(f"'{key}' must be a map")


def _is_field(text: str) -> bool:
    kind, sep, name = text.partition(":")
    return bool(sep and name) and kind in ("run", "config", "attribute", "metric")


# -- data ---------------------------------------------------------------------


def _iso(us: int | None) -> str | None:
    if us is None:
        return None
    return datetime.datetime.fromtimestamp(us / 1_000_000).astimezone().isoformat()


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _run_fields(run) -> dict[str, Any]:
    ref = run.opref
    attrs = {
        "id": run.id, "name": run.name, "operation": ref.name, "op_ns": ref.namespace,
        "op_version": ref.version, "started": _iso(run.started), "stopped": _iso(run.stopped),
        "status": run.status, "label": run.label,
    }
    row = {f"run:{k}": v for k, v in attrs.items()}
    row.update({f"config:{k}": _json_value(v) for k, v in (run.config or {}).items()})
    row.update({f"attribute:{k}": _json_value(v) for k, v in (run.attributes or {}).items()})
    row.update({f"metric:{k}": _json_value(v) for k, v in (run.metrics or {}).items()})
    return row


def _field_order(name: str):
    kind, _, rest = name.partition(":")
    if kind == "run":
        return (0, _RUN_ATTRS.index(rest) if rest in _RUN_ATTRS else 99, rest)
    return ({"config": 1, "attribute": 2, "metric": 3}.get(kind, 4), 0, rest)


def _camel(key: str) -> str:
    head, *rest = key.split("-")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _camel_keys(value: dict) -> dict:
    return {_camel(k): _camel_keys(v) if isinstance(v, dict) else v for k, v in value.items()}


def _field_of(spec: dict) -> str | None:
    """``{attribute = "foo"}`` -> ``attribute:foo`` (also ``field``)."""
    for key, kind in _FIELD_KEYS:
        if isinstance(spec.get(key), str) and spec[key]:
            return f"{kind}:{spec[key]}"
    value = spec.get("field")
    return value if isinstance(value, str) and value else None


def _col_def(col: Any) -> dict:
    if isinstance(col, str):
        return {"field": col}
    rest = dict(col)
    target = None
    for key, kind in _FIELD_KEYS:
        value = rest.pop(key, None)
        if target is None and isinstance(value, str) and value:
            target = f"{kind}:{value}"
    if target is not None:
        rest.pop("field", None)
        return _camel_keys({"field": target, **rest})
    return _camel_keys(rest)


def _select(runs: Sequence, select: dict) -> list:
    ops = select.get("operation")
    status = select.get("status")
    ops = [ops] if isinstance(ops, str) else ops or []
    status = [status] if isinstance(status, str) else status or []
    return [r for r in runs if (not ops or r.opref.name in ops) and (not status or r.status in status)]


def _group(rows: list[dict], spec: dict) -> list[dict]:
    by = _field_of(spec.get("group-by") or {})
    if by is None:
        raise BoardConfigError(
            "invalid board config: group-select is missing a group-by field: "
            "expected run-attr, attribute, metric or config"
        )
    pick = spec.get("min"), spec.get("max")
    if (pick[0] is None) == (pick[1] is None):
        raise BoardConfigError("invalid board config: group-select needs either min or max (not both)")
    target = _field_of(pick[0] if pick[0] is not None else pick[1] or {})
    if target is None:
        raise BoardConfigError(
            "invalid board config: group-select min/max is missing a field: "
            "expected run-attr, attribute, metric or config"
        )
    want_max = pick[1] is not None
    groups: dict[str, list[dict]] = {}
    keys: dict[str, Any] = {}
    for row in rows:
        key = row.get(by)
        groups.setdefault(repr(key), []).append(row)
        keys[repr(key)] = key
    out = []
    for k in sorted(groups, key=lambda k: _order(keys[k])):
        best = groups[k][0]
        for row in groups[k][1:]:
            if _better(row.get(target), best.get(target), want_max):
                best = row
        out.append(best)
    return out


def _order(value: Any):
    if value is None:
        return (0, 0, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value, "")
    return (2, 0, str(value))


def _better(value: Any, than: Any, want_max: bool) -> bool:
    if value is None:
        return False
    if than is None:
        return True
    a, b = _order(value), _order(than)
    return a > b if want_max else a < b


def board_data(config: BoardConfig, runs: Sequence) -> dict:
    """The board for ``runs`` (newest first) in Gage's board JSON shape."""
    data = config.data
    selected = _select(runs, data.get("run-select") or {})
    rows = [_run_fields(r) for r in selected]
    if data.get("group-select"):
        rows = _group(rows, data["group-select"])
    columns = data.get("columns") or []
    if columns:
        col_defs = [_col_def(c) for c in columns]
    else:
        names = sorted({k for row in rows for k in row}, key=_field_order)
        col_defs = [
            {"field": n} for n in names
            if not n.startswith("run:") or n[4:] in _DEFAULT_RUN_ATTRS
        ]
    fields = {c["field"] for c in col_defs if "field" in c}
    out: dict[str, Any] = {}
    for key in ("title", "description"):
        if data.get(key) is not None:
            out[key] = data[key]
    if isinstance(data.get("group-column"), dict):
        out["groupColumn"] = _camel_keys(data["group-column"])
    out["colDefs"] = col_defs
    out["rowData"] = [{k: v for k, v in row.items() if k in fields or k == "run:id"} for row in rows]
    return out


def column_label(col: dict) -> str:
    """Heading for a column: its label, else the field's name part."""
    if col.get("label"):
        return str(col["label"])
    name = col.get("field")
    if not name:
        return "score" if "score" in col else ""
    return name.split(":", 1)[1] if ":" in name else name


def cell_value(col: dict, row: dict) -> Any:
    """The value a table or CSV shows: ``{"value": ...}`` maps reduced to
    their value; a ``score`` column's weighted average."""
    if "field" not in col:
        score = col.get("score")
        return _average(score.get("average"), row) if isinstance(score, dict) else None
    value = row.get(col["field"])
    return value.get("value") if isinstance(value, dict) else value


def _average(fields: Any, row: dict) -> float | None:
    pairs = []
    for spec in fields if isinstance(fields, list) else []:
        name, weight = (spec, 1.0) if isinstance(spec, str) else (spec[0], spec[1]) if (
            isinstance(spec, list) and len(spec) == 2) else (None, None)
        value = row.get(name) if name else None
        value = value.get("value") if isinstance(value, dict) else value
        if value is None or weight is None:
            continue
        try:
            pairs.append((float(value), float(weight)))
        except (TypeError, ValueError):
            continue
    total = sum(w for _, w in pairs)
    if not pairs or not total:
        return None
    return sum(v * w for v, w in pairs) / total
