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


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", nargs="?", metavar="RUN", help="run to show (default: latest)")
    parser.add_argument("--all-projects", action="store_true", help="select among runs of all projects")
    parser.add_argument("-d", "--deleted", action="store_true", help="select among deleted runs")
    parser.add_argument("--all-files", action="store_true", help="list every file (default: first 50)")
    parser.add_argument("--json", action="store_true", help="print the run as JSON")


def run(args, env) -> int:
    import json

    from gage_core.store.details import run_details
    from gage_tui.cli.runs_support import project_namespace, project_runs, select_one_run

    project, store, runs = project_runs(env, all_projects=args.all_projects, deleted=args.deleted)
    if not runs and args.run and not args.all_projects:
        # A spec naming a run of another project still works.
        project, store, runs = project_runs(env, all_projects=True, deleted=args.deleted)
    run = store.refresh(select_one_run(runs, args.run))
    details = run_details(run, max_files=100_000 if args.all_files else _MAX_FILES + 1)
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
    _print(env, run, details, tail, project_namespace(project), args.all_files)
    return 0


def _output_tail(store, run, outputs: list[str]) -> tuple[str | None, list[bytes]]:
    """(phase name, last lines) of the run phase output, or the last phase's,
    read from the end of the file (not the whole output)."""
    if not outputs:
        return None, []
    name = "40_run" if "40_run" in outputs else outputs[-1]
    from gage_core.process.output import OutputReader

    with store.meta(run) as meta:
        path = meta.output_path(name)
        try:
            data = None if path is not None else meta.read_bytes(f"output/{name}")
            index = None if path is not None else meta.read_bytes(f"output/{name}.index")
        except Exception:  # noqa: BLE001 - a broken zip must not break show
            return name, []
    if path is not None:
        reader = OutputReader(path)
    else:
        reader = OutputReader(data=data or b"", index_data=index or b"")
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
    grid.add_column()
    for k, v in rows:
        grid.add_row(k, v)
    env.out.console.print(grid)


def _value(v) -> str:
    import json

    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return f"{v:.6g}"
    return json.dumps(v)


def _print(env, run, details, tail, namespace, all_files) -> None:
    from rich.markup import escape
    from rich.text import Text

    from gage_core.timefmt import format_duration, format_timestamp
    from gage_tui.cli.commands.ls import STATUS_STYLES

    header = Text(run.opref.display_name(namespace), style="bold")
    header.append("  ")
    header.append(run.status, style=STATUS_STYLES.get(run.status, ""))
    if run.label:
        header.append("  " + run.label, style="italic")
    if env.out.plain:
        env.out.line(header.plain)
    else:
        env.out.console.print(header)
    if run.meta_error:
        env.out.markup(f"[yellow]warning:[/] {escape(run.meta_error)}")
    for problem in details.problems:
        if not run.meta_error or problem not in run.meta_error:
            env.out.markup(f"[yellow]warning:[/] {escape(problem)}")

    _section(env, "Attributes")
    _kv(env, [
        ("id", run.id),
        ("name", run.name),
        ("operation", run.opref.qualified_name),
        ("started", format_timestamp(run.started)),
        ("stopped", format_timestamp(run.stopped)),
        ("duration", format_duration(run.duration_us)),
        ("location", str(run.run_dir)),
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
    if details.files:
        _section(env, "Files")
        from gage_tui.cli.output import Column

        files = details.files if all_files else details.files[:_MAX_FILES]
        env.out.table(
            [Column("path"), Column("type", style="dim"), Column("size", justify="right")],
            [[f.path, f.type, "" if f.size is None else str(f.size)] for f in files],
            caption=None if len(files) == len(details.files) else "More files: use --all-files",
        )
    if details.comments:
        _section(env, "Comments")
        for c in details.comments:
            when = format_timestamp(c["timestamp"] * 1000) if c["timestamp"] else ""
            env.out.markup(f"[dim]{escape(c['id'])} {escape(when)}[/]  {escape(c['msg'])}")
    name, lines = tail
    if name is not None:
        label = name.split("_", 1)[-1]
        _section(env, f"Output ({label}, last {_TAIL_LINES} lines)" if lines else f"Output ({label})")
        for line in lines:
            env.out.line(line.decode("utf-8", "replace").rstrip("\r\n"))


def _dep_text(dep: dict) -> str:
    from gage_core.staging.deps import dependency_file_paths, dependency_source_text

    if "error" in dep:
        return f"not resolved: {dep['error']}"
    files = dependency_file_paths(dep)
    source = dependency_source_text(dep)
    listed = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    return f"{listed} (from {source})" if source else listed