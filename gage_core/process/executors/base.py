"""The executor protocol, the handle of a remote run and executor choice.

``proc/executor.json`` (written before the proxy starts, updated once the
job is submitted)::

    {"executor": "ray", "address": "http://127.0.0.1:8265",
     "submission_id": "<run id>", "node_id": null | "<driver node>",
     "store": "file:///...", "python": "python3", "submitted": false}

Job phases, whatever the executor: ``pending``, ``running``,
``succeeded``, ``failed``, ``stopped`` and ``lost`` (the executor no longer
knows the job, e.g. a restarted head).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Protocol

from gage_core.errors import GageError

__all__ = [
    "EXECUTOR_FILE",
    "EXECUTORS",
    "TERMINAL_PHASES",
    "ExecutorError",
    "ExecutorHandle",
    "JobState",
    "LogStream",
    "Executor",
    "read_handle",
    "write_handle",
    "executor_for",
    "choose_executor",
    "normalize_address",
]

EXECUTOR_FILE = "proc/executor.json"
EXECUTORS = ("local", "ray")
TERMINAL_PHASES = ("succeeded", "failed", "stopped", "lost")


class ExecutorError(GageError):
    """An executor could not do what was asked (unreachable cluster, bad
    handle, a run too large to ship)."""


@dataclass(frozen=True)
class ExecutorHandle:
    """Where a run executes and how to find its job again."""

    executor: str
    submission_id: str
    address: str | None = None
    node_id: str | None = None
    store: str | None = None
    python: str | None = None
    submitted: bool = False

    @property
    def remote(self) -> bool:
        return self.executor != "local"

    def where(self) -> str:
        """One line for users: ``ray at http://...``, or ``local``."""
        if not self.remote:
            return "local"
        text = f"{self.executor} at {self.address}" if self.address else self.executor
        return f"{text} (node {self.node_id[:12]})" if self.node_id else text

    def with_changes(self, **changes) -> ExecutorHandle:
        return replace(self, **changes)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object, source: str = EXECUTOR_FILE) -> ExecutorHandle:
        if not isinstance(data, dict):
            raise ExecutorError(f"{source} is not a JSON object")
        name, sid = data.get("executor"), data.get("submission_id")
        if name not in EXECUTORS or not isinstance(sid, str) or not sid:
            raise ExecutorError(f"{source} names no known executor and submission id")
        opt = {}
        for key in ("address", "node_id", "store", "python"):
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise ExecutorError(f"{source}: '{key}' must be a string")
            opt[key] = value
        return cls(name, sid, submitted=bool(data.get("submitted")), **opt)


@dataclass(frozen=True)
class JobState:
    """A job as its executor reports it; ``exit_code`` is the run's exit
    when the executor knows it."""

    phase: str
    exit_code: int | None = None
    message: str = ""
    node_id: str | None = None
    details: dict = field(default_factory=dict, compare=False)

    @property
    def terminal(self) -> bool:
        return self.phase in TERMINAL_PHASES


class LogStream(Protocol):
    """Raw log bytes of a job as they arrive. Iterating yields ``b""`` now
    and then while nothing arrives, so a follower can check its own state;
    ``close`` ends the stream from another thread too."""

    def __iter__(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class Executor(Protocol):
    """What every executor does for a staged run."""

    name: str

    def submit(self, run_dir: Path, handle: ExecutorHandle, grace: float) -> ExecutorHandle:
        """Start the run; returns the handle with what the executor learnt
        (``submitted``). Submitting a run twice does not start it twice."""

    def poll(self, handle: ExecutorHandle) -> JobState: ...

    def tail(self, handle: ExecutorHandle) -> LogStream:
        """The job's output from its first byte, then live."""

    def stop(self, handle: ExecutorHandle, grace: float) -> None:
        """Ask the job to stop: SIGTERM, SIGKILL after ``grace`` seconds;
        returns at once."""

    def fetch(self, handle: ExecutorHandle, dest: Path) -> tuple[Path, Path] | None:
        """Copy the finished run's exact run dir and meta dir under
        ``dest``; returns their paths, or None when the executor has no
        complete copy (the job died before it could hand its files back)."""


def read_handle(meta_dir: str | os.PathLike) -> ExecutorHandle | None:
    """The run's handle; None for a run without one (a local run)."""
    path = Path(meta_dir) / EXECUTOR_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ExecutorError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ExecutorError(f"{path}: invalid JSON ({e})") from None
    return ExecutorHandle.from_json(data, str(path))


def write_handle(meta_dir: str | os.PathLike, handle: ExecutorHandle) -> None:
    from gage_core.process.metafiles import write_json

    write_json(Path(meta_dir) / EXECUTOR_FILE, handle.to_json())


def executor_for(handle: ExecutorHandle, runs_dir: str | os.PathLike) -> Executor:
    """The executor that can follow ``handle``'s job (a run of ``runs_dir``)."""
    if handle.executor == "ray":
        from gage_core.process.executors.ray import RayExecutor

        return RayExecutor(handle.address or "")
    from gage_core.process.executors.local import LocalExecutor

    return LocalExecutor(runs_dir)


def choose_executor(
    option: str | None,
    address_option: str | None,
    environ: Mapping[str, str],
    project_setting: object = None,
    project_address: str | None = None,
) -> tuple[str, str | None]:
    """(executor name, address). First match wins for the name:
    ``--executor``, ``GAGE_EXECUTOR``, the Gagefile's ``$executor``,
    ``local``; for Ray's address: ``--ray-address``, ``RAY_ADDRESS``, the
    Gagefile's ``$ray-address``."""
    name = option or environ.get("GAGE_EXECUTOR") or None
    source = "--executor" if option else "GAGE_EXECUTOR"
    if name is None and project_setting is not None:
        if not isinstance(project_setting, str):
            raise ExecutorError("the Gagefile's $executor must be a string")
        name, source = project_setting, "$executor in the Gagefile"
    name = name or "local"
    if name not in EXECUTORS:
        raise ExecutorError(
            f"{source}: unknown executor '{name}'", hint="executors: " + ", ".join(EXECUTORS)
        )
    if name == "local":
        if address_option:
            raise ExecutorError("--ray-address needs --executor ray")
        return name, None
    address = address_option or environ.get("RAY_ADDRESS") or project_address or None
    if not address:
        raise ExecutorError(
            "the Ray executor needs a cluster: set RAY_ADDRESS or pass --ray-address URL",
            hint="the address is the dashboard's URL, for example http://127.0.0.1:8265",
        )
    return name, normalize_address(address)


def normalize_address(address: str) -> str:
    """``host:port`` or ``http(s)://host:port`` → the dashboard's URL."""
    from urllib.parse import urlsplit

    text = address.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
    except ValueError as e:
        raise ExecutorError(f"invalid Ray address '{address}': {e}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        raise ExecutorError(
            f"invalid Ray address '{address}'",
            hint="give the dashboard's URL, for example http://127.0.0.1:8265",
        )
    try:
        port = parts.port
    except ValueError:
        raise ExecutorError(f"invalid port in Ray address '{address}'") from None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "") + parts.path.rstrip("/")
