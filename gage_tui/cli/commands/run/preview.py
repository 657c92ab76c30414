"""``gage run OP --preview [--json]`` rendering::

    render_preview(env, preview) -> int        # tables for a built Preview
    show_preview(env, project, opdef, flag_args, as_json=False) -> int

Builds ``gage_core.staging.preview.build_preview`` (never runs project code,
never writes a run) and prints it as tables, or as JSON with ``--json``.
Returns the exit code: 0, or 1 when the preview found problems.
"""

from __future__ import annotations

__all__ = ["show_preview", "render_preview"]

_MAX_PATHS = 50


def show_preview(env, project, opdef, flag_args, as_json: bool = False) -> int:
    import json

    from gage_core.staging.preview import build_preview

    pv = build_preview(project, opdef, list(flag_args))
    if as_json:
        env.out.file.write(json.dumps(pv.to_json(), indent=2, default=str) + "\n")
        return 1 if pv.problems else 0
    return render_preview(env, pv)


def render_preview(env, pv) -> int:
    """Print a ``Preview`` with env.out tables; 1 when it lists problems."""
    from rich import filesize
    from rich.markup import escape

    from gage_core.staging.deps import dependency_source_text
    from gage_core.staging.flags import format_flag_value
    from gage_tui.cli.output import Column

    out = env.out
    out.markup(f"[b]Preview of {escape(pv.op)}[/b] (nothing is run or written)")
    out.line(f"Project: {pv.project_dir}")
    out.line(f"Runs dir: {pv.runs_dir}")
    out.line()
    out.table(
        [Column("phase"), Column("output"), Column("command")],
        [(e["phase"], e["output"],
          " ".join(e["command"]) if isinstance(e["command"], list) else e["command"] or "-")
         for e in pv.exec],
        caption="Exec phases",
    )
    if pv.flags:
        out.table(
            [Column("flag"), Column("value"), Column("default"), Column("from")],
            [(f["name"], format_flag_value(f["value"]) + (" *" if f["given"] else ""),
              format_flag_value(f["default"]) if f["source"] else "-", f["source"] or "given")
             for f in pv.flags],
            caption="Flags (* = given)",
        )
    else:
        out.line("Flags: none")
    sc = pv.sourcecode
    if "error" in sc:
        out.line(f"Source code: {sc['error']}")
    else:
        shown = sc["paths"][:_MAX_PATHS]
        rows = [(p,) for p in shown]
        if len(sc["paths"]) > _MAX_PATHS:
            rows.append((f"... and {len(sc['paths']) - _MAX_PATHS} more (see --json)",))
        caption = f"Source code: {sc['count']} files, {filesize.decimal(sc['total_size'])}"
        if sc.get("gitignore"):
            caption += f"; .gitignore honoured ({sc['gitignored']} skipped)"
        out.table([Column("patterns")], [(p,) for p in sc["patterns"]] or [("<none>",)])
        out.table([Column("matched files")], rows or [("<none>",)], caption=caption)
    if pv.dependencies:
        rows = []
        for d in pv.dependencies:
            if "error" in d:
                what = f"cannot resolve: {d['error']}"
            else:
                source = dependency_source_text(d)
                what = f"{source}: {len(d['files'])} files" if source else f"{len(d['files'])} files"
            rows.append((d["spec"], what))
        out.table([Column("dependency"), Column("resolves to")], rows, caption="Dependencies")
    for problem in pv.problems:
        out.err(f"problem: {problem}")
    return 1 if pv.problems else 0
