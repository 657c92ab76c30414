"""gage associate: re-associate runs with this project after it moved."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "associate"
HELP = "re-associate runs with the current project (after it moved)"
ORDER = 48
DESCRIPTION = """\
Every run records the project it came from: its directory and the
Gagefile's $project-id. When a project directory moves, its runs (in a
runs directory outside the project) still point at the old place.
'gage associate' points every run carrying this project's $project-id
at the current project directory. Name runs to limit it to those;
--force associates named runs even when their project id differs.

Examples:
  gage associate                     all runs of this project id
  gage associate 1 2 --force         these runs, whatever their project"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_specs", nargs="*", metavar="RUN", help="runs to associate (default: all matching)")
    parser.add_argument("-w", "--where", metavar="EXPR", help="only runs matching a filter")
    parser.add_argument("--force", action="store_true", help="associate named runs whatever their project id")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args, env) -> int:
    from gage_core.errors import GageError
    from gage_core.store.associate import associate_candidates, associate_runs, same_dir
    from gage_tui.cli.runs_support import count_runs, go_ahead, project_runs, select_runs

    project, _store, runs = project_runs(env, all_projects=True, where=args.where)
    if project.dir is None:
        raise GageError("not in a project", hint="run 'gage associate' in the project directory (or use -C)")
    gf = project.gagefile
    project_id = getattr(gf, "project_id", None) if gf is not None else None
    if args.run_specs:
        chosen = select_runs(runs, args.run_specs)
    else:
        if not project_id:
            raise GageError(
                "this project has no $project-id",
                hint='add "$project-id" = "<a UUID>" to the Gagefile; new runs record it',
            )
        chosen = associate_candidates(runs, project.dir, project_id)
    todo = [r for r in chosen if not same_dir(r.project_dir, project.dir)]
    if not todo:
        env.out.line(f"Nothing to do: runs already point at {project.dir}")
        return 0
    question = f"You are about to associate {count_runs(todo)} with {project.dir}. Continue?"
    if not go_ahead(env, args, todo, question, project=project):
        return 1
    changed = associate_runs(todo, project.dir, project_id, force=args.force)
    env.out.line(f"Associated {count_runs(changed)} with {project.dir}")
    return 0
