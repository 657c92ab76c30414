"""``gage run --needed``: find a run that makes a new one unnecessary.

A run is comparable when it ran the same operation (namespace, name and
version), did not end in error, and has the same config (flags) as the new
run would. Staged, pending, running and terminated runs count, as in Gage
0.1.2: the work is under way or was stopped on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = ["comparable_run"]


def _plain(config: dict) -> Any:
    """Config as stored in ``config.json`` (JSON types only)."""
    return json.loads(json.dumps(config, sort_keys=True, default=str))


def comparable_run(runs: Iterable[Any], namespace: str, op_name: str, version: str | None, config: dict):
    """The newest comparable run among ``runs`` (newest first), or None."""
    wanted = _plain(config)
    for run in runs:
        ref = run.opref
        if (ref.namespace, ref.name, ref.version or None) != (namespace, op_name, version or None):
            continue
        if run.status == "error" or run.meta_error:
            continue
        if _plain(run.config) == wanted:
            return run
    return None
