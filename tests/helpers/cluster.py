"""Running gage against a Ray head from tests: the real ``gage`` command
in a subprocess, and the one run a test made."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

__all__ = ["gage", "only_run", "wait_for_run"]


def gage(env, *args, cwd=None, timeout=180, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("gage")), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"gage {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def only_run(runs_dir: Path) -> tuple[Path, Path]:
    metas = sorted(runs_dir.glob("*.meta"))
    assert len(metas) == 1, metas
    meta = metas[0]
    return meta.with_name(meta.name[: -len(".meta")]), meta


def wait_for_run(predicate, timeout: float = 180.0, what: str = "condition", meta: Path | None = None):
    """Poll ``predicate``; on timeout the run's ``log/runner`` (``meta``)
    goes into the failure message: a proxy's story is told there."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            log = ""
            if meta is not None and (meta / "log" / "runner").exists():
                log = (meta / "log" / "runner").read_text(errors="replace")
            raise AssertionError(f"timed out waiting for {what}\n{log}")
        time.sleep(0.1)
