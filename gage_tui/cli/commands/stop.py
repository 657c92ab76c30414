"""gage stop: stop running runs."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "stop"
HELP = "stop running runs"
ORDER = 25
DESCRIPTION = """\
Stop runs (default: the latest running run). Each run's process group gets
SIGTERM, then SIGKILL after the grace period; the exit is recorded as
negative (status 'terminated'). A remote run's job is stopped on its
cluster, detached runs included."""


# A detached run's job still runs on its cluster.
_STOPPABLE = ("running", "detached")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="*", metavar="RUN", help="runs to stop (default: latest running)")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "-g", "--grace", type=float, default=10.0, metavar="SECONDS",
        help="seconds between SIGTERM and SIGKILL (default 10)",
    )
    parser.add_argument("--all-projects", action="store_true", help="select among runs of all projects")


def run(args, env) -> int:
    import sys

    from gage_core.errors import GageError, RunNotFound
    from gage_core.process.stop import stop_run
    from gage_tui.cli.runs_support import project_runs, select_runs

    _project, store, runs = project_runs(env, all_projects=args.all_projects)
    if args.runs:
        if not runs and not args.all_projects:
            _project, store, runs = project_runs(env, all_projects=True)
        targets = [store.refresh(r) for r in select_runs(runs, args.runs)]
        running = [r for r in targets if r.status in _STOPPABLE]
        for r in targets:
            if r.status not in _STOPPABLE:
                env.out.err(f"gage: run {r.name} is {r.status}; nothing to stop")
    else:
        running = [r for r in (store.refresh(r) for r in runs) if r.status == "running"][:1]
        if not running:
            raise RunNotFound("no running run to stop")
    if not running:
        return 1
    if not args.yes:
        if not sys.stdin or not sys.stdin.isatty():
            raise GageError(
                "cannot ask for confirmation: stdin is not a terminal",
                hint="pass -y to stop without confirmation",
            )
        names = ", ".join(r.name for r in running)
        answer = input(f"You are about to stop {len(running)} run(s): {names}\nContinue? (Y/n) ")
        if answer.strip().lower() not in ("", "y", "yes"):
            raise GageError("cancelled")
    failed = 0
    for r in running:
        try:
            code = stop_run(r, grace=args.grace)
        except GageError as e:
            env.out.err(f"gage: {r.name}: {e.message}")
            failed += 1
            continue
        env.out.line(f"Stopped run {r.name} (exit {code})")
    return 1 if failed else 0
