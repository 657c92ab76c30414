"""gage check [PATH | RUN]: validate a Gagefile (every problem at its
line:col) or a run's record (gage_tui/cli/check_runs.py)."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "check"
HELP = "check a Gagefile (problems with line:column) or a run"
ORDER = 60
DESCRIPTION = """\
Check a Gagefile (gage.toml, gage.json or gage.yaml) against the Gagefile
schema and show each problem once, at its line and column.

PATH is a Gagefile or a project directory (default: the current project).
Exit status: 0 when there are no errors (warnings allowed), 1 otherwise.

RUN (index from 'gage ls', slice, id or name prefix, or a run directory)
checks a run instead: a staged run's files against its manifest and its
dependencies; a finished run's meta (opref, timestamps, proc/exit,
summary.json), that no stale lock is left, that its files are read-only
and match the manifest (files the run itself modified are noted, not
reported as tampering). An existing file or directory is taken as a PATH.

Formats: full (default; an excerpt with carets and hints), concise (one
line per problem: FILE:LINE:COL: error[code]: message), json, github
(GitHub Actions annotations; Gagefiles only)."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="?", metavar="PATH|RUN", help="Gagefile, project directory or run"
    )
    parser.add_argument(
        "--format",
        choices=("full", "concise", "json", "github"),
        default="full",
        help="output format (default: full)",
    )
    parser.add_argument(
        "-v", "--verbose", dest="check_verbose", action="count", default=0,
        help="show Gage's settings (version, directories, Gagefile, runs dir) and, for "
        "problems, schema keyword locations; twice: raw jschon output",
    )
    parser.add_argument("--json", dest="format", action="store_const", const="json", help="same as --format json")
    parser.add_argument("--board", action="store_true", help="PATH is a board config file: check it")
    parser.add_argument(
        "--version", dest="version_spec", metavar="SPEC",
        help="test this Gage's version against SPEC (>=0.1, ==0.1.*); exit 1 when it does not match",
    )


def run(args, env) -> int:
    from gage_core.errors import GageError
    from gage_core.gagefile.check import check_path
    from gage_tui.cli.commands.check.runs import runs_for_check
    from gage_tui.cli.diagnostics_view import render_diagnostics

    if args.board:
        return _check_board(args, env)
    if args.version_spec is not None:
        if args.path:
            raise GageError("--version cannot be used with PATH")
        return _check_version(args.version_spec)
    if not args.path and (args.check_verbose or not _project_gagefile(env)):
        _print_settings(env, verbose=bool(args.check_verbose), as_json=args.format == "json")
        if not _project_gagefile(env):
            return 0
        env.out.line("")
    runs = runs_for_check(args.path, env)
    if runs is not None:
        return _check_runs(args, env, runs)

    result = check_path(args.path, env.settings)
    verbose = args.check_verbose + env.verbose
    if args.format == "json":
        render_diagnostics(env.out, result.diagnostics, result.text, "json", verbose, result.shown)
        return 0 if result.valid else 1
    if result.diagnostics:
        render_diagnostics(
            env.out, result.diagnostics, result.text, args.format, verbose,
            result.shown if args.format == "full" else None,
        )
    if verbose >= 2 and args.format == "full" and result.diagnostics:
        import json

        from gage_core.gagefile.check import raw_schema_output

        raw = raw_schema_output(result)
        if raw is not None:
            env.out.line("jschon basic output:")
            env.out.line(json.dumps(raw, indent=2))
    if result.valid and args.format in ("full", "concise"):
        env.out.line(f"{result.shown} is a valid Gage file", style="green")
    return 0 if result.valid else 1


def _check_board(args, env) -> int:
    import os

    from gage_core.compare.board import find_board_config, load_board_config
    from gage_core.errors import GageError

    path = args.path and os.path.join(str(env.settings.cwd), args.path)
    if path and os.path.isdir(path):
        path = find_board_config(path)
    elif not path:
        path = find_board_config(env.settings.cwd)
    if path is None:
        raise GageError("no board config found", hint="name one: gage check --board board.json")
    shown = args.path if args.path and not os.path.isdir(os.path.join(str(env.settings.cwd), args.path)) else os.path.relpath(path, env.settings.cwd)
    load_board_config(path, shown=shown)
    env.out.line(f"{shown} is a valid board configuration file", style="green")
    return 0


def _check_version(spec: str) -> int:
    from gage_core import __version__
    from gage_core.errors import GageError
    from gage_core.query.version_spec import version_matches

    if not version_matches(__version__, spec):
        raise GageError(f"Version mismatch: current version '{__version__}' does not match '{spec}'")
    return 0


def _project_gagefile(env):
    from gage_tui.cli.runs_support import open_store

    project, _store = open_store(env)
    return project.gagefile


def _settings(env, verbose: bool) -> list[tuple[str, str]]:
    import os
    import platform
    import sys

    import gage_core
    from gage_core import __version__
    from gage_tui.cli.runs_support import open_store

    rows = [
        ("gage_version", __version__),
        ("gage_install_location", os.path.dirname(os.path.dirname(gage_core.__file__))),
        ("python_version", sys.version.replace("\n", " ")),
        ("python_exe", sys.executable),
        ("platform", platform.platform()),
    ]
    if verbose:
        project, _store = open_store(env)
        gagefile = project.gagefile
        rows += [
            ("command_directory", str(env.settings.cwd)),
            ("project_directory", str(project.dir) if project.dir is not None else ""),
            ("gagefile", str(gagefile.path) if gagefile is not None else ""),
            ("runs_directory", str(project.runs_dir)),
        ]
    return rows


def _print_settings(env, verbose: bool, as_json: bool) -> None:
    """Gage 0.1.2's ``gage check`` table: version and install, with -v the
    directories this command would use."""
    rows = _settings(env, verbose)
    if as_json:
        import json

        env.out.file.write(json.dumps(dict(rows), indent=2) + "\n")
        return
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        env.out.line(f"{key:<{width}}  {value}")


def _check_runs(args, env, runs) -> int:
    from gage_core.errors import GageError
    from gage_core.store.integrity import check_run
    from gage_tui.cli.commands.check.runs import render_run_checks

    if args.format == "github":
        raise GageError("--format github is for Gagefiles", hint="use full, concise or json for runs")
    return render_run_checks(env, [check_run(r) for r in runs], args.format)
