"""gage run: stage and run an operation."""

from __future__ import annotations

import argparse
import sys

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "run"
HELP = "run an operation"
ORDER = 10
INTERMIXED = True  # flags after options: `gage run train -y epochs=3` (main.py)
DESCRIPTION = """\
Run an operation from the project's Gagefile.

OP may be omitted for the default operation; FLAG=VALUE arguments set
flags (a first argument that looks like FLAG=VALUE is a flag of the default
operation). The run's output is echoed live; Ctrl-C stops the run (twice
kills it). With --background the run continues on its own: follow it with
'gage tail -f'.

Batches: a list value (lr=[0.01,0.1]) or a batch file (-b FILE, .csv or
.json; several files give their product) stages one run per combination,
all with one batch id (filter: batch = ID); flags given on the command line
override batch file values. The runs execute at most --max-parallel at
once, with one status line per run start and end.

On a Ray cluster: --executor ray (or GAGE_EXECUTOR=ray, or $executor in
the Gagefile) submits the staged run as a job of the cluster at
RAY_ADDRESS (--ray-address URL overrides). A local proxy follows the job:
its output streams into the run as it arrives and the run's exact files
come back when it ends (from --ray-store URL, default a folder of the
runs dir). A batch keeps at most --max-parallel jobs in flight. A run
whose proxy died reads 'detached': --attach RUN follows it again.

Without -y you are asked to confirm; when stdin is not a terminal -y is
required."""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.argtypes import positive_int

    parser.add_argument("op", nargs="?", metavar="OP", help="operation (default: the default op)")
    parser.add_argument("flags", nargs="*", metavar="FLAG=VALUE", help="flag assignments")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "-n", "--needed", action="store_true",
        help="skip the run when a comparable one exists (same op and flags, not an error)",
    )
    parser.add_argument("--help-op", action="store_true", help="show help for the operation and exit")
    parser.add_argument("--stage", action="store_true", help="stage the run but do not start it")
    parser.add_argument("--start", metavar="RUN", help="start a staged run")
    parser.add_argument(
        "--attach", metavar="RUN", help="follow a detached remote run again (its job kept running)"
    )
    parser.add_argument(
        "--executor", choices=("local", "ray"), default=None,
        help="where the run executes (default: GAGE_EXECUTOR, the Gagefile's $executor, else local)",
    )
    parser.add_argument(
        "--ray-address", metavar="URL", help="dashboard URL of the Ray cluster (default: RAY_ADDRESS)"
    )
    parser.add_argument(
        "--ray-store", metavar="URL",
        help="where Ray jobs leave finished runs (fsspec URL; default: GAGE_RAY_STORE, a folder of the runs dir)",
    )
    parser.add_argument(
        "--background", action="store_true", help="start the run and return at once"
    )
    # Batches (commands/run/batch.py). -b is --batch as in Gage.
    parser.add_argument(
        "-b", "--batch", action="append", default=[], metavar="FILE",
        help="batch file (.csv with a header row, or .json array of objects); repeat for a product",
    )
    parser.add_argument(
        "--max-parallel", type=positive_int, default=1, metavar="N",
        help="run at most N runs of a batch at once (default 1)",
    )
    parser.add_argument("-m", "--max-runs", type=positive_int, metavar="N", help="start at most N runs of a batch")
    parser.add_argument("-l", "--label", metavar="LABEL", help="run label")
    parser.add_argument(
        "-t", "--tag", dest="tags", action="append", default=[], metavar="TAG",
        help="run tag (repeatable)",
    )
    parser.add_argument("--comment", metavar="TEXT", help="a comment on the run")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not echo the run's output")
    parser.add_argument(
        "--preview", action="store_true", help="show what the run would do, without running"
    )
    parser.add_argument("--json", action="store_true", help="with --preview: print JSON")


