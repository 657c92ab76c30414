"""Checks the schema cannot express: values that would fail or do harm
when an operation runs, reported at ``gage check`` (and marking the op
broken) instead of as a traceback or a failed run.

* operation names that cannot be typed or shown safely (whitespace,
  control characters);
* NUL characters in ``exec`` and ``env`` (no process can receive them);
* glob patterns that do not compile (``[z-a]``) in ``sourcecode``,
  ``config`` and ``depends`` files;
* config files outside the project (absolute paths, ``..``).
"""

from __future__ import annotations

import shlex
import unicodedata
from collections.abc import Iterator
from typing import Any

from gage_core.errors import StagingError
from gage_core.gagefile.reduce import Issue

__all__ = ["safety_issues"]


def _unsafe_name(name: str) -> str | None:
    if not name.strip():
        return "is empty"
    for c in name:
        if c.isspace():
            return "contains whitespace"
        if unicodedata.category(c) in ("Cc", "Cf"):
            return "contains a control character"
    return None


def _strings(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string in ``value`` (keys of objects too) with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, str(i)))
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield (*path, k), k
            yield from _strings(v, (*path, str(k)))


def _as_items(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, str(i)), item
    elif value is not None:
        yield path, value


def _glob_problem(glob: str) -> str | None:
    from gage_core.staging.patterns import glob_to_regex

    try:
        glob_to_regex(glob)
    except StagingError as e:
        return e.message
    return None


def _sourcecode_issues(value: Any, path: tuple[str, ...]) -> Iterator[Issue]:
    if isinstance(value, bool):
        return
    for p, pattern in _as_items(value, path):
        if not isinstance(pattern, str):
            continue
        text = pattern.strip()
        text = text[1:] if text.startswith("\\-") else text[1:].lstrip() if text.startswith("-") else text
        try:
            words = shlex.split(text)
        except ValueError:
            continue  # reported when the pattern is parsed for a run
        problem = _glob_problem(words[0]) if words else None
        if problem:
            yield Issue(p, "value", "bad-pattern", problem)


def _config_issues(value: Any, path: tuple[str, ...]) -> Iterator[Issue]:
    from gage_core.staging.config import config_path_problem

    specs: list[tuple[tuple[str, ...], str]] = []
    for p, item in _as_items(value, path):
        if isinstance(item, str):
            specs.append((p, item))
        elif isinstance(item, dict):
            for kp, key in _as_items(item.get("keys"), (*p, "keys")):
                if isinstance(key, str):
                    specs.append((kp, key))
    for p, spec in specs:
        body = spec.strip()
        body = body[1:].strip() if body.startswith("-") else body
        file_glob = body.partition("#")[0].strip()
        problem = config_path_problem(file_glob)
        if problem:
            yield Issue(p, "value", "config-outside-project", f"config file '{file_glob}': {problem}",
                        hint="config files must be inside the project")
            continue
        problem = _glob_problem(file_glob) if file_glob else None
        if problem:
            yield Issue(p, "value", "bad-pattern", problem)


def _depends_issues(value: Any, path: tuple[str, ...]) -> Iterator[Issue]:
    for p, dep in _as_items(value, path):
        if not isinstance(dep, dict):
            continue
        for fp, pattern in _as_items(dep.get("files"), (*p, "files")):
            if isinstance(pattern, str) and not pattern.startswith("regex:"):
                problem = _glob_problem(pattern)
                if problem:
                    yield Issue(fp, "value", "bad-pattern", problem)


def safety_issues(data: Any) -> list[Issue]:
    """Issues for the operations in a parsed Gagefile (see the module doc)."""
    if not isinstance(data, dict):
        return []
    issues: list[Issue] = []
    for name, op in data.items():
        if not isinstance(name, str) or name.startswith("$"):
            continue
        why = _unsafe_name(name)
        if why:
            shown = name.encode("unicode_escape").decode("ascii")
            issues.append(Issue((name,), "key", "bad-op-name", f"operation name '{shown}' {why}",
                                hint="use letters, digits, '-', '_' or '.'"))
        if not isinstance(op, dict):
            continue
        for attr in ("exec", "env"):
            for p, text in _strings(op.get(attr), (name, attr)):
                if "\0" in text:
                    issues.append(Issue(p, "value", "nul-char", f"{attr} contains a NUL character",
                                        hint="no command or environment can hold NUL; remove it"))
        issues.extend(_sourcecode_issues(op.get("sourcecode"), (name, "sourcecode")))
        issues.extend(_config_issues(op.get("config"), (name, "config")))
        issues.extend(_depends_issues(op.get("depends"), (name, "depends")))
    return issues
