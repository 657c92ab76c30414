"""Metrics and metric series of runs for comparing, live runs included.

A finished run's series come from ``summary.json`` (``"series": {"loss":
[[step, value], ...]}``, written by the runner when output lines carry
``step=N``). A run still going has no ``summary.json`` yet: its run output
(``output/40_run``) is parsed so far with the runner's own
``SummaryParser``, incrementally (only new complete lines are read on each
call), so the compare view is live without re-reading big outputs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gage_core.process.summary import SummaryParser

__all__ = ["RunSummary", "SummaryCache", "read_run_summary"]

_RUN_OUTPUT = "output/40_run"
_CHUNK = 4 * 1024 * 1024


@dataclass
class RunSummary:
    """Metrics (plain numbers) and series (``{key: [[step, value], ...]}``)
    of one run; ``live`` when parsed from the output of an unfinished run."""

    metrics: dict[str, Any] = field(default_factory=dict)
    series: dict[str, list] = field(default_factory=dict)
    live: bool = False


def _read_meta(run, relpath: str, store=None) -> bytes | None:
    if store is not None:
        return store.read_meta(run, relpath)
    try:
        return (Path(run.meta_dir) / relpath).read_bytes()
    except OSError:
        return None


def _json(data: bytes | None):
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


def _clean_series(raw) -> dict[str, list]:
    out: dict[str, list] = {}
    if not isinstance(raw, dict):
        return out
    for key, points in raw.items():
        if not isinstance(points, list):
            continue
        clean = []
        for p in points:
            if (
                isinstance(p, (list, tuple)) and len(p) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)
            ):
                clean.append((p[0], p[1]))
        if clean:
            out[str(key)] = clean
    return out


def read_run_summary(run, store=None) -> RunSummary:
    """The recorded summary of a run (``summary.json``); empty if none."""
    data = _json(_read_meta(run, "summary.json", store))
    if not isinstance(data, dict):
        return RunSummary(metrics=dict(getattr(run, "metrics", None) or {}))
    metrics = dict(getattr(run, "metrics", None) or {})
    return RunSummary(metrics=metrics, series=_clean_series(data.get("series")))


class _LiveParse:
    def __init__(self, spec, progress: str | None):
        self.parser = SummaryParser(spec, progress)
        self.offset = 0


class SummaryCache:
    """Summaries of runs, cached: finished runs are read once (until their
    ``stopped`` changes); unfinished runs are parsed incrementally from
    their run output. Not thread-safe: use from one thread."""

    def __init__(self, store=None):
        self.store = store
        self._done: dict[str, tuple[Any, RunSummary]] = {}
        self._live: dict[str, _LiveParse] = {}

    def get(self, run) -> RunSummary:
        status = getattr(run, "status", None)
        if status == "running" or (status in ("pending",) and not getattr(run, "metrics", None)):
            return self._live_summary(run)
        self._live.pop(run.id, None)
        key = (getattr(run, "stopped", None), status)
        hit = self._done.get(run.id)
        if hit is not None and hit[0] == key:
            return hit[1]
        summary = read_run_summary(run, self.store)
        self._done[run.id] = (key, summary)
        return summary

    def _parse(self, run) -> _LiveParse:
        """A fresh parse of the run's output, read as the runner reads it
        (its ``output-summary`` and its run phase's progress)."""
        opdef = _json(_read_meta(run, "opdef.json", self.store))
        if not isinstance(opdef, dict):
            return _LiveParse(True, None)
        progress = opdef.get("progress")
        if isinstance(progress, dict):
            progress = progress.get("run")
        return _LiveParse(
            opdef.get("output-summary", True),
            progress if isinstance(progress, str) else None,
        )

    def _live_summary(self, run) -> RunSummary:
        state = self._live.get(run.id)
        if state is None:
            state = self._live[run.id] = self._parse(run)
        path = Path(run.meta_dir) / _RUN_OUTPUT
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size < state.offset:  # truncated: start over
                    state = self._live[run.id] = self._parse(run)
                f.seek(state.offset)
                while True:
                    block = f.read(_CHUNK)
                    if not block:
                        break
                    end = block.rfind(b"\n")
                    if end < 0:
                        break  # an incomplete line: wait for its end
                    state.parser.feed(block[: end + 1])
                    state.offset += end + 1
                    if len(block) < _CHUNK:
                        break
                    f.seek(state.offset)
        except OSError:
            pass
        metrics = dict(getattr(run, "metrics", None) or {})
        metrics.update(state.parser.metrics)
        series = {k: [tuple(p) for p in v] for k, v in state.parser.series.items()}
        return RunSummary(metrics=metrics, series=series, live=True)
