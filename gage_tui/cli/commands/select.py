"""gage select: print a run's id (or name, directories, label) for scripts."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "select"
HELP = "print the id (or name, dirs, label) of runs, for scripts"
ORDER = 25
DESCRIPTION = """\
Print one line per RUN: its id, or with an option its name, run
directory, meta directory, project directory or label. RUN is an index
from 'gage ls' (1 = latest, the default), an id or name prefix; each RUN
must name exactly one run.

Examples:
  cd $(gage select --run-dir)        go to the latest run's files
  gage select 1 2 --name             names of the two latest runs"""

_WHAT = (
    ("--name", "name", "the run name"),
    ("--run-dir", "run_dir", "the run directory"),
    ("--meta-dir", "meta_dir", "the meta directory (or .meta.zip)"),
    ("--project-dir", "project_dir", "the project directory"),
    ("--label", "label", "the run label"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_specs", nargs="*", metavar="RUN", help="runs to select (default: latest)")
    what = parser.add_mutually_exclusive_group()
    for option, dest, text in _WHAT:
        what.add_argument(option, dest=f"show_{dest}", action="store_true", help=f"print {text}")
    parser.add_argument("--all-projects", action="store_true", help="select among runs of all projects")


def run(args, env) -> int:
    from gage_tui.cli.runs_support import project_runs, select_one_run

    _project, _store, runs = project_runs(env, all_projects=args.all_projects)
    if not runs and args.run_specs and not args.all_projects:
        _project, _store, runs = project_runs(env, all_projects=True)
    for spec in args.run_specs or [None]:
        env.out.line(_value(select_one_run(runs, spec), args))
    return 0


def _value(run, args) -> str:
    if args.show_name:
        return run.name
    if args.show_run_dir:
        return str(run.run_dir)
    if args.show_meta_dir:
        return str(run.meta_dir)
    if args.show_project_dir:
        return run.project_dir or ""
    if args.show_label:
        return run.label or ""
    return run.id
