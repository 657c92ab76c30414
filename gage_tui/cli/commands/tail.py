"""gage tail: the last lines of a run's output; -f follows a live run."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "tail"
HELP = "print the end of a run's output (-f to follow a live run)"
ORDER = 24
DESCRIPTION = """\
Print the last lines of a run's output (default: the latest run). With -f,
keep printing new output as the run writes it, until the run ends."""

_FOLLOW_POLL = 0.5


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", nargs="?", metavar="RUN", help="run (default: latest)")
    parser.add_argument("-f", "--follow", action="store_true", help="follow a running run until it ends")
    parser.add_argument("-n", "--lines", type=int, default=20, metavar="N", help="lines to print (default 20)")
    parser.add_argument("--timestamps", action="store_true", help="prefix lines with time and stream")
    parser.add_argument("--all-projects", action="store_true", help="select among runs of all projects")


def run(args, env) -> int:
    from gage_tui.cli.output_support import output_target, phase_readers, write_lines

    store, target = output_target(env, args.run, args.all_projects)
    target = store.refresh(target)
    live = target.status == "running"
    readers = dict(phase_readers(store, target))
    positions: dict[str, int] = {}
    wanted = max(0, args.lines)
    picked = []
    for name in sorted(readers, reverse=True):
        reader = readers[name]
        n = reader.refresh(final=not live)
        take = min(wanted, n)
        picked.append((name, n - take, n))
        positions[name] = n
        wanted -= take
    for name, start, stop in reversed(picked):
        if stop > start:
            write_lines(env, readers[name].read(start, stop), timestamps=args.timestamps)
    if args.follow and live:
        _follow(env, target, positions, args.timestamps)
    for reader in readers.values():
        reader.close()
    return 0


def _follow(env, target, positions, timestamps) -> None:
    import threading

    from gage_core.process.output import RunOutputFollower
    from gage_core.store.meta import MetaReader
    from gage_core.store.status import derive_status
    from gage_tui.cli.output_support import write_lines

    meta_dir = target.meta_dir
    changed = threading.Event()
    observer = _watch(meta_dir, changed)
    follower = RunOutputFollower(meta_dir, positions=positions)
    try:
        while True:
            with MetaReader(meta_dir) as meta:
                done = derive_status(meta).status != "running"
            lines = follower.poll(final=done)
            if lines:
                write_lines(env, [line for _name, line in lines], timestamps=timestamps)
            if done:
                return
            changed.wait(_FOLLOW_POLL)
            changed.clear()
    finally:
        follower.close()
        if observer is not None:
            observer.stop()
            observer.join(timeout=2)


def _watch(meta_dir, changed):
    """A watchdog observer that sets ``changed`` on any change under the
    run's meta dir (output files, proc/exit); None if watchdog fails (the
    poll interval still bounds the delay)."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    class _Handler(FileSystemEventHandler):
        def on_any_event(self, event):
            changed.set()

    try:
        observer = Observer()
        observer.schedule(_Handler(), str(meta_dir), recursive=True)
        observer.start()
        return observer
    except OSError:
        return None
