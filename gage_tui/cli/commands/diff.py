"""gage diff: differences between two runs."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "diff"
HELP = "show the differences between two runs"
ORDER = 26
DESCRIPTION = """\
Show what differs between two runs: flags, source code files (by the
hashes in their manifests, with a unified diff of changed text files),
the run output (unified diff) and the metrics side by side.

RUN1 and RUN2 are run specs as in 'gage ls' (index, id or name prefix).
Without them the two latest runs are compared (older first).

Examples:
  gage diff                     the two latest runs
  gage diff 1 2 --flags         only the flags of runs 1 and 2
  gage diff abc def --output    only the output
  gage diff 1 2 --json          machine-readable"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run1", nargs="?", metavar="RUN1", help="first run (default: the second latest)")
    parser.add_argument("run2", nargs="?", metavar="RUN2", help="second run (default: the latest)")
    parser.add_argument("--flags", action="store_true", help="show flag differences")
    parser.add_argument("--files", action="store_true", help="show source file differences")
    parser.add_argument("--output", action="store_true", help="show the output difference")
    parser.add_argument("--metrics", action="store_true", help="show the metrics side by side")
    parser.add_argument("--all-files", action="store_true",
                        help="with files: compare every file of the runs, not only source code")
    parser.add_argument("-n", "--lines", type=int, default=400, metavar="N",
                        help="show at most N lines of each diff (default 400)")
    parser.add_argument("--all-projects", action="store_true", help="select runs of any project")
    parser.add_argument("--json", action="store_true", help="print the differences as JSON")


def run(args, env) -> int:
    import json

    from gage_core.compare.diff import diff_runs
    from gage_core.errors import GageError
    from gage_tui.cli.runs_support import project_runs, select_one_run

    _project, store, runs = project_runs(env, all_projects=args.all_projects)
    if args.run1 is None:
        if len(runs) < 2:
            raise GageError("need two runs to compare", hint="gage diff RUN1 RUN2")
        a, b = runs[1], runs[0]
    else:
        if args.run2 is None:
            raise GageError("give two runs to compare", hint="gage diff RUN1 RUN2 (or no run for the two latest)")
        a, b = select_one_run(runs, args.run1), select_one_run(runs, args.run2)
    if args.lines < 1:
        raise GageError("--lines must be 1 or more")
    chosen = {k: getattr(args, k) for k in ("flags", "files", "output", "metrics")}
    if not any(chosen.values()):
        chosen = dict.fromkeys(chosen, True)
    result = diff_runs(a, b, store, all_files=args.all_files, max_diff_lines=args.lines, **chosen)
    if args.json:
        env.out.file.write(json.dumps(result.to_json(), indent=2, default=str) + "\n")
        return 0
    _print(env, result, chosen, args.all_files)
    return 0


def _print(env, result, chosen, all_files: bool = False) -> None:
    from rich.markup import escape

    from gage_core.compare.diff import diff_value_text, numeric_delta_text
    from gage_tui.cli.output import Column

    out = env.out
    a, b = result.a, result.b
    out.markup(f"[b]{escape(a.name)}[/b] ({escape(a.op_name)}, {a.status})  →  "
               f"[b]{escape(b.name)}[/b] ({escape(b.op_name)}, {b.status})")
    if chosen["flags"]:
        out.line()
        if result.flags:
            out.table([Column("flag"), Column(a.name), Column(b.name)],
                      [(k, diff_value_text(x), diff_value_text(y)) for k, x, y in result.flags],
                      caption=f"Flags: {len(result.flags)} differ, {result.same_flags} the same")
        else:
            out.line(f"Flags: the same ({result.same_flags})")
    if chosen["files"]:
        out.line()
        what = "Files" if all_files else "Source files"
        if not result.files:
            out.line(f"{what}: the same ({result.same_files})")
        else:
            out.line(f"{what}: {len(result.files)} differ, {result.same_files} the same")
            for f in result.files:
                out.markup(f"  [b]{f.status:8}[/b] {escape(f.path)}  [dim]({f.kind})[/dim]")
            for f in result.files:
                if f.diff is not None:
                    _print_diff(env, f.diff)
    if chosen["output"]:
        out.line()
        d = result.output
        if d.lines:
            out.line("Output:")
            _print_diff(env, d)
        else:
            out.line("Output: " + (d.note or "the same"))
    if chosen["metrics"]:
        out.line()
        if result.metrics:
            out.table([Column("metric"), Column(a.name, justify="right"), Column(b.name, justify="right"),
                       Column("change", justify="right")],
                      [(k, diff_value_text(x), diff_value_text(y), numeric_delta_text(x, y)) for k, x, y in result.metrics],
                      caption="Metrics")
        else:
            out.line("Metrics: none")


def _print_diff(env, d) -> None:
    from rich.markup import escape

    styles = {"+": "green", "-": "red", "@": "cyan"}
    for line in d.lines:
        style = "bold" if line.startswith(("+++", "---")) else styles.get(line[:1])
        if style and not env.out.plain:
            env.out.markup(f"[{style}]{escape(line)}[/{style}]")
        else:
            env.out.line(line)
    if d.truncated:
        env.out.line(f"... {d.truncated} more diff lines (use -n to show more)")
    if d.note and not d.lines:
        env.out.line(f"  ({d.note})")
    elif d.note:
        env.out.line(f"({d.note})")
