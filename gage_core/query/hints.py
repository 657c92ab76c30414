"""Hints for a filter that matches nothing: the likely typos in it.

``filter_hints(text, runs)`` looks at each comparison of a parsed filter
and says when it names a value or a key that no run has, with the close
matches among what the runs do have::

    status = runing   ->  no run has status 'runing' (did you mean 'running'?)
    op = trian        ->  no run has op 'trian' (did you mean 'train'?)
    metric.los < 0.1  ->  no run has metric 'los' (did you mean 'loss'?)

A filter with a syntax error has no hints (its error says what is wrong).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from gage_core.query.fields import field_getter, value_text

__all__ = ["filter_hints"]

# Fields whose values are words a user types from memory (and mistypes).
_VALUE_FIELDS = ("status", "op", "tag", "label", "name", "container")
_KNOWN_VALUES = {
    "status": ("running", "completed", "error", "terminated", "staged", "pending", "unknown"),
    "container": ("active", "trash"),
}
_MAPS = {"config": ("config", "flag"), "metric": ("metrics", "metric"), "attr": ("attributes", "attribute")}
_EXPLICIT_PREFIXES = ("config", "flag", "flags", "metric", "metrics", "scalar", "attr", "attribute", "attributes")
_MAX_HINTS = 5


def filter_hints(text: str, runs: Iterable[Any]) -> list[str]:
    """Sentences naming each value or key in ``text`` that no run in
    ``runs`` has, with suggestions; empty when nothing looks mistyped."""
    from lark.exceptions import LarkError

    from gage_core.query.grammar import filter_parser

    if not text.strip():
        return []
    try:
        tree = filter_parser().parse(text)
    except (LarkError, RecursionError):
        return []
    runs = list(runs)
    hints: list[str] = []
    for field, values in _comparisons(tree):
        hint = _hint(field, values, runs)
        if hint and hint not in hints:
            hints.append(hint)
        if len(hints) >= _MAX_HINTS:
            break
    return hints


def _comparisons(tree) -> Iterable[tuple[str, list[str]]]:
    """``(field, [values])`` of every ``=``/``in`` comparison (values only
    when they are words or strings), and ``(field, [])`` of every other
    comparison (only the field can be mistyped there)."""
    from lark import Token, Tree

    for node in tree.iter_subtrees_topdown():
        if node.data not in ("compare", "in_", "not_in", "timecheck"):
            continue
        field = str(node.children[0].children[0])
        values: list[str] = []
        equality = node.data == "in_" or (
            node.data == "compare" and str(node.children[1]) in ("=", "==")
        )
        if equality:
            value_nodes = node.children[-1].children if node.data == "in_" else [node.children[-1]]
            for value in value_nodes:
                if isinstance(value, Tree) and value.data == "value":
                    tok = value.children[0]
                    if isinstance(tok, Token) and tok.type in ("WORD", "STRING"):
                        values.append(tok[1:-1] if tok.type == "STRING" else str(tok))
        yield field, values


def _suggest(word: str, candidates: Iterable[str]) -> str:
    pool = {c.lower(): c for c in candidates if isinstance(c, str) and c and c != word}
    close = difflib.get_close_matches(word.lower(), list(pool), n=3, cutoff=0.7)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{pool[c]}'" for c in close) + "?)"


def _keys(runs: list, attr: str) -> set[str]:
    keys: set[str] = set()
    for run in runs:
        mapping = getattr(run, attr, None)
        if isinstance(mapping, dict):
            keys.update(k for k in mapping if isinstance(k, str))
    return keys


def _hint(field: str, values: list[str], runs: list) -> str | None:
    canon, getter = field_getter(field)
    prefix, _, key = canon.partition(".")
    if prefix in _MAPS and key:
        attr, noun = _MAPS[prefix]
        if "." in field and field.split(".", 1)[0].lower() in _EXPLICIT_PREFIXES:
            keys = _keys(runs, attr)
            if key not in keys and not any(k.startswith(key + ".") for k in keys):
                return f"no run has {noun} '{key}'" + _suggest(key, keys)
            return None
        # A bare name: a flag, else a metric (else perhaps a misspelled field).
        flags, metrics = _keys(runs, "config"), _keys(runs, "metrics")
        if key in flags or key in metrics:
            return None
        from gage_core.query.fields import filter_fields

        builtin = [f for f in filter_fields() if "." not in f]
        return f"no run has a flag or metric '{key}'" + _suggest(key, [*builtin, *flags, *metrics])
    if canon not in _VALUE_FIELDS or not values:
        return None
    seen: set[str] = set()
    for run in runs:
        seen.update(value_text(v) for v in getter(run))
    for value in values:
        if value in seen:  # '=' compares text exactly
            continue
        return f"no run has {canon} '{value}'" + _suggest(value, [*seen, *_KNOWN_VALUES.get(canon, ())])
    return None
