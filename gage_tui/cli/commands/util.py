"""gage util: maintenance commands (``purge-run-files``)."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "util"
HELP = "maintenance: purge-run-files (free disk space used by run files)"
ORDER = 85
DESCRIPTION = """\
Maintenance commands.

  purge-run-files   permanently delete files matching patterns from runs"""

_PURGE_DESCRIPTION = """\
Permanently delete files of runs: those whose path (relative to the run
directory) matches a -f pattern. '*' matches within one path segment,
'**/' any number of directories ('**/*.ckpt': checkpoints anywhere).

WARNING: a run whose files were purged cannot be reproduced from them,
and 'gage check RUN' reports them missing. Use it to free the space taken
by files nobody needs, typically large generated ones. Meta (what Gage
recorded) is never touched, nor are runs that are still running.

Examples:
  gage util purge-run-files -a -f '**/*.ckpt' --preview
  gage util purge-run-files 1 -f 'checkpoints/**/*' -y"""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.runs_support import add_selection_args

    sub = parser.add_subparsers(dest="util_command", metavar="COMMAND", title="commands")
    purge = sub.add_parser(
        "purge-run-files", help="permanently delete run files matching patterns",
        description=_PURGE_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_selection_args(purge, what="runs to purge files from")
    purge.add_argument(
        "-f", "--file", dest="patterns", action="append", default=[], metavar="PATTERN",
        help="file pattern (repeatable)",
    )
    purge.add_argument("--preview", action="store_true", help="show which files match, delete nothing")
    purge.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args, env) -> int:
    from gage_core.errors import GageError

    if args.util_command != "purge-run-files":
        raise GageError("name a util command", hint="commands: purge-run-files", exit_code=2)
    return _purge_run_files(args, env)


def _purge_run_files(args, env) -> int:
    from gage_core.errors import GageError
    from gage_core.store.trash import check_not_running
    from gage_tui.cli.output import Column
    from gage_tui.cli.runs_support import count_runs, go_ahead, select_from_args

    if not args.patterns:
        raise GageError("name at least one file pattern with -f/--file", exit_code=2)
    _project, _store, runs = select_from_args(env, args)
    matches = _matches(runs, args.patterns)
    if args.preview:
        env.out.table(
            [Column("run", style="cyan"), Column("path", overflow="fold"), Column("matching pattern")],
            [(run.name, rel, pattern or "<no match>") for run, rel, pattern in matches],
        )
        return 0
    doomed = [(run, rel) for run, rel, pattern in matches if pattern]
    if not doomed:
        raise GageError("no files matched the patterns", hint="use --preview to see what they match")
    check_not_running({id(r): r for r, _ in doomed}.values(), "purge files of")
    touched = list({r.id: r for r, _ in doomed}.values())
    question = (
        f"You are about to PERMANENTLY delete {len(doomed)} file{'s' if len(doomed) != 1 else ''} "
        f"from {count_runs(touched)}. This cannot be undone. Continue?"
    )
    if not go_ahead(env, args, touched, question, default=False, declined="Nothing deleted"):
        return 1
    deleted = _delete(doomed)
    env.out.line(f"Deleted {deleted} file{'s' if deleted != 1 else ''}")
    return 0


def _matches(runs, patterns: list[str]) -> list[tuple[object, str, str | None]]:
    """(run, relative path, last matching pattern or None) for every file of
    every run, in run order then path order. Symlinks are files here: the
    link is deleted, never its target."""
    import os

    from gage_core.staging.patterns import glob_to_regex

    compiled = [(p, glob_to_regex(p)) for p in patterns]
    out = []
    for run in runs:
        base = str(run.run_dir)
        if not os.path.isdir(base):
            continue
        found = []
        for root, dirs, files in os.walk(base):
            dirs.sort()
            for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                found.append(os.path.relpath(os.path.join(root, name), base).replace(os.sep, "/"))
        for rel in sorted(found):
            hit = None
            for pattern, regex in compiled:
                if regex.fullmatch(rel):
                    hit = pattern
            out.append((run, rel, hit))
    return out


def _delete(doomed) -> int:
    import os

    from gage_core.errors import GageError

    n = 0
    for run, rel in doomed:
        path = os.path.join(str(run.run_dir), rel)
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        except OSError as e:
            raise GageError(f"cannot delete {rel} of run {run.name}: {e.strerror or e}") from None
        n += 1
    return n
