"""The machine-readable last line of every benchmark script.

``emit(bench, rows)`` prints ``BENCH {json}`` with ``{"bench": name,
"rows": [...]}``; ``python -m bench`` parses it. A row is made by
``row(metric, ours, baseline, unit, target, ok)``: ``ratio`` is
ours / baseline when both are numbers; ``target`` is text (e.g.
``"<= 1.2x"``) and ``ok`` True/False, or None when there is no target.
"""

from __future__ import annotations

import json
import time

__all__ = ["row", "emit", "best_seconds"]


def row(metric: str, ours, baseline=None, unit: str = "s", target: str | None = None,
        ok: bool | None = None, ratio=None) -> dict:
    if ratio is None and isinstance(ours, (int, float)) and isinstance(baseline, (int, float)) and baseline:
        ratio = ours / baseline
    return {"metric": metric, "ours": ours, "baseline": baseline, "unit": unit,
            "ratio": ratio, "target": target, "pass": ok}


def emit(bench: str, rows: list[dict], **extra) -> None:
    print("BENCH " + json.dumps({"bench": bench, "rows": rows, **extra}), flush=True)


def best_seconds(fn, repeat: int = 5) -> float:
    """The best wall time of ``repeat`` calls of ``fn`` (the least noisy
    figure on a shared machine)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
