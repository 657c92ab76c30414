"""Find and load a Gagefile: parse, validate, position, sanitise.

Partial loading: a file that does not parse keeps the operations outside
the broken region (``recover.py``) plus one syntax diagnostic; schema problems are bucketed by
operation. Unknown keys and invalid cosmetic attributes are dropped (the
op stays runnable); problems in ``exec``, ``config``, ``depends``,
``sourcecode`` or ``env`` mark the op broken. Nothing outside this package
sees unsanitised data.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from gage_core.errors import GagefileNotFound
from gage_core.gagefile.model import Diagnostic, GageFile, Severity
from gage_core.gagefile.normalize import normalize_op
from gage_core.gagefile.parse import ParseResult, format_for, parse_text
from gage_core.gagefile.reduce import Issue

__all__ = [
    "GAGEFILE_NAMES",
    "find_gagefile",
    "load_gagefile",
    "load_gagefile_text",
]

GAGEFILE_NAMES: tuple[str, ...] = (
    ".gage/gage.toml",
    ".gage/gage.yaml",
    ".gage/gage.yml",
    ".gage/gage.json",
    "gage.toml",
    "gage.yaml",
    "gage.yml",
    "gage.json",
)

# Attributes whose problems break the op (running it could do the wrong thing).
_CRITICAL = {"exec", "config", "depends", "sourcecode", "env"}


def find_gagefile(project_dir: Path) -> Path | None:
    """The first existing Gagefile in ``project_dir`` (``.gage/gage.*`` first)."""
    for name in GAGEFILE_NAMES:
        path = Path(project_dir) / name
        if path.is_file():
            return path
    return None


def load_gagefile(
    path: Path | str,
    project_dir: Path | None = None,
    shown_as: str | None = None,
) -> GageFile:
    """Load ``path``; content problems become diagnostics, never exceptions.

    Raises ``GagefileNotFound`` only when the file cannot be read at all.
    ``shown_as`` is the file name used in diagnostics (default: as given).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise GagefileNotFound(f"file '{path}' does not exist") from None
    except IsADirectoryError:
        raise GagefileNotFound(f"'{path}' is a directory, not a Gagefile") from None
    except OSError as e:
        raise GagefileNotFound(f"cannot read '{path}': {e.strerror or e}") from None
    project_dir = Path(project_dir) if project_dir is not None else _project_dir_of(path)
    return load_gagefile_text(
        _decode(raw), path=path, project_dir=project_dir, shown_as=shown_as or str(path),
        undecodable=_bad_utf8_offset(raw),
    )


def _project_dir_of(path: Path) -> Path:
    parent = path.resolve().parent
    return parent.parent if parent.name == ".gage" else parent


