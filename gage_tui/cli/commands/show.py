"""gage show: everything about one run."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "show"
HELP = "show a run: attributes, flags, summary, files, output"
ORDER = 21
DESCRIPTION = """\
Show one run (default: the latest). RUN is an index from 'gage ls',
or a prefix of a run id or name."""

_TAIL_LINES = 20
_MAX_FILES = 50
_ALL_FILES = 100_000
_SECTIONS = (
    ("-c", "--config", "config", "only the flags (config)"),
    ("-s", "--summary", "summary", "only the summary (attributes and metrics)"),
    ("-o", "--output", "output", "only the output (all of it)"),
    ("-f", "--files", "files", "only the files (all of them)"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.argtypes import non_negative_int

    parser.add_argument("run", nargs="?", metavar="RUN", help="run to show (default: latest)")
    parser.add_argument("-w", "--where", metavar="EXPR", help="select among runs matching a filter")
    parser.add_argument("--all-projects", action="store_true", help="select among runs of all projects")
    parser.add_argument("-d", "--deleted", action="store_true", help="select among deleted runs")
    parser.add_argument(
        "--limit-files", type=non_negative_int, default=_MAX_FILES, metavar="N",
        help=f"list at most N files (default {_MAX_FILES})",
    )
    parser.add_argument("--all-files", action="store_true", help="list every file")
    only = parser.add_mutually_exclusive_group()
    for short, long, dest, text in _SECTIONS:
        only.add_argument(short, long, dest=f"only_{dest}", action="store_true", help=f"show {text}")
    parser.add_argument("--json", action="store_true", help="print the run as JSON")


def run(args, env) -> int:
    import json

    from gage_core.project import project_namespace
    from gage_core.store.details import run_details
    from gage_tui.cli.runs_support import project_runs, select_one_run

    project, store, runs = project_runs(
        env, all_projects=args.all_projects, deleted=args.deleted, where=args.where
    )
    if not runs and args.run and not args.all_projects and not args.where:
        # A spec naming a run of another project still works.
        project, store, runs = project_runs(env, all_projects=True, deleted=args.deleted)
    run = store.refresh(select_one_run(runs, args.run))
    details = run_details(run, max_files=_ALL_FILES)
    if _only_section(args, env, store, run, details):
        return 0
    tail = _output_tail(store, run, details.outputs)
    if args.json:
        data = run.to_json()
        data.update(
            command=details.command,
            dependencies=details.dependencies,
            files=[{"path": f.path, "type": f.type, "size": f.size} for f in details.files],
            comments=details.comments,
            outputs=details.outputs,
            output_tail=[line.decode("utf-8", "replace") for line in tail[1]],
            problems=details.problems,
        )
        env.out.file.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
        return 0
    limit = None if args.all_files else args.limit_files
    _print(env, run, details, tail, project_namespace(project), limit)
    return 0


def _only_section(args, env, store, run, details) -> bool:
    """``--config``, ``--summary``, ``--files``, ``--output``: that section
    alone, as a table without a heading (``--output``: the raw lines)."""
    from gage_tui.cli.output import Column

    if args.only_config:
        env.out.table([Column("flag"), Column("value")], [(k, _value(v)) for k, v in sorted(run.config.items())])
    elif args.only_summary:
        env.out.table([Column("name"), Column("value"), Column("type")], _summary_rows(run))
    elif args.only_files:
        _files_table(env, details.files, None, count=False)
    elif args.only_output:
        _write_output(env, store, run, details.outputs)
    else:
        return False
    return True


def _summary_rows(run) -> list[tuple[str, str, str]]:
    return [(k, _value(v), "attribute") for k, v in sorted(run.attributes.items())] + [
        (k, _value(v), "metric") for k, v in sorted(run.metrics.items())
    ]


def _write_output(env, store, run, outputs: list[str]) -> None:
    from gage_tui.cli.output_support import phase_readers, write_lines

    if "40_run" not in outputs:
        return
    for _name, reader in phase_readers(store, run, ["40_run"]):
        with reader:
            reader.refresh(final=run.status != "running")
            write_lines(env, reader.read(0, len(reader)))


def _files_table(env, files, limit: int | None, count: bool = True) -> None:
    from rich.filesize import decimal

    from gage_tui.cli.output import Column

    def format_size(n: int | None) -> str:
        return "" if n is None else decimal(n)

    shown = files if limit is None else files[:limit]
    total = sum(f.size or 0 for f in files)
    if len(shown) < len(files):
        caption = f"truncated ({len(shown)} of {len(files)} files, total {format_size(total)}): use --all-files"
    else:
        caption = f"{len(files)} file{'s' if len(files) != 1 else ''}, total {format_size(total)}" if count else None
    env.out.table(
        [Column("path", no_wrap=True, overflow="fold"), Column("type", style="dim"), Column("size", justify="right")],
        [[f.path, f.type, format_size(f.size)] for f in shown],
        caption=caption,
    )


def _output_tail(store, run, outputs: list[str]) -> tuple[str | None, list[bytes]]:
    """(phase name, last lines) of the run phase output, or the last phase's,
    read from the end of the file (not the whole output)."""
    if not outputs:
        return None, []
    name = "40_run" if "40_run" in outputs else outputs[-1]
    from gage_core.store.meta import MetaError

    try:
        with store.meta(run) as meta:
            reader = meta.open_output(name)
    except (MetaError, OSError):  # a broken zip must not break show
        return name, []
    with reader:
        reader.refresh(final=run.status != "running")
        return name, [line.data for line in reader.tail(_TAIL_LINES)]


def _section(env, title: str) -> None:
    env.out.line("")
    env.out.line(title, style="bold underline")


def _kv(env, pairs) -> None:
    """Aligned ``key  value`` lines (no header)."""
    rows = [(k, v) for k, v in pairs if v not in (None, "")]
    if not rows:
        return
    if env.out.plain:
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            env.out.line(f"{k:<{width}}  {v}")
        return
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")  # paths are copied: never cut short
    from gage_core.store.safe_text import escape_control

    for k, v in rows:
        grid.add_row(escape_control(k), escape_control(v))
    env.out.console.print(grid)


def _value(v) -> str:
    import json

    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return f"{v:.6g}"
    return json.dumps(v)


def _print(env, run, details, tail, namespace, limit) -> None:
    from rich.markup import escape
    from rich.text import Text

    from gage_core.store.timefmt import format_duration, format_timestamp
    from gage_tui.cli.commands.ls import STATUS_STYLES

    header = Text(run.opref.display_name(namespace), style="bold")
    header.append("  ")
    header.append(run.status, style=STATUS_STYLES.get(run.status, ""))
    if run.label:
        header.append("  " + run.label, style="italic")
    if env.out.plain:
        env.out.line(header.plain)
    else:
        from gage_tui.cli.output import safe_text

        env.out.console.print(safe_text(header))
    if run.meta_error:
        env.out.markup(f"[yellow]warning:[/] {escape(run.meta_error)}")
    for problem in details.problems:
        if not run.meta_error or problem not in run.meta_error:
            env.out.markup(f"[yellow]warning:[/] {escape(problem)}")
    for reason in details.failures:
        env.out.markup(f"[red]error:[/] {escape(reason)}")

    _section(env, "Attributes")
    _kv(env, [
        ("id", run.id),
        ("name", run.name),
        ("operation", run.opref.qualified_name),
        ("started", format_timestamp(run.started)),
        ("stopped", format_timestamp(run.stopped)),
        ("duration", format_duration(run.duration_us)),
        ("location", str(run.run_dir)),
        ("executes", run.where if run.executor != "local" else None),
        ("project", run.project_dir),
        ("exit code", None if run.exit_code is None else str(run.exit_code)),
        ("tags", " ".join(run.tags)),
        ("batch", run.batch_id),
        ("container", run.container if run.container != "active" else None),
    ])
    if run.config:
        _section(env, "Flags")
        _kv(env, [(k, _value(v)) for k, v in sorted(run.config.items())])
    if run.metrics or run.attributes:
        _section(env, "Summary")
        _kv(env, [(k, _value(v)) for k, v in sorted(run.attributes.items())]
            + [(k, _value(v)) for k, v in sorted(run.metrics.items())])
    if details.dependencies:
        _section(env, "Dependencies")
        _kv(env, [(str(d.get("spec") or d.get("type") or "?"), _dep_text(d)) for d in details.dependencies])
    if details.files and limit != 0:
        _section(env, "Files")
        _files_table(env, details.files, limit)
    if details.comments:
        _section(env, "Comments")
        for c in details.comments:
            when = format_timestamp(c["timestamp"] * 1000) if c["timestamp"] else ""
            author = c.get("author") or "?"
            env.out.markup(f"[dim]{escape(c['id'])} {escape(when)} {escape(author)}[/]  {escape(c['msg'])}")
    name, lines = tail
    if name is not None:
        label = name.split("_", 1)[-1]
        _section(env, f"Output ({label}, last {_TAIL_LINES} lines)" if lines else f"Output ({label})")
        from gage_core.store.safe_text import final_line_state

        for line in lines:
            env.out.line(final_line_state(line).decode("utf-8", "replace").rstrip("\r\n"))


def _dep_text(dep: dict) -> str:
    from gage_core.staging.deps import dependency_file_paths, dependency_source_text

    if "error" in dep:
        return f"not resolved: {dep['error']}"
    files = dependency_file_paths(dep)
    source = dependency_source_text(dep)
    listed = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    return f"{listed} (from {source})" if source else listed
