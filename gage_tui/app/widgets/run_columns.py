"""The columns of the runs table: the run attributes, then one column per
flag and per metric, chosen from what the shown runs have.

``ColumnStats`` counts the shown runs' flag values (to tell which flags
vary) and metric keys, run by run, so a new run costs only its own keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gage_core.compare.table import CompareColumn, format_value

__all__ = ["TableColumn", "ATTRIBUTE_COLUMNS", "ColumnStats", "value_cell_text", "sized_columns"]


@dataclass(frozen=True)
class TableColumn:
    """``key``: ``name``, ``config.lr`` or ``metric.loss``; ``sort``: the
    field the column sorts by (as in the filter language)."""

    key: str
    header: str
    width: int
    kind: str = "attr"  # attr | flag | metric
    sort: str | None = None

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1] if self.kind != "attr" else self.key


# The run attribute columns, always shown, left of the flags and metrics.
ATTRIBUTE_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("mark", "", 1),
    TableColumn("index", "#", 3, sort="timestamp"),
    TableColumn("name", "name", 11, sort="name"),
    TableColumn("op", "operation", 12, sort="op"),
    TableColumn("started", "started", 10, sort="timestamp"),
    TableColumn("time", "time", 7, sort="duration"),
    TableColumn("status", "status", 10, sort="status"),
    TableColumn("label", "label", 14, sort="label"),
    TableColumn("tags", "tags", 10, sort="tag"),
)
_MIN_WIDTH, _MAX_WIDTH = 4, 16
_VALUE_COLUMN = CompareColumn("metric.value", "metric")
_ABSENT = object()
_VARIES = object()


def value_cell_text(value) -> str:
    """A flag or metric value as the compare table writes it."""
    return format_value(_VALUE_COLUMN, value)


class ColumnStats:
    """Which flags vary and which metrics exist among the runs counted."""

    def __init__(self) -> None:
        self._flags: dict[str, object] = {}  # key -> first value, or _VARIES
        self._metrics: dict[str, None] = {}

    def note(self, config: dict, metrics: Iterable[str]) -> bool:
        """Count one run; True when that adds a column."""
        added = False
        flags = self._flags
        for key, value in config.items():
            seen = flags.get(key, _ABSENT)
            if seen is _ABSENT:
                flags[key] = value
                added = True
            elif seen is not _VARIES and (seen != value or type(seen) is not type(value)):
                flags[key] = _VARIES
                added = True
        for key in metrics:
            if key not in self._metrics:
                self._metrics[key] = None
                added = True
        return added

    def automatic(self) -> list[tuple[str, str]]:
        """``(key, kind)`` of the default columns: the flags that vary
        (every flag when none does: one run, or reruns), then every metric."""
        varying = sorted(k for k, v in self._flags.items() if v is _VARIES)
        flags = varying or sorted(self._flags)
        metrics = sorted(self._metrics, key=lambda k: (k == "step", k))
        return [(f"config.{k}", "flag") for k in flags] + [(f"metric.{k}", "metric") for k in metrics]


def sized_columns(extra: list[tuple[str, str]], sample: list, cell_text: Callable[[object, str], str]) -> list[TableColumn]:
    """The attribute columns, then ``extra`` as wide as their header and
    the widest value among ``sample`` (within bounds)."""
    columns = list(ATTRIBUTE_COLUMNS)
    for key, kind in extra:
        name = key.split(".", 1)[1]
        widest = max((len(cell_text(r, key)) for r in sample), default=0)
        width = max(_MIN_WIDTH, min(_MAX_WIDTH, max(len(name), widest)))
        columns.append(TableColumn(key, name, width, kind, sort=key))
    return columns
