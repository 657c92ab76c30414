"""gage ops: list the operations defined in the project's Gagefile."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ALIASES", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "ops"
ALIASES = ("operations",)
HELP = "list the operations of the current project"
ORDER = 20
DESCRIPTION = """\
List the operations defined in the project's Gagefile with the first line
of their description. Operations with problems are marked: [broken] ones
cannot run, [N problems] ones run with the bad parts ignored, [lost] ones
sit in a part of the file that does not parse. Run 'gage check' to see why."""


def configure(parser: argparse.ArgumentParser) -> None:
    pass


def run(args, env) -> int:
    from gage_core.errors import GagefileNotFound
    from gage_core.project import open_project
    from gage_tui.cli.output import Column

    project = open_project(env.settings)
    gf = project.gagefile
    if gf is None:
        raise GagefileNotFound(
            "no operations defined for the current directory",
            hint="create a gage.toml (see 'gage help gagefile') or use -C PATH",
        )
    if not gf.ops and not gf.valid:
        raise GagefileNotFound(
            f"{_shown(gf, env)} has errors and defines no usable operations",
            hint="run 'gage check' to see them",
        )
    default = gf.default_op()
    rows = []
    marked = 0
    for name in sorted(gf.ops):
        op = gf.ops[name]
        desc = op.first_line
        if default is not None and op.name == default.name and len(gf.ops) > 1:
            desc = f"{desc} (default)".strip()
        mark = _problem_mark(op)
        if mark:
            marked += 1
            desc = f"{desc} {mark}".strip()
        rows.append((name, desc))
    for name, line in sorted(gf.lost_ops.items()):
        marked += 1
        rows.append((name, f"[lost: syntax error near line {line}]"))
    caption = None
    if marked:
        caption = (
            f"{marked} operation{'s have' if marked != 1 else ' has'} problems: "
            "run 'gage check' for details"
        )
    elif not gf.valid:
        n = len(gf.errors)
        caption = f"{_shown(gf, env)} has {n} problem{'s' if n != 1 else ''} (gage check)"
    env.out.table([Column("operation", no_wrap=True), Column("description")], rows, caption=caption)
    return 0


def _problem_mark(op) -> str:
    """``[broken]`` for an op that cannot run, ``[N problems]`` for one
    that runs with errors in its definition (an ignored unknown key, a
    dropped attribute): both are one 'gage check' away."""
    errors = [d for d in op.diagnostics if d.is_error]
    if op.broken:
        return "[broken: see 'gage check']"
    if errors:
        n = len(errors)
        return f"[{n} problem{'s' if n != 1 else ''}: see 'gage check']"
    if not op.exec.get("run"):
        return "[no exec: see 'gage help exec']"
    return ""


def _shown(gf, env) -> str:
    import os

    try:
        return os.path.relpath(gf.path, env.settings.cwd)
    except ValueError:
        return str(gf.path)
