"""gage associate: re-associate runs with this project after it moved."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "associate"
HELP = "associate runs with a project (after it moved), or remove the association"
ORDER = 48
DESCRIPTION = """\
Every run records the project it came from: its directory and the
Gagefile's $project-id. When a project directory moves, its runs (in a
runs directory outside the project) still point at the old place.

'gage associate' points every run carrying this project's $project-id
at the current project directory. Name runs to limit it to those;
--force associates named runs even when their project id differs.

'gage associate RUN PROJECT' (as in Gage 0.1.2) associates the named
run with the PROJECT directory, whatever its project id; '--remove'
removes a run's association.

Examples:
  gage associate                     all runs of this project id
  gage associate 1 2 --force         these runs, whatever their project
  gage associate 1 ../my-project     run 1 with that project directory
  gage associate 1 --remove          run 1 with no project"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "run_specs", nargs="*", metavar="RUN [PROJECT]",
        help="runs to associate (default: all matching); a last argument that is a "
        "directory is the PROJECT to associate them with",
    )
    parser.add_argument("-w", "--where", metavar="EXPR", help="only runs matching a filter")
    parser.add_argument("--force", action="store_true", help="associate named runs whatever their project id")
    parser.add_argument("-r", "--remove", action="store_true", help="remove the runs' project association")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args, env) -> int:
    from gage_core.errors import GageError
    from gage_core.store.associate import associate_candidates, associate_runs, same_dir
    from gage_tui.cli.runs_support import count_runs, go_ahead, project_runs, select_runs

    project, _store, runs = project_runs(env, all_projects=True, where=args.where)
    specs, target = _split_project(args.run_specs, env)
    if args.remove or target is not None:
        return _explicit(args, env, runs, specs, target)
    if project.dir is None:
        raise GageError("not in a project", hint="run 'gage associate' in the project directory (or use -C)")
    gf = project.gagefile
    project_id = getattr(gf, "project_id", None) if gf is not None else None
    if specs:
        chosen = select_runs(runs, specs)
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


def _split_project(values: list[str], env):
    """(run specs, PROJECT dir or None): with two or more arguments, a last
    one that names a directory is the project."""
    import os

    if len(values) < 2:
        return values, None
    path = os.path.join(str(env.settings.cwd), os.path.expanduser(values[-1]))
    if os.path.isdir(path):
        return values[:-1], os.path.realpath(path)
    if "/" in values[-1] or values[-1].startswith((".", "~")):
        from gage_core.errors import GageError

        raise GageError(f"project directory {values[-1]} does not exist")
    return values, None


def _explicit(args, env, runs, specs, target) -> int:
    """``RUN PROJECT`` and ``RUN --remove``: named runs only, no prompt
    for a single run."""
    from gage_core.errors import GageError
    from gage_core.store.associate import associate, dissociate
    from gage_tui.cli.runs_support import count_runs, go_ahead, select_runs

    if not specs:
        raise GageError("name the runs", hint="gage associate RUN PROJECT, or gage associate RUN --remove")
    if args.remove and target is not None:
        raise GageError("--remove takes no PROJECT")
    chosen = select_runs(runs, specs)
    what = "remove the project association of" if args.remove else f"associate with {target}"
    if not go_ahead(env, args, chosen, f"You are about to {what} {count_runs(chosen)}. Continue?", only_many=True):
        return 1
    for run in chosen:
        if args.remove:
            dissociate(run)
            env.out.line(f'Removed project association for "{run.id}"')
        else:
            associate(run, target)
            env.out.line(f'Associated "{run.id}" with {target}')
    return 0
