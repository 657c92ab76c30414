"""Differences between two runs: flags, source files, output, metrics.

* flags: every flag whose value differs (a flag only one run has counts);
* files: from the two manifests (``<type> <sha256> <relpath>``): added,
  removed and changed files (source code only unless ``all_files``), with a
  unified diff of changed text files up to ``max_file_bytes`` each;
* output: a unified diff of the main output (``output/40_run``), reading
  at most ``max_output_bytes`` of each;
* metrics: every metric of either run side by side, with the difference
  for numbers.

Diffs are cut to ``max_diff_lines`` lines (``truncated`` says how many
were left out).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["MISSING", "FileDiff", "TextDiff", "RunDiff", "diff_runs", "diff_value_text", "numeric_delta_text"]

MISSING = object()
_FILE_TYPES = {"s": "source", "r": "runtime", "d": "dependency", "g": "generated"}


@dataclass
class TextDiff:
    lines: list[str] = field(default_factory=list)
    truncated: int = 0  # diff lines left out
    note: str | None = None  # why there is no diff (binary, too big, ...)


@dataclass
class FileDiff:
    path: str
    status: str  # "added" | "removed" | "changed"
    kind: str  # "source" | "runtime" | "dependency" | "generated"
    diff: TextDiff | None = None


@dataclass
class RunDiff:
    a: Any
    b: Any
    flags: list[tuple[str, Any, Any]] = field(default_factory=list)
    same_flags: int = 0
    files: list[FileDiff] = field(default_factory=list)
    same_files: int = 0
    output: TextDiff = field(default_factory=TextDiff)
    metrics: list[tuple[str, Any, Any]] = field(default_factory=list)

    def to_json(self) -> dict:
        def val(v):
            return None if v is MISSING else v

        return {
            "a": {"id": self.a.id, "name": self.a.name, "op": self.a.op_name},
            "b": {"id": self.b.id, "name": self.b.name, "op": self.b.op_name},
            "flags": [{"name": k, "a": val(x), "b": val(y), "a_missing": x is MISSING, "b_missing": y is MISSING}
                      for k, x, y in self.flags],
            "same_flags": self.same_flags,
            "files": [
                {"path": f.path, "status": f.status, "kind": f.kind,
                 "diff": f.diff.lines if f.diff else None,
                 "note": f.diff.note if f.diff else None,
                 "truncated": f.diff.truncated if f.diff else 0}
                for f in self.files
            ],
            "same_files": self.same_files,
            "output": {"diff": self.output.lines, "truncated": self.output.truncated, "note": self.output.note},
            "metrics": [{"name": k, "a": val(x), "b": val(y)} for k, x, y in self.metrics],
        }


def _norm(v) -> str:
    return json.dumps(v, sort_keys=True, default=str)


def _read_limited(path: Path, limit: int) -> tuple[bytes | None, bool]:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError:
        return None, False
    return data[:limit], len(data) > limit


def _meta_file(run, store, relpath: str, limit: int) -> tuple[bytes | None, bool]:
    meta = Path(run.meta_dir)
    if meta.is_dir():
        return _read_limited(meta / relpath, limit)
    data = store.read_meta(run, relpath) if store is not None else None
    if data is None:
        return None, False
    return data[:limit], len(data) > limit


def _text(data: bytes) -> str | None:
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _unified(a: str, b: str, name_a: str, name_b: str, max_lines: int) -> TextDiff:
    lines = [
        line.rstrip("\n")
        for line in difflib.unified_diff(
            a.splitlines(keepends=True), b.splitlines(keepends=True), name_a, name_b, n=3
        )
    ]
    if len(lines) > max_lines:
        return TextDiff(lines[:max_lines], truncated=len(lines) - max_lines)
    return TextDiff(lines)


def _file_diff(a, b, path: str, max_bytes: int, max_lines: int) -> TextDiff:
    da, big_a = _read_limited(Path(a.run_dir) / path, max_bytes)
    db, big_b = _read_limited(Path(b.run_dir) / path, max_bytes)
    if da is None or db is None:
        return TextDiff(note="file not readable in the run directory")
    if big_a or big_b:
        return TextDiff(note=f"larger than {max_bytes} bytes: not shown")
    ta, tb = _text(da), _text(db)
    if ta is None or tb is None:
        return TextDiff(note="binary file")
    return _unified(ta, tb, f"{a.name}/{path}", f"{b.name}/{path}", max_lines)


def _diff_flags(result: RunDiff) -> None:
    ca, cb = result.a.config or {}, result.b.config or {}
    for key in sorted(set(ca) | set(cb)):
        x, y = ca.get(key, MISSING), cb.get(key, MISSING)
        if x is MISSING or y is MISSING or _norm(x) != _norm(y):
            result.flags.append((key, x, y))
        else:
            result.same_flags += 1


def _diff_files(result: RunDiff, store, all_files: bool, max_bytes: int, max_lines: int) -> None:
    from gage_core.process.files import parse_manifest

    a, b = result.a, result.b
    ma = parse_manifest(_meta_file(a, store, "manifest", 16 << 20)[0])
    mb = parse_manifest(_meta_file(b, store, "manifest", 16 << 20)[0])
    for path in sorted(set(ma) | set(mb)):
        ea, eb = ma.get(path), mb.get(path)
        entry = ea or eb
        if entry is None:
            continue
        kind = _FILE_TYPES.get(entry[0], "other")
        if not all_files and kind != "source":
            continue
        if ea is None:
            result.files.append(FileDiff(path, "added", kind))
        elif eb is None:
            result.files.append(FileDiff(path, "removed", kind))
        elif ea[1] != eb[1]:
            result.files.append(FileDiff(path, "changed", kind, _file_diff(a, b, path, max_bytes, max_lines)))
        else:
            result.same_files += 1


def _diff_output(result: RunDiff, store, max_bytes: int, max_lines: int) -> None:
    a, b = result.a, result.b
    da, big_a = _meta_file(a, store, "output/40_run", max_bytes)
    db, big_b = _meta_file(b, store, "output/40_run", max_bytes)
    if da is None and db is None:
        result.output = TextDiff(note="neither run has output")
        return
    ta = (da or b"").decode("utf-8", errors="replace")
    tb = (db or b"").decode("utf-8", errors="replace")
    diff = _unified(ta, tb, f"{a.name}/output", f"{b.name}/output", max_lines)
    if big_a or big_b:
        diff.note = f"only the first {max_bytes} bytes of each output compared"
    result.output = diff


def _diff_metrics(result: RunDiff) -> None:
    ma, mb = result.a.metrics or {}, result.b.metrics or {}
    for key in sorted(set(ma) | set(mb)):
        result.metrics.append((key, ma.get(key, MISSING), mb.get(key, MISSING)))


def diff_runs(
    a,
    b,
    store=None,
    *,
    flags: bool = True,
    files: bool = True,
    output: bool = True,
    metrics: bool = True,
    all_files: bool = False,
    max_file_bytes: int = 256 * 1024,
    max_output_bytes: int = 1024 * 1024,
    max_diff_lines: int = 400,
) -> RunDiff:
    """The differences from run ``a`` to run ``b`` (store ``Run`` objects;
    ``store`` reads zipped Gage 0.1.2 metas)."""
    result = RunDiff(a, b)
    if flags:
        _diff_flags(result)
    if files:
        _diff_files(result, store, all_files, max_file_bytes, max_diff_lines)
    if output:
        _diff_output(result, store, max_output_bytes, max_diff_lines)
    if metrics:
        _diff_metrics(result)
    return result


def diff_value_text(value: Any) -> str:
    """A flag or metric value as both front ends show it in a diff: ``-`` for
    a value one run lacks, floats to 6 significant digits."""
    from gage_core.staging.flags import format_flag_value

    if value is MISSING:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return format_flag_value(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def numeric_delta_text(before: Any, after: Any) -> str:
    """``after - before`` with a sign (``+0.12``, ``0`` when equal), or an
    empty string when either value is not a number."""
    if not (_is_number(before) and _is_number(after)):
        return ""
    delta = after - before
    return "0" if delta == 0 else f"{delta:+.4g}"
