"""gage ui: the interactive workbench."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "ui"
HELP = "open the interactive workbench (runs, output, operations, problems)"
ORDER = 1
DESCRIPTION = """\
Open the Gage workbench in this terminal: browse and filter runs, open one,
tail its output live, preview operations, see Gagefile problems at their
line and column, and launch runs. Press ? inside for the keys.

Closing the workbench never stops a run."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--screen",
        choices=("runs", "operations", "problems"),
        default="runs",
        help="screen to start on (default: runs)",
    )


def run(args, env) -> int:
    from gage_tui.app.app import GageApp

    app = GageApp(env.settings, start_screen=args.screen)
    app.run()
    return int(app.return_code or 0)
