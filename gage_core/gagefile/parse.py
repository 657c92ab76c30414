"""Text -> plain data for TOML, JSON with comments and YAML.

Syntax errors come back as one ``Diagnostic`` at their true position
(1-based line and column in code points). JSON comments and trailing
commas are blanked *in place*, so every offset stays what it was in the
file. Values are converted to JSON-compatible data (TOML dates become
strings, YAML keys become strings) before anything validates them.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from gage_core.gagefile.model import Diagnostic
from gage_core.gagefile.syntax import (
    Explanation,
    explain_json,
    explain_json_constant,
    explain_toml,
    explain_yaml,
)

__all__ = [
    "FORMATS",
    "ParseResult",
    "blank_jsonc",
    "format_for",
    "parse_text",
    "clamp_position",
]

FORMATS = {".toml": "toml", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}


@dataclass
class ParseResult:
    """``data`` is None when the text does not parse; ``diagnostics`` then
    holds one syntax error. ``yaml_node`` keeps the composed YAML tree for
    positions; ``json_text`` the blanked JSON text."""

    data: Any
    diagnostics: list[Diagnostic] = field(default_factory=list)
    yaml_node: Any = None
    json_text: str | None = None
    has_duplicates: bool = False


def format_for(filename: str) -> str | None:
    for ext, fmt in FORMATS.items():
        if filename.lower().endswith(ext):
            return fmt
    return None


_JSON_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?(?:\*/|\Z)', re.S)
_JSON_COMMAS = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(?=\s*[}\]])')
_NOT_NEWLINE = re.compile(r"[^\n]")


def blank_jsonc(text: str) -> str:
    """``text`` with ``//``/``/* */`` comments and trailing commas replaced by
    spaces (newlines kept), so positions do not move."""

    def comments(m: re.Match) -> str:
        s = m.group(0)
        return s if s.startswith('"') else _NOT_NEWLINE.sub(" ", s)

    def commas(m: re.Match) -> str:
        s = m.group(0)
        return s if s.startswith('"') else " "

    if "/" in text:
        text = _JSON_TOKENS.sub(comments, text)
    if "," in text:
        text = _JSON_COMMAS.sub(commas, text)
    return text


def clamp_position(text: str, line: int, col: int) -> tuple[int, int]:
    """(line, col) moved inside ``text``: line in 1..#lines, col in 1..len+1."""
    lines = text.split("\n")
    line = min(max(line, 1), len(lines))
    col = min(max(col, 1), len(lines[line - 1]) + 1)
    return line, col


def _syntax(path: str, text: str, line: int, col: int, message: str, hint=None, length: int = 1) -> Diagnostic:
    line, col = clamp_position(text, line, col)
    end_col = min(col + max(length, 1), len(text.split("\n")[line - 1]) + 1)
    return Diagnostic(
        path=path,
        line=line,
        col=col,
        end_line=line,
        end_col=end_col,
        pointer="",
        message=message,
        hint=hint,
        code="syntax",
    )


def parse_text(text: str, fmt: str, path: str) -> ParseResult:
    """Parse ``text`` as ``fmt`` ("toml", "json", "yaml"); never raises."""
    try:
        if fmt == "toml":
            return _parse_toml(text, path)
        if fmt == "json":
            return _parse_json(text, path)
        return _parse_yaml(text, path)
    except RecursionError:
        return ParseResult(None, [_syntax(path, text, 1, 1, "the file is nested too deeply")])
    except ValueError:
        # int() refuses more than 4300 digits (CVE-2020-10735 limit); the
        # parsers let that ValueError through.
        m = re.search(r"\d{4000,}", text)
        pos = m.start() if m else 0
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return ParseResult(None, [_syntax(path, text, line, col, "a number has too many digits")])


_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _parse_toml(text: str, path: str) -> ParseResult:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e.args[0] if e.args else e)
        m = _TOML_POS.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = msg[: m.start()]
        else:
            msg = re.sub(r"\s*\(at end of document\)$", "", msg)
            lines = text.split("\n")
            line, col = len(lines), len(lines[-1]) + 1
        return ParseResult(None, [_explained(path, text, explain_toml(text, line, col, msg))])
    return ParseResult(_jsonable(data))


def _explained(path: str, text: str, found: Explanation) -> Diagnostic:
    return _syntax(path, text, found.line, found.col, found.message, found.hint, found.length)


def _lower(msg: str) -> str:
    return msg[:1].lower() + msg[1:] if msg[1:2].islower() else msg


