"""Human-readable times and durations for run listings (CLI and TUI)."""

from __future__ import annotations

import time
from datetime import datetime

__all__ = ["format_ago", "format_duration", "format_timestamp", "run_duration_us"]


def format_ago(us: int | None, now: float | None = None) -> str:
    """``3 min ago``-style age of an epoch-microseconds timestamp."""
    if us is None:
        return ""
    now = time.time() if now is None else now
    secs = max(0.0, now - us / 1e6)
    if secs < 45:
        return f"{int(secs)} s ago" if secs >= 1 else "just now"
    if secs < 3600:
        return f"{round(secs / 60)} min ago"
    if secs < 86400:
        return f"{round(secs / 3600)} h ago"
    if secs < 86400 * 30:
        return f"{round(secs / 86400)} d ago"
    return _strftime(us, "%Y-%m-%d")


def format_duration(us: int | None) -> str:
    """``1:02:03``, ``2:03`` or ``4.2s`` for a duration in microseconds."""
    if us is None or us < 0:
        return ""
    secs = us / 1e6
    if secs < 60:
        return f"{secs:.1f}s"
    whole = int(secs)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_timestamp(us: int | None) -> str:
    """Local ``YYYY-MM-DD HH:MM:SS`` of an epoch-microseconds timestamp."""
    if us is None:
        return ""
    return _strftime(us, "%Y-%m-%d %H:%M:%S")


def _strftime(us, fmt: str) -> str:
    """A timestamp from a (possibly corrupt) meta file: out-of-range
    values show as ``?`` instead of raising."""
    try:
        return datetime.fromtimestamp(us / 1e6).strftime(fmt)
    except (OverflowError, ValueError, OSError, TypeError):
        return "?"


def run_duration_us(started: int | None, stopped: int | None, running: bool, now: float | None = None) -> int | None:
    """How long a run ran (or has been running)."""
    if started is None:
        return None
    if stopped is not None:
        return stopped - started
    if running:
        return int((time.time() if now is None else now) * 1e6) - started
    return None
