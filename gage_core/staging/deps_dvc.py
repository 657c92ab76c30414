"""DVC-tracked files from the project's local DVC cache (no DVC install).

Public API::

    dvc_cached_files(project_dir, rel) -> list[tuple[str, str, Path]]
        # (tracked relpath, md5, cache file) for the output ``rel`` (a file,
        # or each file of a tracked directory); raises StagingError

The output is found through ``<rel>.dvc`` (or ``rel`` itself when it ends
with ``.dvc``) or the project's ``dvc.lock``. Cache layouts: DVC 3
``.dvc/cache/files/md5/xx/rest`` and DVC 2 ``.dvc/cache/xx/rest``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from gage_core.errors import StagingError

__all__ = ["dvc_cached_files"]


def _load_yaml(path: Path):
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise StagingError(f"cannot read {path.name}: {e}") from None


def _find_out(project: Path, rel: str) -> tuple[str, str]:
    if rel.endswith(".dvc"):
        dvc_path, target = project / rel, None
    else:
        dvc_path, target = project / (rel + ".dvc"), rel
    if dvc_path.is_file():
        base = os.path.dirname(os.path.relpath(dvc_path, project))
        outs = _load_yaml(dvc_path).get("outs") or []
        for out in outs:
            if not isinstance(out, dict) or not out.get("md5"):
                continue
            out_rel = os.path.normpath(os.path.join(base, str(out.get("path", "")))).replace(os.sep, "/")
            if target is None or out_rel == target:
                return out_rel, str(out["md5"])
        raise StagingError(f"{dvc_path.name} has no output with an md5 for '{rel}'")
    lock = project / "dvc.lock"
    if lock.is_file():
        stages = _load_yaml(lock).get("stages") or {}
        for stage in stages.values():
            for out in (stage or {}).get("outs") or []:
                if isinstance(out, dict) and str(out.get("path", "")).strip("/") == rel and out.get("md5"):
                    return rel, str(out["md5"])
    raise StagingError(
        f"'{rel}' is not tracked by DVC here (no {rel}.dvc and no entry in dvc.lock)",
        hint="track it with 'dvc add' or use 'file:' for a plain project file",
    )


def _cache_path(project: Path, md5: str) -> Path | None:
    cache = project / ".dvc" / "cache"
    for cand in (cache / "files" / "md5" / md5[:2] / md5[2:], cache / md5[:2] / md5[2:]):
        if cand.is_file():
            return cand
    return None


def _not_cached(rel: str) -> StagingError:
    return StagingError(
        f"'{rel}' is not in the local DVC cache",
        hint=f"run 'dvc pull {rel}' in the project, then try again",
    )


def dvc_cached_files(project_dir, rel: str) -> list[tuple[str, str, Path]]:
    project = Path(project_dir)
    out_rel, md5 = _find_out(project, rel)
    cached = _cache_path(project, md5)
    if cached is None:
        raise _not_cached(out_rel)
    if not md5.endswith(".dir"):
        return [(out_rel, md5, cached)]
    try:
        listing = json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise StagingError(f"DVC cache entry for '{out_rel}' is unreadable: {e}") from None
    files = []
    for item in listing:
        sub_md5, sub_rel = str(item.get("md5", "")), str(item.get("relpath", ""))
        if not sub_md5 or not sub_rel or ".." in sub_rel.split("/") or sub_rel.startswith("/"):
            continue
        path = _cache_path(project, sub_md5)
        if path is None:
            raise _not_cached(f"{out_rel}/{sub_rel}")
        files.append((f"{out_rel}/{sub_rel}", sub_md5, path))
    return files
