"""Helpers shared by the fault, security and corpus tests (real runs made
by the core in a temp project; no mocks)."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import psutil

from gage_core.gagefile.model import OpDef
from gage_core.project import Project
from gage_core.staging.lifecycle import init_run, stage_run
from gage_core.store.store import RunStore

__all__ = [
    "PY", "REPO", "new_project", "make_run", "status", "lock_pids", "wait_exit",
    "wait_gone", "wait_for", "meta_of", "env_with_repo",
]

PY = sys.executable
REPO = Path(__file__).resolve().parents[2]


def new_project(root: Path, runs_dir: Path | None = None) -> Project:
    d = root / "proj"
    d.mkdir(parents=True, exist_ok=True)
    return Project(dir=d, gagefile=None, runs_dir=runs_dir or d / ".gage" / "runs")


def make_run(project: Project, exec_, files: dict | None = None, config=None, **op) -> Path:
    """An initialized and staged run; returns its run dir."""
    for name, text in (files or {}).items():
        (project.dir / name).write_text(textwrap.dedent(text))
    exec_ = exec_ if isinstance(exec_, dict) else {"run": exec_}
    opdef = OpDef(name=op.pop("name", "op"), exec=exec_, **op)
    run_id = init_run(project, opdef, config or {})
    stage_run(project, run_id, opdef, config or {})
    return Path(project.runs_dir) / run_id


def meta_of(run_dir: Path) -> Path:
    return Path(f"{run_dir}.meta")


def status(run_dir: Path) -> str:
    return RunStore(run_dir.parent).get(run_dir.name).status


def wait_for(pred, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def lock_pids(run_dir: Path, timeout: float = 30.0) -> dict:
    lock = meta_of(run_dir) / "proc" / "lock"

    def read():
        try:
            entries = {ln.split()[0]: int(ln.split()[1]) for ln in lock.read_text().splitlines()}
        except (OSError, IndexError, ValueError):
            return None
        return entries if "child" in entries else None

    return wait_for(read, timeout, "a child lock")


def wait_exit(run_dir: Path, timeout: float = 60.0) -> int:
    path = meta_of(run_dir) / "proc" / "exit"

    def read():
        try:
            text = path.read_text().strip()
        except OSError:
            return None
        return text or None

    return int(wait_for(read, timeout, f"the exit of {run_dir.name}"))


def wait_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def env_with_repo() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env
