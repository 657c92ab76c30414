"""How a run looks in a table row: its attribute cells and status colours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from gage_core.store.timefmt import format_ago, format_duration, run_duration_us
from gage_tui.app.literal import literal

__all__ = ["STATUS_STYLES", "WIDTH_CELLS", "run_cells", "status_text"]

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
    return literal(status, STATUS_STYLES.get(status, ""))


def _where(status: Text, run) -> Text:
    """A remote run's status names its executor: ``running@ray``."""
    if getattr(run, "executor", "local") != "local":
        status.append(f"@{run.executor}", style="dim")
    return status


# The attribute cells that do not move with the clock, by column key: what
# sizes those columns.
WIDTH_CELLS: dict[str, Callable[[Any], Text]] = {
    "op": lambda run: literal(run.op_name + (f" v{run.opref.version}" if run.opref.version else "")),
    "status": lambda run: _where(status_text(run.status), run),
    "label": lambda run: literal(run.label or ""),
    "tags": lambda run: literal(" ".join(run.tags)),
}


def run_cells(run, now: float) -> dict[str, Text]:
    """The run's attribute cells by column key, as literal text (labels,
    tags and names may hold any characters)."""
    duration = run_duration_us(run.started, run.stopped, run.status == "running", now)
    cells = {key: make(run) for key, make in WIDTH_CELLS.items()}
    cells["name"] = literal(run.name)
    cells["started"] = Text(format_ago(run.started or run.timestamp, now))
    cells["time"] = Text(format_duration(duration))
    return cells
