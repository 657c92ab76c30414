"""gage label: set or clear run labels."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "label"
HELP = "set or clear the label of runs"
ORDER = 40
DESCRIPTION = """\
Set (-s) or clear (-c) the label of runs. Without RUN, -w or -a the
latest run is labelled. Labels live in the run's attribute log and can
change at any time, also after the run finished.

Examples:
  gage label -s "baseline"              label the latest run
  gage label 2 3 -s "lr sweep"          label runs 2 and 3 of 'gage ls'
  gage label -w "op = train" -c -y      clear the label of every train run"""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.runs_support import add_selection_args

    add_selection_args(parser, what="runs to label")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("-s", "--set", metavar="TEXT", dest="label", help="set the label to TEXT")
    group.add_argument("-c", "--clear", action="store_true", help="remove the label")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args, env) -> int:
    from gage_core.store import annotate
    from gage_tui.cli.runs_support import count_runs, go_ahead, select_from_args

    project, _store, runs = select_from_args(env, args, default_latest=True)
    if args.label is not None and not args.label.strip():
        raise annotate.AnnotationError("label is empty", hint="use -c to remove a label")
    verb = "clear the label of" if args.clear else "label"
    question = f"You are about to {verb} {count_runs(runs)}. Continue?"
    if not go_ahead(env, args, runs, question, project=project, only_many=True):
        return 1
    for r in runs:
        if args.clear:
            annotate.clear_label(r)
        else:
            annotate.set_label(r, args.label)
    env.out.line(f"{'Cleared label of' if args.clear else 'Set label for'} {count_runs(runs)}")
    return 0
