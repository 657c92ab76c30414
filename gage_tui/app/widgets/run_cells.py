"""How a run looks in a table row: columns, status colours, metrics."""

from __future__ import annotations

from rich.text import Text

from gage_core.store.timefmt import format_ago, format_duration, run_duration_us

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
    "detached": "bright_blue",
    "staged": "magenta",
    "pending": "dim magenta",
    "unknown": "dim",
}


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def metrics_text(metrics: dict, limit: int = 4) -> str:
    parts = []
    for key, value in list(metrics.items())[:limit]:
        if isinstance(value, float):
            value = f"{value:.3g}"
        parts.append(f"{key}={value}")
    return " ".join(parts)


def _where(status: Text, run) -> Text:
    """A remote run's status names its executor: ``running@ray``."""
    if getattr(run, "executor", "local") != "local":
        status.append(f"@{run.executor}", style="dim")
    return status


def run_row(run, index: int, marked: bool, now: float) -> list:
    duration = run_duration_us(run.started, run.stopped, run.status == "running", now)
    op = run.op_name + (f" v{run.opref.version}" if run.opref.version else "")
    return [
        Text("●", style="bold yellow") if marked else "",
        Text(str(index), style="dim"),
        run.name,
        op,
        format_ago(run.started or run.timestamp, now),
        format_duration(duration),
        _where(status_text(run.status), run),
        run.label or "",
        " ".join(run.tags),
        metrics_text(run.metrics),
    ]
