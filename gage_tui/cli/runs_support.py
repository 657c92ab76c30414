"""Helpers shared by the run commands: open the store of the current
project and pick the runs a command acts on."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gage_core.project import Project
    from gage_core.store.run import Run
    from gage_core.store.store import RunStore

__all__ = [
    "open_store",
    "project_runs",
    "newest_project_runs",
    "select_one_run",
    "select_runs",
    "add_selection_args",
    "add_trash_selection_args",
    "select_for_command",
    "select_from_args",
    "confirm",
    "go_ahead",
    "count_runs",
    "confirm_launch",
    "print_run_list",
]


def open_store(env) -> tuple[Project, RunStore]:
    """The current project (from ``env.settings``) and its run store."""
    from gage_core.project import open_project
    from gage_core.store.store import RunStore

    project = env._cache.get("project")
    if project is None:
        project = env._cache["project"] = open_project(env.settings)
    return project, RunStore(project.runs_dir)


def newest_project_runs(
    env, limit: int | None, *, all_projects: bool = False, deleted: bool = False,
    where: str | None = None, sort: list[str] | None = None, first_page=None,
):
    """``(project, store, page)``: the newest ``limit`` runs a command sees
    (as ``project_runs``) matching the filter text ``where``, or the first
    ``limit`` of them sorted by ``sort``, and how many match, read from
    the run index without loading every run. When the index is being
    built, ``first_page(runs)`` gets the page as soon as it is certain."""
    import sys

    from gage_core.project import project_ref_matcher
    from gage_core.query.filter import parse_filter
    from gage_tui.cli.progress import copy_progress_for

    run_filter = parse_filter(where) if where else None  # a mistake is told before any work
    project, store = open_store(env)
    _check_given_runs_dir(env, project)
    # Shown only when the index is being built (the first listing of a big
    # store) and that takes a while.
    shown = copy_progress_for(sys.stderr, what="Indexing runs", unit="runs")
    try:
        page = store.newest_runs(
            limit,
            containers=("trash",) if deleted else ("active",),
            project=None if all_projects else project_ref_matcher(project),
            where=run_filter,
            sort=sort,
            progress=(lambda done, total, _so_far: shown(done, total)) if shown is not None else None,
            first_page=None if first_page is None else _clearing(shown, first_page),
        )
    finally:
        if shown is not None:
            shown.close()
    return project, store, page


def _clearing(shown, first_page):
    """``first_page`` that first wipes the progress line it would print over."""

    def told(runs) -> None:
        if shown is not None:
            shown.clear()
        first_page(runs)

    return told


def project_runs(
    env, *, all_projects: bool = False, deleted: bool = False, where: str | None = None,
    archive: str | None = None,
) -> tuple[Project, RunStore, list[Run]]:
    """Runs a command sees, newest first: the current project's (or all),
    active (or only deleted ones, or those in the archive named
    ``archive``), filtered by ``where``."""
    project, store = open_store(env)
    _check_given_runs_dir(env, project)
    runs = store.list_runs(include_deleted=deleted or archive is not None)
    if archive is not None:
        from gage_core.store.archives import archive_for_name

        archive_id = archive_for_name(project.runs_dir, archive).id
        runs = [r for r in runs if r.container == archive_id]
    elif deleted:
        runs = [r for r in runs if r.container == "trash"]
    if not all_projects:
        from gage_core.project import project_matcher

        match = project_matcher(project)
        runs = [r for r in runs if match(r)]
    if where:
        runs = _filter(runs, where)
    return project, store, runs


def _check_given_runs_dir(env, project) -> None:
    """A runs directory the user named (``--runs``, ``GAGE_RUNS``) that does
    not exist is most likely a typo: say so rather than list no runs."""
    from gage_core.errors import GageError

    given = env.settings.runs_dir
    if given is not None and not os.path.isdir(given):
        raise GageError(
            f"runs directory {given} does not exist",
            hint="check --runs / GAGE_RUNS / RUNS_DIR ('gage run' creates it)",
        )


def _filter(runs: list[Run], where: str) -> list[Run]:
    from gage_core.query.filter import parse_filter

    return parse_filter(where).filter(runs)  # one clock for all runs


def select_runs(runs: Sequence[Run], specs: Iterable[str]) -> list[Run]:
    """Runs matching any of ``specs`` (index, slice, id or name prefix)."""
    from gage_core.query.select import select_runs as _select

    specs = list(specs)
    return list(_select(runs, specs)) if specs else list(runs)


def select_one_run(runs: Sequence[Run], spec: str | None) -> Run:
    """The one run ``spec`` names (default: the latest)."""
    from gage_core.query.select import select_one

    return select_one(runs, spec)


def add_selection_args(parser, *, what: str = "runs", where: bool = True, all_: bool = True) -> None:
    """The RUN specs (``args.run_specs``; not ``runs``, which is the global
    ``--runs``), ``-w/--where``, ``-a/--all`` (``args.all_runs``) and
    ``--all-projects`` arguments shared by the commands that act on runs."""
    parser.add_argument(
        "run_specs", nargs="*", metavar="RUN",
        help=f"{what}: index from 'gage ls' (1 = latest), slice (2:4), id or name prefix",
    )
    if where:
        parser.add_argument("-w", "--where", metavar="EXPR", help="runs matching a filter (see 'gage help filters')")
    if all_:
        parser.add_argument("-a", "--all", action="store_true", dest="all_runs", help="all runs")
    parser.add_argument("--all-projects", action="store_true", help="select among runs of all projects")


def add_trash_selection_args(parser, verb: str) -> None:
    """The arguments of the commands that act on deleted runs (``restore``,
    ``purge``): the selection among the trash, ``-A`` for an archive
    instead, and ``-y``."""
    add_selection_args(parser, what=f"deleted runs to {verb} (see 'gage ls -d')")
    parser.add_argument(
        "-A", "--archive", metavar="NAME",
        help=f"{verb} runs in this archive instead of the trash (all of them unless RUNs are named)",
    )
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def select_for_command(
    env,
    specs: Iterable[str] | None,
    where: str | None = None,
    all_: bool = False,
    *,
    deleted: bool = False,
    all_projects: bool = False,
    default_latest: bool = False,
    archive: str | None = None,
) -> tuple[Project, RunStore, list[Run]]:
    """``(project, store, runs)`` a command acts on, newest first.

    RUN specs select among the runs matching ``where``; ``where`` alone or
    ``all_`` takes every matching run; with neither, ``default_latest``
    takes the latest run and otherwise it is an error (so destructive
    commands never act on runs the user did not name). Raises
    ``RunNotFound`` for a spec or filter that selects nothing."""
    from gage_core.errors import GageError, RunNotFound
    from gage_core.query.select import select_runs as _select

    project, store, runs = project_runs(
        env, all_projects=all_projects, deleted=deleted, where=where, archive=archive
    )
    specs = [s for s in (specs or ()) if s.strip()]
    if specs:
        try:
            return project, store, _select(runs, specs)
        except RunNotFound as e:
            if not deleted:
                raise
            hint = "The trash is empty." if not runs else ""
            raise RunNotFound(e.message, hint=(hint + " Use 'gage ls -d' to show deleted runs.").strip()) from None
    if where or all_ or archive is not None:
        if not runs:
            what = f"runs in archive '{archive}'" if archive is not None else "deleted runs" if deleted else "runs"
            raise RunNotFound(
                f"No {what} match '{where}'" if where else f"No {what}",
                hint="Use 'gage ls" + (f" -A {archive}" if archive is not None else " -d" if deleted else "")
                + "' to show available runs.",
            )
        return project, store, runs
    if default_latest:
        return project, store, [select_one_run(runs, None)]
    raise GageError(
        "no runs specified",
        hint="name runs (1 = latest; see 'gage ls'), or use -w EXPR or -a/--all",
        exit_code=2,
    )


def select_from_args(env, args, **kwargs) -> tuple[Project, RunStore, list[Run]]:
    """``select_for_command`` with the arguments ``add_selection_args``
    declared (``run_specs``, ``where``, ``all_runs``, ``all_projects``)."""
    return select_for_command(
        env, args.run_specs, args.where, args.all_runs, all_projects=args.all_projects, **kwargs
    )


def count_runs(runs: Sequence[Run] | int) -> str:
    """``"1 run"``, ``"3 runs"``."""
    n = runs if isinstance(runs, int) else len(runs)
    return f"{n} run" + ("" if n == 1 else "s")


def go_ahead(
    env,
    args,
    runs: Sequence[Run],
    question: str,
    *,
    project=None,
    default: bool = True,
    declined: str = "Nothing changed",
    only_many: bool = False,
) -> bool:
    """True when a command may act on ``runs``: ``-y`` (``args.yes``) was
    given, ``only_many`` and there is at most one run, or the user agrees
    to ``question``. Otherwise prints ``declined`` and returns False."""
    if args.yes or (only_many and len(runs) <= 1):
        return True
    if confirm(env, question, default, runs=runs, project=project):
        return True
    env.out.line(declined)
    return False


def confirm(
    env, question: str, default: bool, yes: bool = False, runs: Sequence[Run] = (), project=None
) -> bool:
    """Show ``runs`` (when given) and ask ``question`` on the terminal;
    ``yes`` (``-y``) answers for the user. Without a terminal the answer
    must come from ``-y``."""
    import sys

    from gage_core.errors import GageError

    if yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        raise GageError("cannot ask for confirmation: stdin is not a terminal", hint="pass -y to confirm")
    if runs:
        print_run_list(env, runs, project)
    suffix = " (Y/n) " if default else " (y/N) "
    try:
        answer = input(question + suffix).strip().lower()
    except EOFError:
        return False
    if not answer:
        return default
    return answer in ("y", "yes")


def confirm_launch(env, action: str, heading: str, columns: Sequence[str] = (), rows=()) -> None:
    """Before ``gage run`` starts or stages: print ``heading`` and a table
    of the flags (when ``rows``), then ask to continue. Raises GageError
    (exit code 1) when the user declines, and when there is no terminal
    to ask on (hint: ``-y``)."""
    import sys

    from gage_core.errors import GageError
    from gage_tui.cli.output import Column

    if not sys.stdin or not sys.stdin.isatty():
        raise GageError(
            "cannot ask for confirmation: stdin is not a terminal",
            hint=f"pass -y to {action} without confirmation",
        )
    env.out.line(heading)
    if rows:
        env.out.table([Column(c) for c in columns], rows)
    try:
        answer = input("Continue? (Y/n) ")
    except EOFError:
        answer = "n"
    if answer.strip().lower() not in ("", "y", "yes"):
        raise GageError("cancelled", exit_code=1)


def print_run_list(env, runs: Sequence[Run], project=None) -> None:
    """A short table of runs (for confirmation prompts and results)."""
    from gage_core.project import project_namespace
    from gage_core.store.timefmt import format_ago
    from gage_tui.cli.output import Column

    namespace = project_namespace(project) if project is not None else None
    rows = [
        [r.name, r.opref.display_name(namespace) if hasattr(r.opref, "display_name") else r.op_name,
         format_ago(r.timestamp), r.status, r.label or ""]
        for r in runs
    ]
    env.out.table(
        [Column("name", style="cyan"), Column("operation", style="bold"), Column("started"),
         Column("status"), Column("label")],
        rows,
    )