def run(args, env) -> int:
    from gage_core.errors import GageError

    if args.json and not args.preview:
        raise GageError("--json is only valid with --preview")
    if args.attach:
        if args.op or args.flags or args.batch or args.start or args.stage:
            raise GageError("--attach takes no operation, flags, batch files, --start or --stage")
        return _attach(args, env)
    if args.start:
        if args.needed:
            raise GageError("--needed cannot be used with --start")
        if args.op or args.flags or args.batch:
            raise GageError("--start takes no operation, flags or batch files")
        return _start_staged(args, env)
    from gage_tui.cli.runs_support import open_store

    project, store = open_store(env)
    opdef, flag_args = _resolve_op(project, args, env)
    if args.help_op:
        return _help_op(env, project, opdef)
    args.executor_choice = _executor_choice(args, project)
    from gage_tui.cli.commands.run.batch import is_batch, run_batch_cli

    if is_batch(args, flag_args) and not args.preview:
        if args.needed:
            raise GageError("--needed is for single runs", hint="run the batch without --needed")
        return run_batch_cli(args, env, project, store, opdef, flag_args)
    config = _config(project, opdef, flag_args)
    if args.preview:
        return _preview(args, env, project, opdef, flag_args, store)
    if args.needed:
        found = _comparable(project, store, opdef, config)
        if found is not None:
            env.out.line(f"Run skipped because a comparable run exists ({found.name})")
            env.out.line(f"For details, run 'gage show {found.name}'")
            return 5
    if not args.yes:
        _confirm(env, opdef.name, config, "stage" if args.stage else "run")
    return _init_stage_start(args, env, project, store, opdef, config)


# -- operation and flags -----------------------------------------------------


def _resolve_op(project, args, env):
    import difflib

    from gage_core.errors import GageError, GagefileNotFound, OpBroken, OpNotFound
    from gage_core.staging.flags import is_flag_assign

    gf = project.gagefile
    if gf is None:
        where = project.dir or env.settings.cwd
        raise GagefileNotFound(
            f"no Gagefile in {where}", hint="create gage.toml (see 'gage help gagefile')"
        )
    op_name, flag_args = args.op, list(args.flags)
    if op_name is not None and is_flag_assign(op_name):
        op_name, flag_args = None, [op_name, *flag_args]
    for arg in flag_args:
        if not is_flag_assign(arg):
            raise GageError(f"invalid flag assignment '{arg}'", hint="flags are given as NAME=VALUE")
    names = sorted(gf.ops)
    if op_name is None:
        opdef = gf.default_op()
        if opdef is None:
            raise OpNotFound(
                "no default operation: name the operation to run",
                available=names,
                hint="operations: " + (", ".join(names) if names else "(none)"),
            )
    else:
        opdef = gf.ops.get(op_name)
        if opdef is None and op_name in gf.lost_ops:
            raise OpBroken(
                f"operation '{op_name}' is lost to a syntax error near line "
                f"{gf.lost_ops[op_name]} of {gf.path.name}",
                diagnostics=tuple(d for d in gf.diagnostics if d.code == "syntax"),
                hint=f"fix it, then check with 'gage check {gf.path.name}'",
            )
        if opdef is None:
            close = difflib.get_close_matches(op_name, names, n=1)
            hint = (f"did you mean '{close[0]}'? " if close else "") + "operations: " + (
                ", ".join(names) if names else "(none)"
            )
            raise OpNotFound(
                f"no operation '{op_name}' in {gf.path.name}", available=names, hint=hint
            )
    # Shown even when the op can run: an ignored unknown key is usually a
    # typo (exce = ...) the user wants to hear about.
    _print_diagnostics(env, gf, opdef)
    if opdef.broken:
        raise OpBroken(
            f"operation '{opdef.name}' in {gf.path.name} has errors and cannot run",
            diagnostics=opdef.diagnostics,
            hint=f"fix them, then check with 'gage check {gf.path.name}'",
        )
    if not opdef.exec.get("run"):
        raise GageError(
            f"operation '{opdef.name}' defined in {gf.path.name} is missing an exec command",
            hint="run 'gage help exec' for more information",
        )
    return opdef, flag_args


def _print_diagnostics(env, gf, opdef) -> None:
    diags = [d for d in opdef.diagnostics]
    if not diags:
        return
    from gage_tui.cli.diagnostics_view import render_diagnostics
    from gage_tui.cli.output import Output

    try:
        text = gf.path.read_text(encoding="utf-8")
    except OSError:
        text = None
    render_diagnostics(Output(plain=env.plain, file=sys.stderr), diags, text, "full", env.verbose)


