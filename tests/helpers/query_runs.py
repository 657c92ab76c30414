"""Runs for the query tests (real ``Run`` records, no store needed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from gage_core.store.opref import OpRef
from gage_core.store.run import Run

__all__ = ["NOW", "us", "make_run", "sample_runs"]

# A fixed clock: Wednesday 2026-03-11 12:00 UTC.
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=timezone.utc)


def us(dt: datetime) -> int:
    return int(dt.timestamp() * 1_000_000)


def make_run(n: int = 1, op: str = "train", ago: timedelta | None = timedelta(hours=1), **kw) -> Run:
    started = None if ago is None else us(NOW - ago)
    fields = dict(
        id=f"0194a1b2-{n:04x}-7000-8000-0000000000{n:02x}",
        name=kw.pop("name", f"kafo{chr(97 + n % 26)}-fikud"),
        runs_dir=Path("/nonexistent"),
        opref=OpRef("proj", op),
        status="completed",
        started=started,
        stopped=None if started is None else started + 60_000_000,
        exit_code=0,
    )
    fields.update(kw)
    return Run(**fields)


def sample_runs() -> list[Run]:
    """Newest first."""
    return [
        make_run(1, "train", timedelta(minutes=10), label="best run", tags=("baseline", "v2"),
                 config={"lr": 0.1, "epochs": 3, "fast": True}, metrics={"loss": 0.15, "accuracy": 0.9}),
        make_run(2, "train", timedelta(hours=5), status="error", exit_code=1,
                 config={"lr": 0.5, "epochs": 10}, metrics={"loss": 0.4}),
        make_run(3, "prepare", timedelta(days=1, hours=1), config={"seed": 1}),
        make_run(4, "evaluate", timedelta(days=20), status="terminated", exit_code=-2,
                 tags=("v2",), metrics={"accuracy": 0.8}),
        make_run(5, "train", None, status="staged", exit_code=None),
    ]
