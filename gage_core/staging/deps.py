"""Dependency resolution at staging.

Public API::

    resolve_dependencies(project_dir, opdef, run_dir, store, config,
                         preview=False, into=None) -> DepsResult
    normalize_dependency(dep_or_str) -> Dependency   # shorthands, type aliases
    resolved_run_pins(opdef, entries) -> {flag: run id}   # re-run with the same runs
    rerun_config(run, opdef) -> dict    # run's flags + pins from its deps.json

    @dataclass DepsResult:
        entries: list[dict]   # one per dependency (see below); JSON-ready
        paths: list[str]      # run-dir files added (manifest type "d")
        to_json() -> {"dependencies": entries}   # written by the caller to meta deps.json

Entry: ``{"type", "spec", "source": {"run": id, "run_name", "operation"} |
{"project": dir} | {"dvc": file, "md5"}, "files": [{"path", "from", "link",
"sha256"?}], "error"?}``. With ``preview=True`` nothing is written and a
failure becomes the entry's ``error`` instead of a StagingError; without,
the failing entry gets its ``error`` too (in ``into``, so the caller can
record why staging stopped) and the StagingError is raised.

Types: ``project-files`` (files/dirs/globs from the project; ``link =
true`` symlinks), ``run-files`` (deps_runs.select_dep_run; ``files`` globs
or ``regex:`` patterns over the run's files; default: the run's generated
and dependency files from its manifest, else all files), ``runs-summary``
(JSON, or CSV when the file name ends with .csv; default ``runs.json``),
``dvcfile`` (local DVC cache via ``<file>.dvc`` or ``dvc.lock``).
URLs and paths escaping the project are rejected.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gage_core.errors import GageError, StagingError
from gage_core.gagefile.model import Dependency
from gage_core.staging.deps_dvc import dvc_cached_files
from gage_core.staging.deps_runs import runs_table, select_dep_run, select_dep_runs
from gage_core.staging.patterns import glob_to_regex

__all__ = [
    "DepsResult",
    "resolve_dependencies",
    "normalize_dependency",
    "dependency_source_text",
    "dependency_file_paths",
    "resolved_run_pins",
    "rerun_config",
]

_ALIASES = {
    "file": "project-files", "dir": "project-files", "files": "project-files",
    "project-files": "project-files", "run-files": "run-files", "runfiles": "run-files",
    "runs-summary": "runs-summary", "runssummary": "runs-summary", "dvcfile": "dvcfile",
    "dvc": "dvcfile",
}
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_WILD = re.compile(r"[*?\[]")


@dataclass
class DepsResult:
    entries: list[dict] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"dependencies": self.entries}


def normalize_dependency(dep: Dependency | str) -> Dependency:
    """Resolve aliases and string shorthands (``"runfiles: op=prepare"``)."""
    if isinstance(dep, str):
        kind, sep, rest = dep.partition(":")
        if not sep or kind.strip().lower() not in _ALIASES:
            raise StagingError(
                f"invalid dependency '{dep}'",
                hint="use 'file: PATH', 'dir: PATH', 'dvcfile: PATH' or 'runfiles: RUN-SELECT'",
            )
        t = _ALIASES[kind.strip().lower()]
        rest = rest.strip()
        if t in ("run-files", "runs-summary"):
            return Dependency(type=t, run_select=rest)
        return Dependency(type=t, files=(rest,))
    t = _ALIASES.get(dep.type.lower())
    if t is None:
        raise StagingError(f"unknown dependency type '{dep.type}'")
    if t != dep.type:
        from dataclasses import replace

        return replace(dep, type=t)
    return dep


def _spec_text(dep: Dependency) -> str:
    if dep.description:
        return dep.description
    if dep.type in ("run-files", "runs-summary"):
        sel = dep.run_select or f"op = {dep.operation}"
        return f"{dep.type}: {sel}" + (f" [{', '.join(dep.files)}]" if dep.files else "")
    return f"{dep.type}: {', '.join(dep.files)}"


def _check_rel(path: str, what: str) -> str:
    if _URL_RE.match(path):
        raise StagingError(
            f"{what} '{path}' is a URL; downloads are not supported",
            hint="download the file into the project and depend on it as 'file: PATH'",
        )
    p = path.replace("\\", "/")
    if p.startswith("/") or re.match(r"^[A-Za-z]:/", p):
        raise StagingError(f"{what} '{path}' is absolute; dependencies must be inside the project")
    if ".." in p.split("/"):
        raise StagingError(f"{what} '{path}' leaves the project ('..' is not allowed)")
    p = "/".join(part for part in p.split("/") if part not in ("", "."))
    if not p:
        raise StagingError(f"{what} '{path}' names the whole project", hint="name the files or dirs needed")
    return p


def _inside(path: Path, root: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _walk_rel(root: Path, skip_hidden: bool = True):
    """(relpath, is_dir) for everything under root, sorted, no symlink following."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(
            d for d in dirnames
            if not (skip_hidden and d.startswith("."))
            and not os.path.exists(os.path.join(dirpath, d + ".meta"))  # a run dir
        )
        for d in dirnames:
            yield prefix + d, True
        for f in sorted(filenames):
            yield prefix + f, False


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _place(src: Path, dest_root: Path, rel: str, link: bool, preview: bool, files: list, origin: str):
    """Copy or link ``src`` to ``dest_root/rel``; records every file. The
    destination never leaves ``dest_root`` (no ``..``, absolute path or
    symlinked dir on the way)."""
    rel = _check_rel(rel, "dependency destination")
    dest = dest_root / rel
    if not _inside(dest.parent, dest_root):
        raise StagingError(f"dependency destination '{rel}' leads out of the run directory (a symlink)")
    if src.is_dir() and not link:
        for sub, is_dir in _walk_rel(src, skip_hidden=False):
            if not is_dir:
                _place(src / sub, dest_root, f"{rel}/{sub}", False, preview, files, f"{origin}/{sub}")
        return
    files.append({"path": rel, "from": origin, "link": link, "_src": str(src)})
    if preview:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_symlink() or dest.exists():
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        else:
            dest.unlink()
    if link:
        os.symlink(os.path.realpath(src), dest)
    else:
        shutil.copyfile(src, dest)
        shutil.copymode(src, dest)
        os.chmod(dest, os.stat(dest).st_mode | 0o200)


