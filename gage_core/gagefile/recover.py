"""Load what is usable from a Gagefile with a syntax error.

The broken region is cut out of the text, every other byte kept where it
was (blanked to spaces, newlines kept), so the rest loads through the
normal pipeline with true line:col positions. TOML and JSON regions come
from tree-sitter's error recovery (top-level tables / top-level pairs);
YAML regions are top-level keys, cut at the parser's error line. An
operation any part of which lies in a cut region is *lost*: it is not
loaded at all (half an operation could run the wrong thing) and is named
so front ends can mark it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Recovery", "recover_text"]

_MAX_ROUNDS = 8


@dataclass
class Recovery:
    """``text``: the file with broken regions blanked; ``lost``: operation
    name -> 1-based line where its broken part starts."""

    text: str
    lost: dict[str, int] = field(default_factory=dict)


def recover_text(text: str, fmt: str, error_line: int) -> Recovery | None:
    """The usable part of ``text`` (whose parser stopped at ``error_line``),
    or None when nothing can be separated from the error."""
    if fmt == "toml":
        return _recover_toml(text, error_line)
    if fmt == "json":
        return _recover_json(text)
    if fmt == "yaml":
        return _recover_yaml(text, error_line)
    return None


# -- shared --------------------------------------------------------------------


def _blank_lines(lines: list[str], first: int, last: int) -> None:
    """Blank 0-based rows ``first..last`` inclusive."""
    for i in range(max(first, 0), min(last, len(lines) - 1) + 1):
        lines[i] = ""


def _parses(text: str, fmt: str) -> int | None:
    """None when ``text`` parses, else the 1-based error line (for YAML
    where the broken construct starts: an unclosed quote is noticed only
    at the end of the file)."""
    from gage_core.gagefile.parse import parse_text

    if fmt == "yaml":
        return _yaml_error_line(text)

    result = parse_text(text, fmt, "")
    if result.data is not None:
        return None
    diag = result.diagnostics[0] if result.diagnostics else None
    return diag.line if diag is not None and diag.line else 1


# -- TOML ------------------------------------------------------------------------

_TOML_HEADER = re.compile(r"""^\s*\[\[?\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_$-]+)""")


def _toml_op(line: str) -> str | None:
    m = _TOML_HEADER.match(line)
    if not m:
        return None
    name = m.group(1)
    if name[:1] in "\"'":
        name = name[1:-1]
    return None if name.startswith("$") else name


def _tree(fmt: str, data: bytes):
    from tree_sitter import Language, Parser

    if fmt == "toml":
        import tree_sitter_toml as grammar
    else:
        import tree_sitter_json as grammar
    return Parser(Language(grammar.language())).parse(data).root_node


def _recover_toml(text: str, error_line: int) -> Recovery | None:
    """Regions start at table headers (``[op]``, ``[[op.config]]``);
    tree-sitter's tree (which recovers past the error) tells which header
    lookalikes are really lines of a multi-line string."""
    lines = text.split("\n")
    try:
        root = _tree("toml", text.encode("utf-8"))
    except ImportError:
        return None
    in_string = _multiline_string_rows(root)
    starts = [i for i, line in enumerate(lines) if i not in in_string and _TOML_HEADER.match(line)]
    regions = _regions(starts, len(lines))
    if not regions:
        return None
    _mark_row(regions, error_line - 1)
    return _cut_rounds(lines, regions, "toml", _toml_op)


def _multiline_string_rows(root) -> set[int]:
    rows: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "string" and node.end_point.row > node.start_point.row and not node.has_error:
            rows.update(range(node.start_point.row + 1, node.end_point.row + 1))
            continue
        stack.extend(node.children)
    return rows


def _regions(starts: list[int], n_lines: int) -> list[list]:
    """[first row, last row, bad] per region; a preamble before the first start."""
    regions: list[list] = []
    if not starts:
        return regions
    if starts[0] > 0:
        regions.append([0, starts[0] - 1, False])
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else n_lines - 1
        regions.append([start, end, False])
    return regions


def _mark_row(regions: list, row: int) -> bool:
    """Mark the region holding ``row`` bad; False when none or already bad."""
    for region in regions:
        if region[0] <= row <= region[1]:
            if region[2]:
                return False
            region[2] = True
            return True
    # A row between regions (blank or comment): the region before it.
    before = [r for r in regions if r[1] < row]
    if before and not before[-1][2]:
        before[-1][2] = True
        return True
    return False


def _cut_rounds(lines: list[str], regions: list, fmt: str, op_of) -> Recovery | None:
    original = list(lines)
    for _ in range(_MAX_ROUNDS):
        cut = list(original)
        for first, last, bad in regions:
            if bad:
                _blank_lines(cut, first, last)
        text = "\n".join(cut)
        error = _parses(text, fmt)
        if error is None:
            lost: dict[str, int] = {}
            for first, last, bad in regions:
                if not bad:
                    continue
                for row in range(first, min(last, len(original) - 1) + 1):
                    name = op_of(original[row])
                    if name is not None:
                        lost.setdefault(name, row + 1)
            return Recovery(_drop_ops(cut, regions, lost, op_of), lost)
        if not _mark_row(regions, error - 1):
            return None
    return None


def _drop_ops(cut: list[str], regions: list, lost: dict[str, int], op_of) -> str:
    """Also blank the intact regions of lost ops (``[[train.config]]`` of a
    lost ``train``)."""
    for first, last, bad in regions:
        if not bad and op_of(cut[first] if first < len(cut) else "") in lost:
            _blank_lines(cut, first, last)
    return "\n".join(cut)


# -- YAML ------------------------------------------------------------------------

_YAML_KEY = re.compile(r"""^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s#'"\-?:][^:#]*?)\s*:(\s|$)""")


