"""gage tag: add, remove, clear or list run tags."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "tag"
HELP = "add, remove, clear or list run tags"
ORDER = 41
DESCRIPTION = """\
Tags are short words (no spaces or commas) kept in the run's attribute
log; filter on them with -w "tag = NAME". Without RUN, -w or -a the
latest run is used. Without -t, -r or -c the tags are listed.

Examples:
  gage tag -t baseline                  tag the latest run
  gage tag 1 2 -t keep -t paper         two tags on runs 1 and 2
  gage tag -w "status = error" -r keep  remove a tag from failed runs
  gage tag 3 -c                         clear all tags of run 3
  gage tag -a                           list the tags of all runs"""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.runs_support import add_selection_args

    add_selection_args(parser, what="runs to tag")
    parser.add_argument("-t", "--add", action="append", default=[], metavar="TAG",
                        help="add TAG (repeat, or separate with commas)")
    parser.add_argument("-r", "--remove", action="append", default=[], metavar="TAG",
                        help="remove TAG (repeat, or separate with commas)")
    parser.add_argument("-c", "--clear", action="store_true", help="remove all tags (before any -t)")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def _split(values: list[str]) -> list[str]:
    return [t for v in values for t in v.split(",") if t.strip()]


def run(args, env) -> int:
    from gage_core.store import annotate
    from gage_tui.cli.runs_support import go_ahead, select_from_args

    add, remove = _split(args.add), _split(args.remove)
    for tag in add:
        annotate.validate_tag(tag)
    project, _store, runs = select_from_args(env, args, default_latest=True)
    if not (add or remove or args.clear):
        for r in runs:
            env.out.line(f"{r.name}  {' '.join(r.tags)}".rstrip())
        return 0
    question = f"You are about to change the tags of {len(runs)} runs. Continue?"
    if not go_ahead(env, args, runs, question, project=project, only_many=True):
        return 1
    for r in runs:
        if args.clear:
            annotate.clear_tags(r)
        if remove:
            annotate.remove_tags(r, remove)
        if add:
            annotate.add_tags(r, add)
    for r in runs:
        env.out.line(f"{r.name}  {' '.join(annotate.get_tags(r))}".rstrip())
    return 0
