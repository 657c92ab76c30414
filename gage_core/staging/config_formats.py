"""Reading and rewriting config values in files, keeping everything else.

Public API::

    SUPPORTED_SUFFIXES: tuple[str, ...]   # .py .ipynb .json .yaml .yml .toml
    read_leaves(text: str, suffix: str) -> dict[str, Any]   # dotted key -> value
    apply_leaves(text: str, suffix: str, changes: dict[str, Any]) -> str

Keys are dotted paths to scalar leaves (``d.s``, list items ``l.0``).
Python (and notebook code cells): module-level ``NAME = literal`` and
``NAME: T = literal`` assignments found with ``ast``; only the literal's
source span is rewritten. JSON and YAML: scalar spans located by position
(a small JSON scanner; PyYAML compose marks) and replaced in place, so
comments and layout stay. TOML: tomlkit (comments and layout kept).
Raises ``ValueError`` for text that does not parse; the caller turns it
into a user error naming the file.
"""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

__all__ = ["SUPPORTED_SUFFIXES", "read_leaves", "apply_leaves"]

SUPPORTED_SUFFIXES = (".py", ".ipynb", ".json", ".yaml", ".yml", ".toml")
_SCALARS = (bool, int, float, str, type(None))
_YAML_PROPS = re.compile(r"[&!][^\s]*\s+")
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")

# -- spans: key -> (value, start, end, quote) with char offsets into text --


def _py_literal(node: ast.AST):
    if isinstance(node, ast.Constant) and isinstance(node.value, _SCALARS):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        if isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float):
            return ast.literal_eval(node)
    raise ValueError


def _py_spans(src: str) -> dict[str, tuple]:
    tree = ast.parse(src)
    lines = [m for m in _LINE_RE.findall(src)]
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line)
    encoded = [line.encode("utf-8") for line in lines]

    def off(lineno: int, col: int) -> int:
        return starts[lineno - 1] + len(encoded[lineno - 1][:col].decode("utf-8", "replace"))

    spans: dict[str, tuple] = {}

    def visit(node: ast.AST, key: str) -> None:
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and isinstance(k.value, (str, int)):
                    visit(v, f"{key}.{k.value}")
            return
        if isinstance(node, (ast.List, ast.Tuple)):
            for i, v in enumerate(node.elts):
                visit(v, f"{key}.{i}")
            return
        try:
            value = _py_literal(node)
        except (ValueError, TypeError):
            return
        if key in spans:
            return
        start, end = off(node.lineno, node.col_offset), off(node.end_lineno, node.end_col_offset)
        seg = src[start:end]
        spans[key] = (value, start, end, seg[-1] if isinstance(value, str) and seg else None)

    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            name, value = stmt.target.id, stmt.value
        else:
            continue
        if not any(k == name or k.startswith(name + ".") for k in spans):
            visit(value, name)
    return spans


def _py_render(value: Any, quote: str | None) -> str:
    if isinstance(value, str):
        if quote == '"':
            return json.dumps(value, ensure_ascii=False)
        return repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        # repr gives "inf"/"nan": names, not literals (NameError in the program).
        if math.isnan(value):
            return 'float("nan")'
        return "1e999" if value > 0 else "-1e999"
    return repr(value)


