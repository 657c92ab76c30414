"""``gage run`` for batches: list-valued flags (``lr=[0.01,0.1]``) and
batch files (``-b FILE``). Called from commands/run.py; the core is
gage_core/batch.py and gage_core/process/batch_runner.py.

Every run is staged first. In the foreground the runs then execute at most
``--max-parallel`` at once with one status line per start and end (their
output is not echoed: see 'gage cat'); with ``--background`` a detached
supervisor keeps the limit after this command returns.
"""

from __future__ import annotations

__all__ = ["is_batch", "run_batch_cli", "preview_combinations"]


def is_batch(args, flag_args) -> bool:
    """True when the command asks for a batch (batch files or list values)."""
    from gage_core.staging.flags import FlagList, parse_flag_assigns

    if getattr(args, "batch", None):
        return True
    return any(isinstance(v, FlagList) for v in parse_flag_assigns(list(flag_args)).values())


def _plan(args, env, project, opdef, flag_args) -> list[dict]:
    from pathlib import Path

    from gage_core.staging.batch import plan_batch
    from gage_core.staging.flags import parse_flag_assigns

    # Batch file paths are relative to the working directory (-C moves it).
    files = [Path(env.settings.cwd) / f for f in (args.batch or ())]
    return plan_batch(project, opdef, parse_flag_assigns(list(flag_args), raw=True), files, getattr(args, "max_runs", None))


def preview_combinations(args, env, project, opdef, flag_args) -> tuple[list[dict], list[str]]:
    """The batch's run configs and the flag names that vary among them."""
    configs = _plan(args, env, project, opdef, flag_args)
    return configs, _varying(configs)


def _varying(configs: list[dict]) -> list[str]:
    import json

    keys = sorted({k for c in configs for k in c})
    return [k for k in keys if len({json.dumps(c.get(k), sort_keys=True, default=str) for c in configs}) > 1]


def _flags_text(config: dict, keys: list[str]) -> str:
    from gage_core.staging.flags import format_flag_value

    return " ".join(f"{k}={format_flag_value(config.get(k))}" for k in keys)


def _confirm(env, op_name: str, configs: list[dict], action: str, max_parallel: int) -> None:
    from gage_core.staging.flags import format_flag_value
    from gage_tui.cli.runs_support import confirm_launch

    keys = _varying(configs)
    at_once = f", at most {max_parallel} at once" if action == "run" and max_parallel > 1 else ""
    heading = f"You are about to {action} a batch of {len(configs)} {op_name} runs{at_once}"
    rows = [(str(i + 1), *(format_flag_value(c.get(k)) for k in keys)) for i, c in enumerate(configs)] if keys else []
    confirm_launch(env, action, heading, ("#", *keys), rows)


def run_batch_cli(args, env, project, store, opdef, flag_args) -> int:
    from gage_core.errors import GageError
    from gage_core.staging.batch import stage_batch, start_supervisor, write_batch_spec
    from gage_core.store.ids import run_name

    if args.max_parallel < 1:
        raise GageError("--max-parallel must be 1 or more")
    configs = _plan(args, env, project, opdef, flag_args)
    if not configs:
        raise GageError("the batch has no runs", hint="check the batch files and list values")
    if not args.yes:
        _confirm(env, opdef.name, configs, "stage" if args.stage else "run", args.max_parallel)
    n = len(configs)
    keys = _varying(configs)
    width = len(str(n))
    names: dict[str, str] = {}

    def staging(i: int, run_id: str) -> None:
        names[run_id] = run_name(run_id)
        if not args.quiet:
            env.out.err(f"[{i + 1:>{width}}/{n}] staging {names[run_id]}  {_flags_text(configs[i], keys)}")

    batch_id, run_ids = stage_batch(
        project, opdef, configs, label=args.label, tags=args.tags, comment=args.comment,
        store=store, status=staging,
    )
    batch_ref = batch_id[:8] if batch_id else "-"
    choice = getattr(args, "executor_choice", None)
    if choice is not None and choice.remote and not args.stage:
        from gage_core.process.executors.assign import assign_executor

        # Every proxy follows one job: --max-parallel is jobs in flight.
        for run_id in run_ids:
            assign_executor(project.runs_dir / run_id, choice)
        if not args.quiet:
            env.out.err(f"gage: the batch executes on Ray at {choice.address}")
    if args.stage:
        env.out.line(f"Batch {batch_ref}: {n} runs staged")
        env.out.line("To start one, run 'gage run --start NAME'")
        return 0
    if args.background:
        spec = write_batch_spec(project.runs_dir, batch_id or run_ids[0], run_ids, args.max_parallel)
        pid = start_supervisor(spec)
        env.out.line(
            f"Batch {batch_ref} of {n} runs started in the background, at most "
            f"{args.max_parallel} at once (supervisor pid {pid})"
        )
        env.out.line(f"To list its runs, run 'gage ls -w \"batch = {batch_id}\"'")
        return 0
    return _foreground(args, env, project, run_ids, configs, keys, names)


def _foreground(args, env, project, run_ids, configs, keys, names) -> int:
    import json
    import time

    from gage_core.process.batch_runner import run_batch

    n = len(run_ids)
    width = len(str(n))
    index = {rid: i for i, rid in enumerate(run_ids)}

    def tag(br) -> str:
        return f"[{index[br.run_id] + 1:>{width}}/{n}] {names.get(br.run_id, br.run_id[:8])}"

    def on_start(br) -> None:
        env.out.line(f"{tag(br)} started  {_flags_text(configs[index[br.run_id]], keys)}")

    def on_end(br) -> None:
        if br.skipped:
            env.out.line(f"{tag(br)} skipped (no longer staged)")
            return
        took = f" in {time.monotonic() - br.started_at:.1f}s" if br.started_at else ""
        status = "completed" if br.exit_code == 0 else (
            f"terminated (signal {-br.exit_code})" if br.exit_code < 0 else f"failed (exit {br.exit_code})"
        )
        metrics = ""
        try:
            data = json.loads((br.meta_dir / "summary.json").read_text(encoding="utf-8"))
            shown = [(k, v) for k, v in (data.get("metrics") or {}).items() if k != "step"][:4]
            metrics = "  " + " ".join(f"{k}={v}" for k, v in shown) if shown else ""
        except (OSError, ValueError, AttributeError):
            pass
        env.out.line(f"{tag(br)} {status}{took}{metrics}")

    def on_interrupt(count: int) -> None:
        env.out.err("gage: stopping the running runs (Ctrl-C again to kill them)" if count == 1 else "gage: killing the runs")

    runs_dir = project.runs_dir
    result = run_batch(
        [runs_dir / r for r in run_ids], args.max_parallel,
        on_start=on_start, on_end=on_end, on_interrupt=on_interrupt,
    )
    done = [br for br in result if br.exit_code is not None]
    failed = [br for br in done if br.exit_code != 0]
    terminated = [br for br in failed if br.exit_code < 0]
    not_started = [br for br in result if br.exit_code is None and not br.skipped]
    summary = f"{len(done) - len(failed)} of {n} runs completed"
    if len(failed) > len(terminated):
        summary += f", {len(failed) - len(terminated)} failed"
    if terminated:
        summary += f", {len(terminated)} terminated"
    if not_started:
        summary += f", {len(not_started)} not started (still staged)"
    (env.out.err if failed or not_started else env.out.line)(("gage: " if failed or not_started else "") + summary)
    return 1 if failed or not_started else 0
