"""gage purge: permanently delete runs in the trash."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "purge"
HELP = "permanently delete runs in the trash"
ORDER = 47
DESCRIPTION = """\
Permanently delete runs from the trash: their files are removed and
cannot be restored. RUN specs refer to the list shown by 'gage ls -d'.
Name the runs, or use -w or -a for all deleted runs.

Examples:
  gage purge -a                      empty the trash
  gage purge -w "started before 30 days ago" -y"""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.runs_support import add_trash_selection_args

    add_trash_selection_args(parser, "purge")


def run(args, env) -> int:
    from gage_core.store.trash import check_not_running, purge_runs
    from gage_tui.cli.runs_support import count_runs, go_ahead, select_from_args

    project, _store, runs = select_from_args(env, args, deleted=args.archive is None, archive=args.archive)
    check_not_running(runs, "purge")
    n = count_runs(runs)
    question = f"You are about to PERMANENTLY delete {n}. This cannot be undone. Continue?"
    if not go_ahead(env, args, runs, question, project=project, default=False, declined="Nothing purged"):
        return 1
    purge_runs(runs)
    env.out.line(f"Purged {n}")
    return 0
