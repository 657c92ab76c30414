"""Build a ``Run`` from the files of a runs directory.

Loading never raises for bad content: what cannot be read is described in
``Run.meta_error`` and the rest is filled in as well as possible.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gage_core.store import layout
from gage_core.store.attribute_log import read_user_attrs
from gage_core.store.ids import run_name
from gage_core.store.meta import MetaError, MetaReader
from gage_core.store.opref import OpRef, OpRefError
from gage_core.store.run import Run
from gage_core.store.status import derive_status

__all__ = ["load_run", "read_container", "read_project_ref", "plain_values", "UNKNOWN_OPREF"]

UNKNOWN_OPREF = OpRef("?", "?")


def read_container(move_dir: Path) -> str:
    """Container from ``<id>.move/<uuid>-<container>`` markers: the
    lexically last marker wins; no markers means ``active``."""
    try:
        names = sorted(n for n in os.listdir(move_dir) if not n.startswith("."))
    except OSError:
        return "active"
    if not names:
        return "active"
    last = names[-1]
    if len(last) > 37 and last[36] == "-":
        return last[37:]
    return last.rsplit("-", 1)[-1] or "active"


def read_project_ref(path: Path, runs_dir: Path) -> str | None:
    """Absolute project dir from a ``<id>.project`` file (``file:<path>``,
    relative paths are relative to the runs dir)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not text:
        return None
    if text.startswith("file:"):
        text = text[len("file:"):]
    p = Path(text)
    if not p.is_absolute():
        p = runs_dir / p
    return os.path.normpath(str(p))


def plain_values(data: Any, numeric: bool) -> dict:
    """Summary ``metrics``/``attributes`` with ``{"value": ...}`` objects
    (and lists of them: the last wins) reduced to plain values. With
    ``numeric`` only numbers are kept."""
    out: dict = {}
    if not isinstance(data, dict):
        return out
    for key, value in data.items():
        if isinstance(value, list):
            value = value[-1] if value else None
        if isinstance(value, dict):
            value = value.get("value")
        if numeric:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
        elif not (value is None or isinstance(value, (str, int, float, bool))):
            continue
        out[str(key)] = value
    return out


def load_run(runs_dir: Path, run_id: str, meta_path: Path | None = None) -> Run | None:
    """The run ``run_id``, or None for a meta being created (no ``opref``
    yet). A meta without ``opref`` that has not changed for a while is a
    damaged run: returned with status unknown and a ``meta_error``."""
    runs_dir = Path(runs_dir)
    meta_path = meta_path or layout.meta_path(runs_dir, run_id)
    if not meta_path.exists():
        return None
    errors: list[str] = []
    with MetaReader(meta_path, snapshot=True) as meta:
        try:
            opref_bytes = meta.read_bytes("opref")
        except MetaError as e:
            return _broken(runs_dir, run_id, e.message)
        if opref_bytes is None:
            if _settled(meta_path):
                # Not a meta being created: a damaged run, listed as such.
                return _broken(runs_dir, run_id, "meta has no opref file (damaged run)")
            return None
        try:
            opref = OpRef.decode(opref_bytes)
        except OpRefError as e:
            opref = UNKNOWN_OPREF
            errors.append(e.message)
        try:
            return _load(runs_dir, run_id, meta, opref, errors)
        except Exception as e:
            return _broken(runs_dir, run_id, f"cannot read run: {e}", opref)


# A meta dir whose opref is still missing this long after its last change
# is not one being created (init writes opref right after the dir).
_CREATION_WINDOW_S = 10.0


def _settled(meta_path: Path) -> bool:
    import time

    try:
        return time.time() - meta_path.stat().st_mtime > _CREATION_WINDOW_S
    except OSError:
        return False


def _broken(runs_dir: Path, run_id: str, message: str, opref: OpRef = UNKNOWN_OPREF) -> Run:
    return Run(
        id=run_id,
        name=run_name(run_id),
        runs_dir=runs_dir,
        opref=opref,
        status="unknown",
        container=read_container(layout.move_dir(runs_dir, run_id)),
        meta_error=message,
    )


