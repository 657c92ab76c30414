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
    from gage_tui.cli.runs_support import add_selection_args

    add_selection_args(parser, what="deleted runs to purge (see 'gage ls -d')")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args, env) -> int:
    from gage_core.store.trash import check_not_running, purge_runs
    from gage_tui.cli.runs_support import confirm, select_for_command

    project, _store, runs = select_for_command(
        env, args.run_specs, args.where, args.all_runs, deleted=True, all_projects=args.all_projects
    )
    check_not_running(runs, "purge")
    n = f"{len(runs)} run" + ("" if len(runs) == 1 else "s")
    if not args.yes:
        question = f"You are about to PERMANENTLY delete {n}. This cannot be undone. Continue?"
        if not confirm(env, question, False, runs=runs, project=project):
            env.out.line("Nothing purged")
            return 1
    purge_runs(runs)
    env.out.line(f"Purged {n}")
    return 0
