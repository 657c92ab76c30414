"""gage open: open a run's directory (or a file in it) with a program."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "open"
HELP = "open a run's directory or a file in it (file manager, editor, -c PROG)"
ORDER = 26
DESCRIPTION = """\
Open the run directory of RUN (default: the latest) with the desktop's
default program (xdg-open, or open on macOS), or a file inside it with
-p PATH. -c PROG opens it with PROG instead: PROG is split like a shell
command and the path is added as its last argument; gage waits for it
and exits with its exit code.

Examples:
  gage open                         the latest run's directory
  gage open 2 -p summary.json -c less"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", nargs="?", metavar="RUN", help="run to open (default: latest)")
    parser.add_argument("-p", "--path", metavar="PATH", help="a file or directory inside the run directory")
    parser.add_argument("-c", "--cmd", metavar="PROG", help="program to open it with")
    parser.add_argument("-w", "--where", metavar="EXPR", help="select among runs matching a filter")
    parser.add_argument("--all-projects", action="store_true", help="select among runs of all projects")


def run(args, env) -> int:
    import shlex
    import subprocess

    from gage_core.errors import GageError
    from gage_tui.cli.runs_support import project_runs, select_one_run

    _project, _store, runs = project_runs(env, all_projects=args.all_projects, where=args.where)
    if not runs and args.run and not args.all_projects and not args.where:
        _project, _store, runs = project_runs(env, all_projects=True)
    target = select_one_run(runs, args.run)
    path = _inside_run(target, args.path)
    if args.cmd:
        try:
            argv = shlex.split(args.cmd)
        except ValueError as e:
            raise GageError(f"-c {args.cmd!r}: {e}") from None
        if not argv:
            raise GageError("-c needs a program")
    else:
        argv = [_default_opener()]
    try:
        return subprocess.run([*argv, path], check=False).returncode
    except FileNotFoundError:
        raise GageError(f"cannot run '{argv[0]}': no such program", hint="name one with -c PROG") from None
    except OSError as e:
        raise GageError(f"cannot run '{argv[0]}': {e.strerror or e}") from None


def _inside_run(target, relpath: str | None) -> str:
    """The run dir, or ``relpath`` in it; a path leaving the run is refused."""
    import os

    from gage_core.errors import GageError

    base = os.path.realpath(target.run_dir)
    if not os.path.isdir(base):
        raise GageError(f"run {target.name} has no run directory (it was never staged)")
    if not relpath:
        return base
    path = os.path.realpath(os.path.join(base, relpath))
    if path != base and not path.startswith(base + os.sep):
        raise GageError(f"{relpath}: not inside the run directory")
    if not os.path.exists(path):
        raise GageError(f"{relpath}: no such file in run {target.name}")
    return path


def _default_opener() -> str:
    import shutil
    import sys

    from gage_core.errors import GageError

    name = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(name) is None:
        raise GageError(f"no '{name}' on this system to open files with", hint="name a program with -c PROG")
    return name
