"""gage ls: list runs, newest first."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ALIASES", "ORDER", "DESCRIPTION", "configure", "run", "STATUS_STYLES"]

NAME = "ls"
ALIASES = ("list", "runs")
HELP = "list runs"
ORDER = 20
DESCRIPTION = """\
List runs, newest first: by default the latest 20 runs of the current
project (all runs when there is no project).

RUN specs select runs: an index from this list (1 is the latest), a slice
(2:4), or a prefix of a run id or name.

Examples:
  gage ls -a                       all runs of the project
  gage ls -w "status = error"      filter (see 'gage help filters')
  gage ls --sort=-metric.loss      sort by a metric, descending
  gage ls --json                   machine-readable output"""

STATUS_STYLES = {
    "running": "bold green",
    "completed": "green",
    "error": "red",
    "terminated": "yellow",
    "detached": "bright_blue",
    "staged": "cyan",
    "pending": "dim cyan",
    "unknown": "dim",
}

_MAX_METRICS = 3


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.argtypes import positive_int

    parser.add_argument("run_specs", nargs="*", metavar="RUN", help="runs to list (index, slice, id or name prefix)")
    parser.add_argument("-n", "--limit", type=positive_int, default=20, metavar="N", help="show at most N runs (default 20)")
    parser.add_argument(
        "-m", "--more", action="count", default=0,
        help="show N more runs (N = --limit); repeat for more (-mm)",
    )
    parser.add_argument("-a", "--all", action="store_true", help="show all runs")
    parser.add_argument("--all-projects", action="store_true", help="include runs of other projects")
    parser.add_argument("-d", "--deleted", action="store_true", help="show deleted runs (the trash)")
    parser.add_argument("-A", "--archive", metavar="NAME", help="show the runs in an archive (see 'gage archive')")
    parser.add_argument("-w", "--where", metavar="EXPR", help="show runs matching a filter expression")
    parser.add_argument(
        "-s", "--sort", action="append", metavar="KEY",
        help="sort by KEY (--sort=-KEY for descending); repeat for more keys",
    )
    parser.add_argument("--json", action="store_true", help="print runs as JSON")


def run(args, env) -> int:
    import json

    from gage_core.project import project_namespace
    from gage_tui.cli.runs_support import newest_project_runs, open_store, project_runs, select_runs

    shown = args.limit * (1 + args.more)
    printed: list = []
    if not (args.run_specs or args.all or args.archive):
        # The first pages, filtered and sorted: from the run index, which
        # answers what it can of the filter in SQL. While a first listing
        # builds the index, the page is printed as soon as it is certain.
        def first_page(runs) -> None:
            printed.append(runs)
            _print_table(env, list(enumerate(runs, 1)), project_namespace(open_store(env)[0]), None)
            env.out.file.flush()  # on screen now, not when the build ends

        project, _store, page = newest_project_runs(
            env, shown, all_projects=args.all_projects, deleted=args.deleted,
            where=args.where, sort=args.sort, first_page=None if args.json else first_page,
        )
        numbered = list(zip(page.numbers or range(1, len(page.runs) + 1), page.runs))
        total = page.total
    else:
        project, _store, runs = project_runs(
            env, all_projects=args.all_projects, deleted=args.deleted, where=args.where,
            archive=args.archive,
        )
        numbered = list(enumerate(runs, 1))
        if args.run_specs:
            chosen = {r.id for r in select_runs(runs, args.run_specs)}
            numbered = [(i, r) for i, r in numbered if r.id in chosen]
        if args.sort:
            numbered = _sort(numbered, args.sort)
        total = len(numbered)
        if not args.all:
            numbered = numbered[:shown]
    if args.json:
        data = [dict(r.to_json(), index=i) for i, r in numbered]
        env.out.file.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
        return 0
    namespace = project_namespace(project)
    _say_runs_elsewhere(env, project)
    if printed and [r.id for r in printed[0]] == [r.id for _, r in numbered]:
        if len(numbered) < total:
            env.out.line(_caption(len(numbered), total))
        return 0
    if not numbered and not args.all_projects and not args.run_specs:
        count = _other_projects_count(env, args)
        if count:
            env.out.line(f"No runs for this project ({count} of other projects: use --all-projects)")
            return 0
    _print_table(env, numbered, namespace, total)
    return 0


def _say_runs_elsewhere(env, project) -> None:
    """No run vanishes silently: name the other known runs directories
    holding runs of this project."""
    from gage_core.project import runs_elsewhere

    for path, count in runs_elsewhere(project, env.settings):
        env.out.err(
            f"note: {count} run(s) of this project are in {path} (not {project.runs_dir}); "
            f"see them with: gage --runs {path} ls"
        )


def _other_projects_count(env, args) -> int:
    from gage_tui.cli.runs_support import newest_project_runs, project_runs

    if args.archive:
        return len(project_runs(
            env, all_projects=True, deleted=args.deleted, where=args.where, archive=args.archive
        )[2])
    return newest_project_runs(env, 0, all_projects=True, deleted=args.deleted, where=args.where)[2].total


def _sort(numbered, keys):
    from gage_core.query.sort import check_sort_keys, sort_runs

    check_sort_keys(keys, [r for _, r in numbered])
    index = {r.id: i for i, r in numbered}
    return [(index[r.id], r) for r in sort_runs([r for _, r in numbered], keys)]


def _metrics_text(run) -> str:
    """Up to three metrics, ``key=value`` with 4 significant digits, and
    ``+N`` for the ones left out."""
    keys = sorted(run.metrics)
    parts = [f"{key}={_num(run.metrics[key])}" for key in keys[:_MAX_METRICS]]
    if len(keys) > _MAX_METRICS:
        parts.append(f"+{len(keys) - _MAX_METRICS}")
    return " ".join(parts)


def _num(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# Columns that may go when the terminal is narrow, first to go first.
_DROP_ORDER = ("tags", "duration", "label", "metrics", "started", "status")
# Columns that shrink (with an ellipsis) rather than go, down to this width.
_SHRINK = {"label": 12, "metrics": 16}
# Gage 0.1.2's width steps: at most 28 columns: #, name; 45: and operation;
# 60: no description (label, tags, metrics).
_STEPS = ((28, ("#", "name")), (45, ("#", "name", "operation")))
_NARROW = 60


def _width(env) -> int | None:
    """Columns to fit in: the terminal's; for plain output only when
    COLUMNS says so (a script reading a pipe gets every column)."""
    import os
    import shutil

    if env.out.plain and not os.environ.get("COLUMNS") and not env.out.file.isatty():
        return None
    if not env.out.plain:
        return env.out.console.width
    return shutil.get_terminal_size().columns


def _fit(
    headers: list[str], rows: list[list[str]], width: int | None, gap: int = 2, edges: int = 0
) -> tuple[list[str], dict[str, int]]:
    """The headers to show and the widths to shrink some to: empty columns
    dropped, then columns dropped (or shrunk) until the table fits.
    ``gap``: characters between columns; ``edges``: around the table."""
    keep = [h for i, h in enumerate(headers)
            if h in ("#", "name", "operation") or any(row[i] for row in rows)]
    if width is None:
        return keep, {}
    for limit, only in _STEPS:
        if width <= limit:
            return [h for h in keep if h in only], {}
    if width <= _NARROW:
        keep = [h for h in keep if h not in ("label", "tags", "metrics")]
    natural = {h: max([len(h)] + [len(row[headers.index(h)]) for row in rows]) for h in keep}
    shrink: dict[str, int] = {}

    def total() -> int:
        return sum(shrink.get(h, natural[h]) for h in keep) + gap * (len(keep) - 1) + edges

    for header in _DROP_ORDER:
        if total() <= width:
            break
        if header not in keep:
            continue
        spare = width - (total() - natural[header])
        if header in _SHRINK and spare >= _SHRINK[header]:
            shrink[header] = spare
            break
        keep.remove(header)
    return keep, shrink


def _caption(shown: int, total: int) -> str:
    return f"Showing {shown} of {total} runs (use -m to show more)"


def _print_table(env, numbered, namespace, total: int | None) -> None:
    """The runs table; ``total`` None: the caption is printed later."""
    from gage_core.store.timefmt import format_ago, format_duration
    from gage_tui.cli.output import Column

    plain = env.out.plain
    if not plain:
        from rich.text import Text

    columns = {
        "#": Column("#", justify="right", style="dim"),
        "name": Column("name", style="cyan", no_wrap=True),
        "operation": Column("operation", style="bold", no_wrap=True),
        "started": Column("started", no_wrap=True),
        "duration": Column("duration", justify="right", no_wrap=True),
        "status": Column("status", no_wrap=True),
        "label": Column("label", no_wrap=True),
        "tags": Column("tags", style="magenta", no_wrap=True),
        "metrics": Column("metrics", no_wrap=True),
    }
    headers = list(columns)
    texts = []
    statuses = []
    for i, r in numbered:
        where = f"@{r.executor}" if r.executor != "local" else ""
        status = r.status + where + (" !" if r.meta_error else "")
        statuses.append(r)
        texts.append([
            str(i), r.name, r.opref.display_name(namespace), format_ago(r.timestamp),
            format_duration(r.duration_us), status, r.label or "", " ".join(r.tags), _metrics_text(r),
        ])
    caption = None
    if total is not None and len(numbered) < total:
        caption = _caption(len(numbered), total)
    if not texts:
        env.out.line("No runs" if not total else caption or "")
        return
    # Rich's table: a divider and a pad between columns, an edge each side.
    shown, shrink = _fit(headers, texts, _width(env), *((2, 0) if plain else (3, 2)))
    rows = []
    for run, text in zip(statuses, texts):
        row = []
        for header in shown:
            cell = text[headers.index(header)]
            if header in shrink and len(cell) > shrink[header]:
                cell = cell[: shrink[header] - 1] + "…"
            if header == "status" and not plain:
                styled = Text(run.status, style=STATUS_STYLES.get(run.status, ""))
                if run.executor != "local":
                    styled.append(f"@{run.executor}", style="dim")
                if run.meta_error:
                    styled.append(" !", style="bold red")
                cell = styled
            row.append(cell)
        rows.append(row)
    env.out.table([columns[h] for h in shown], rows, caption=caption)
