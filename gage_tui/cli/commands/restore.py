"""gage restore: bring deleted runs back from the trash."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "restore"
HELP = "restore deleted runs from the trash"
ORDER = 46
DESCRIPTION = """\
Restore runs from the trash. RUN specs refer to the list shown by
'gage ls -d'. Name the runs, or use -w or -a for all deleted runs.

Examples:
  gage restore 1                     the most recent deleted run
  gage restore -a -y                 everything in the trash"""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.runs_support import add_trash_selection_args

    add_trash_selection_args(parser, "restore")


def run(args, env) -> int:
    from gage_core.store.trash import restore_runs
    from gage_tui.cli.runs_support import count_runs, go_ahead, select_from_args

    project, _store, runs = select_from_args(env, args, deleted=args.archive is None, archive=args.archive)
    n = count_runs(runs)
    question = f"You are about to restore {n}. Continue?"
    if not go_ahead(env, args, runs, question, project=project, declined="Nothing restored"):
        return 1
    restore_runs(runs)
    env.out.line(f"Restored {n}")
    return 0
