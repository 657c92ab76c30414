"""Batches: one run per combination of list-valued flags and batch-file
rows, staged together and run at most N at once.

``train lr=[0.01,0.1] epochs=[5,10]`` is four runs; every run of a batch
records the same batch id (meta file ``batch``) so they can be filtered
(``batch = ID``) and compared together.

Batch files (``gage run -b FILE``): CSV with a header row (values typed
like command-line flags) or a JSON array of objects. Several files give
the cartesian product of their rows. Config of a run = defaults, then the
batch row, then the command-line flags (flags win); list values in the
result expand further. Identical combinations are run once.

Running: ``stage_batch`` stages every run first; then either
``gage_core.process.batch_runner.run_batch`` in the foreground, or
``start_supervisor`` (a detached ``python -m
gage_core.process.batch_runner SPEC`` that keeps the limit after the
caller exits).
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "expand_batch",
    "resolve_config",
    "launch_runs",
    "new_batch_id",
    "read_batch_file",
    "batch_flag_sets",
    "plan_batch",
    "stage_batch",
    "write_batch_spec",
    "start_supervisor",
    "BATCH_SPEC_DIR",
]

BATCH_SPEC_DIR = ".batches"


def expand_batch(flags: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The cartesian product of list values; scalars are the same in all.
    An empty list value yields no runs."""
    names = list(flags)
    choices = [v if isinstance(v, list) else [v] for v in flags.values()]
    return [dict(zip(names, combo)) for combo in itertools.product(*choices)]


def new_batch_id() -> str:
    from gage_core.store.ids import new_run_id

    return new_run_id()


def resolve_config(project, opdef, flags: Mapping[str, Any]) -> tuple[dict, dict]:
    """(defaults read from the project's files, flags typed against them).
    Raises ``FlagError`` for unknown flags or values of the wrong type."""
    from gage_core.staging.config import read_config_defaults
    from gage_core.staging.flags import check_flags

    defaults = dict(read_config_defaults(project.dir, opdef)) if project.dir is not None else {}
    return defaults, check_flags(dict(flags), defaults, opdef.name)


# -- batch files ---------------------------------------------------------------


