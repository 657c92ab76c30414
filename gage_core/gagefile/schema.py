"""Our Gagefile JSON Schema (2020-12) and validation.

jschon is the authority. Because jschon needs ~2 ms per operation, a small
boolean pre-check interprets the *same* schema file first; only the
top-level entries it cannot prove valid are evaluated by jschon, whose
``Result`` tree is then reduced to issues. A schema keyword the pre-check
does not know makes it defer everything to jschon, so it can never accept
what jschon would reject for that reason.
"""

from __future__ import annotations

import contextlib
import json
import re
from functools import lru_cache
from typing import Any

from gage_core.gagefile.reduce import Issue, did_you_mean, reduce_result

__all__ = [
    "SCHEMA_ID",
    "schema_dict",
    "validate",
    "validate_with_jschon",
    "quick_valid",
    "jschon_basic_output",
]

SCHEMA_ID = "https://gage-workbench.dev/schemas/gagefile"


@lru_cache(maxsize=1)
def schema_dict() -> dict:
    """The schema as plain data (shipped as package data)."""
    from importlib.resources import files

    text = files("gage_core.gagefile").joinpath("gagefile.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _jschon_schema():
    import warnings

    from jschon import JSONSchema, create_catalog

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with contextlib.suppress(Exception):  # a catalog may already exist in this process
            create_catalog("2020-12")
        return JSONSchema(schema_dict())


def validate_with_jschon(data: Any) -> list[Issue]:
    """Issues for ``data`` according to jschon, reduced."""
    import warnings

    from jschon import JSON

    with warnings.catch_warnings():
        # rfc3986 (used by jschon) warns about its own deprecated API.
        warnings.simplefilter("ignore", DeprecationWarning)
        result = _jschon_schema().evaluate(JSON(data))
    if result.valid:
        return []
    try:
        return reduce_result(result, schema_dict())
    except Exception:  # a reducer bug must not hide the problems: fall back
        return _basic_issues(result)


def jschon_basic_output(data: Any) -> dict:
    """jschon's raw "basic" output for ``data`` (for ``gage check -vv``)."""
    import warnings

    from jschon import JSON

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _jschon_schema().evaluate(JSON(data)).output("basic")


def _basic_issues(result) -> list[Issue]:
    """One issue per failing location from jschon's flat output."""
    out, seen = [], set()
    for err in reversed(result.output("basic").get("errors", [])):
        loc = err.get("instanceLocation", "")
        if loc in seen or not isinstance(err.get("error"), str):
            continue
        seen.add(loc)
        parts = tuple(p.replace("~1", "/").replace("~0", "~") for p in loc.split("/")[1:])
        out.append(Issue(parts, "value", "schema", err["error"], keyword=err.get("keywordLocation", "")))
    return out[::-1]


def validate(data: Any) -> list[Issue]:
    """All schema issues of a parsed Gagefile (empty when valid)."""
    if not isinstance(data, dict):
        return validate_with_jschon(data)
    root = schema_dict()
    suspects = {}
    try:
        for key, value in data.items():
            if not quick_valid({key: value}, root):
                suspects[key] = value
    except _Unsupported:
        return validate_with_jschon(data)
    if not suspects:
        return []
    issues = []
    for key in list(suspects):
        fast = _unknown_keys_only(key, suspects[key], root)
        if fast is not None:
            issues.extend(fast)
            del suspects[key]
    if suspects:
        issues.extend(validate_with_jschon(suspects))
    return issues


_OP_KEYWORD = "/patternProperties/^[^$]/$ref/additionalProperties"


def _unknown_keys_only(name: str, op: Any, root: dict) -> list[Issue] | None:
    """Issues for an op whose only problem is unknown keys (the common
    typo), without jschon; None when the op has other problems. Messages
    are the ones the reducer gives (a test compares them)."""
    if name.startswith("$") or not isinstance(op, dict):
        return None
    allowed = root.get("$defs", {}).get("operation", {}).get("properties", {})
    unknown = [k for k in op if k not in allowed]
    if not unknown:
        return None
    known = {k: v for k, v in op.items() if k in allowed}
    if not quick_valid({name: known}, root):
        return None
    names = sorted(allowed)
    issues = []
    for key in unknown:
        hint = did_you_mean(key, names) or "allowed keys: " + ", ".join(names)
        issues.append(Issue((name, key), "key", "unknown-key", f"unknown key '{key}'",
                            hint=hint, keyword=_OP_KEYWORD))
    return issues


class _Unsupported(Exception):
    pass


_IGNORED = {"$schema", "$id", "title", "description", "x-error", "$defs", "$comment", "default",
            "examples"}
_TYPES = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


@lru_cache(maxsize=256)
def _regex(pattern: str):
    return re.compile(pattern)


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return a == b


def quick_valid(value: Any, schema: Any, root: dict | None = None) -> bool:
    """True iff ``value`` is valid against ``schema`` (subset of 2020-12 used
    by our schema); raises ``_Unsupported`` for other keywords."""
    root = root if root is not None else schema
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, dict):
        raise _Unsupported(repr(schema))
    for key, sv in schema.items():
        if key in _IGNORED:
            continue
        if not _KEYWORDS.get(key, _unsupported)(value, sv, schema, root):
            return False
    return True