def _project_files(dep, project_dir: Path, runs_dir: Path | None, run_dir: Path, preview: bool, entry: dict):
    entry["source"] = {"project": str(project_dir)}
    if not dep.files:
        raise StagingError("project-files dependency names no files")
    for pattern in dep.files:
        rel = _check_rel(pattern, "dependency path")
        if _WILD.search(rel):
            rx = glob_to_regex(rel)
            matches = [p for p, _d in _walk_rel(project_dir) if rx.match(p)]
            if runs_dir is not None:
                matches = [m for m in matches if not _inside(project_dir / m, runs_dir)]
            matches = [m for m in matches if not any(m.startswith(o + "/") for o in matches)]
        else:
            matches = [rel]
        if not matches or not all(os.path.lexists(project_dir / m) for m in matches):
            raise StagingError(f"dependency '{pattern}' not found in the project {project_dir}")
        for m in matches:
            src = project_dir / m
            if not _inside(src, project_dir):
                raise StagingError(f"dependency '{m}' is a symlink that leaves the project")
            if runs_dir is not None and (_inside(src, runs_dir) or _inside(runs_dir, src)):
                raise StagingError(f"dependency '{m}' is or contains the runs directory")
            if src.is_dir():
                for sub, _is_dir in _walk_rel(src, skip_hidden=False):
                    if not _inside(src / sub, project_dir):
                        raise StagingError(f"dependency '{m}/{sub}' is a symlink that leaves the project")
            _place(src, run_dir, m, dep.link, preview, entry["files"], m)


def _run_file_matchers(dep) -> list:
    out = []
    for pattern in dep.files:
        if pattern.startswith("regex:"):
            try:
                out.append(re.compile(pattern[6:].strip()).search)
            except re.error as e:
                raise StagingError(f"invalid regex in dependency files '{pattern}': {e}") from None
        else:
            out.append(glob_to_regex(_check_rel(pattern, "dependency file pattern")).match)
    return out


