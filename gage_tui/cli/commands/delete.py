"""gage delete: move runs to the trash (or delete them for good)."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ALIASES", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "delete"
ALIASES = ("rm", "del")
HELP = "delete runs (to the trash; --permanent for good)"
ORDER = 45
DESCRIPTION = """\
Move runs to the trash: they leave 'gage ls' and show in 'gage ls -d';
'gage restore' brings them back and 'gage purge' empties the trash.
--permanent deletes at once and cannot be undone. Running runs are not
deleted: stop them first. Name the runs, or use -w (all runs matching)
or -a (all runs).

Examples:
  gage delete 1                      the latest run
  gage delete -w "status = error"    every failed run
  gage rm 2:5 -y                     runs 2 to 5, without asking"""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.runs_support import add_selection_args

    add_selection_args(parser, what="runs to delete")
    parser.add_argument("-p", "--permanent", action="store_true", help="delete for good (no trash)")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args, env) -> int:
    from gage_core.store.trash import check_not_running, delete_runs
    from gage_tui.cli.runs_support import count_runs, go_ahead, select_from_args

    project, _store, runs = select_from_args(env, args)
    check_not_running(runs, "delete")
    n = count_runs(runs)
    if args.permanent:
        question = f"You are about to PERMANENTLY delete {n}. This cannot be undone. Continue?"
    else:
        question = f"You are about to delete {n}. Continue?"
    if not go_ahead(
        env, args, runs, question, project=project, default=not args.permanent, declined="Nothing deleted"
    ):
        return 1
    delete_runs(runs, permanent=args.permanent)
    if args.permanent:
        env.out.line(f"Permanently deleted {n}")
    else:
        env.out.line(f"Deleted {n} (restore with 'gage restore', see 'gage ls -d')")
    return 0
