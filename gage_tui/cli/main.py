"""Entry point of the ``gage`` command.

Startup must stay fast: this module and every command module import only
the standard library at module level; each command imports what it needs
inside ``run``. Command modules are found in ``gage_tui.cli.commands``;
each defines ``NAME``, ``HELP``, optional ``ALIASES`` and ``ORDER``,
``configure(parser)`` and ``run(args, env) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

__all__ = ["main", "build_parser"]

_DESCRIPTION = """\
Define, run, tail and browse ML experiment runs.

Operations live in a Gagefile (gage.toml, gage.json or gage.yaml) in the
project directory. Run 'gage help gagefile' to learn the format and
'gage ui' for the interactive workbench."""


def _command_modules():
    import gage_tui.cli.commands as pkg

    mods = [
        importlib.import_module(f"{pkg.__name__}.{info.name}")
        for info in pkgutil.iter_modules(pkg.__path__)
        if not info.name.startswith("_")
    ]
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 50), m.NAME))


def build_parser() -> argparse.ArgumentParser:
    from gage_core import __version__

    parser = argparse.ArgumentParser(
        prog="gage",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gage {__version__}")
    parser.add_argument("-C", dest="cwd", metavar="PATH", help="act as if started in PATH")
    parser.add_argument(
        "-H", dest="home", metavar="PATH", help="Gage home (runs in PATH/runs); env GAGE_HOME"
    )
    parser.add_argument("--runs", metavar="PATH", help="runs directory; env GAGE_RUNS")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more detail (repeat for more)"
    )
    parser.add_argument(
        "--plain", action="store_true", help="plain output: no colour, no box drawing"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for mod in _command_modules():
        cmd = sub.add_parser(
            mod.NAME,
            aliases=list(getattr(mod, "ALIASES", ())),
            help=mod.HELP,
            description=getattr(mod, "DESCRIPTION", mod.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        mod.configure(cmd)
        # Also accepted after the command (`gage ls --plain`).
        cmd.add_argument("--plain", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        cmd.set_defaults(_module=mod)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from gage_core.errors import GageError
    from gage_tui.cli.env import CliEnv

    try:
        env = CliEnv.from_args(args)
        return int(args._module.run(args, env) or 0)
    except GageError as e:
        from gage_tui.cli.output import print_error

        print_error(e, plain=getattr(args, "plain", False))
        return e.exit_code
    except KeyboardInterrupt:
        print("gage: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error for the user.
        return 0


if __name__ == "__main__":
    sys.exit(main())
