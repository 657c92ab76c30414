"""Atomic file writes for the core: write a temp file next to the target,
then rename it over the target, so readers never see a half-written file."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(
    path: str | os.PathLike, data: str | bytes, *, mode: int | None = None, parents: bool = False
) -> None:
    """Write ``data`` (a str as UTF-8) to ``path`` atomically.

    ``mode``: the file's permission bits (default: 0o666 less the umask,
    as ``open`` gives). ``parents``: create missing parent directories.
    On an error the temp file is removed and the error raised."""
    p = Path(path)
    if parents:
        p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = p.with_name(f".{p.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
