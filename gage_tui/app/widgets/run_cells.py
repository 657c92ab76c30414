"""How a run looks in a table row: its attribute cells and status colours."""

from __future__ import annotations

from rich.text import Text

from gage_core.store.timefmt import format_ago, format_duration, run_duration_us
from gage_tui.app.literal import literal

__all__ = ["STATUS_STYLES", "run_cells", "status_text"]

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


def run_cells(run, now: float) -> dict[str, Text]:
    """The run's attribute cells by column key, as literal text (labels,
    tags and names may hold any characters)."""
    duration = run_duration_us(run.started, run.stopped, run.status == "running", now)
    op = run.op_name + (f" v{run.opref.version}" if run.opref.version else "")
    return {
        "name": literal(run.name),
        "op": literal(op),
        "started": Text(format_ago(run.started or run.timestamp, now)),
        "time": Text(format_duration(duration)),
        "status": _where(status_text(run.status), run),
        "label": literal(run.label or ""),
        "tags": literal(" ".join(run.tags)),
    }
