"""Small writers for the meta files a run process owns: ``proc/lock``,
``proc/exit``, timestamps and ``log/runner``.

Lock format (contracts): ``runner <pid> <create_time>`` and
``child <pid> <create_time>`` lines, create time as psutil reports it,
written with ``repr(float)``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from gage_core.store.atomic import write_atomic as _write_atomic

__all__ = [
    "process_create_time",
    "write_lock",
    "remove_lock",
    "write_atomic",
    "write_json",
    "write_timestamp",
    "write_exit",
    "read_exit",
    "log_line",
    "reserve_space",
    "release_space",
    "write_launcher",
    "remove_launcher",
    "LAUNCHER",
]

RESERVE = "proc/.reserve"


def process_create_time(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write via a temp file in the same dir and rename (readers never see
    a half-written file); missing parent dirs are created."""
    _write_atomic(path, data, parents=True)


def write_json(path: str | os.PathLike, obj: Any, **kw) -> None:
    kw.setdefault("indent", 2)
    kw.setdefault("sort_keys", True)
    write_atomic(path, json.dumps(obj, **kw) + "\n")


def write_lock(meta_dir: str | os.PathLike, runner_pid: int, child_pid: int | None = None) -> None:
    lines = []
    for role, pid in (("runner", runner_pid), ("child", child_pid)):
        if pid is None:
            continue
        ct = process_create_time(pid)
        lines.append(f"{role} {pid} {ct!r}" if ct is not None else f"{role} {pid}")
    write_atomic(Path(meta_dir) / "proc" / "lock", "".join(line + "\n" for line in lines))


LAUNCHER = "proc/launcher"


def write_launcher(meta_dir: str | os.PathLike) -> None:
    """Record this process as the one initialising and staging the run
    (``launcher <pid> <create time>``, a lock line): if it dies before staging ends, the run
    reads terminated instead of pending forever."""
    pid = os.getpid()
    ct = process_create_time(pid)
    write_atomic(Path(meta_dir) / LAUNCHER, f"launcher {pid} {ct!r}\n" if ct is not None else f"launcher {pid}\n")


def remove_launcher(meta_dir: str | os.PathLike) -> None:
    try:
        os.unlink(Path(meta_dir) / LAUNCHER)
    except FileNotFoundError:
        pass


def remove_lock(meta_dir: str | os.PathLike) -> None:
    try:
        os.unlink(Path(meta_dir) / "proc" / "lock")
    except FileNotFoundError:
        pass


def write_timestamp(meta_dir: str | os.PathLike, name: str) -> int:
    from gage_core.store.layout import now_us

    ts = now_us()
    write_atomic(Path(meta_dir) / name, str(ts))
    return ts


def write_exit(meta_dir: str | os.PathLike, code: int) -> None:
    write_atomic(Path(meta_dir) / "proc" / "exit", str(int(code)))


def read_exit(meta_dir: str | os.PathLike) -> int | None:
    try:
        return int((Path(meta_dir) / "proc" / "exit").read_text().strip())
    except (OSError, ValueError):
        return None


def log_line(meta_dir: str | os.PathLike, message: str) -> None:
    """Append ``YYYY-MM-DDTHH:MM:SS+ZZZZ message`` to ``log/runner``;
    never raises (logging must not break a run)."""
    try:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        path = Path(meta_dir) / "log" / "runner"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(f"{stamp} {line}\n" for line in (message.splitlines() or [""]))
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)
    except OSError:
        pass


def reserve_space(meta_dir: str | os.PathLike, size: int = 256 * 1024) -> None:
    """Set aside a little disk space (a file of zeros in the meta), given
    back by ``release_space`` before a run's last writes, so its exit code,
    timestamps and log still fit when its output filled the disk."""
    path = Path(meta_dir) / RESERVE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.write(bytes(size))
    except OSError:
        release_space(meta_dir)


def release_space(meta_dir: str | os.PathLike) -> None:
    try:
        os.unlink(Path(meta_dir) / RESERVE)
    except OSError:
        pass
