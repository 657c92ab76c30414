"""Instance path -> source span, built lazily and only when there are problems.

TOML and JSON spans come from tree-sitter (JSON on the comment-blanked
text, so comments and trailing commas cannot disturb it); YAML spans come
from PyYAML's composed nodes. Spans are ``(line, col, end_line, end_col)``,
1-based, columns in code points, end exclusive.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

__all__ = ["Span", "SourceIndex", "build_index"]

Span = tuple[int, int, int, int]
Path_ = tuple[str, ...]


class SourceIndex:
    """``lookup(path, target)`` gives the span of a key or value; a missing
    path falls back to the nearest ancestor's key (or table header)."""

    def __init__(self, text: str):
        self.text = text
        self._lines_b: list[bytes] | None = None
        self._lines: list[str] | None = None
        self.keys: dict[Path_, Any] = {}
        self.values: dict[Path_, Any] = {}
        self.duplicates: list[tuple[Path_, Any]] = []
        self.available = True  # False when no position source could be used
        self.only: set[str] | None = None

    def wanted(self, path: Path_) -> bool:
        return self.only is None or not path or path[0] in self.only

    # Raw spans are stored as ("b", start_point, end_point) for tree-sitter
    # (byte columns) or ("c", (line0, col0), (line0, col0)) in code points.
    def _convert(self, raw) -> Span:
        kind, (sl, sc), (el, ec) = raw
        if kind == "b":
            sc, ec = self._cp(sl, sc), self._cp(el, ec)
        return (sl + 1, sc + 1, el + 1, ec + 1)

    def _cp(self, row: int, byte_col: int) -> int:
        if self._lines_b is None:
            self._lines_b = self.text.encode("utf-8", "surrogatepass").split(b"\n")
        if row >= len(self._lines_b):
            return 0
        return len(self._lines_b[row][:byte_col].decode("utf-8", "replace"))

    def lookup(self, path: Path_, target: str = "value") -> Span:
        exact = True
        while True:
            table = self.keys if (target == "key" or not exact) else self.values
            raw = table.get(path)
            if raw is None and exact and target == "key":
                raw = self.values.get(path)
            if raw is not None:
                return self._clamp(self._convert(raw))
            if not path:
                return self._clamp((1, 1, 1, 2))
            path, exact = path[:-1], False

    def duplicate_spans(self) -> list[tuple[Path_, Span]]:
        return [(p, self._clamp(self._convert(raw))) for p, raw in self.duplicates]

    def _clamp(self, span: Span) -> Span:
        if self._lines is None:
            self._lines = self.text.split("\n")
        lines = self._lines
        sl, sc, el, ec = span
        sl = min(max(sl, 1), len(lines))
        sc = min(max(sc, 1), len(lines[sl - 1]) + 1)
        el = min(max(el, sl), len(lines))
        ec = min(max(ec, 1), len(lines[el - 1]) + 1)
        if (el, ec) <= (sl, sc):
            el, ec = sl, min(sc + 1, len(lines[sl - 1]) + 1)
        return (sl, sc, el, ec)


def build_index(fmt: str, text: str, parse_result=None, only=None) -> SourceIndex:
    """Index ``text``; ``only`` (a set of top-level keys) limits the work to
    those entries (their ancestors and table headers are always indexed)."""
    index = SourceIndex(text)
    index.only = only
    try:
        if fmt == "toml":
            _index_toml(index, text)
        elif fmt == "json":
            blanked = parse_result.json_text if parse_result is not None else None
            _index_json(index, blanked if blanked is not None else text)
        elif fmt == "yaml" and parse_result is not None and parse_result.yaml_node is not None:
            _index_yaml(index, parse_result.yaml_node)
    except (ImportError, RecursionError, ValueError):
        # Positions are a convenience: messages still make sense without them.
        index.available = False
    return index


def _ts(node) -> tuple:
    return ("b", tuple(node.start_point), tuple(node.end_point))


@lru_cache(maxsize=2)
def _parser(lang: str):
    from tree_sitter import Language, Parser

    if lang == "toml":
        import tree_sitter_toml as mod
    else:
        import tree_sitter_json as mod
    return Parser(Language(mod.language()))


# -- TOML --------------------------------------------------------------


def _toml_key_parts(node, src: bytes) -> list[tuple[str, Any]]:
    if node.type == "dotted_key":
        parts = []
        for child in node.named_children:
            parts.extend(_toml_key_parts(child, src))
        return parts
    raw = src[node.start_byte : node.end_byte].decode("utf-8", "replace")
    if node.type == "quoted_key":
        try:
            import tomllib
        except ImportError:
            import tomli as tomllib
        try:
            raw = next(iter(tomllib.loads(f"{raw} = 0")))
        except Exception:
            raw = raw[1:-1]
    return [(raw, node)]


_KEY_TYPES = {"bare_key", "quoted_key", "dotted_key"}