def _unsupported(value, sv, schema, root):
    raise _Unsupported()


def _k_ref(value, ref, schema, root):
    if not ref.startswith("#/"):
        raise _Unsupported(ref)
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return quick_valid(value, target, root)


def _k_type(value, types, schema, root):
    types = [types] if isinstance(types, str) else types
    return any(_TYPES[t](value) for t in types)


def _k_properties(value, props, schema, root):
    if not isinstance(value, dict):
        return True
    return all(quick_valid(value[k], s, root) for k, s in props.items() if k in value)


def _k_pattern_properties(value, pats, schema, root):
    if not isinstance(value, dict):
        return True
    for pat, s in pats.items():
        rx = _regex(pat)
        for k, v in value.items():
            if rx.search(k) and not quick_valid(v, s, root):
                return False
    return True


def _k_additional(value, add, schema, root):
    if not isinstance(value, dict):
        return True
    props = schema.get("properties", {})
    pats = [_regex(p) for p in schema.get("patternProperties", {})]
    for k, v in value.items():
        if k in props or any(rx.search(k) for rx in pats):
            continue
        if not quick_valid(v, add, root):
            return False
    return True


def _k_required(value, req, schema, root):
    return not isinstance(value, dict) or all(k in value for k in req)


def _k_items(value, items, schema, root):
    return not isinstance(value, list) or all(quick_valid(v, items, root) for v in value)


def _k_min_items(value, n, schema, root):
    return not isinstance(value, list) or len(value) >= n


def _k_min_length(value, n, schema, root):
    return not isinstance(value, str) or len(value) >= n


def _k_pattern(value, pat, schema, root):
    return not isinstance(value, str) or _regex(pat).search(value) is not None


def _k_enum(value, allowed, schema, root):
    return any(_json_equal(value, a) for a in allowed)


def _k_const(value, const, schema, root):
    return _json_equal(value, const)


def _k_any_of(value, alts, schema, root):
    return any(quick_valid(value, s, root) for s in alts)


def _k_one_of(value, alts, schema, root):
    return sum(1 for s in alts if quick_valid(value, s, root)) == 1


def _k_all_of(value, alts, schema, root):
    return all(quick_valid(value, s, root) for s in alts)


_KEYWORDS = {
    "$ref": _k_ref,
    "type": _k_type,
    "properties": _k_properties,
    "patternProperties": _k_pattern_properties,
    "additionalProperties": _k_additional,
    "required": _k_required,
    "items": _k_items,
    "minItems": _k_min_items,
    "minLength": _k_min_length,
    "pattern": _k_pattern,
    "enum": _k_enum,
    "const": _k_const,
    "anyOf": _k_any_of,
    "oneOf": _k_one_of,
    "allOf": _k_all_of,
}
