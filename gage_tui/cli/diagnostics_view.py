"""Render ``Diagnostic`` records for the terminal: full, concise, json, github.

``full`` is ``FILE:LINE:COL: error[code]: message`` followed by a
rustc-style excerpt (``|`` gutter, carets under the span, ``= hint:`` and
``= note:`` lines). Used by ``gage check`` and by any command that must
show why an operation is broken.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence

__all__ = [
    "FORMATS",
    "render_diagnostics",
    "diagnostic_lines",
    "summary_line",
    "github_line",
    "json_report",
]

FORMATS = ("full", "concise", "json", "github")


def _severity(d) -> str:
    return d.severity.name.lower()


def header_line(d) -> str:
    return f"{d.location()}: {_severity(d)}[{d.code}]: {d.message}"


def _width(ch: str) -> int:
    if ch == "\t":
        return 1
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _pad(prefix: str) -> str:
    return "".join("\t" if c == "\t" else " " * _width(c) for c in prefix)


def diagnostic_lines(d, source_lines: Sequence[str] | None, verbose: int = 0) -> list[str]:
    """Lines of one diagnostic in the full format (no styling)."""
    lines = [header_line(d)]
    hint_used = False
    if d.line is not None and source_lines and 1 <= d.line <= len(source_lines):
        text = source_lines[d.line - 1].rstrip("\r")
        num = str(d.line)
        gutter = " " * len(num)
        col = max(1, min(d.col or 1, len(text) + 1))
        if d.end_line == d.line and d.end_col:
            end = max(col + 1, min(d.end_col, len(text) + 1))
        else:
            end = max(col + 1, len(text) + 1)
        span = text[col - 1 : end - 1] or " "
        carets = "^" * max(1, sum(_width(c) for c in span))
        label = f" {d.hint}" if d.hint else ""
        hint_used = bool(d.hint)
        lines += [f"{gutter} |", f"{num} | {text}", f"{gutter} | {_pad(text[: col - 1])}{carets}{label}"]
        prefix = f"{gutter} "
    else:
        prefix = "  "
    if d.hint and not hint_used:
        lines.append(f"{prefix}= hint: {d.hint}")
    for note in d.notes:
        lines.append(f"{prefix}= note: {note}")
    if verbose and getattr(d, "keyword_location", ""):
        lines.append(f"{prefix}= keyword: {d.keyword_location}")
    if verbose and d.pointer:
        lines.append(f"{prefix}= pointer: {d.pointer}")
    return lines


def summary_line(path: str, diagnostics: Sequence) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{path}: {', '.join(parts)}"


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_line(d) -> str:
    kind = "error" if d.is_error else "warning"
    props = [f"file={_gh_escape(d.path, True)}"]
    if d.line is not None:
        props += [f"line={d.line}", f"col={d.col or 1}"]
        if d.end_line is not None:
            props += [f"endLine={d.end_line}", f"endColumn={d.end_col or 1}"]
    props.append(f"title={_gh_escape(d.code, True)}")
    message = d.message + (f" ({d.hint})" if d.hint else "")
    return f"::{kind} {','.join(props)}::{_gh_escape(message)}"


def json_report(path: str, diagnostics: Sequence, valid: bool) -> str:
    return json.dumps(
        {"file": path, "valid": valid, "diagnostics": [d.to_json() for d in diagnostics]},
        indent=2,
    )


def render_diagnostics(
    out,
    diagnostics: Iterable,
    source_text: str | None,
    fmt: str = "full",
    verbose: int = 0,
    path: str | None = None,
) -> None:
    """Write ``diagnostics`` to ``out`` (a ``gage_tui.cli.output.Output``).

    ``full`` ends with a ``FILE: N errors`` line when ``path`` is given.
    """
    diagnostics = list(diagnostics)
    if fmt == "json":
        valid = not any(d.is_error for d in diagnostics)
        out.line(json_report(path or "", diagnostics, valid))
        return
    if fmt == "github":
        for d in diagnostics:
            out.line(github_line(d))
        return
    if fmt == "concise":
        for d in diagnostics:
            out.line(header_line(d))
        return
    source_lines = source_text.split("\n") if source_text is not None else None
    for d in diagnostics:
        lines = diagnostic_lines(d, source_lines, verbose)
        style = "bold red" if d.is_error else "bold yellow"
        out.line(lines[0], style=style)
        for line in lines[1:]:
            out.line(line, style="cyan" if line.lstrip()[:1] in ("=", "|") else None)
    if path is not None and diagnostics:
        out.line("")
        out.line(summary_line(path, diagnostics), style="bold")
