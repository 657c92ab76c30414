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
        help="show schema keyword locations and JSON pointers; twice: raw jschon output",
    )


def run(args, env) -> int:
    from gage_core.gagefile.check import check_path
    from gage_tui.cli.commands.check.runs import runs_for_check
    from gage_tui.cli.diagnostics_view import render_diagnostics

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


def _check_runs(args, env, runs) -> int:
    from gage_core.store.integrity import check_run
    from gage_core.errors import GageError
    from gage_tui.cli.commands.check.runs import render_run_checks

    if args.format == "github":
        raise GageError("--format github is for Gagefiles", hint="use full, concise or json for runs")
    return render_run_checks(env, [check_run(r) for r in runs], args.format)
