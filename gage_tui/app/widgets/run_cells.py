"""How a run looks in a table row: columns, status colours, metrics."""

from __future__ import annotations

from rich.text import Text

from gage_core.timefmt import format_ago, format_duration, run_duration_us
from gage_tui.app.literal import literal

__all__ = ["RUN_COLUMNS", "SORT_KEYS", "STATUS_STYLES", "run_row", "status_text", "metrics_text"]

# (header, column key, width or None for auto)
RUN_COLUMNS: list[tuple[str, str, int | None]] = [
    ("", "mark", 1),
    ("#", "index", 3),
    ("name", "name", 11),
    ("operation", "op", 12),
    ("started", "started", 10),
    ("time", "time", 7),
    ("status", "status", 10),
    ("label", "label", 14),
    ("tags", "tags", 10),
    ("metrics", "metrics", None),
]

# Column key -> sort key understood by gage_core.query.sort.
SORT_KEYS = {
    "index": "timestamp",
    "started": "timestamp",
    "name": "name",
    "op": "op",
    "status": "status",
    "label": "label",
    "time": "duration",
}

STATUS_STYLES = {
    "running": "bold cyan",
    "completed": "green",
    "error": "bold red",
    "terminated": "yellow",
    "staged": "magenta",
    "pending": "dim magenta",
    "unknown": "dim",
}


def status_text(status: str) -> Text:
    return literal(status, STATUS_STYLES.get(status, ""))


def metrics_text(metrics: dict, limit: int = 4) -> Text:
    parts = []
    for key, value in list(metrics.items())[:limit]:
        if isinstance(value, float):
            value = f"{value:.3g}"
        parts.append(f"{key}={value}")
    return literal(" ".join(parts))


def run_row(run, index: int, marked: bool, now: float) -> list[Text]:
    """The cells of ``run``'s row, every one a ``Text``: a ``str`` cell is
    read as markup by the table."""
    duration = run_duration_us(run.started, run.stopped, run.status == "running", now)
    op = run.op_name + (f" v{run.opref.version}" if run.opref.version else "")
    return [
        Text("●", style="bold yellow") if marked else Text(""),
        Text(str(index), style="dim"),
        literal(run.name),
        literal(op),
        Text(format_ago(run.started or run.timestamp, now)),
        Text(format_duration(duration)),
        status_text(run.status),
        literal(run.label or ""),
        literal(" ".join(run.tags)),
        metrics_text(run.metrics),
    ]
