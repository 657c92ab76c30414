"""Raw (already schema-filtered) op data -> frozen ``OpDef`` records.

Every function here is total: whatever it is given, it returns sanitised
values and ignores what it cannot use. The loader decides beforehand which
attributes to drop and which ops are broken; this module never trusts it.
"""

from __future__ import annotations

import re
from typing import Any

from gage_core.gagefile.model import (
    EXEC_PHASES,
    Command,
    ConfigSpec,
    Dependency,
    Diagnostic,
    OpDef,
)

__all__ = [
    "PHASE_NAMES",
    "DEP_SHORTHANDS",
    "normalize_op",
    "normalize_exec",
    "normalize_config",
    "normalize_depends",
    "normalize_dependency",
]

PHASE_NAMES: tuple[str, ...] = tuple(name for name, _ in EXEC_PHASES)

# String shorthand prefix -> dependency type ("file: data.csv").
DEP_SHORTHANDS: dict[str, str] = {
    "file": "project-files",
    "dir": "project-files",
    "files": "project-files",
    "dvcfile": "dvcfile",
    "runfiles": "run-files",
    "run-files": "run-files",
}
_SHORTHAND = re.compile(r"^\s*([a-z-]+)\s*:\s*(.*?)\s*$", re.S)
_TYPE_ALIASES = {"file": "project-files", "dir": "project-files", "runfiles": "run-files"}


def normalize_op(
    name: str,
    data: Any,
    *,
    broken: bool = False,
    diagnostics: tuple[Diagnostic, ...] = (),
) -> OpDef:
    if not isinstance(data, dict):
        return OpDef(name=name, broken=True if not broken else broken, diagnostics=diagnostics)
    return OpDef(
        name=name,
        description=_str(data.get("description")) or "",
        default=data.get("default") is True,
        version=_version(data.get("version")),
        exec=normalize_exec(data.get("exec")),
        progress=_progress(data.get("progress")),
        sourcecode=_sourcecode(data.get("sourcecode", True)),
        config=normalize_config(data.get("config")),
        depends=normalize_depends(data.get("depends")),
        output_summary=_output_summary(data.get("output-summary", True)),
        listing_description=_strs(_dict(data.get("listing")).get("description")),
        summary_filename=_str(_dict(data.get("summary")).get("filename")) or None,
        env={k: v for k, v in _dict(data.get("env")).items() if isinstance(v, str)},
        broken=broken,
        diagnostics=diagnostics,
        data=_plain_copy(data),
    )


def _plain_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_copy(v) for v in value]
    return value


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str) and v)
    return ()


def _version(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value and not any(c.isspace() for c in value):
        return value
    return None


def _command(value: Any) -> Command | None:
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    return None


def normalize_exec(value: Any) -> dict[str, Command]:
    """``exec`` as phase -> command; a string or list is the ``run`` phase.
    Empty when there is no usable exec (the runner then refuses the op)."""
    if isinstance(value, dict):
        phases = {}
        for phase in PHASE_NAMES:
            cmd = _command(value.get(phase))
            if cmd is not None:
                phases[phase] = cmd
        return phases
    cmd = _command(value)
    return {"run": cmd} if cmd is not None else {}


def _progress(value: Any) -> dict[str, str]:
    """Phase -> progress spec; names the runner does not know are dropped
    (the loader reports them)."""
    from gage_core.process.progress import KNOWN_PROGRESS

    if isinstance(value, str):
        value = {"run": value}
    if isinstance(value, dict):
        return {p: value[p] for p in PHASE_NAMES if value.get(p) in KNOWN_PROGRESS}
    return {}


def _sourcecode(value: Any) -> tuple[str, ...] | None:
    if value is True or value is None:
        return None
    if value is False:
        return ()
    if isinstance(value, str):
        return (value,) if value else None
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str) and v)
    return None


def _output_summary(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value if value else False
    return True


def normalize_config(value: Any) -> tuple[ConfigSpec, ...]:
    """A keys pattern, a config object or a list of config objects (a list
    of plain strings is ONE config with all those keys)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (ConfigSpec(keys=(value,)),) if value else ()
    if isinstance(value, dict):
        spec = _config_obj(value)
        return (spec,) if spec else ()
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            keys = tuple(v for v in value if v)
            return (ConfigSpec(keys=keys),) if keys else ()
        return tuple(s for s in (_config_obj(v) for v in value) if s is not None)
    return ()


def _config_obj(value: Any) -> ConfigSpec | None:
    if not isinstance(value, dict):
        return None
    keys = _strs(value.get("keys"))
    if not keys:
        return None
    return ConfigSpec(
        keys=keys,
        description=_str(value.get("description")),
        prefix=_str(value.get("prefix")),
        strip_prefix=_str(value.get("strip-prefix")),
        rename=_str(value.get("rename")),
    )


def normalize_depends(value: Any) -> tuple[Dependency, ...]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return tuple(d for d in (normalize_dependency(v) for v in items) if d is not None)


def normalize_dependency(value: Any) -> Dependency | None:
    """One dependency from an object or a ``"kind: value"`` shorthand."""
    if isinstance(value, str):
        m = _SHORTHAND.match(value)
        if not m or m.group(1) not in DEP_SHORTHANDS or not m.group(2):
            return None
        kind, arg = DEP_SHORTHANDS[m.group(1)], m.group(2)
        if kind == "run-files":
            return Dependency(type=kind, run_select=arg)
        return Dependency(type=kind, files=(arg,))
    if not isinstance(value, dict):
        return None
    run_select = _run_select(value)
    files = _dep_files(value)
    dep_type = _str(value.get("type"))
    if dep_type is None:
        if run_select is not None or "operation" in value:
            dep_type = "run-files"
        elif files:
            dep_type = "project-files"
        else:
            return None
    dep_type = _TYPE_ALIASES.get(dep_type, dep_type)
    if dep_type == "runs-summary":
        run_select = _str(value.get("runs-select"))
    operation = _str(value.get("operation"))
    if dep_type == "run-files" and run_select is None and operation:
        run_select = f"op={operation}"
    return Dependency(
        type=dep_type,
        files=files,
        run_select=run_select,
        operation=operation,
        link=value.get("link") is True,
        description=_str(value.get("description")),
        summary_filename=_str(value.get("summary-filename")),
        sha256=_str(value.get("sha256")),
        flag=_str(value.get("flag")),
    )


def _run_select(value: dict) -> str | None:
    """``run.select`` (canonical), ``run-select``, or TOML's dotted
    ``run.select = ...`` (a ``run`` table holding ``select``)."""
    for key in ("run.select", "run-select"):
        found = _str(value.get(key))
        if found:
            return found
    return _str(_dict(value.get("run")).get("select")) or None


def _dep_files(value: dict) -> tuple[str, ...]:
    """``files``, ``files.select`` (or TOML's ``files.select = ...``, a
    ``files`` table), its alias ``select``, or ``path``."""
    files = value.get("files")
    if isinstance(files, dict):
        files = files.get("select")
    for found in (files, value.get("files.select"), value.get("select"), value.get("path")):
        strs = _strs(found)
        if strs:
            return strs
    return ()