def _run_files(dep, store, config, project_dir, run_dir, preview, entry):
    run = select_dep_run(dep, store, config, project_dir)
    entry["source"] = {"run": run.id, "run_name": run.name, "operation": run.op_name}
    src_root = Path(run.run_dir)
    matchers = _run_file_matchers(dep)
    manifest = _manifest(run, store)
    for rel, is_dir in _walk_rel(src_root, skip_hidden=False):
        if is_dir:
            continue
        if matchers:
            if not any(m(rel) for m in matchers):
                continue
        elif manifest and manifest.get(rel, "g") not in ("g", "d"):
            continue
        src = src_root / rel
        if not _inside(src, src_root) and not (project_dir is not None and _inside(src, project_dir)):
            raise StagingError(
                f"file '{rel}' of run {run.name} ({run.id[:8]}) is a symlink that leaves the run",
                hint="select other files with 'files', or have the run copy the file instead of linking it",
            )
        _place(src_root / rel, run_dir, rel, dep.link, preview, entry["files"], f"{run.id}/{rel}")
    if not entry["files"]:
        raise StagingError(
            f"run {run.name} ({run.id[:8]}) has no files matching {', '.join(dep.files) or 'its outputs'}"
        )


def _manifest(run, store) -> dict[str, str]:
    """relpath -> file type from the run's manifest (meta dir or zip)."""
    data = None
    if hasattr(store, "read_meta"):
        try:
            data = store.read_meta(run, "manifest")
        except (GageError, OSError):
            data = None
    else:
        try:
            data = (Path(run.meta_dir) / "manifest").read_bytes()
        except OSError:
            data = None
    if not data:
        return {}
    text = data.decode("utf-8", "replace")
    out = {}
    for line in text.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            out[parts[2]] = parts[0]
    return out


def _runs_summary(dep, store, project_dir, run_dir, preview, entry):
    runs = select_dep_runs(dep, store, project_dir)
    name = _check_rel(dep.summary_filename or (dep.files[0] if dep.files else "runs.json"), "summary file")
    header, rows = runs_table(runs)
    entry["source"] = {"runs": [r.id for r in runs]}
    entry["files"].append({"path": name, "from": f"{len(runs)} runs", "link": False})
    if preview:
        return
    dest = run_dir / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if name.lower().endswith(".csv"):
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        w.writerows(["" if v is None else v for v in row] for row in rows)
        dest.write_text(buf.getvalue(), encoding="utf-8")
    else:
        data = [dict(zip(header, row)) for row in rows]
        dest.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def _dvcfile(dep, project_dir, run_dir, preview, entry):
    entry["source"] = {"dvc": []}
    for pattern in dep.files:
        rel = _check_rel(pattern, "dvcfile path")
        for out_rel, md5, cached in dvc_cached_files(project_dir, rel):
            out_rel = _check_rel(out_rel, "DVC output path")
            entry["source"]["dvc"].append({"path": out_rel, "md5": md5})
            _place(cached, run_dir, out_rel, dep.link, preview, entry["files"], f"dvc:{md5}")


def resolve_dependencies(
    project_dir: str | os.PathLike,
    opdef,
    run_dir: str | os.PathLike,
    store,
    config: Mapping[str, Any] | None,
    preview: bool = False,
    into: DepsResult | None = None,
) -> DepsResult:
    """Resolve ``opdef.depends`` into ``run_dir`` (or, with ``preview``, say
    what it would resolve to now). Entries are added to ``into`` (a new
    result by default) as they resolve. Raises StagingError unless
    previewing."""
    project = Path(project_dir)
    rdir = Path(run_dir) if run_dir is not None else project / ".gage-preview"
    runs_dir = getattr(store, "runs_dir", None)
    result = DepsResult() if into is None else into
    for raw in opdef.depends:
        entry: dict[str, Any] = {"type": getattr(raw, "type", "?"), "spec": str(raw), "files": []}
        try:
            dep = normalize_dependency(raw)
            entry.update(type=dep.type, spec=_spec_text(dep))
            if dep.type == "project-files":
                _project_files(dep, project, runs_dir and Path(runs_dir), rdir, preview, entry)
            elif dep.type == "run-files":
                if store is None:
                    raise StagingError("run-files dependency needs a runs directory")
                _run_files(dep, store, config, project, rdir, preview, entry)
            elif dep.type == "runs-summary":
                if store is None:
                    raise StagingError("runs-summary dependency needs a runs directory")
                _runs_summary(dep, store, project, rdir, preview, entry)
            else:
                _dvcfile(dep, project, rdir, preview, entry)
            if dep.sha256:
                _check_sha(dep, None if preview else rdir, entry)
        except (GageError, OSError) as e:
            if isinstance(e, OSError):
                e = StagingError(f"dependency {entry['spec']}: {e.strerror or e}")
            entry["error"] = e.message + (f" ({e.hint})" if e.hint else "")
            if not preview:
                _add_entry(result, entry)
                raise e from None
        _add_entry(result, entry)
    return result


