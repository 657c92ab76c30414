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
from collections.abc import Sequence

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


class _CommandParser(argparse.ArgumentParser):
    """A command's parser. A command module with ``INTERMIXED = True`` gets
    positionals and options in any order (``gage run train -y epochs=3``):
    argparse otherwise ends ``nargs="*"`` positionals at the first option."""

    intermixed = False
    _mixing = False

    def parse_known_args(self, args=None, namespace=None):
        if self._mixing:
            return super().parse_known_args(args, namespace)
        if not self.intermixed:
            ns, extras = super().parse_known_args(args, namespace)
        else:
            self._mixing = True
            try:
                ns, extras = self.parse_known_intermixed_args(args, namespace)
            finally:
                self._mixing = False
        if extras:
            # Said here, the error comes with this command's usage rather
            # than the top-level one.
            self.error("unrecognized arguments: " + " ".join(extras))
        return ns, extras


class _MainParser(argparse.ArgumentParser):
    """Top-level parser: a mistyped command gets a suggestion."""

    def error(self, message):
        import difflib
        import re

        m = re.match(r"argument COMMAND: invalid choice: '(.*?)' \(choose from (.*)\)", message)
        if m:
            names = re.findall(r"'([^']+)'", m.group(2))
            close = difflib.get_close_matches(m.group(1), names, n=1, cutoff=0.5)
            lines = [f"gage: unknown command '{m.group(1)}'"]
            if close:
                lines.append(f"did you mean '{close[0]}'?")
            lines.append("Run 'gage --help' for the list of commands.")
            self.exit(2, "\n".join(lines) + "\n")
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    from gage_core import __version__

    parser = _MainParser(
        prog="gage",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gage {__version__}")
    parser.add_argument("-C", dest="cwd", metavar="PATH", help="act as if started in PATH")
    parser.add_argument(
        "-H", dest="home", metavar="PATH", help="Gage home (runs in PATH/runs); env GAGE_HOME"
    )
    # dest runs_dir: commands use "runs" for their RUN arguments.
    parser.add_argument(
        "--runs", dest="runs_dir", metavar="PATH", help="runs directory; env GAGE_RUNS"
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more detail (repeat for more)"
    )
    parser.add_argument(
        "--plain", action="store_true", help="plain output: no colour, no box drawing"
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", parser_class=_CommandParser
    )
    for mod in _command_modules():
        cmd = sub.add_parser(
            mod.NAME,
            aliases=list(getattr(mod, "ALIASES", ())),
            help=mod.HELP,
            description=getattr(mod, "DESCRIPTION", mod.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        cmd.intermixed = bool(getattr(mod, "INTERMIXED", False))
        mod.configure(cmd)
        # Also accepted after the command (`gage ls --plain`).
        cmd.add_argument("--plain", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        cmd.set_defaults(_module=mod)
    return parser


_SORT_COMMANDS = ("ls", "list", "runs")


def _glue_sort_keys(argv: list[str]) -> list[str]:
    """``gage ls -s -metric.loss``: argparse takes ``-metric.loss`` for an
    option; glue a descending sort key to its ``-s``/``--sort``."""
    if not any(a in _SORT_COMMANDS for a in argv):
        return argv
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if a in ("-s", "--sort") and len(nxt) > 1 and nxt[0] == "-" and nxt[1] not in "-0123456789":
            out.append(f"{a}{'=' if a == '--sort' else ''}{nxt}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def _tolerate_unencodable_output() -> None:
    """Text read from users' files may hold what the terminal's encoding
    cannot write (lone surrogates from undecodable bytes or JSON escapes):
    show it escaped rather than fail in the middle of a table."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass  # a closed or special stream: left as it is


def main(argv: Sequence[str] | None = None) -> int:
    _tolerate_unencodable_output()
    parser = build_parser()
    args = parser.parse_args(_glue_sort_keys(list(sys.argv[1:] if argv is None else argv)))
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