def read_batch_file(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Rows of a batch file: ``.csv`` (header row, values parsed like
    flags; empty cells are left out) or ``.json`` (array of objects).
    Raises ``BatchError``."""
    from gage_core.errors import BatchError

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BatchError(f"batch file {p} does not exist") from None
    except OSError as e:
        raise BatchError(f"cannot read batch file {p}: {e.strerror or e}") from None
    if p.suffix.lower() == ".json" or (p.suffix.lower() != ".csv" and text.lstrip()[:1] == "["):
        return _json_rows(p, text)
    return _csv_rows(p, text)


def _json_rows(p: Path, text: str) -> list[dict]:
    from gage_core.errors import BatchError

    try:
        data = json.loads(text)
    except ValueError as e:
        raise BatchError(f"batch file {p} is not valid JSON: {e}") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise BatchError(
            f"batch file {p} must be a JSON array of objects",
            hint='e.g. [{"lr": 0.01}, {"lr": 0.1}]',
        )
    return [dict(r) for r in data]


def _csv_rows(p: Path, text: str) -> list[dict]:
    from gage_core.errors import BatchError
    from gage_core.staging.flags import parse_flag_value

    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if not rows:
        raise BatchError(f"batch file {p} is empty", hint="the first row names the flags")
    header = [h.strip() for h in rows[0]]
    if not all(header) or len(set(header)) != len(header):
        raise BatchError(f"batch file {p}: the header row needs unique, non-empty flag names")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) > len(header):
            raise BatchError(f"batch file {p}, row {n}: {len(row)} values for {len(header)} columns")
        out.append({h: parse_flag_value(v.strip()) for h, v in zip(header, row) if v.strip() != ""})
    return out


def batch_flag_sets(
    flags: Mapping[str, Any],
    files_rows: Sequence[Sequence[Mapping[str, Any]]] = (),
    max_runs: int | None = None,
) -> list[dict[str, Any]]:
    """Flag sets of the runs: the product of the files' rows, each merged
    (later files win), command-line ``flags`` on top, list values expanded.
    Identical sets are kept once; ``max_runs`` truncates."""
    bases: list[dict] = [{}]
    for rows in files_rows:
        bases = [{**b, **r} for b in bases for r in rows]
    out: list[dict] = []
    seen: set[str] = set()
    for base in bases:
        for combo in expand_batch({**base, **flags}):
            key = json.dumps(combo, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                out.append(combo)
    return out[:max_runs] if max_runs is not None and max_runs >= 0 else out


def plan_batch(
    project,
    opdef,
    flags: Mapping[str, Any],
    batch_files: Iterable[str | os.PathLike] = (),
    max_runs: int | None = None,
) -> list[dict[str, Any]]:
    """The full config (defaults + typed flags) of every run of a batch.
    Raises ``FlagError``/``BatchError``."""
    from gage_core.staging.config import read_config_defaults
    from gage_core.staging.flags import check_flags

    defaults = dict(read_config_defaults(project.dir, opdef)) if project.dir is not None else {}
    batch_files = list(batch_files)
    files_rows = [read_batch_file(f) for f in batch_files]
    for path, rows in zip(batch_files, files_rows):
        if not rows:
            from gage_core.errors import BatchError

            raise BatchError(f"batch file {path} has no rows")
    typed_flags = check_flags(dict(flags), defaults, opdef.name)
    typed_rows = [[check_flags(r, defaults, opdef.name) for r in rows] for rows in files_rows]
    return [{**defaults, **s} for s in batch_flag_sets(typed_flags, typed_rows, max_runs)]


# -- staging and starting --------------------------------------------------------


def stage_batch(
    project,
    opdef,
    configs: Sequence[Mapping[str, Any]],
    *,
    label: str | None = None,
    tags: Iterable[str] = (),
    comment: str | None = None,
    store=None,
    status=None,
    batch_id: str | None = None,
) -> tuple[str | None, list[str]]:
    """Init and stage one run per config, all with one batch id (none for
    a single run). ``status(i, run_id)`` is called before each. If staging
    a run fails, the runs staged before it are recorded as ended (never
    left staged for nobody) and the error is raised."""
    from gage_core.staging.lifecycle import fail_run, init_run, stage_run
    from gage_core.store import layout

    if batch_id is None and len(configs) > 1:
        batch_id = new_batch_id()
    tags = tuple(tags)
    run_ids: list[str] = []
    try:
        for i, config in enumerate(configs):
            run_id = init_run(project, opdef, config, label=label, tags=tags, comment=comment, batch_id=batch_id)
            if status is not None:
                status(i, run_id)
            stage_run(project, run_id, opdef, config, store=store)
            run_ids.append(run_id)
    except BaseException:
        for run_id in run_ids:
            fail_run(layout.meta_dir(project.runs_dir, run_id), 1, "Batch cancelled: staging another run of the batch failed")
        raise
    return batch_id, run_ids


def write_batch_spec(runs_dir: str | os.PathLike, batch_id: str, run_ids: Sequence[str], max_parallel: int) -> Path:
    """The supervisor's input: ``<runs_dir>/.batches/<batch_id>.json``."""
    from gage_core.process.metafiles import write_json

    runs_dir = Path(runs_dir)
    path = runs_dir / BATCH_SPEC_DIR / f"{batch_id}.json"
    write_json(path, {
        "batch_id": batch_id,
        "max_parallel": max(1, int(max_parallel)),
        "runs": [str(runs_dir / r) for r in run_ids],
    })
    return path


def start_supervisor(spec_path: str | os.PathLike) -> int:
    """Start ``python -m gage_core.process.batch_runner SPEC`` in its own
    session (it outlives the caller); returns its PID."""
    env = dict(os.environ)
    env.setdefault("PARENT_PWD", os.getcwd())
    proc = subprocess.Popen(
        [sys.executable, "-m", "gage_core.process.batch_runner", str(spec_path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        env=env,
    )
    threading.Thread(target=proc.wait, name=f"reap-{proc.pid}", daemon=True).start()
    return proc.pid


def launch_runs(
    project,
    opdef,
    flags: Mapping[str, Any],
    *,
    label: str | None = None,
    tags: Iterable[str] = (),
    comment: str | None = None,
    store=None,
    max_parallel: int = 1,
    batch_files: Iterable[str | os.PathLike] = (),
    executor=None,
) -> list[str]:
    """Stage one run per combination of ``flags`` and start them detached:
    a single run directly, a batch through the supervisor (at most
    ``max_parallel`` at once). Returns the run ids in launch order.
    Staging errors raise (the failed run is recorded as ended).
    ``executor`` (an ``ExecutorChoice``) sends the runs to a cluster."""
    from gage_core.process.launch import start_detached

    configs = plan_batch(project, opdef, flags, list(batch_files))
    batch_id, run_ids = stage_batch(project, opdef, configs, label=label, tags=tags, comment=comment, store=store)
    if executor is not None and executor.remote:
        from gage_core.process.executors.assign import assign_executor

        for run_id in run_ids:
            assign_executor(Path(project.runs_dir) / run_id, executor)
    if len(run_ids) == 1:
        start_detached(Path(project.runs_dir) / run_ids[0])
    elif run_ids:
        assert batch_id is not None
        start_supervisor(write_batch_spec(project.runs_dir, batch_id, run_ids, max_parallel))
    return run_ids
