"""gage comment: add, list, edit and delete run comments."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "comment"
HELP = "add, list, edit or delete run comments"
ORDER = 42
DESCRIPTION = """\
Comments are kept in the run's attribute log with their author and time.
Without RUN, -w or -a the latest run is used. Without -m an editor
($VISUAL or $EDITOR) opens for the message.

Examples:
  gage comment -m "diverged after epoch 3"     comment on the latest run
  gage comment 2 -l                            list the comments of run 2
  gage comment -e 01a2123e-d03e -m "new text"  edit a comment (id from -l)
  gage comment -d 01a2123e-d03e                delete a comment"""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.runs_support import add_selection_args

    add_selection_args(parser, what="runs to comment on")
    parser.add_argument("-m", "--msg", metavar="TEXT", help="the comment text")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("-l", "--list", action="store_true", help="list comments")
    action.add_argument("-e", "--edit", metavar="ID", help="edit comment ID (a prefix is enough)")
    action.add_argument("-d", "--delete", metavar="ID", help="delete comment ID (a prefix is enough)")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args, env) -> int:
    from gage_core.store import annotate
    from gage_tui.cli.runs_support import count_runs, go_ahead, select_from_args

    project, _store, runs = select_from_args(env, args, default_latest=True)
    if args.list:
        _list(env, runs)
        return 0
    if args.delete:
        return _on_one(env, runs, lambda r: annotate.delete_comment(r, args.delete), "Deleted comment")
    msg = args.msg if args.msg is not None else _edit_message(env, runs, args.edit)
    if not msg or not msg.strip():
        env.out.line("Empty comment: nothing changed")
        return 1
    if args.edit:
        return _on_one(env, runs, lambda r: annotate.edit_comment(r, args.edit, msg), "Edited comment")
    question = f"You are about to comment on {len(runs)} runs. Continue?"
    if not go_ahead(env, args, runs, question, project=project, only_many=True):
        return 1
    for r in runs:
        annotate.add_comment(r, msg)
    env.out.line(f"Added comment to {count_runs(runs)}")
    return 0


def _on_one(env, runs, action, done: str) -> int:
    """Edit/delete: the comment id names one comment of one run."""
    from gage_core.store.annotate import AnnotationError

    errors = []
    for r in runs:
        try:
            comment = action(r)
        except AnnotationError as e:
            errors.append(e)
            continue
        env.out.line(f"{done} {comment.id} of {r.name}")
        return 0
    if len(errors) == 1:
        raise errors[0]
    raise AnnotationError("no such comment on the selected runs", hint="list them with 'gage comment -l'")


def _list(env, runs) -> None:
    from rich.markup import escape

    from gage_core.store import annotate
    from gage_core.store.timefmt import format_ago

    first = True
    for r in runs:
        comments = annotate.list_comments(r)
        if len(runs) > 1:
            if not first:
                env.out.line()
            env.out.markup(f"[bold cyan]{escape(r.name)}[/] [dim]{escape(r.op_name)}[/]")
        first = False
        if not comments:
            env.out.line("  no comments", style="dim")
            continue
        for c in comments:
            when = format_ago(c.timestamp * 1000) if c.timestamp else ""
            edited = " (edited)" if c.edited else ""
            env.out.line(f"  {c.id}  {c.author or '?'}  {when}{edited}", style="dim")
            for line in c.msg.splitlines() or [""]:
                env.out.line(f"    {line}")


def _edit_message(env, runs, comment_id: str | None) -> str | None:
    """Open an editor for the message (only on a terminal)."""
    import os
    import shlex
    import subprocess
    import sys
    import tempfile

    from gage_core.errors import GageError
    from gage_core.store import annotate

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not sys.stdin or not sys.stdin.isatty():
        raise GageError("no comment message", hint="give one with -m TEXT")
    initial = ""
    if comment_id:
        for r in runs:
            try:
                initial = annotate.find_comment(r, comment_id).msg
                break
            except annotate.AnnotationError:
                continue
    fd, path = tempfile.mkstemp(prefix="gage-comment-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(initial)
        try:
            subprocess.run([*shlex.split(editor), path], check=False)
        except OSError as e:
            raise GageError(f"cannot start editor '{editor}': {e.strerror or e}") from None
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    finally:
        os.unlink(path)