def _config(project, opdef, flag_args) -> dict:
    from gage_core.staging.config import read_config_defaults
    from gage_core.staging.flags import check_flags, parse_flag_assigns

    defaults = dict(read_config_defaults(project.dir, opdef)) if project.dir is not None else {}
    given = check_flags(parse_flag_assigns(flag_args, raw=True), defaults, opdef.name)
    return {**defaults, **given}


def _comparable(project, store, opdef, config):
    from gage_core.query.comparable import comparable_run

    namespace = project.gagefile.namespace
    return comparable_run(store.list_runs(), namespace, opdef.name, opdef.version, config)


def _help_op(env, project, opdef) -> int:
    """Usage, description and flags with their defaults (Gage 0.1.2's
    ``--help-op``)."""
    from gage_core.staging.flags import format_flag_value
    from gage_tui.cli.output import Column

    env.out.line(f"Usage: gage run {opdef.name}")
    if opdef.description:
        env.out.line("")
        for line in opdef.description.strip().splitlines():
            env.out.line(f"  {line}".rstrip())
    defaults = _config(project, opdef, [])
    if defaults:
        env.out.line("")
        env.out.line("Flags", style="bold")
        env.out.table(
            [Column("name"), Column("default")],
            [(k, format_flag_value(v)) for k, v in sorted(defaults.items())],
        )
    return 0


def _preview(args, env, project, opdef, flag_args, store) -> int:
    """``--preview``: what the run would do, as tables or ``--json``."""
    import json

    from gage_core.staging.preview import build_preview
    from gage_tui.cli.commands.run.batch import is_batch, preview_combinations
    from gage_tui.cli.commands.run.preview import render_preview

    configs, varying = [], []
    if is_batch(args, flag_args):
        configs, varying = preview_combinations(args, env, project, opdef, flag_args)
        # The preview of the first combination stands for all of them.
        flag_args = [f"{k}={_flag_text(v)}" for k, v in configs[0].items()] if configs else flag_args
    preview = build_preview(project, opdef, flag_args, store=store)
    runs = len(configs) if configs else 1
    if args.json:
        data = preview.to_json()
        data["runs"] = runs
        if configs:
            data["batch"] = [{k: c.get(k) for k in varying} for c in configs]
        env.out.file.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
        return 0
    render_preview(env, preview)
    if configs:
        _print_combinations(env, configs, varying)
    return 0


def _flag_text(value) -> str:
    from gage_core.staging.flags import format_flag_value

    return format_flag_value(value)


def _print_combinations(env, configs: list[dict], varying: list[str]) -> None:
    """``--preview`` of a batch: one row per run it would start."""
    from gage_tui.cli.output import Column

    n = len(configs)
    env.out.line("")
    env.out.line(f"Batch: {n} run{'s' if n != 1 else ''} (one per combination)", style="bold")
    if varying:
        env.out.table(
            [Column("#", justify="right"), *(Column(k) for k in varying)],
            [(str(i), *(_flag_text(c.get(k)) for k in varying)) for i, c in enumerate(configs, 1)],
        )


def _confirm(env, op_name: str, config: dict, action: str) -> None:
    from gage_core.staging.flags import format_flag_value
    from gage_tui.cli.runs_support import confirm_launch

    rows = [(k, format_flag_value(v)) for k, v in sorted(config.items())]
    confirm_launch(env, action, f"You are about to {action} {op_name}", ("flag", "value"), rows)


# -- init, stage, start --------------------------------------------------------