def _index_toml(index: SourceIndex, text: str) -> None:
    src = text.encode("utf-8", "surrogatepass")
    tree = _parser("toml").parse(src)
    prefix: Path_ = ()
    aot_index: dict[Path_, int] = {}
    nested: dict[Path_, set[Path_]] = {}  # AoT -> AoTs nested in its current element
    for node in tree.root_node.named_children:
        if node.type == "pair":
            _toml_pair(index, node, prefix, src)
        elif node.type in ("table", "table_array_element"):
            key = next((c for c in node.named_children if c.type in _KEY_TYPES), None)
            if key is None:
                continue
            parts = _toml_key_parts(key, src)
            canon = tuple(p for p, _ in parts)
            is_aot = node.type == "table_array_element"
            if is_aot:
                if canon not in aot_index:
                    for i in range(1, len(canon)):
                        if canon[:i] in aot_index:
                            nested.setdefault(canon[:i], set()).add(canon)
                aot_index[canon] = aot_index.get(canon, -1) + 1
                for other in nested.pop(canon, ()):
                    aot_index.pop(other, None)
            path: list[str] = []
            for i, (part, part_node) in enumerate(parts):
                path.append(part)
                sub = canon[: i + 1]
                if sub in aot_index:
                    path.append(str(aot_index[sub]))
                p = tuple(path)
                if p not in index.keys:
                    index.keys[p] = _ts(part_node)
            header = _header_span(node)
            prefix = tuple(path)
            index.keys[prefix] = header
            index.values[prefix] = header
            if not index.wanted(prefix):
                continue
            for child in node.named_children:
                if child.type == "pair":
                    _toml_pair(index, child, prefix, src)


def _header_span(node) -> tuple:
    closing = None
    for child in node.children:
        if child.type in ("]", "]]"):
            closing = child
            break
    end = tuple(closing.end_point) if closing is not None else tuple(node.start_point)
    return ("b", tuple(node.start_point), end)


def _toml_pair(index: SourceIndex, node, prefix: Path_, src: bytes) -> None:
    named = node.named_children
    if not named or named[0].type not in _KEY_TYPES:
        return
    parts = _toml_key_parts(named[0], src)
    if not prefix and not index.wanted((parts[0][0],)):
        return
    path = prefix
    for part, part_node in parts:
        path = path + (part,)
        index.keys.setdefault(path, _ts(part_node))
    if len(named) > 1:
        _toml_value(index, named[-1], path, src)


def _toml_value(index: SourceIndex, node, path: Path_, src: bytes) -> None:
    index.values[path] = _ts(node)
    if node.type == "array":
        i = 0
        for child in node.named_children:
            if child.type == "comment":
                continue
            _toml_value(index, child, path + (str(i),), src)
            i += 1
    elif node.type == "inline_table":
        for child in node.named_children:
            if child.type == "pair":
                _toml_pair(index, child, path, src)


# -- JSON --------------------------------------------------------------


def _index_json(index: SourceIndex, text: str) -> None:
    src = text.encode("utf-8", "surrogatepass")
    tree = _parser("json").parse(src)
    values = [c for c in tree.root_node.named_children if c.type != "comment"]
    if values:
        _json_value(index, values[0], (), src)


def _json_value(index: SourceIndex, node, path: Path_, src: bytes) -> None:
    index.values[path] = _ts(node)
    if node.type == "object":
        seen = set()
        for pair in node.named_children:
            if pair.type != "pair":
                continue
            key = pair.child_by_field_name("key")
            value = pair.child_by_field_name("value")
            if key is None:
                continue
            raw = src[key.start_byte : key.end_byte].decode("utf-8", "replace")
            try:
                name = json.loads(raw)
            except ValueError:
                name = raw.strip('"')
            p = path + (str(name),)
            if name in seen:
                index.duplicates.append((p, _ts(key)))
            else:
                seen.add(name)
            index.keys[p] = _ts(key)
            if value is not None and index.wanted(p):
                _json_value(index, value, p, src)
    elif node.type == "array":
        i = 0
        for child in node.named_children:
            if child.type in ("comment", "ERROR"):
                continue
            _json_value(index, child, path + (str(i),), src)
            i += 1


# -- YAML --------------------------------------------------------------


def _mark_span(node) -> tuple:
    s, e = node.start_mark, node.end_mark
    return ("c", (s.line, s.column), (e.line, e.column))


def _index_yaml(index: SourceIndex, root) -> None:
    import yaml

    stack = [(root, ())]
    visited = set()
    budget = 200_000
    while stack and budget > 0:
        budget -= 1
        node, path = stack.pop()
        if id(node) in visited and path in index.values:
            continue
        visited.add(id(node))
        index.values.setdefault(path, _mark_span(node))
        if len(path) > 64:
            continue
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode) or k.tag == "tag:yaml.org,2002:merge":
                    continue
                p = path + (str(_yaml_key(k)),)
                if k.value in seen:
                    index.duplicates.append((p, _mark_span(k)))
                seen.add(k.value)
                index.keys[p] = _mark_span(k)
                if index.wanted(p):
                    stack.append((v, p))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                stack.append((v, path + (str(i),)))


def _yaml_key(node) -> str:
    import yaml

    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    try:
        value = yaml.SafeLoader("").construct_object(node)  # type: ignore[arg-type]
    except Exception:
        return node.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)
