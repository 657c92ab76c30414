"""jschon ``Result`` tree -> one ``Issue`` per real mistake.

Failing leaf keywords become issues;
``anyOf``/``oneOf`` are collapsed (wrong-shape branches dropped, a ``type``
discriminator picks the branch, else the best-ranked branch wins, a tie is
one "does not match any allowed form" issue with a note per candidate).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

__all__ = ["Issue", "reduce_result", "type_noun", "did_you_mean"]

_MULTI = {"properties", "patternProperties", "dependentSchemas", "allOf", "prefixItems"}
_ALTERNATIVES = {"anyOf", "oneOf"}


@dataclass(frozen=True)
class Issue:
    """``path`` is the instance path (str parts, array indexes as digits);
    ``target`` says whether to point at the key or the value there."""

    path: tuple[str, ...]
    target: str
    code: str
    message: str
    hint: str | None = None
    notes: tuple[str, ...] = ()
    keyword: str = ""
    expected: tuple[str, ...] = ()


def type_noun(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_JSON_TYPE_NOUNS = {
    "string": "a string",
    "array": "a list",
    "object": "an object",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def did_you_mean(word: str, choices) -> str | None:
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def _join(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


class _Reducer:
    def __init__(self, root_schema: dict):
        self.root = root_schema

    # -- schema helpers (plain dicts) ----------------------------------
    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 20:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                break
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            schema = target
            seen += 1
        return schema

    def forms(self, schema: Any) -> list[str]:
        """What a (sub)schema accepts, in words: titles first, else types."""
        if not isinstance(schema, dict):
            return []
        if "title" in schema:
            return [schema["title"]]
        resolved = self.resolve(schema)
        if resolved is not schema:
            return self.forms(resolved)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return [f for alt in schema[key] for f in self.forms(alt)]
        types = schema.get("type")
        if isinstance(types, str):
            types = [types]
        return [_JSON_TYPE_NOUNS.get(t, t) for t in types or []]

    def pinned(self, schema: Any, prop: str) -> set | None:
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return None
        sub = schema.get("properties", {}).get(prop)
        if not isinstance(sub, dict):
            return None
        if "const" in sub:
            return [sub["const"]]
        if "enum" in sub:
            return list(sub["enum"])
        return None

    # -- tree walk -----------------------------------------------------
    def schema_issues(self, node) -> list[Issue]:
        issues: list[Issue] = []
        for child in node.children.values():
            if not child.passed:
                issues.extend(self.keyword_issues(child))
        return issues

    def keyword_issues(self, kw) -> list[Issue]:
        key = kw.key
        path = tuple(str(p) for p in kw.instance.path)
        value = kw.instance.value
        owner = kw.schema.value if isinstance(kw.schema.value, dict) else {}
        klass = str(kw.path)
        custom = owner.get("x-error", {}).get(key) if isinstance(owner.get("x-error"), dict) else None
        if key in _MULTI:
            return [i for c in kw.children.values() if not c.passed for i in self.schema_issues(c)]
        if key in _ALTERNATIVES:
            if custom:
                return [Issue(path, "key", "missing-key", custom, keyword=klass)]
            return self.alternatives(kw, path, value)
        if key in ("additionalProperties", "unevaluatedProperties") and not kw.children:
            names = kw.error if isinstance(kw.error, list) else []
            allowed = sorted(owner.get("properties", {}))
            out = []
            for name in names:
                hint = did_you_mean(name, allowed)
                if hint is None and allowed:
                    hint = "allowed keys: " + ", ".join(allowed)
                out.append(
                    Issue(path + (str(name),), "key", "unknown-key", f"unknown key '{name}'",
                          hint=hint, keyword=klass)
                )
            return out
        if kw.children:
            # $ref and single-subschema keywords evaluate into the keyword node.
            return self.schema_issues(kw)
        if key == "required":
            have = set(value) if isinstance(value, dict) else set()
            missing = [k for k in kw.schema_node.value if k not in have]
            return [
                Issue(path, "key", "missing-key", custom or f"missing required key '{k}'", keyword=klass)
                for k in missing
            ]
        if key == "type":
            expected = self.forms({"type": kw.schema_node.value})
            return [
                Issue(path, "value", "type", f"expected {_join(expected)}, got {type_noun(value)}",
                      keyword=klass, expected=tuple(expected))
            ]
        if key in ("enum", "const"):
            allowed = kw.schema_node.value
            allowed = list(allowed) if key == "enum" else [allowed]
            shown = _join([f'"{a}"' if isinstance(a, str) else str(a) for a in allowed])
            hint = did_you_mean(value, allowed) if isinstance(value, str) else None
            return [Issue(path, "value", "enum", f"invalid value {_show(value)}; expected {shown}",
                          hint=hint, keyword=klass)]
        if key in ("minLength", "minItems", "minProperties") and kw.schema_node.value == 1:
            noun = {"minLength": "value", "minItems": "list", "minProperties": "object"}[key]
            return [Issue(path, "value", "empty", custom or f"{noun} must not be empty", keyword=klass)]
        if key == "pattern":
            msg = custom or f"{_show(value)} does not match pattern {kw.schema_node.value}"
            return [Issue(path, "value", "pattern", msg, keyword=klass)]
        msg = custom or (kw.error if isinstance(kw.error, str) else f"invalid value ({key})")
        return [Issue(path, "value", "schema", _lower(msg), keyword=klass)]

    def alternatives(self, kw, path, value) -> list[Issue]:
        branches = []
        for child in kw.children.values():
            if child.passed:
                continue
            try:
                schema = kw.schema_node.value[int(child.key)]
            except (ValueError, IndexError, TypeError):
                schema = {}
            branches.append((schema, _merge_misspelled(self.schema_issues(child))))
        klass = str(kw.path)
        if not branches:  # oneOf matched more than one alternative
            return [Issue(path, "value", "ambiguous", "matches more than one allowed form",
                          keyword=klass)]

        def wrong_shape(issues):
            return all(i.code == "type" and i.path == path for i in issues)

        shaped = [b for b in branches if not wrong_shape(b[1])]
        if not shaped:
            forms = [f for schema, _ in branches for f in self.forms(schema)]
            forms = list(dict.fromkeys(forms))
            return [Issue(path, "value", "type", f"expected {_join(forms)}, got {type_noun(value)}",
                          keyword=klass, expected=tuple(forms))]
        if len(shaped) == 1:
            return shaped[0][1]
        if isinstance(value, dict):
            for prop in ("type",):
                pins = [self.pinned(s, prop) for s, _ in shaped]
                if prop in value and all(p is not None for p in pins):
                    matching = [
                        b for b, p in zip(shaped, pins) if any(_same(value[prop], a) for a in p)
                    ]
                    if len(matching) == 1:
                        return [_with_type_note(i, path, prop, value[prop]) for i in matching[0][1]]
                    if not matching:
                        allowed = sorted({str(a) for p in pins for a in p})
                        shown = _join([f'"{a}"' for a in allowed])
                        hint = did_you_mean(value[prop], allowed) if isinstance(value[prop], str) else None
                        return [Issue(path + (prop,), "value", "enum",
                                      f"invalid {prop} {_show(value[prop])}; expected {shown}",
                                      hint=hint, keyword=klass)]
                    shaped = matching
        ranked = sorted(shaped, key=lambda b: self.rank(b, value), reverse=True)
        if len(ranked) == 1 or self.rank(ranked[0], value) != self.rank(ranked[1], value):
            return ranked[0][1]
        best = self.rank(ranked[0], value)
        tied = [b for b in ranked if self.rank(b, value) == best]
        forms = [", ".join(self.forms(s)) or "an alternative" for s, _ in tied]
        notes = tuple(
            f"as {form}: {issues[0].message if issues else 'invalid'}" for form, (_, issues) in zip(forms, tied)
        )
        return [Issue(path, "value", "no-match",
                      f"does not match any allowed form ({_join(forms)})", notes=notes, keyword=klass)]

    def rank(self, branch, value):
        schema, issues = branch
        schema = self.resolve(schema)
        known = 0
        if isinstance(value, dict) and isinstance(schema, dict):
            props = schema.get("properties", {})
            known = sum(1 for k in value if k in props)
        type_errors = sum(1 for i in issues if i.code == "type")
        depth = max((len(i.path) for i in issues), default=0)
        return (known, -type_errors, depth, -len(issues))


def _with_type_note(issue: Issue, path, prop: str, value: Any) -> Issue:
    if issue.code != "missing-key" or issue.path != path:
        return issue
    note = f"required for {prop} = {_show(value)}"
    return Issue(issue.path, issue.target, issue.code, issue.message, issue.hint,
                 issue.notes + (note,), issue.keyword, issue.expected)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return type_noun(value)


def _lower(msg: str) -> str:
    return msg[:1].lower() + msg[1:]


def _merge_misspelled(issues: list[Issue]) -> list[Issue]:
    """A misspelled required key is one mistake: keep "unknown key 'kyes'
    (did you mean 'keys'?)" and drop "missing required key 'keys'" there."""
    suggested = set()
    for i in issues:
        if i.code == "unknown-key" and i.hint and i.hint.startswith("did you mean '"):
            suggested.add((i.path[:-1], i.hint[len("did you mean '"):].rstrip("'?")))
    if not suggested:
        return issues
    out = []
    for i in issues:
        if i.code == "missing-key" and any(
            (i.path, name) in suggested and f"'{name}'" in i.message
            for name in _quoted_names(i.message)
        ):
            continue
        out.append(i)
    return out


def _quoted_names(message: str) -> list[str]:
    parts = message.split("'")
    return parts[1::2]


def reduce_result(result, root_schema: dict) -> list[Issue]:
    """All issues of a failed jschon evaluation, deduplicated, in document order
    of their paths as found."""
    issues = _merge_misspelled(_Reducer(root_schema).schema_issues(result))
    seen, out = set(), []
    for issue in issues:
        key = (issue.path, issue.code, issue.message)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out
