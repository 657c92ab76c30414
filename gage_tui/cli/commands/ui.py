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
    import sys

    from gage_core.errors import GageError

    # Textual needs a terminal on both ends; without one it would sit
    # waiting for keys that never come.
    if not _is_tty(sys.stdin) or not _is_tty(sys.stdout):
        raise GageError(
            "gage ui needs a terminal (stdin and stdout must be a terminal)",
            hint="run it in a terminal; for scripts use 'gage ls', 'gage show' or 'gage tail'",
        )
    from gage_tui.app.app import GageApp

    app = GageApp(env.settings, start_screen=args.screen)
    app.run()
    return int(app.return_code or 0)


def _is_tty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False