def _decode(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


def _bad_utf8_offset(raw: bytes) -> int | None:
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError as e:
        return e.start


def load_gagefile_text(
    text: str,
    path: Path,
    project_dir: Path,
    shown_as: str | None = None,
    fmt: str | None = None,
    undecodable: int | None = None,
) -> GageFile:
    """Load Gagefile ``text`` as if read from ``path``; never raises."""
    shown = shown_as or str(path)
    fmt = fmt or format_for(path.name) or "toml"
    gf = GageFile(
        path=path,
        project_dir=project_dir,
        format=fmt,
        namespace=_basename(project_dir),
    )
    if undecodable is not None:
        gf.diagnostics.append(_text_diag(shown, text, "the file is not valid UTF-8 text", code="syntax"))
        return gf
    parsed = parse_text(text, fmt, shown)
    if parsed.data is None:
        _load_partial(gf, parsed, text, fmt, shown)
        return gf
    _load_data(gf, parsed, text, shown)
    return gf


def _load_partial(gf: GageFile, parsed: ParseResult, text: str, fmt: str, shown: str) -> None:
    """A file that does not parse: load the operations outside the broken
    region; the ones in it are ``lost_ops`` and named in the syntax
    diagnostic's notes."""
    from dataclasses import replace

    from gage_core.gagefile.recover import recover_text

    syntax = parsed.diagnostics[0] if parsed.diagnostics else None
    recovery = recover_text(text, fmt, syntax.line or 1) if syntax is not None else None
    repaired = parse_text(recovery.text, fmt, shown) if recovery is not None else None
    if recovery is None or repaired is None or repaired.data is None:
        gf.diagnostics.extend(parsed.diagnostics)
        return
    names = ", ".join(f"'{n}'" for n in recovery.lost)
    note = f"operations lost to this error: {names}" if names else "no operation was lost"
    gf.diagnostics.append(replace(syntax, notes=syntax.notes + (note,)))
    gf.diagnostics.extend(parsed.diagnostics[1:])
    _load_data(gf, repaired, recovery.text, shown)
    for name in recovery.lost:
        gf.ops.pop(name, None)
    gf.lost_ops.update(recovery.lost)


def _basename(project_dir: Path) -> str:
    try:
        return Path(os.path.realpath(project_dir)).name or str(project_dir)
    except OSError:
        return Path(project_dir).name


def _text_diag(shown: str, text: str, message: str, code: str) -> Diagnostic:
    end = 2 if text.split("\n")[0] else 1
    return Diagnostic(shown, 1, 1, 1, end, "", message, code=code)


def _load_data(gf: GageFile, parsed: ParseResult, text: str, shown: str) -> None:
    from gage_core.gagefile.safety import safety_issues
    from gage_core.gagefile.schema import validate

    data = parsed.data
    issues = validate(data)
    schema_bad = {i.path[:2] for i in issues}
    progress = [(path, name) for path, name in _progress_names(data) if path[:2] not in schema_bad]
    issues += safety_issues(data)
    index = None
    if issues or progress or parsed.has_duplicates or _default_count(data) > 1:
        from gage_core.gagefile.positions import build_index

        only = None
        if not parsed.has_duplicates and isinstance(data, dict):
            only = {i.path[0] for i in issues if i.path}
            only.update(k for k, v in data.items() if isinstance(v, dict) and "default" in v)
            only.update(path[0] for path, _ in progress)
        index = build_index(gf.format, text, parsed, only=only)
    diags = [_to_diag(i, shown, index, data, gf.format) for i in issues]
    if index is not None:
        diags.extend(_semantic(data, index, shown))
        diags.extend(_progress_diags(progress, index, shown))
    diags.sort(key=lambda d: (d.line or 0, d.col or 0, d.severity))
    gf.diagnostics.extend(diags)
    if not isinstance(data, dict):
        return
    _apply(gf, data, issues, diags)


def _default_count(data: Any) -> int:
    if not isinstance(data, dict):
        return 0
    return sum(
        1 for k, v in data.items() if not k.startswith("$") and isinstance(v, dict) and v.get("default") is True
    )


def _apply(gf: GageFile, data: dict, issues: list[Issue], diags: list[Diagnostic]) -> None:
    bad_top = {i.path[0] for i in issues if i.path}
    for key in ("$runs-dir", "$namespace", "$project-id", "$executor", "$ray-address", "$ray-store"):
        value = data.get(key)
        if key in bad_top or not isinstance(value, str):
            continue
        if key in ("$executor", "$ray-address", "$ray-store"):
            gf.executor[key[1:]] = value
        elif key == "$runs-dir":
            gf.runs_dir = value
        elif key == "$namespace":
            gf.namespace = value
        else:
            gf.project_id = value.lower()
    by_op: dict[str, list[Diagnostic]] = {}
    for d in diags:
        if d.op is not None:
            by_op.setdefault(d.op, []).append(d)
    op_issues: dict[str, list[Issue]] = {}
    for i in issues:
        if i.path and not i.path[0].startswith("$"):
            op_issues.setdefault(i.path[0], []).append(i)
    for name, value in data.items():
        if name.startswith("$"):
            continue
        mine = op_issues.get(name, [])
        broken = not isinstance(value, dict) or any(
            len(i.path) < 2 and i.code != "unknown-key" or len(i.path) >= 2 and i.path[1] in _CRITICAL
            for i in mine
        )
        clean = dict(value) if isinstance(value, dict) else None
        if clean is not None:
            for i in mine:
                if len(i.path) >= 2:
                    clean.pop(i.path[1], None)
        gf.ops[name] = normalize_op(
            name, clean, broken=broken, diagnostics=tuple(by_op.get(name, ()))
        )


def _label(path: tuple[str, ...], data: Any) -> str:
    out, node = "", data
    for part in path:
        if isinstance(node, list):
            out += f"[{part}]"
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                node = None
        else:
            out += ("." if out else "") + part
            node = node.get(part) if isinstance(node, dict) else None
    return out


_OBJECT_NOUNS = {"toml": ("a table", "table"), "yaml": ("a mapping", "mapping")}
_QUOTED = re.compile(r"(\"(?:[^\"\\]|\\.)*\"|'[^']*')")


def _format_nouns(text: str, fmt: str) -> str:
    """Say "table" (TOML) or "mapping" (YAML) where the schema says "object",
    leaving quoted user text alone."""
    nouns = _OBJECT_NOUNS.get(fmt)
    if nouns is None or "object" not in text:
        return text
    parts = _QUOTED.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("an object", nouns[0]).replace("object", nouns[1])
    return "".join(parts)


def _to_diag(issue: Issue, shown: str, index, data: Any, fmt: str = "json") -> Diagnostic:
    span = index.lookup(issue.path, issue.target) if index is not None and index.available else None
    op = issue.path[0] if issue.path and not issue.path[0].startswith("$") else None
    message = _format_nouns(issue.message, fmt)
    hint = issue.hint
    if _is_dependency_in_config(issue, data):
        hint = "did you mean `depends`? a dependency type belongs in the op's depends list"
    if issue.code == "unknown-key" and len(issue.path) >= 2:
        parent = issue.path[:-1]
        where = f"operation '{op}'" if len(parent) == 1 and op else f"'{_label(parent, data)}'"
        message = f"{message} in {where}"
    elif issue.path and issue.code != "unknown-key":
        message = f"{_label(issue.path, data)}: {message}"
    return Diagnostic(
        path=shown,
        line=span[0] if span else None,
        col=span[1] if span else None,
        end_line=span[2] if span else None,
        end_col=span[3] if span else None,
        pointer=_pointer(issue.path),
        message=message,
        hint=hint,
        code=issue.code,
        notes=tuple(_format_nouns(n, fmt) for n in issue.notes),
        op=op,
        keyword_location=issue.keyword,
    )


def _progress_names(data: Any) -> list[tuple[tuple[str, ...], str]]:
    """(path, name) of every progress spec name the runner does not know."""
    from gage_core.process.progress import KNOWN_PROGRESS

    out: list[tuple[tuple[str, ...], str]] = []
    if not isinstance(data, dict):
        return out
    for op, value in data.items():
        if op.startswith("$") or not isinstance(value, dict):
            continue
        progress = value.get("progress")
        if isinstance(progress, str):
            out.append(((op, "progress"), progress))
        elif isinstance(progress, dict):
            out.extend(((op, "progress", k), v) for k, v in progress.items() if isinstance(v, str))
    return [(path, name) for path, name in out if name not in KNOWN_PROGRESS]


def _progress_diags(progress, index, shown: str) -> list[Diagnostic]:
    """A near miss of a known name (``tqdmm``) is a typo: an error. Another
    name is a warning: it passes (as in Gage 0.1.2) but parses nothing."""
    import difflib

    from gage_core.process.progress import KNOWN_PROGRESS

    out = []
    for path, name in progress:
        span = index.lookup(path, "value") if index.available else None
        close = difflib.get_close_matches(name, KNOWN_PROGRESS, n=1, cutoff=0.6)
        known = ", ".join(f"'{k}'" for k in KNOWN_PROGRESS)
        out.append(Diagnostic(
            shown, *(span or (None, None, None, None)), pointer=_pointer(path),
            message=f"{_label(path, None)}: unknown progress spec '{name}' (known: {known})",
            hint=f"did you mean '{close[0]}'?" if close else "no progress is shown for this phase",
            severity=Severity.ERROR if close else Severity.WARNING,
            code="unknown-progress", op=path[0],
        ))
    return out


_DEPENDENCY_TYPES = {"project-files", "run-files", "runfiles", "runs-summary", "dvcfile", "file", "dir"}


def _is_dependency_in_config(issue: Issue, data: Any) -> bool:
    """A ``config`` entry with a dependency ``type`` (``[[train.config]]
    type = "run-files"``): the user meant ``depends``."""
    path = issue.path
    if issue.code != "unknown-key" or len(path) < 3 or path[1] != "config" or path[-1] != "type":
        return False
    node: Any = data
    for part in path:
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                return False
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return False
    return isinstance(node, str) and node in _DEPENDENCY_TYPES


def _pointer(path: tuple[str, ...]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)


def _semantic(data: Any, index, shown: str) -> list[Diagnostic]:
    out = []
    for path, span in index.duplicate_spans():
        op = path[0] if path and not path[0].startswith("$") else None
        out.append(
            Diagnostic(shown, *span, pointer=_pointer(path),
                       message=f"duplicate key '{path[-1]}'; the last one wins",
                       severity=Severity.WARNING, code="duplicate-key", op=op)
        )
    defaults = [
        k for k, v in data.items() if not k.startswith("$") and isinstance(v, dict) and v.get("default") is True
    ] if isinstance(data, dict) else []
    for name in defaults[1:]:
        span = index.lookup((name, "default"), "key")
        out.append(
            Diagnostic(shown, *span, pointer=_pointer((name, "default")),
                       message=f"more than one default operation ('{defaults[0]}' and '{name}')",
                       hint=f"'{min(defaults)}' is used when no operation is named",
                       severity=Severity.WARNING, code="multiple-defaults", op=name)
        )
    return out