def _parse_json(text: str, path: str) -> ParseResult:
    blanked = blank_jsonc(text)
    duplicates = []

    def pairs(items):
        obj = {}
        for k, v in items:
            if k in obj:
                duplicates.append(k)
            obj[k] = v
        return obj

    try:
        data = json.loads(blanked, object_pairs_hook=pairs, parse_constant=_bad_constant)
    except json.JSONDecodeError as e:
        comment = _unterminated_comment(text, blanked)
        if comment is not None:
            line, col = comment
            return ParseResult(None, [_syntax(path, text, line, col, "unterminated /* comment: the closing */ is missing", length=2)])
        if not blanked.strip():
            return ParseResult(None, [_syntax(path, text, e.lineno, e.colno, "the file is empty; expected a JSON object")])
        return ParseResult(None, [_explained(path, text, explain_json(text, blanked, e.lineno, e.colno, e.msg))])
    except _BadConstant as e:
        return ParseResult(None, [_explained(path, text, explain_json_constant(text, blanked, str(e)))])
    return ParseResult(data, json_text=blanked, has_duplicates=bool(duplicates))


class _BadConstant(ValueError):
    pass


def _bad_constant(name: str):
    raise _BadConstant(name)


def _unterminated_comment(text: str, blanked: str) -> tuple[int, int] | None:
    for m in _JSON_TOKENS.finditer(text):
        s = m.group(0)
        if s.startswith("/*") and (len(s) < 4 or not s.endswith("*/")):
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            return line, col
    return None


def _parse_yaml(text: str, path: str) -> ParseResult:
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        loader = loader_cls(text)
        try:
            node = loader.get_single_node()
            if node is not None and not _expansion_within_budget(node):
                return ParseResult(None, [_syntax(
                    path, text, 1, 1, "invalid YAML: aliases expand to a recursive or huge value")])
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        return ParseResult(None, [_explained(path, text, explain_yaml(text, e))])
    except yaml.YAMLError as e:
        return ParseResult(None, [_syntax(path, text, 1, 1, f"invalid YAML: {e}")])
    try:
        data = _jsonable(data)
    except _Cycle:
        return ParseResult(
            None, [_syntax(path, text, 1, 1, "invalid YAML: aliases expand to a recursive or huge value")]
        )
    if data is None:
        data = {} if not text.strip() else data
    return ParseResult(data, yaml_node=node, has_duplicates=_yaml_has_duplicates(node))


def _yaml_has_duplicates(node) -> bool:
    import yaml

    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            keys = [k.value for k, _ in n.value if isinstance(k, yaml.ScalarNode)]
            if len(keys) != len(set(keys)):
                return True
            stack.extend(v for _, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return False


class _Cycle(ValueError):
    pass


# What a Gagefile may expand to through aliases: nodes, and characters of
# scalars. Far beyond any real Gagefile, far below a second of work.
_MAX_EXPANDED_NODES = 200_000
_MAX_EXPANDED_CHARS = 20_000_000


def _expansion_within_budget(root) -> bool:
    """The cost of ``root`` with every alias expanded, counted on the node
    graph (each shared node once, times its uses) before anything is built."""
    import yaml

    cost: dict[int, tuple[int, int]] = {}
    state: dict[int, int] = {}  # 1 = on the stack, 2 = done
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            kids = _yaml_children(node)
            nodes = 1 + sum(cost[id(k)][0] for k in kids)
            chars = sum(cost[id(k)][1] for k in kids)
            if isinstance(node, yaml.ScalarNode):
                chars += len(node.value)
            if nodes > _MAX_EXPANDED_NODES or chars > _MAX_EXPANDED_CHARS:
                return False
            cost[key] = (nodes, chars)
            state[key] = 2
            continue
        if state.get(key) == 2:
            continue
        if state.get(key) == 1:
            return False  # a node that contains itself
        state[key] = 1
        stack.append((node, True))
        for kid in _yaml_children(node):
            if state.get(id(kid)) == 1:
                return False
            if state.get(id(kid)) != 2:
                stack.append((kid, False))
    return True


def _yaml_children(node) -> list:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


_MAX_VALUES = 2_000_000


def _jsonable(value: Any, _active: frozenset = frozenset(), _budget: list | None = None) -> Any:
    """Plain JSON data: dict keys as str, dates as ISO strings, no cycles,
    no NaN/inf (they become strings so the schema reports them). YAML
    aliases are expanded, within a budget (no "billion laughs")."""
    if _budget is None:
        _budget = [_MAX_VALUES]
    _budget[0] -= 1
    if _budget[0] < 0:
        raise _Cycle()
    if isinstance(value, (str, bool, int)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple, set)):
        if id(value) in _active:
            raise _Cycle()
        active = _active | {id(value)}
        if isinstance(value, dict):
            return {_key(k): _jsonable(v, active, _budget) for k, v in value.items()}
        return [_jsonable(v, active, _budget) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if k is None:
        return "null"
    return str(k)