def _json_spans(text: str) -> dict[str, tuple]:
    spans: dict[str, tuple] = {}
    ws = re.compile(r"[ \t\r\n]*")
    num = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")

    def value(pos: int, key: str) -> int:
        pos = ws.match(text, pos).end()
        ch = text[pos:pos + 1]
        if ch == "{":
            pos = ws.match(text, pos + 1).end()
            if text[pos:pos + 1] == "}":
                return pos + 1
            while True:
                if text[pos:pos + 1] != '"':
                    raise ValueError(f"expected a key at offset {pos}")
                name, pos = json.decoder.scanstring(text, pos + 1)
                pos = ws.match(text, pos).end()
                if text[pos:pos + 1] != ":":
                    raise ValueError(f"expected ':' at offset {pos}")
                pos = ws.match(text, value(pos + 1, f"{key}.{name}" if key else name)).end()
                if text[pos:pos + 1] == "}":
                    return pos + 1
                if text[pos:pos + 1] != ",":
                    raise ValueError(f"expected ',' at offset {pos}")
                pos = ws.match(text, pos + 1).end()
        if ch == "[":
            pos = ws.match(text, pos + 1).end()
            if text[pos:pos + 1] == "]":
                return pos + 1
            i = 0
            while True:
                pos = ws.match(text, value(pos, f"{key}.{i}" if key else str(i))).end()
                i += 1
                if text[pos:pos + 1] == "]":
                    return pos + 1
                if text[pos:pos + 1] != ",":
                    raise ValueError(f"expected ',' at offset {pos}")
                pos += 1
        if ch == '"':
            s, end = json.decoder.scanstring(text, pos + 1)
            spans.setdefault(key, (s, pos, end, '"'))
            return end
        for word, val in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, pos):
                spans.setdefault(key, (val, pos, pos + len(word), None))
                return pos + len(word)
        m = num.match(text, pos)
        if not m:
            raise ValueError(f"unexpected character at offset {pos}")
        val = json.loads(m.group())
        spans.setdefault(key, (val, pos, m.end(), None))
        return m.end()

    end = ws.match(text, value(0, "")).end()
    if end != len(text):
        raise ValueError(f"extra data at offset {end}")
    return spans


def _json_render(value: Any, quote: str | None) -> str:
    return json.dumps(value, ensure_ascii=False)


def _yaml_spans(text: str) -> dict[str, tuple]:
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as e:
        raise ValueError(str(e).splitlines()[0] if str(e) else "invalid YAML") from None
    finally:
        loader.dispose()
    spans: dict[str, tuple] = {}
    seen: set[int] = set()

    def visit(node, key: str) -> None:
        if id(node) in seen:  # an alias: the anchor's key owns the value
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    visit(v, f"{key}.{k.value}" if key else k.value)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                visit(v, f"{key}.{i}" if key else str(i))
        elif isinstance(node, yaml.ScalarNode) and key not in spans:
            value = loader.construct_object(node, deep=True)
            if isinstance(value, _SCALARS):
                quote = node.style if node.style in ("'", '"') else None
                start = node.start_mark.index
                while True:  # skip an anchor (&a) and a tag (!!int) before the value
                    m = _YAML_PROPS.match(text, start)
                    if not m or m.end() >= node.end_mark.index:
                        break
                    start = m.end()
                end = node.end_mark.index
                if node.style in ("|", ">"):
                    end, quote = _yaml_block_span(text, start, end)
                spans[key] = (value, start, end, quote)

    if root is not None:
        visit(root, "")
    return spans


def _yaml_block_span(text: str, start: int, end: int) -> tuple[int, tuple[str, str]]:
    """A block scalar (``|``, ``>-``) spans its header line and its content
    lines. Returns the end of the last content line and what follows the
    new one-line value: the header's comment and the line break, so the
    next key and any blank lines after the block stay where they were."""
    seg = text[start:end]
    lines = _LINE_RE.findall(seg)
    header = lines[0] if lines else ""
    m = re.search(r"\s#.*", header.rstrip("\r\n"))
    comment = " " + m.group().strip() if m else ""
    content_end = len(header)
    for i, line in enumerate(lines):
        if i and line.strip():
            content_end = sum(len(x) for x in lines[: i + 1])
    kept = seg[:content_end]
    newline = kept[len(kept.rstrip("\r\n")):]
    return start + content_end, ("block", comment + newline)


def _yaml_double_quoted(value: str) -> str:
    out = []
    for c in value:
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif c.isprintable() and c not in "\ufeff\x85\u2028\u2029":
            out.append(c)
        elif c == "\n":
            out.append("\\n")
        elif ord(c) < 0x100:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) < 0x10000:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


def _yaml_render(value: Any, quote) -> str:
    if isinstance(quote, tuple):  # replacing a block scalar: one line
        flow = _yaml_double_quoted(value) if isinstance(value, str) else _yaml_render(value, None)
        return flow + quote[1]
    import yaml

    if isinstance(value, str):
        if not value.isprintable() or any(c in value for c in "\ufeff\x85\u2028\u2029"):
            return _yaml_double_quoted(value)
        if quote == "'":
            return "'" + value.replace("'", "''") + "'"
        if quote == '"':
            return json.dumps(value, ensure_ascii=False)
    dumped = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    dumped = dumped.strip()
    if dumped.endswith("\n..."):
        dumped = dumped[:-4].rstrip()
    elif dumped.endswith("..."):
        dumped = dumped[:-3].rstrip()
    return dumped


