"""gage archive: set runs aside in named archives; list, rename and
delete archives."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "archive"
HELP = "set runs aside in a named archive; list, rename, delete archives"
ORDER = 45
DESCRIPTION = """\
Archive runs: they leave the listing (and the trash) but keep every
file. By default the runs go to a new archive named after the date and
time; -n NAME names it (runs are added when NAME exists); -A NAME adds
them to an existing archive only.

  gage ls -A NAME          list an archive's runs
  gage restore -A NAME     bring its runs back (all, or the RUNs named)
  gage purge -A NAME       delete its runs permanently

-l lists archives, -r CURRENT NEW renames one, -d NAME deletes an empty
one and --delete-empty every empty one.

Examples:
  gage archive -a -n baseline -y     every run of the project, to 'baseline'
  gage archive -w "status = error"   the failed runs, to a new archive"""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.runs_support import add_selection_args

    add_selection_args(parser, what="runs to archive")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("-n", "--name", metavar="NAME", help="archive name (created when missing)")
    target.add_argument("-A", "--archive", metavar="NAME", help="an existing archive")
    actions = parser.add_mutually_exclusive_group()
    actions.add_argument("-l", "--list", action="store_true", help="list archives")
    actions.add_argument("-d", "--delete", metavar="NAME", help="delete an empty archive")
    actions.add_argument("--delete-empty", action="store_true", help="delete every empty archive")
    actions.add_argument("-r", "--rename", nargs=2, metavar=("CURRENT", "NEW"), help="rename an archive")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args, env) -> int:
    from gage_tui.cli.runs_support import open_store

    project, store = open_store(env)
    runs_dir = project.runs_dir
    if args.list:
        return _list(env, store, runs_dir)
    if args.rename:
        from gage_core.store.archives import rename_archive

        current, new = args.rename
        rename_archive(runs_dir, current, new)
        env.out.line(f"Renamed archive '{current}' to '{new}'")
        return 0
    if args.delete or args.delete_empty:
        return _delete(args, env, store, runs_dir)
    return _archive(args, env, runs_dir)


def _counts(store) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in store.list_runs(include_deleted=True):
        counts[r.container] = counts.get(r.container, 0) + 1
    return counts


def _list(env, store, runs_dir) -> int:
    from gage_core.store.archives import list_archives
    from gage_core.store.timefmt import format_ago
    from gage_tui.cli.output import Column

    archives = list_archives(runs_dir)
    counts = _counts(store)
    rows = [
        (a.name, str(counts.get(a.id, 0)), format_ago(a.date * 1_000_000) if a.date else "")
        for a in archives
    ]
    if not rows:
        env.out.line("No archives")
        return 0
    env.out.table([Column("name", style="cyan"), Column("runs", justify="right"), Column("last archived")], rows)
    return 0


def _delete(args, env, store, runs_dir) -> int:
    from gage_core.store.archives import archive_for_name, delete_archive, list_archives
    from gage_tui.cli.runs_support import confirm

    counts = _counts(store)
    if args.delete:
        archive = archive_for_name(runs_dir, args.delete)
        if not args.yes and not confirm(env, f"You are about to delete archive '{archive.name}'. Continue?", True):
            env.out.line("Nothing deleted")
            return 1
        delete_archive(runs_dir, archive, counts.get(archive.id, 0))
        env.out.line(f"Deleted archive '{archive.name}'")
        return 0
    empty = [a for a in list_archives(runs_dir) if not counts.get(a.id)]
    if not empty:
        env.out.line("No empty archives")
        return 0
    n = f"{len(empty)} empty archive" + ("s" if len(empty) != 1 else "")
    if not args.yes and not confirm(env, f"You are about to delete {n}. Continue?", True):
        env.out.line("Nothing deleted")
        return 1
    for archive in empty:
        delete_archive(runs_dir, archive, 0)
    env.out.line(f"Deleted {n}")
    return 0


def _archive(args, env, runs_dir) -> int:
    from gage_core.store.archives import (
        archive_for_name,
        archive_runs,
        default_archive_name,
        list_archives,
        make_archive,
    )
    from gage_tui.cli.runs_support import count_runs, go_ahead, select_from_args

    if args.archive:
        archive = archive_for_name(runs_dir, args.archive)
        name = archive.name
    else:
        name = args.name or default_archive_name()
        archive = next((a for a in list_archives(runs_dir) if a.name == name), None)
    project, _store, runs = select_from_args(env, args)
    question = f"You are about to archive {count_runs(runs)} to '{name}'. Continue?"
    if not go_ahead(env, args, runs, question, project=project, declined="Nothing archived"):
        return 1
    if archive is None:
        archive = make_archive(runs_dir, name)
    archive_runs(runs, archive)
    env.out.line(f"Archived {count_runs(runs)} to {name}")
    env.out.line("")
    env.out.line(f"Use 'gage restore --archive {name}' to restore from this archive.")
    return 0
