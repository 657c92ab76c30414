"""The Ray executor: a staged run becomes a job of a Ray cluster.

Submitting ships a directory with the run dir as ``run/`` and its meta as
``meta/`` as the job's working directory (Ray follows the two symlinks
when it packs it), and ``gage_core`` as a Python module. On the cluster
``python -m gage_core.process.executors.remote`` runs the run with the
same runner code as here, echoing its output to the job's log, and pushes
the finished run to the store URL, from where ``fetch`` pulls it.

Only ``submit`` needs Ray installed here (``pip install
'gage-workbench[ray]'``); following, stopping and fetching speak HTTP
(``jobs_http``) and fsspec.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from gage_core.process.executors.base import ExecutorError, ExecutorHandle, JobState
from gage_core.process.executors.jobs_http import HTTPLogStream, JobNotFound, JobsHTTP

__all__ = [
    "RayExecutor",
    "WORKING_DIR_LIMIT",
    "shipped_size",
    "check_shippable",
    "default_store",
]

# Ray refuses a larger working_dir (HTTP 413).
WORKING_DIR_LIMIT = 100 * 1024 * 1024
# Meta files that belong to the local proxy, not to the job.
_NOT_SHIPPED = ("proc/lock", "proc/.reserve", "log/runner")
_PHASES = {
    "PENDING": "pending",
    "RUNNING": "running",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "STOPPED": "stopped",
}


def default_store(runs_dir: str | os.PathLike) -> str:
    """Where a job pushes its finished run when no store is set: a folder
    of the runs dir, reachable when the cluster shares this filesystem
    (a head on this machine)."""
    return (Path(runs_dir).resolve() / ".ray-store").as_uri()


def shipped_size(run_dir: Path) -> int:
    """Bytes Ray would upload for the run: its run dir and meta, files
    behind symlinks included (Ray follows them)."""
    meta_dir = run_dir.with_name(run_dir.name + ".meta")
    total = 0
    for base, skip in ((run_dir, ()), (meta_dir, _NOT_SHIPPED)):
        for root, _dirs, files in os.walk(base, followlinks=True):
            for name in files:
                full = os.path.join(root, name)
                if os.path.relpath(full, base).replace(os.sep, "/") in skip:
                    continue
                try:
                    total += os.stat(full).st_size
                except OSError:
                    pass
    return total


def check_shippable(run_dir: Path) -> int:
    """The shipped size; ``ExecutorError`` over Ray's limit."""
    size = shipped_size(run_dir)
    if size > WORKING_DIR_LIMIT:
        raise ExecutorError(
            f"run {run_dir.name} is {size / 2**20:.1f} MiB; Ray ships at most "
            f"{WORKING_DIR_LIMIT // 2**20} MiB as a job's working directory",
            hint="keep large files out of the run (have the op read them on the cluster, "
            "from storage) or run it locally (--executor local)",
        )
    return size


class _RayTail:
    """The job's log: waits for its driver's node, then streams. A stream
    that breaks is opened again while the cluster knows the job; the log is replayed
    from its start, so what was already seen is skipped (the log only
    grows) and no byte is lost or repeated."""

    def __init__(self, http: JobsHTTP, submission_id: str, node_id: str | None):
        self._http = http
        self._id = submission_id
        self._node_id = node_id
        self._stream: HTTPLogStream | None = None
        self._closed = False
        self.error: BaseException | None = None

    def __iter__(self) -> Iterator[bytes]:
        node_id = self._node_id
        while node_id is None and not self._closed:
            try:
                info = self._http.job_info(self._id)
            except ExecutorError as e:
                self.error = e
                return
            node_id = info.get("driver_node_id") or None
            if node_id is None:
                if info.get("status") in _PHASES and _PHASES[info["status"]] in ("failed", "stopped", "succeeded"):
                    return  # ended before a driver ran: nothing to stream
                yield b""
                time.sleep(0.1)
        if node_id is None:
            return  # closed before the job had a driver
        seen = 0
        while not self._closed:
            stream = self._stream = self._http.log_stream(self._id, node_id)
            skip = seen
            for chunk in stream:
                if skip:
                    cut = min(skip, len(chunk))
                    skip -= cut
                    chunk = chunk[cut:]
                seen += len(chunk)
                yield chunk
            if self._closed:
                return
            # Reopened even when the job has ended: its last lines may be
            # unread. The follower closes the stream once it has them all.
            try:
                self._http.job_info(self._id)
            except ExecutorError as e:
                self.error = e
                return
            yield b""
            time.sleep(0.2)

    def close(self) -> None:
        self._closed = True
        if self._stream is not None:
            self._stream.close()