def _read(meta: MetaReader, errors: list[str], fn: str, relpath: str):
    try:
        return getattr(meta, fn)(relpath)
    except MetaError as e:
        errors.append(e.message)
        return None


def _load(runs_dir: Path, run_id: str, meta: MetaReader, opref: OpRef, errors: list[str]) -> Run:
    times = {k: _read(meta, errors, "read_int", k) for k in ("initialized", "staged", "started", "stopped")}
    info = derive_status(meta)
    errors.extend(info.errors)
    config = _read(meta, errors, "read_json", "config.json")
    if config is not None and not isinstance(config, dict):
        errors.append("meta config.json is not an object")
        config = None
    summary = _read(meta, errors, "read_json", "summary.json")
    if summary is not None and not isinstance(summary, dict):
        errors.append("meta summary.json is not an object")
        summary = None
    summary = summary or {}
    metrics = plain_values(summary.get("metrics"), numeric=True)
    attributes = plain_values(summary.get("attributes"), numeric=False)

    legacy_deleted = meta.path.name.endswith(layout.META_DELETED_SUFFIX)
    user_dir = layout.user_dir(runs_dir, run_id)
    if legacy_deleted:
        user_dir = user_dir.with_name(user_dir.name + ".deleted")
    user_errors: list[str] = []
    uattrs = read_user_attrs(user_dir, user_errors)
    errors.extend(f"user attrs {m}" for m in user_errors)
    label = uattrs.get("label")
    if not isinstance(label, str):
        label = None
    if label is None:
        fallback = attributes.get("label")
        run_attr = summary.get("run")
        if fallback is None and isinstance(run_attr, dict):
            fallback = run_attr.get("label")
        label = str(fallback) if fallback not in (None, "") else None
    tags_raw = uattrs.get("tags")
    tags = tuple(str(t) for t in tags_raw) if isinstance(tags_raw, list) else ()

    project = _read(meta, errors, "read_json", "project.json")
    if project is not None and not isinstance(project, dict):
        errors.append("meta project.json is not an object")
    project = project if isinstance(project, dict) else {}
    project_file = layout.project_file(runs_dir, run_id)
    if legacy_deleted:
        project_file = project_file.with_name(project_file.name + ".deleted")
    project_dir = read_project_ref(project_file, runs_dir)
    # An empty pointer is a removed association ('gage associate --remove').
    if project_dir is None and not project_file.exists() and isinstance(project.get("project_dir"), str):
        project_dir = project["project_dir"]
    project_id = project.get("project_id") if isinstance(project.get("project_id"), str) else None
    executor, executor_address = _executor(_read(meta, errors, "read_json", "proc/executor.json"))
    batch = _read(meta, errors, "read_text", "batch")
    batch_id = batch.strip() or None if batch is not None else None

    return Run(
        id=run_id,
        name=run_name(run_id),
        runs_dir=runs_dir,
        opref=opref,
        status=info.status,
        initialized=times["initialized"],
        staged=times["staged"],
        started=times["started"],
        stopped=times["stopped"],
        exit_code=info.exit_code,
        label=label,
        tags=tags,
        config=config or {},
        metrics=metrics,
        attributes=attributes,
        project_dir=project_dir,
        project_id=project_id,
        batch_id=batch_id,
        container="trash" if legacy_deleted else read_container(layout.move_dir(runs_dir, run_id)),
        meta_error="; ".join(errors) if errors else None,
        executor=executor,
        executor_address=executor_address,
    )


def _executor(handle) -> tuple[str, str | None]:
    """(executor name, address) from ``proc/executor.json``; a run
    without one executed locally."""
    if not isinstance(handle, dict) or not isinstance(handle.get("executor"), str):
        return "local", None
    address = handle.get("address")
    return handle["executor"], address if isinstance(address, str) else None
