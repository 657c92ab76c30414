"""Run the staged runs of a batch with at most N at once.

``run_batch(run_dirs, max_parallel)`` is the scheduling loop: it starts
runners (detached, each in its own session, exactly as a single run) and
waits for their ``proc/exit`` before starting more. The CLI calls it in the
foreground; ``python -m gage_core.process.batch_runner SPEC`` is the small
detached supervisor that does the same after the CLI (or the TUI) is gone,
so the limit holds. SPEC is the JSON file written by
``gage_core.staging.batch.write_batch_spec``: ``{"batch_id", "max_parallel",
"runs": [run dir, ...]}``; the supervisor logs to ``SPEC`` with ``.log``.

A run that is no longer staged when its turn comes (started by someone
else, or stopped) is skipped. SIGTERM/SIGINT to the supervisor: no more
runs are started; the running ones are left alone (stop them with
``gage stop``); the remaining ones stay staged.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from gage_core.process import metafiles as mf

__all__ = ["run_batch", "BatchRun", "main"]

# A runner gone without writing proc/exit is given this long to finish
# writing before its run is counted as failed.
_EXIT_GRACE = 2.0


class BatchRun:
    """One run of a batch as the scheduler sees it."""

    def __init__(self, run_dir: str | os.PathLike, index: int):
        self.run_dir = Path(run_dir)
        self.meta_dir = self.run_dir.with_name(self.run_dir.name + ".meta")
        self.index = index
        self.pid: int | None = None
        self.started_at: float | None = None
        self.exit_code: int | None = None
        self.skipped = False
        self._gone_at: float | None = None

    @property
    def run_id(self) -> str:
        return self.run_dir.name

    def startable(self) -> bool:
        meta = self.meta_dir
        return (
            meta.is_dir()
            and (meta / "staged").exists()
            and not (meta / "started").exists()
            and mf.read_exit(meta) is None
        )

    def poll(self) -> int | None:
        """The exit code once the run has ended, else None."""
        code = mf.read_exit(self.meta_dir)
        if code is not None:
            return code
        if self.pid is not None and not _alive(self.pid):
            now = time.monotonic()
            if self._gone_at is None:
                self._gone_at = now
            elif now - self._gone_at > _EXIT_GRACE:
                mf.log_line(self.meta_dir, "Batch: runner ended without recording an exit code")
                return 1
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        import psutil

        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except Exception:
        return True


def _default_start(run_dir: Path) -> int:
    from gage_core.process.launch import start_detached

    return start_detached(run_dir)


def run_batch(
    run_dirs,
    max_parallel: int = 1,
    *,
    on_start: Callable[[BatchRun], None] | None = None,
    on_end: Callable[[BatchRun], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_interrupt: Callable[[int], None] | None = None,
    poll_interval: float = 0.1,
    start: Callable[[Path], int] = _default_start,
) -> list[BatchRun]:
    """Start the runs in order, at most ``max_parallel`` at once, and wait
    for all started ones to end. Returns every ``BatchRun`` (``exit_code``
    None for runs never started; ``skipped`` for ones no longer staged).

    Ctrl-C (KeyboardInterrupt while waiting): first stops the running runs
    (SIGINT to their runners) and starts no more; a second kills their
    process groups. ``on_interrupt(n)`` is told."""
    limit = max(1, int(max_parallel))
    runs = [BatchRun(d, i) for i, d in enumerate(run_dirs)]
    pending = deque(runs)
    active: list[BatchRun] = []
    interrupts = 0
    while pending or active:
        try:
            for br in list(active):
                code = br.poll()
                if code is not None:
                    br.exit_code = code
                    active.remove(br)
                    if on_end is not None:
                        on_end(br)
            stopping = interrupts > 0 or should_stop()
            while pending and len(active) < limit and not stopping:
                br = pending.popleft()
                if not br.startable():
                    br.skipped = True
                    if on_end is not None:
                        on_end(br)
                    continue
                br.pid = start(br.run_dir)
                br.started_at = time.monotonic()
                active.append(br)
                if on_start is not None:
                    on_start(br)
            if stopping and not active:
                break
            time.sleep(poll_interval)
        except KeyboardInterrupt:
            interrupts += 1
            if on_interrupt is not None:
                on_interrupt(interrupts)
            _interrupt(active, interrupts)
    return runs


def _interrupt(active: list[BatchRun], n: int) -> None:
    from gage_core.process.stop import interrupt_run

    for br in active:
        interrupt_run(br.pid, br.meta_dir, n)


# -- the detached supervisor ------------------------------------------------


def _supervise(spec_path: Path) -> int:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    log_path = spec_path.with_suffix(".log")
    stop: list[int] = []

    def log(message: str) -> None:
        try:
            with open(log_path, "a", encoding="utf-8") as f:
                f.write(time.strftime("%Y-%m-%dT%H:%M:%S%z") + " " + message + "\n")
        except OSError:
            pass

    def on_signal(signum, _frame) -> None:
        stop.append(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    runs = spec.get("runs") or []
    limit = int(spec.get("max_parallel") or 1)
    log(f"batch {spec.get('batch_id')}: {len(runs)} runs, at most {limit} at once (pid {os.getpid()})")
    result = run_batch(
        runs,
        limit,
        on_start=lambda br: log(f"started {br.run_id} (runner pid {br.pid})"),
        on_end=lambda br: log(
            f"skipped {br.run_id}: no longer staged" if br.skipped else f"ended {br.run_id}: exit {br.exit_code}"
        ),
        should_stop=lambda: bool(stop),
    )
    failed = sum(1 for br in result if br.exit_code not in (None, 0))
    left = sum(1 for br in result if br.exit_code is None and not br.skipped)
    log(f"batch done: {failed} failed" + (f", {left} not started (stopped)" if left else ""))
    try:
        spec_path.unlink()
    except OSError:
        pass
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gage_core.process.batch_runner")
    parser.add_argument("spec")
    args = parser.parse_args(argv)
    return _supervise(Path(args.spec))


if __name__ == "__main__":
    sys.exit(main())
