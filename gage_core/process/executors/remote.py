"""What a Ray job runs on the cluster:
``python -m gage_core.process.executors.remote RUN_ID --store URL [--grace S]``.

The job's working directory (shared by every job shipped with the same
content, so never written to) holds the run dir as ``run/`` and the meta
as ``meta/``. They are copied to a scratch runs dir, the run executes
there under the same ``Runner`` as locally, its output is echoed to the
job's log between two marker lines, and the finished run is pushed to the
store URL (marker last) for the proxy to fetch. The job exits with the
run's exit code (128 + signal when it was stopped).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

__all__ = ["BEGIN", "END", "LineEcho", "main"]

# Marker lines around the run's output in the job's log (Ray adds its
# own lines before it).
BEGIN = b"\x1egage-run begin "
END = b"\x1egage-run end "


class LineEcho:
    """Writes the run's stdout and stderr to one descriptor, whole lines
    at a time, so lines of the two streams never mix in the job's log."""

    def __init__(self, fd: int = 1):
        self.fd = fd
        self._tails: dict[int, bytearray] = {}

    def __call__(self, stream: int, data: bytes) -> None:
        tail = self._tails.setdefault(stream, bytearray())
        cut = data.rfind(b"\n")
        if cut < 0:
            tail += data
            return
        block = bytes(tail) + data[: cut + 1]
        tail[:] = data[cut + 1 :]
        _write_all(self.fd, block)

    def close(self) -> None:
        for tail in self._tails.values():
            if tail:
                _write_all(self.fd, bytes(tail) + b"\n")
                tail.clear()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _make_writable(path: Path) -> None:
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                os.chmod(full, 0o700 if name in dirs else 0o600)


def _exit_status(code: int) -> int:
    if code < 0:
        return 128 - code
    return code if code < 256 else 1


def main(argv: list[str] | None = None) -> int:
    from gage_core.process import metafiles as mf
    from gage_core.process.runner import DEFAULT_GRACE, Runner
    from gage_core.sync.runs import push_run

    parser = argparse.ArgumentParser(prog="python -m gage_core.process.executors.remote")
    parser.add_argument("run_id")
    parser.add_argument("--store", required=True)
    parser.add_argument("--grace", type=float, default=DEFAULT_GRACE)
    args = parser.parse_args(argv)
    shipped = Path.cwd()
    scratch = Path(tempfile.gettempdir()) / "gage-ray-runs" / args.run_id
    if scratch.exists():
        _make_writable(scratch)
        shutil.rmtree(scratch)
    run_dir, meta_dir = scratch / args.run_id, scratch / f"{args.run_id}.meta"
    shutil.copytree(shipped / "run", run_dir, symlinks=True)
    shutil.copytree(shipped / "meta", meta_dir, symlinks=True)
    echo = LineEcho()
    _write_all(1, BEGIN + args.run_id.encode() + b"\n")
    try:
        Runner(run_dir, args.grace, echo=echo).run()
    finally:
        echo.close()
    code = mf.read_exit(meta_dir)
    code = 1 if code is None else code
    push_error = None
    try:
        push_run(scratch, args.run_id, args.store)
    except Exception as e:
        push_error = e
    _write_all(1, END + f"{args.run_id} {code}".encode() + b"\n")
    if push_error is not None:
        print(f"gage: cannot push the run to {args.store}: {push_error}", file=sys.stderr, flush=True)
    _make_writable(scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    return _exit_status(code)


if __name__ == "__main__":
    sys.exit(main())
