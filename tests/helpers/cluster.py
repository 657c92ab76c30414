"""Running gage against a Ray head from tests: the real ``gage`` command
in a subprocess, and the one run a test made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["gage", "only_run"]


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
