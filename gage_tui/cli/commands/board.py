"""gage board: a table of runs with their flags, attributes and metrics
(also as CSV, or as JSON in Gage's board shape)."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "board"
HELP = "a board of runs: flags, attributes and metrics side by side (table, --csv, --json)"
ORDER = 30
DESCRIPTION = """\
Show a board of run results: one row per run with its name, operation,
start, status and label, then every flag (config:*), summary attribute
(attribute:*) and metric (metric:*). Default: all runs of the project.

A board config file picks and orders columns, selects runs and keeps one
run per group. By default board.json, board.toml or board.yaml in the
current directory is used (-c PATH names another, --no-config uses
none). Example (board.toml):

  columns = ["config:lr", {metric = "loss", label = "Loss"}]
  [run-select]
  status = "completed"
  [group-select]
  group-by = {config = "model"}
  min = {metric = "loss"}

--json prints Gage's board data ({"colDefs": [...], "rowData": [...]});
--csv prints one line per run with the column labels as header."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_specs", nargs="*", metavar="RUN", help="runs to show (default: all)")
    parser.add_argument("-w", "--where", metavar="EXPR", help="runs matching a filter")
    parser.add_argument("-c", "--config", metavar="PATH", help="board config file")
    parser.add_argument("--no-config", action="store_true", help="do not use a board config file")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="print CSV")
    fmt.add_argument("--json", action="store_true", help="print board JSON")
    parser.add_argument("--all-projects", action="store_true", help="include runs of other projects")


def run(args, env) -> int:
    import json

    from gage_core.compare.board import board_data
    from gage_tui.cli.runs_support import project_runs, select_runs

    config = _config(args, env)
    _project, _store, runs = project_runs(env, all_projects=args.all_projects, where=args.where)
    if args.run_specs:
        runs = select_runs(runs, args.run_specs)
    if env.verbose:
        env.out.err(f"Generating board data for {len(runs)} run(s)")
    data = board_data(config, runs)
    if args.json:
        env.out.file.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    elif args.csv:
        _print_csv(env, data)
    else:
        _print_table(env, data)
    return 0


def _config(args, env):
    import os

    from gage_core.compare.board import BoardConfig, find_board_config, load_board_config
    from gage_core.errors import GageError

    if args.config and args.no_config:
        raise GageError("--config and --no-config cannot be used together")
    if args.no_config:
        path = None
    elif args.config:
        path = os.path.join(str(env.settings.cwd), os.path.expanduser(args.config))
    else:
        path = find_board_config(env.settings.cwd)
    if path is None:
        if env.verbose:
            env.out.err("Using default board config")
        return BoardConfig()
    shown = args.config or os.path.relpath(path, env.settings.cwd)
    if env.verbose:
        env.out.err(f"Using config from {shown}")
    return load_board_config(path, shown=shown)


def _text(value) -> str:
    import json

    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _print_table(env, data: dict) -> None:
    from datetime import datetime

    from gage_core.compare.board import cell_value, column_label
    from gage_tui.cli.output import Column

    cols = data["colDefs"]

    def shown(col, row) -> str:
        value = cell_value(col, row)
        if col.get("field") in ("run:started", "run:stopped") and isinstance(value, str):
            return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
        return _text(value)

    rows = [[shown(c, row) for c in cols] for row in data["rowData"]]
    if not rows:
        env.out.line("No runs")
        return
    env.out.table([Column(column_label(c), no_wrap=c.get("field") == "run:name") for c in cols], rows)


def _print_csv(env, data: dict) -> None:
    import csv

    from gage_core.compare.board import cell_value, column_label

    cols = data["colDefs"]
    writer = csv.writer(env.out.file, lineterminator="\n")
    writer.writerow([c.get("label") or c.get("field") or column_label(c) for c in cols])
    for row in data["rowData"]:
        values = []
        for c in cols:
            v = cell_value(c, row)
            values.append(1 if v is True else 0 if v is False else "" if v is None else
                          ",".join(map(str, v)) if isinstance(v, list) else v)
        writer.writerow(values)