def _add_entry(result: DepsResult, entry: dict) -> None:
    for f in entry["files"]:
        f.pop("_src", None)
    result.entries.append(entry)
    result.paths.extend(f["path"] for f in entry["files"])


def resolved_run_pins(opdef, entries: list[dict]) -> dict[str, str]:
    """Flag values that make ``opdef``'s run-files dependencies resolve to
    the runs recorded in ``entries`` (a run's ``deps.json``), so a re-run
    uses the same upstream runs instead of the newest ones. An entry is
    matched by its dependency's text; a dependency changed since, or one
    that did not resolve, gets no pin."""
    from gage_core.staging.deps_runs import pinned_flag

    resolved: dict[str, str] = {}
    for entry in entries:
        source = entry.get("source") if isinstance(entry, dict) else None
        if entry.get("type") == "run-files" and isinstance(source, dict) and not entry.get("error"):
            run_id = source.get("run")
            if isinstance(run_id, str) and run_id:
                resolved.setdefault(str(entry.get("spec")), run_id)
    pins: dict[str, str] = {}
    for raw in getattr(opdef, "depends", ()):
        try:
            dep = normalize_dependency(raw)
        except GageError:
            continue
        flag = pinned_flag(dep) if dep.type == "run-files" else None
        run_id = resolved.get(_spec_text(dep))
        if flag and run_id:
            pins.setdefault(flag, run_id)
    return pins


def _check_sha(dep, run_dir: Path | None, entry: dict) -> None:
    files = entry["files"]
    if len(files) != 1:
        raise StagingError(f"sha256 given for '{entry['spec']}' which resolves to {len(files)} files")
    path = Path(files[0]["_src"]) if run_dir is None else run_dir / files[0]["path"]
    if not path.is_file():
        return
    actual = _sha256(path)
    files[0]["sha256"] = actual
    if actual.lower() != dep.sha256.strip().lower():
        raise StagingError(
            f"sha256 of {files[0]['path']} is {actual[:12]}..., expected {dep.sha256.strip()[:12]}...",
            hint="the file changed; update sha256 in the Gagefile if that is intended",
        )


def dependency_source_text(entry: dict) -> str:
    """Where a resolved dependency's files came from, said for people
    (``train run fasun-kibof``, ``project files``...)."""
    src = entry.get("source") or {}
    if "run" in src:
        name = src.get("run_name") or str(src["run"])[:8]
        return f"{src.get('operation') or 'run'} run {name}"
    if "runs" in src:
        count = len(src["runs"])
        return f"summary of {count} run{'s' if count != 1 else ''}"
    if "dvc" in src:
        return "DVC cache"
    if "project" in src:
        return "project files"
    return ""


def dependency_file_paths(entry: dict) -> list[str]:
    """The run-relative paths a resolved dependency supplied."""
    return [str(f.get("path", f)) if isinstance(f, dict) else str(f) for f in entry.get("files") or []]


def rerun_config(run, opdef) -> dict:
    """``run``'s flags for running ``opdef`` again: its config, with each
    run-files dependency pinned to the run it resolved to (from the run's
    ``deps.json``; none when that cannot be read)."""
    from gage_core.store.meta import MetaError, MetaReader

    try:
        with MetaReader(run.meta_dir) as meta:
            recorded = meta.read_json("deps.json")
    except MetaError:
        recorded = None
    entries = recorded.get("dependencies") if isinstance(recorded, dict) else None
    pins = resolved_run_pins(opdef, [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else [])
    return {**(run.config or {}), **pins}
