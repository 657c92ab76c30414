"""The local executor: the runner process on this machine (what
``gage run`` does by default). Its job is the run itself: ``submit``
starts the runner detached, ``poll`` derives the run's status from its
meta, ``tail`` follows ``output/40_run``, ``stop`` is ``gage stop`` and
``fetch`` has nothing to copy."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from gage_core.process.executors.base import ExecutorHandle, JobState

__all__ = ["LocalExecutor", "FileTail"]


class FileTail:
    """A growing file's bytes from its start, then as they are appended."""

    def __init__(self, path: Path, interval: float = 0.05):
        self.path = path
        self.interval = interval
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        offset = 0
        while not self._closed.is_set():
            try:
                with open(self.path, "rb") as f:
                    f.seek(offset)
                    data = f.read(1 << 20)
            except FileNotFoundError:
                data = b""
            offset += len(data)
            yield data
            if not data:
                self._closed.wait(self.interval)

    def close(self) -> None:
        self._closed.set()


class LocalExecutor:
    """Runs in ``runs_dir`` executed by local runner processes."""

    name = "local"

    def __init__(self, runs_dir: str | os.PathLike):
        self.runs_dir = Path(runs_dir)

    def _meta_dir(self, handle: ExecutorHandle) -> Path:
        return self.runs_dir / f"{handle.submission_id}.meta"

    def submit(self, run_dir: Path, handle: ExecutorHandle, grace: float) -> ExecutorHandle:
        from gage_core.process.launch import start_detached

        start_detached(run_dir, grace)
        return handle.with_changes(submitted=True, node_id=os.uname().nodename)

    def poll(self, handle: ExecutorHandle) -> JobState:
        from gage_core.store.meta import MetaReader
        from gage_core.store.status import derive_status

        with MetaReader(self._meta_dir(handle)) as meta:
            info = derive_status(meta)
        phase = _PHASES.get(info.status, "lost")
        return JobState(phase, info.exit_code, info.status)

    def tail(self, handle: ExecutorHandle) -> FileTail:
        return FileTail(self._meta_dir(handle) / "output" / "40_run")

    def stop(self, handle: ExecutorHandle, grace: float) -> None:
        from gage_core.process.stop import request_stop

        request_stop(self.runs_dir / handle.submission_id)

    def fetch(self, handle: ExecutorHandle, dest: Path) -> tuple[Path, Path] | None:
        # The run's files are already where they belong.
        return None


_PHASES = {
    "completed": "succeeded",
    "error": "failed",
    "terminated": "stopped",
    "running": "running",
    "staged": "pending",
    "pending": "pending",
}
