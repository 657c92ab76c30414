"""gage cat: print a run's output or one of its files."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "cat"
HELP = "print a run's output or a run file"
ORDER = 23
DESCRIPTION = """\
Print the output of a run (default: the latest), every phase in order, or
with -p a file of the run. A line rewritten with carriage returns (a
progress bar) is shown as it finally read; --raw prints the bytes as the
run wrote them. --stderr/--stdout keep one stream, --timestamps prefixes
each line with its time and stream. A run that failed before or after its
output says why (on stderr)."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", nargs="?", metavar="RUN", help="run (default: latest)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--output", action="store_true", help="print the output (default)")
    what.add_argument("-p", "--path", metavar="PATH", help="print a file from the run dir")
    parser.add_argument(
        "--phase", action="append", metavar="PHASE", type=_phase,
        help="only this phase: " + ", ".join(_PHASES) + " (repeatable)",
    )
    streams = parser.add_mutually_exclusive_group()
    streams.add_argument("--stderr", action="store_true", help="only lines written to stderr")
    streams.add_argument("--stdout", action="store_true", help="only lines written to stdout")
    parser.add_argument("--timestamps", action="store_true", help="prefix lines with time and stream")
    parser.add_argument("--raw", action="store_true", help="the output bytes exactly as written")
    parser.add_argument("--all-projects", action="store_true", help="select among runs of all projects")


_PHASES = ("sourcecode", "runtime", "dependencies", "run", "finalize")
_OUTPUT_NAMES = ("10_sourcecode", "20_runtime", "30_dependencies", "40_run", "50_finalize")


def _phase(text: str) -> str:
    """A phase as its short or output name; anything else is refused."""
    if text in _PHASES or text in _OUTPUT_NAMES:
        return text
    import difflib

    close = difflib.get_close_matches(text, _PHASES, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise argparse.ArgumentTypeError(f"unknown phase '{text}'{hint}; phases: {', '.join(_PHASES)}")


def run(args, env) -> int:
    from gage_tui.cli.output_support import output_target, phase_readers, write_lines

    store, target = output_target(env, args.run, args.all_projects)
    if args.path:
        return _cat_file(env, target, args.path)
    stream = "stderr" if args.stderr else "stdout" if args.stdout else "all"
    for _name, reader in phase_readers(store, target, args.phase):
        with reader:
            reader.refresh(final=target.status != "running")
            step = 50_000
            for start in range(0, len(reader), step):
                write_lines(env, reader.read(start, start + step), stream, args.timestamps, args.raw)
    from gage_core.store.details import run_failures

    for reason in run_failures(target):
        env.out.err(f"gage: {reason}")
    return 0


def _cat_file(env, target, relpath: str) -> int:
    import os

    from gage_core.errors import GageError
    from gage_tui.cli.output_support import write_bytes

    base = os.path.realpath(target.run_dir)
    path = os.path.realpath(os.path.join(base, relpath))
    if path != base and not path.startswith(base + os.sep):
        raise GageError(f"{relpath}: not inside the run directory")
    if not os.path.isfile(path):
        raise GageError(f"{relpath}: no such file in run {target.name}")
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            write_bytes(env, chunk, flush=False)
    write_bytes(env, b"")
    return 0
