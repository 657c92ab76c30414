"""The columns of the runs table: the run attributes, then one column per
flag and per metric, chosen from what the shown runs have.

``ColumnStats`` counts the shown runs' flag values (to tell which flags
vary) and metric keys, run by run, so a new run costs only its own keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from rich.cells import cell_len

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
# How wide a column may grow to show its widest value: the status always
# (a clipped ``running@ray`` reads as another status), the rest only into
# width the screen has spare, in this order.
_STATUS_MAX = 24
_GROWS_INTO_SPARE = {"label": 40, "tags": 30, "op": 24}
_VALUE_SPARE_MAX = 40
# Attribute columns that fold away when the screen is too narrow for every
# column and they tell nothing: every shown run has the same value.
_FOLD_WHEN_SAME = ("tags", "label", "op")
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

    def constant(self) -> list[tuple[str, str]]:
        """``(key, kind)`` of the flags left out of ``automatic`` because
        every counted run has the same value: shown where there is room."""
        if not any(v is _VARIES for v in self._flags.values()):
            return []
        return [(f"config.{k}", "flag") for k in sorted(self._flags) if self._flags[k] is not _VARIES]


def sized_columns(
    extra: list[tuple[str, str]],
    sample: list,
    cell_text: Callable[[object, str], str],
    fit_width: int = 0,
    pad: int = 1,
    if_room: Sequence[tuple[str, str]] = (),
) -> list[TableColumn]:
    """The attribute columns, then ``extra`` as wide as their header and
    the widest value among ``sample`` (within bounds). When the columns
    (with ``pad`` blank cells each side) take less than ``fit_width``
    cells, the spare width goes to the label, tags and operation columns
    (up to their widest value), then to the ``if_room`` columns that fit
    whole, then to clipped flag and metric columns. When they take more,
    the operation, label and tags columns fold away if the runs in
    ``sample`` (two or more) all have the same value there."""

    def widest(key: str) -> int:
        return max((cell_len(cell_text(r, key)) for r in sample), default=0)

    names = [key.split(".", 1)[1] for key, _ in [*extra, *if_room]]

    def value_column(key: str, kind: str) -> TableColumn:
        name = key.split(".", 1)[1]
        # A flag and a metric of one name are told apart as the filter does.
        header = key if names.count(name) > 1 else name
        natural = max(cell_len(header), widest(key))
        wanted[key] = min(_VALUE_SPARE_MAX, natural)
        return TableColumn(key, header, max(_MIN_WIDTH, min(_MAX_WIDTH, natural)), kind, sort=key)

    columns = []
    wanted: dict[str, int] = {}
    for column in ATTRIBUTE_COLUMNS:
        if column.key == "status":
            column = replace(column, width=max(column.width, min(_STATUS_MAX, widest("status"))))
        elif column.key in _GROWS_INTO_SPARE:
            wanted[column.key] = min(_GROWS_INTO_SPARE[column.key], widest(column.key))
        columns.append(column)
    columns.extend(value_column(key, kind) for key, kind in extra)
    spare = fit_width - sum(c.width + 2 * pad for c in columns)
    # One run (or none) says nothing about what differs: nothing folds.
    for key in _FOLD_WHEN_SAME if spare < 0 and len(sample) > 1 else ():
        if len({cell_text(r, key) for r in sample}) <= 1:
            column = next(c for c in columns if c.key == key)
            columns.remove(column)
            spare += column.width + 2 * pad

    def grow(keys: Iterable[str]) -> None:
        nonlocal spare
        position = {c.key: i for i, c in enumerate(columns)}
        for key in keys:
            if key not in position:
                continue
            column = columns[position[key]]
            more = min(spare, wanted[key] - column.width)
            if more > 0:
                columns[position[key]] = replace(column, width=column.width + more)
                spare -= more

    grow(_GROWS_INTO_SPARE)
    for key, kind in if_room:
        column = value_column(key, kind)
        if column.width + 2 * pad <= spare:
            columns.append(column)
            spare -= column.width + 2 * pad
    grow(key for key, _ in extra)
    return columns
