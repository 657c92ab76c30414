"""The ``Run`` record: everything a listing or a filter needs about a run,
read once from its meta, user attributes and sidecars."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gage_core.store import layout
from gage_core.store.opref import OpRef

__all__ = ["Run"]


@dataclass(frozen=True)
class Run:
    id: str
    name: str
    runs_dir: Path
    opref: OpRef
    status: str  # running completed error terminated staged pending unknown
    initialized: int | None = None  # epoch microseconds
    staged: int | None = None
    started: int | None = None
    stopped: int | None = None
    exit_code: int | None = None
    label: str | None = None
    tags: tuple[str, ...] = ()
    config: dict = field(default_factory=dict, compare=False)
    metrics: dict = field(default_factory=dict, compare=False)
    attributes: dict = field(default_factory=dict, compare=False)
    project_dir: str | None = None
    project_id: str | None = None
    batch_id: str | None = None
    container: str = "active"  # active | trash
    executor: str = "local"  # where it executes: local | ray
    executor_address: str | None = None
    meta_error: str | None = None

    @property
    def run_dir(self) -> Path:
        return layout.run_dir(self.runs_dir, self.id)

    @property
    def meta_dir(self) -> Path:
        """The ``<id>.meta`` dir, or the ``.meta.zip`` when that is what exists."""
        return layout.meta_path(self.runs_dir, self.id)

    @property
    def user_dir(self) -> Path:
        return layout.user_dir(self.runs_dir, self.id)

    @property
    def op_name(self) -> str:
        return self.opref.name

    @property
    def timestamp(self) -> int | None:
        """started, else staged, else initialized (µs); the listing order."""
        return self.started or self.staged or self.initialized

    @property
    def duration_us(self) -> int | None:
        """Run time: started → stopped (or now while running)."""
        if self.started is None:
            return None
        if self.stopped is not None:
            return max(0, self.stopped - self.started)
        if self.status == "running":
            return max(0, layout.now_us() - self.started)
        return None

    @property
    def where(self) -> str:
        """Where the run executes, for people: ``local`` or ``ray at URL``."""
        if self.executor_address:
            return f"{self.executor} at {self.executor_address}"
        return self.executor

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict (used by ``--json`` output)."""
        return {
            "id": self.id,
            "name": self.name,
            "operation": self.opref.name,
            "namespace": self.opref.namespace,
            "version": self.opref.version,
            "status": self.status,
            "initialized": self.initialized,
            "staged": self.staged,
            "started": self.started,
            "stopped": self.stopped,
            "exit_code": self.exit_code,
            "label": self.label,
            "tags": list(self.tags),
            "config": self.config,
            "metrics": self.metrics,
            "attributes": self.attributes,
            "project_dir": self.project_dir,
            "project_id": self.project_id,
            "batch_id": self.batch_id,
            "container": self.container,
            "executor": self.executor,
            "executor_address": self.executor_address,
            "run_dir": str(self.run_dir),
            "meta_dir": str(self.meta_dir),
            "meta_error": self.meta_error,
        }