_SPANNERS = {
    ".py": (_py_spans, _py_render),
    ".json": (_json_spans, _json_render),
    ".yaml": (_yaml_spans, _yaml_render),
    ".yml": (_yaml_spans, _yaml_render),
}


def _replace_spans(text: str, spans: dict[str, tuple], changes: dict[str, Any], render) -> str:
    edits = sorted(
        ((spans[k][1], spans[k][2], render(v, spans[k][3])) for k, v in changes.items() if k in spans),
        reverse=True,
    )
    for start, end, new in edits:
        text = text[:start] + new + text[end:]
    return text


# -- notebooks: code cells as Python, magics masked so ast can parse --


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _masked(src: str) -> str | None:
    if src.lstrip().startswith("%%"):
        return None
    out = []
    for line in _LINE_RE.findall(src):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            i = len(line) - len(stripped)
            line = line[:i] + "#" + line[i + 1:]
        out.append(line)
    return "".join(out)


def _nb_cells(text: str):
    nb = json.loads(text)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            src = _cell_source(cell)
            masked = _masked(src)
            if masked is None:
                continue
            try:
                yield nb, cell, src, _py_spans(masked)
            except SyntaxError:
                continue


def _nb_indent(text: str) -> int | None:
    m = re.search(r"\n([ ]+)\S", text)
    return len(m.group(1)) if m else None


# -- TOML via tomlkit --


def _flatten(obj: Any, key: str, out: dict) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            _flatten(v, f"{key}.{k}" if key else str(k), out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _flatten(v, f"{key}.{i}" if key else str(i), out)
    elif isinstance(obj, _SCALARS):
        out.setdefault(key, obj)


def _toml_parse(text: str):
    import tomlkit

    try:
        return tomlkit.parse(text)
    except Exception as e:  # tomlkit raises its own ParseError types
        raise ValueError(str(e)) from None


# -- public --


def read_leaves(text: str, suffix: str) -> dict[str, Any]:
    """Dotted key -> scalar value for a config file's text."""
    suffix = suffix.lower()
    if suffix == ".toml":
        out: dict[str, Any] = {}
        _flatten(_toml_parse(text).unwrap(), "", out)
        return out
    if suffix == ".ipynb":
        leaves: dict[str, Any] = {}
        for _nb, _cell, _src, spans in _nb_cells(text):
            for k, v in spans.items():
                leaves.setdefault(k, v[0])
        return leaves
    if suffix not in _SPANNERS:
        raise ValueError(f"unsupported config file type '{suffix}'")
    try:
        spans = _SPANNERS[suffix][0](text)
    except SyntaxError as e:
        raise ValueError(f"line {e.lineno}: {e.msg}") from None
    return {k: v[0] for k, v in spans.items()}


def apply_leaves(text: str, suffix: str, changes: dict[str, Any]) -> str:
    """``text`` with the given dotted keys set; other bytes unchanged."""
    suffix = suffix.lower()
    if not changes:
        return text
    if suffix == ".toml":
        doc = _toml_parse(text)
        for key, value in changes.items():
            parts = key.split(".")
            node = doc
            for p in parts[:-1]:
                node = node[int(p)] if isinstance(node, list) else node[p]
            last = parts[-1]
            if isinstance(node, list):
                node[int(last)] = value
            else:
                node[last] = value
        return doc.as_string()
    if suffix == ".ipynb":
        nb = None
        done: set[str] = set()
        for nb, cell, src, spans in _nb_cells(text):  # noqa: B007 - the notebook is written out after the loop
            mine = {k: v for k, v in changes.items() if k in spans and k not in done}
            if mine:
                done.update(mine)
                new = _replace_spans(src, spans, mine, _py_render)
                cell["source"] = _LINE_RE.findall(new)[:-1] if new else []
        if nb is None:
            return text
        out = json.dumps(nb, indent=_nb_indent(text), ensure_ascii=False)
        return out + ("\n" if text.endswith("\n") else "")
    spanner, render = _SPANNERS[suffix]
    return _replace_spans(text, spanner(text), changes, render)