def _yaml_op(line: str) -> str | None:
    m = _YAML_KEY.match(line)
    if not m:
        return None
    name = m.group(1).strip()
    if name[:1] in "\"'":
        name = name[1:-1]
    return None if name.startswith("$") else name


def _yaml_error_line(text: str) -> int | None:
    import yaml

    try:
        list(yaml.compose_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.MarkedYAMLError as e:
        from gage_core.gagefile.syntax import explain_yaml

        # Where the mistake is (an unclosed quote: where it opened), not
        # where the parser noticed it.
        return explain_yaml(text, e).line
    except yaml.YAMLError:
        return 1
    return None


def _recover_yaml(text: str, error_line: int) -> Recovery | None:
    lines = text.split("\n")
    error_line = _yaml_error_line(text) or error_line
    starts = [i for i, line in enumerate(lines) if _YAML_KEY.match(line) or line.startswith(("---", "..."))]
    regions = _regions(starts, len(lines))
    if not regions:
        return None
    row = error_line - 1
    # PyYAML often notices a broken entry only at the next top-level key.
    if row in starts and row > 0:
        row -= 1
    _mark_row(regions, row)
    return _cut_rounds(lines, regions, "yaml", _yaml_op)


# -- JSON ------------------------------------------------------------------------


def _recover_json(text: str) -> Recovery | None:
    from gage_core.gagefile.parse import blank_jsonc

    data = bytearray(blank_jsonc(text).encode("utf-8"))
    try:
        root = _tree("json", bytes(data))
    except ImportError:
        return None
    obj = next((c for c in root.children if c.type == "object"), None)
    if obj is None:
        return None
    children = list(obj.children)
    closing_missing = not children or children[-1].type != "}" or children[-1].is_missing
    members = [c for c in children if c.type in ("pair", "ERROR")]
    if not members:
        return None
    lost: dict[str, int] = {}
    append_close = False
    for i, node in enumerate(children):
        if node.type not in ("pair", "ERROR"):
            continue
        is_last = node is members[-1]
        if not (node.has_error or node.type == "ERROR" or (is_last and closing_missing)):
            continue
        for name, row in _json_names(data, node):
            lost.setdefault(name, row + 1)
        _blank_bytes(data, node.start_byte, node.end_byte)
        comma = _neighbour_comma(children, i)
        if comma is not None:
            _blank_bytes(data, comma.start_byte, comma.end_byte)
        if is_last and closing_missing:
            append_close = True
    if not lost:
        return None
    repaired = data.decode("utf-8", "replace") + ("\n}" if append_close else "")
    if _parses(repaired, "json") is not None:
        return None
    return Recovery(repaired, lost)


_JSON_KEY = re.compile(rb'"((?:[^"\\\n]|\\.)*)"\s*:\s*\{')


def _json_names(data: bytearray, node) -> list[tuple[str, int]]:
    """Op names whose definitions start inside ``node``: its own key, then
    object-valued keys at the same indentation (swallowed by the error)."""
    region = bytes(data[node.start_byte:node.end_byte])
    out = []
    first = _JSON_KEY.match(region)
    indent = node.start_point.column
    if first:
        out.append((first.group(1).decode("utf-8", "replace"), node.start_point.row))
    row = node.start_point.row
    for n, line in enumerate(region.split(b"\n")[1:], 1):
        stripped = line.lstrip(b" \t")
        m = _JSON_KEY.match(stripped)
        if m and len(line) - len(stripped) == indent:
            out.append((m.group(1).decode("utf-8", "replace"), row + n))
    return [(name, r) for name, r in out if not name.startswith("$")]


def _neighbour_comma(children: list, i: int):
    if i + 1 < len(children) and children[i + 1].type == ",":
        return children[i + 1]
    if i > 0 and children[i - 1].type == ",":
        return children[i - 1]
    return None


def _blank_bytes(data: bytearray, start: int, end: int) -> None:
    for i in range(start, min(end, len(data))):
        if data[i] != 0x0A:
            data[i] = 0x20
