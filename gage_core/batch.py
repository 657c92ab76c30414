"""Batches: one run per combination of list-valued flags, and launching
runs detached (what the workbench's launch form does).

``train lr=[0.01,0.1] epochs=[5,10]`` is four runs; every run of a batch
records the same batch id (meta file ``batch``) so they can be filtered
(``batch = ID``) and compared together.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable, Mapping

__all__ = ["expand_batch", "resolve_config", "launch_runs", "new_batch_id"]


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


def launch_runs(
    project,
    opdef,
    flags: Mapping[str, Any],
    *,
    label: str | None = None,
    tags: Iterable[str] = (),
    comment: str | None = None,
    store=None,
) -> list[str]:
    """Initialise, stage and start detached one run per combination of
    ``flags``; returns the run ids in launch order. Staging errors raise
    (the failed run is recorded as ended, never left 'running')."""
    from gage_core.process.launch import start_detached
    from gage_core.process.lifecycle import init_run, stage_run

    defaults, typed = resolve_config(project, opdef, flags)
    combos = expand_batch(typed)
    batch_id = new_batch_id() if len(combos) > 1 else None
    run_ids = []
    for combo in combos:
        config = {**defaults, **combo}
        run_id = init_run(project, opdef, config, label=label, tags=tags, comment=comment, batch_id=batch_id)
        stage_run(project, run_id, opdef, config, store=store)
        start_detached(project.runs_dir / run_id)
        run_ids.append(run_id)
    return run_ids