class RayExecutor:
    """Jobs of the cluster whose dashboard is at ``address``."""

    name = "ray"

    def __init__(self, address: str):
        self.address = address
        self.http = JobsHTTP(address)

    # -- submit ------------------------------------------------------------

    def submit(self, run_dir: Path, handle: ExecutorHandle, grace: float) -> ExecutorHandle:
        run_dir = Path(run_dir)
        check_shippable(run_dir)
        try:
            info = self.http.job_info(handle.submission_id)
        except JobNotFound:
            info = None
        if info is not None:
            # Submitted before (a proxy died right after): never twice.
            return handle.with_changes(submitted=True, node_id=info.get("driver_node_id") or None)
        try:
            from ray.job_submission import JobSubmissionClient
        except ImportError:
            raise ExecutorError(
                "the Ray executor needs Ray installed here",
                hint="pip install 'gage-workbench[ray]'",
            ) from None
        import logging

        import gage_core

        # Ray logs each upload at INFO to stderr: the run's output is ours.
        for name in ("ray", "ray.dashboard.modules.dashboard_sdk", "ray._private.runtime_env.packaging"):
            logging.getLogger(name).setLevel(logging.WARNING)
        bundle = Path(tempfile.mkdtemp(prefix="gage-ray-"))
        try:
            (bundle / "run").symlink_to(run_dir.resolve())
            (bundle / "meta").symlink_to(run_dir.resolve().with_name(run_dir.name + ".meta"))
            python = handle.python or "python3"
            entrypoint = " ".join(
                shlex.quote(a)
                for a in (
                    python, "-m", "gage_core.process.executors.remote", handle.submission_id,
                    "--store", handle.store or "", "--grace", str(grace),
                )
            )
            runtime_env = {
                "working_dir": str(bundle),
                "py_modules": [str(Path(gage_core.__file__).parent)],
                "excludes": [*(f"meta/{p}" for p in _NOT_SHIPPED), "__pycache__"],
                "env_vars": {
                    # Time for the run to end on SIGTERM and push its files.
                    "RAY_JOB_STOP_WAIT_TIME_S": str(int(grace) + 30),
                    "PYTHONUNBUFFERED": "1",
                },
            }
            try:
                client = JobSubmissionClient(self.address)
                client.submit_job(
                    entrypoint=entrypoint,
                    submission_id=handle.submission_id,
                    runtime_env=runtime_env,
                    metadata={"gage_run": run_dir.name},
                    entrypoint_num_cpus=1,
                )
            except (ConnectionError, RuntimeError, ValueError, OSError) as e:
                raise ExecutorError(f"cannot submit the run to the Ray cluster at {self.address}: {e}") from None
        finally:
            shutil.rmtree(bundle, ignore_errors=True)
        return handle.with_changes(submitted=True)

    # -- follow ------------------------------------------------------------

    def poll(self, handle: ExecutorHandle) -> JobState:
        try:
            info = self.http.job_info(handle.submission_id)
        except JobNotFound as e:
            return JobState("lost", None, e.message)
        phase = _PHASES.get(str(info.get("status")), "pending")
        code = info.get("driver_exit_code")
        return JobState(
            phase,
            code if isinstance(code, int) else None,
            str(info.get("message") or ""),
            info.get("driver_node_id") or None,
            info,
        )

    def tail(self, handle: ExecutorHandle) -> _RayTail:
        return _RayTail(self.http, handle.submission_id, handle.node_id)

    def stop(self, handle: ExecutorHandle, grace: float) -> None:
        try:
            self.http.stop_job(handle.submission_id)
        except JobNotFound:
            pass

    def fetch(self, handle: ExecutorHandle, dest: Path) -> tuple[Path, Path] | None:
        from gage_core.sync.runs import pull_run, read_marker
        from gage_core.sync.transfer import open_url

        if not handle.store:
            return None
        fs, root = open_url(handle.store)
        if read_marker(fs, root, handle.submission_id) is None:
            return None
        pull_run(handle.store, handle.submission_id, dest, fs_root=(fs, root))
        return dest / handle.submission_id, dest / f"{handle.submission_id}.meta"
