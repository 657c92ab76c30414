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
of their description. Broken operations (invalid definitions) are marked;
run 'gage check' to see why."""


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
    broken = 0
    for name in sorted(gf.ops):
        op = gf.ops[name]
        desc = op.first_line
        if default is not None and op.name == default.name and len(gf.ops) > 1:
            desc = f"{desc} (default)".strip()
        if op.broken:
            broken += 1
            desc = f"{desc} [broken: see 'gage check']".strip()
        rows.append((name, desc))
    caption = None
    if broken:
        caption = (
            f"{broken} operation{'s are' if broken != 1 else ' is'} broken: "
            "run 'gage check' for details"
        )
    elif not gf.valid:
        n = len(gf.errors)
        caption = f"{_shown(gf, env)} has {n} problem{'s' if n != 1 else ''} (gage check)"
    env.out.table([Column("operation", no_wrap=True), Column("description")], rows, caption=caption)
    return 0


def _shown(gf, env) -> str:
    import os

    try:
        return os.path.relpath(gf.path, env.settings.cwd)
    except ValueError:
        return str(gf.path)
