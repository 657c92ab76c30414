"""Choosing a run's executor and recording it before the run starts.

First match wins: ``--executor``, ``GAGE_EXECUTOR``, the Gagefile's
``$executor``, ``local``. For Ray: the address from ``--ray-address``,
``RAY_ADDRESS``, ``$ray-address``; the store from ``--ray-store``,
``GAGE_RAY_STORE``, ``$ray-store``, else a folder of the runs dir; the
cluster's interpreter from ``GAGE_RAY_PYTHON`` (default ``python3``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gage_core.process.executors.base import (
    ExecutorError,
    ExecutorHandle,
    choose_executor,
    write_handle,
)

__all__ = ["ExecutorChoice", "resolve_executor", "assign_executor"]


@dataclass(frozen=True)
class ExecutorChoice:
    name: str
    address: str | None = None
    store: str | None = None
    python: str | None = None

    @property
    def remote(self) -> bool:
        return self.name != "local"


def resolve_executor(
    project,
    environ: Mapping[str, str],
    executor: str | None = None,
    address: str | None = None,
    store: str | None = None,
) -> ExecutorChoice:
    settings = dict(getattr(project.gagefile, "executor", None) or {})
    name, addr = choose_executor(
        executor, address, environ, settings.get("executor"), settings.get("ray-address")
    )
    if name == "local":
        if store:
            raise ExecutorError("--ray-store needs --executor ray")
        return ExecutorChoice("local")
    if addr is None:
        raise ExecutorError("the Ray executor needs an address")
    from gage_core.process.executors.ray import default_store

    store_url = store or environ.get("GAGE_RAY_STORE") or settings.get("ray-store") or default_store(project.runs_dir)
    if "://" not in store_url:
        store_url = Path(store_url).expanduser().resolve().as_uri()
    python = environ.get("GAGE_RAY_PYTHON") or "python3"
    return ExecutorChoice(name, addr, store_url, python)


def assign_executor(run_dir: str | os.PathLike, choice: ExecutorChoice) -> ExecutorHandle | None:
    """Record where a staged run will execute (nothing for ``local``).
    Raises ``ExecutorError`` when the run cannot be shipped."""
    if not choice.remote:
        return None
    from gage_core.process.executors.ray import check_shippable

    run_dir = Path(run_dir)
    check_shippable(run_dir)
    handle = ExecutorHandle(
        choice.name,
        run_dir.name,
        address=choice.address,
        store=choice.store,
        python=choice.python,
    )
    write_handle(run_dir.with_name(run_dir.name + ".meta"), handle)
    return handle