def _init_stage_start(args, env, project, store, opdef, config) -> int:
    from gage_core.staging.lifecycle import init_run, stage_run
    from gage_core.store.ids import run_name

    run_id = init_run(
        project, opdef, config, label=args.label, tags=args.tags, comment=args.comment
    )
    name = run_name(run_id)
    status = None
    if env.verbose and not args.quiet:
        status = lambda step: env.out.err(f"[{name}] {step}")  # noqa: E731
    from gage_tui.cli.progress import copy_progress_for

    progress = None if args.quiet else copy_progress_for(sys.stderr)
    try:
        stage_run(project, run_id, opdef, config, store=store, status=status,
                  echo=None if args.quiet else _echo, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    run_dir = project.runs_dir / run_id
    if args.stage:
        _check_executor_options(args)
        env.out.line(f'Run "{name}" is staged')
        env.out.line(f"To start it, run 'gage run --start {name}'")
        return 0
    return _launch(args, env, run_dir, name)


def _echo(stream: int, data: bytes) -> None:
    """Staging hook output, live, to our stdout/stderr."""
    f = sys.stderr if stream == 1 else sys.stdout
    buf = getattr(f, "buffer", None)
    if buf is not None:
        buf.write(data)
        buf.flush()
    else:
        f.write(data.decode("utf-8", errors="replace"))


def _executor_choice(args, project):
    import os

    from gage_core.process.executors.assign import resolve_executor

    return resolve_executor(project, os.environ, args.executor, args.ray_address, args.ray_store)


def _check_executor_options(args) -> None:
    from gage_core.errors import GageError

    if args.executor or args.ray_address or args.ray_store:
        raise GageError(
            "--executor, --ray-address and --ray-store apply when a run starts",
            hint="give them to 'gage run --start RUN'",
        )


def _launch(args, env, run_dir, name: str, *, assign: bool = True) -> int:
    from gage_core.process.launch import run_foreground, start_detached

    choice = getattr(args, "executor_choice", None)
    if assign and choice is not None and choice.remote:
        from gage_core.errors import GageError
        from gage_core.process.executors.assign import assign_executor

        try:
            assign_executor(run_dir, choice)
        except GageError as e:
            # The run stays staged: it can still start elsewhere.
            e.hint = (e.hint + "; " if e.hint else "") + f"the run stays staged ('gage run --start {name}')"
            raise
        if not args.quiet:
            env.out.err(f"gage: run {name} executes on Ray at {choice.address}")
    if args.background:
        pid = start_detached(run_dir)
        env.out.line(f"Run {name} started in the background (runner pid {pid})")
        env.out.line(f"To follow its output, run 'gage tail -f {name}'")
        return 0

    def on_interrupt(n: int) -> None:
        if n == 1:
            env.out.err("gage: stopping the run (Ctrl-C again to kill it)")
        else:
            env.out.err("gage: killing the run")

    code = run_foreground(run_dir, echo=not args.quiet, on_interrupt=on_interrupt)
    if code == 0:
        return 0
    if code < 0:
        env.out.err(f"gage: run {name} was terminated (signal {-code})")
        return 128 - code
    env.out.err(f"gage: run {name} failed with exit code {code}")
    return code if code < 256 else 1


def _start_staged(args, env) -> int:
    from gage_core.errors import RunStateError
    from gage_tui.cli.runs_support import project_runs, select_one_run

    if args.label or args.tags or args.comment:
        from gage_core.errors import GageError

        raise GageError("--label, --tag and --comment cannot be used with --start")
    _project, store, runs = project_runs(env, all_projects=True)
    target = store.refresh(select_one_run(runs, args.start))
    if target.status != "staged":
        raise RunStateError(
            f"run {target.name} is {target.status}",
            hint="only staged runs can be started with --start",
        )
    args.executor_choice = _executor_choice(args, _project)
    if not args.yes:
        _confirm(env, target.op_name, target.config, "start")
    return _launch(args, env, target.run_dir, target.name)


def _attach(args, env) -> int:
    from gage_core.errors import GageError, RunStateError
    from gage_core.process.executors.proxy import has_remote_handle
    from gage_tui.cli.runs_support import project_runs, select_one_run

    if args.label or args.tags or args.comment:
        raise GageError("--label, --tag and --comment cannot be used with --attach")
    _check_executor_options(args)
    _project, store, runs = project_runs(env, all_projects=True)
    target = store.refresh(select_one_run(runs, args.attach))
    if not has_remote_handle(target.run_dir):
        raise RunStateError(f"run {target.name} did not execute remotely", hint="only remote runs can be attached")
    if target.status != "detached":
        raise RunStateError(
            f"run {target.name} is {target.status}",
            hint="only a detached run (its proxy died while its job ran) can be attached",
        )
    return _launch(args, env, target.run_dir, target.name, assign=False)

