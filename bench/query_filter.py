"""Filter language speed: parsing (cold and cached) and matching 10,000 runs.

Baseline: the same predicate written by hand in Python, measured in the
same run. Prints times and the ratio filter / hand-written.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchline import best_seconds, emit, row

from gage_core.query.filter import parse_filter
from gage_core.store.opref import OpRef
from gage_core.store.run import Run

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=timezone.utc)
N = 10_000
WHERE = "op = train and metric.loss < 0.2 and started in last 1 day"


def make_runs() -> list[Run]:
    runs = []
    for i in range(N):
        t = int((NOW - timedelta(minutes=i)).timestamp() * 1e6)
        runs.append(Run(
            id=f"{i:08x}-0000-7000-8000-000000000000", name=f"run{i}", runs_dir=Path("/x"),
            opref=OpRef("p", "train" if i % 2 else "prepare"), status="completed",
            started=t, stopped=t + 1, metrics={"loss": (i % 100) / 100}, config={"lr": 0.1},
        ))
    return runs


def hand_written(runs):
    since = (NOW - timedelta(days=1)).timestamp() * 1e6
    return [r for r in runs if r.opref.name == "train" and r.metrics.get("loss", 1e9) < 0.2
            and r.started is not None and r.started >= since]


def main() -> None:
    runs = make_runs()
    t0 = time.perf_counter()
    parse_filter(WHERE + " ")  # builds the LALR parser (once per process)
    t_build = time.perf_counter() - t0
    t_parse = best_seconds(lambda: [parse_filter.__wrapped__(WHERE) for _ in range(100)]) / 100
    t_cached = best_seconds(lambda: [parse_filter(WHERE) for _ in range(1000)]) / 1000
    flt = parse_filter(WHERE)
    assert flt.filter(runs, now=NOW) == hand_written(runs)
    t_match = best_seconds(lambda: flt.filter(runs, now=NOW))
    t_base = best_seconds(lambda: hand_written(runs))
    print(f"parser build (first use):  {t_build * 1e3:8.2f} ms")
    print(f"parse (uncached):          {t_parse * 1e6:8.1f} µs")
    print(f"parse (cached):            {t_cached * 1e6:8.2f} µs")
    print(f"filter {N} runs:          {t_match * 1e3:8.2f} ms")
    print(f"hand-written baseline:     {t_base * 1e3:8.2f} ms")
    print(f"ratio filter/baseline:     {t_match / t_base:8.2f}x")
    emit("query", [row(f"filter {N:,} runs vs hand-written Python", t_match, t_base)])


if __name__ == "__main__":
    main()
