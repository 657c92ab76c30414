"""Syntax errors said the way a person would say them.

The parsers (tomllib, json, PyYAML) say what their grammar expected
("illegal character '\\n'", "mapping values are not allowed in this
context") and where they noticed, which is often past the mistake. Each
``explain_*`` looks at the text around that place and returns the mistake
a person made ("unterminated string", "this line is indented more than
the line above"), where it is, and its span. A parser message with no
better reading is kept, prefixed with the format's name.

Public API::

    explain_toml(text, line, col, message) -> Explanation
    explain_json(text, blanked, line, col, message) -> Explanation
    explain_json_constant(text, blanked, name) -> Explanation   # NaN, Infinity
    explain_yaml(text, error) -> Explanation      # a yaml.MarkedYAMLError
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Explanation", "explain_json", "explain_json_constant", "explain_toml", "explain_yaml"]


@dataclass(frozen=True)
class Explanation:
    """A syntax error at 1-based ``line``:``col`` spanning ``length``
    characters of that line (at least one is shown)."""

    line: int
    col: int
    message: str
    length: int = 1
    hint: str | None = None


class _Text:
    """Offsets <-> (line, col) of one text."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, line: int, col: int) -> int:
        line = min(max(line, 1), len(self.lines))
        return self.starts[line - 1] + min(max(col - 1, 0), len(self.lines[line - 1]))

    def position(self, offset: int) -> tuple[int, int]:
        offset = min(max(offset, 0), len(self.text))
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - self.starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else ""

    def at(self, offset: int, message: str, length: int = 1, hint: str | None = None) -> Explanation:
        line, col = self.position(offset)
        return Explanation(line, col, message, max(1, length), hint)

    def to_line_end(self, offset: int) -> int:
        """Characters from ``offset`` to the end of its line."""
        end = self.text.find("\n", offset)
        return (len(self.text) if end < 0 else end) - offset


def _token(text: str, offset: int) -> str:
    m = re.compile(r"[^\s,\]}\[{#]+").match(text, offset)
    return m.group(0) if m else text[offset:offset + 1]


def _quoted(text: str, limit: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- brackets ----------------------------------------------------------------


_CLOSERS = {"[": "]", "{": "}"}


def _unclosed_bracket(t: _Text, skipped: list[tuple[int, int]], end: int, headers: bool = False) -> int | None:
    """Offset of the bracket left open before ``end``. Strings and comments
    (``skipped`` spans) don't count; with ``headers`` a ``[`` starting a
    line at the top level is a TOML table header, not an array. When a
    closer sits at a smaller indentation than the line of the bracket it
    closes, that bracket is the likely unclosed one (the closer belongs
    to an outer bracket)."""
    stack: list[int] = []
    suspect: int | None = None
    spans = iter(sorted(skipped))
    skip = next(spans, None)
    i = 0
    text = t.text
    while i < end:
        if skip is not None and i >= skip[0]:
            i = max(i, skip[1])
            skip = next(spans, None)
            continue
        c = text[i]
        if headers and c == "[" and not stack and text[t.starts[t.position(i)[0] - 1]:i].strip() == "":
            close = text.find("\n", i)
            i = len(text) if close < 0 else close
            continue
        if c in _CLOSERS:
            stack.append(i)
        elif c in "]}" and stack:
            opened = stack.pop()
            line, col = t.position(i)
            before = text[t.starts[line - 1]:i]
            opener_line = t.line_text(t.position(opened)[0])
            opener_indent = len(opener_line) - len(opener_line.lstrip())
            if suspect is None and before.strip() == "" and col - 1 < opener_indent:
                suspect = opened
        i += 1
    if not stack:
        return None
    return suspect if suspect is not None else stack[-1]


def _unclosed_message(t: _Text, opener: int, hint: str | None = None) -> Explanation:
    c = t.text[opener]
    what = "list" if c == "[" else "object"
    return t.at(opener, f"unclosed {what}: the '{_CLOSERS[c]}' for this '{c}' is missing", hint=hint)


# -- TOML --------------------------------------------------------------------


def _toml_skipped(text: str) -> tuple[list[tuple[int, int]], tuple[int, str] | None]:
    """Spans of strings and comments, and the first string left open
    (its offset and quote)."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            spans.append((i, end))
            i = end
            continue
        if c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while True:
                if j >= n or (len(quote) == 1 and text[j] == "\n"):
                    return spans, (i, quote)
                if text[j] == "\\" and c == '"':
                    j += 2
                    continue
                if text.startswith(quote, j):
                    # """a"""" ends with the last three quotes
                    while len(quote) == 3 and text.startswith(quote, j + 1):
                        j += 1
                    j += len(quote)
                    break
                j += 1
            spans.append((i, j))
            i = j
            continue
        i += 1
    return spans, None


_TOML_KEY = re.compile(r"""\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*'))*)\s*=""")
_TOML_HEADER_LINE = re.compile(r"\s*(\[\[?)\s*([^\]\n#]*?)\s*(\]\]?)")
_BOOL_WORDS = {"yes", "no", "on", "off", "y", "n", "true", "false"}


def _key_name(key: str) -> str:
    return re.sub(r"\s*\.\s*", ".", key)


def _toml_unterminated(t: _Text, opened: tuple[int, str]) -> Explanation:
    offset, quote = opened
    if len(quote) == 3:
        return t.at(offset, f"unterminated multi-line string: the closing {quote} is missing", 3)
    return t.at(
        offset,
        f"unterminated string: the closing {quote} is missing",
        t.to_line_end(offset),
        hint=f"a string ends on the line it starts; use {quote * 3}...{quote * 3} for text over several lines",
    )


def explain_toml(text: str, line: int, col: int, message: str) -> Explanation:
    t = _Text(text)
    raw = message.rstrip(".")
    low = raw.lower()
    pos = t.offset(line, col)
    skipped, open_string = _toml_skipped(text)
    if open_string is not None and (
        low.startswith(("unterminated string", "expected \"'\"", "expected '\"'")) or "'\\n'" in low
    ):
        return _toml_unterminated(t, open_string)
    src = t.line_text(line)
    if low.startswith("expected '=' after a key"):
        key = src[: col - 1].strip()
        rest = src[col - 1:].strip()
        if not rest or rest.startswith("#"):
            return t.at(pos, f"the key '{_quoted(key)}' has no value: write {key} = VALUE")
        return t.at(pos, f"missing '=' between the key '{_quoted(key)}' and its value", len(_token(text, pos)))
    if low.startswith(("cannot overwrite a value", "duplicate inline table key")):
        return _toml_duplicate_key(t, line, pos)
    if low.startswith("cannot declare"):
        m = _TOML_HEADER_LINE.match(src)
        name = m.group(2) if m else ""
        first = _first_header(t, line, name)
        where = f" (first at line {first})" if first else ""
        start = src.index("[") if "[" in src else 0
        return t.at(t.starts[line - 1] + start, f"table [{name}] is declared twice{where}",
                    len(src.rstrip()) - start, hint="merge the two tables into one")
    if low.startswith(("expected ']' at the end of a table", "expected ']]' at the end")):
        close = "]]" if "]]" in low else "]"
        start = src.index("[") if "[" in src else 0
        if close[0] not in src[start + len(close):]:
            return t.at(t.starts[line - 1] + start, f"unclosed table header: the closing '{close}' is missing",
                        len(src.rstrip()) - start)
        return t.at(pos, f"unexpected '{_quoted(_token(text, pos), 10)}' in the table header",
                    len(_token(text, pos)), hint='quote a name with spaces or dots: ["my op"]')
    if low.startswith(("unclosed array", "unclosed inline table")):
        opener = _unclosed_bracket(t, skipped, pos, headers=True)
        if opener is not None:
            what = "list" if text[opener] == "[" else "inline table"
            close = _CLOSERS[text[opener]]
            hint = "an inline table must end on the line it starts" if what == "inline table" else None
            return t.at(opener, f"unclosed {what}: the '{close}' for this '{text[opener]}' is missing", hint=hint)
    if low.startswith("invalid value"):
        return _toml_value(t, pos, src, col)
    if low.startswith("expected newline or end of document after a statement"):
        rest = text[pos:pos + t.to_line_end(pos)]
        shown = rest.split("#", 1)[0].rstrip()
        if rest[:1] in "]}":
            return t.at(pos, f"unmatched '{rest[0]}': nothing here is open")
        after = "the table header" if src.lstrip().startswith("[") else "the value"
        if re.match(r"[A-Za-z0-9_-]+\s*=", rest):
            which = "a key" if after == "the table header" else "a second key"
            return t.at(pos, f"{which} = value after {after}: put it on a line of its own", len(shown))
        return t.at(pos, f"unexpected '{_quoted(shown, 20)}' after {after}", len(shown),
                    hint="one key = value per line; quote text with spaces: \"a b\"")
    if low.startswith("invalid initial character for a key part"):
        shown = _token(text, pos)
        return t.at(pos, f"'{_quoted(shown, 10)}' cannot start a key", len(shown),
                    hint='a bare key has letters, digits, _ and -; quote any other key: "my key" = 1')
    if low.startswith("invalid statement"):
        return t.at(pos, "this line is neither key = value nor a [table] header", len(src.rstrip()) - (col - 1))
    if low.startswith("invalid hex value"):
        backslash = text.rfind("\\", t.starts[line - 1], pos + 1)
        return t.at(backslash if backslash >= 0 else pos, "invalid \\u escape in a \"...\" string", 2,
                    hint="write \\\\ for a backslash, or use a '...' string (Windows paths: use /)")
    if low.startswith("unescaped '\\' in a string"):
        backslash = text.rfind("\\", t.starts[line - 1], pos + 1)
        return t.at(backslash if backslash >= 0 else pos, "a backslash in a \"...\" string starts an escape",
                    hint="write \\\\ for a backslash, or use a '...' string (Windows paths: use /)")
    return t.at(pos, "invalid TOML: " + _lower(raw))


def _lower(msg: str) -> str:
    return msg[:1].lower() + msg[1:] if msg[1:2].islower() else msg


def _first_header(t: _Text, line: int, name: str) -> int | None:
    for n in range(1, line):
        m = _TOML_HEADER_LINE.match(t.line_text(n))
        if m and m.group(1) == "[" and m.group(2) == name:
            return n
    return None


def _toml_duplicate_key(t: _Text, line: int, pos: int) -> Explanation:
    src = t.line_text(line)
    m = _TOML_KEY.match(src)
    if m is None:
        header = _TOML_HEADER_LINE.match(src)
        if header:
            start = src.index("[")
            return t.at(t.starts[line - 1] + start, f"table [{header.group(2)}] redefines a key that already has a value",
                        len(src.rstrip()) - start)
        return t.at(pos, "a key here is set twice", hint="a key can be set only once")
    key = _key_name(m.group(1))
    start = t.starts[line - 1] + m.start(1)
    first = None
    for n in range(line - 1, 0, -1):
        above = t.line_text(n)
        if _TOML_HEADER_LINE.match(above) and not _TOML_KEY.match(above):
            break
        k = _TOML_KEY.match(above)
        if k and _key_name(k.group(1)) == key:
            first = n
            break
    where = f" (first at line {first})" if first else ""
    return t.at(start, f"duplicate key '{key}': it is already set{where}", len(m.group(1)),
                hint="a key can be set only once in a table")


def _toml_value(t: _Text, pos: int, src: str, col: int) -> Explanation:
    token = _token(t.text, pos)
    rest = src[col - 1:].strip()
    if not rest or rest.startswith("#"):
        return t.at(pos, "a value is missing after '='")
    if token.startswith(","):
        return t.at(pos, "a value is missing before ','")
    if re.fullmatch(r"[+-]?\.\d+([eE][+-]?\d+)?", token):
        fixed = token.replace(".", "0.", 1)
        return t.at(pos, f"'{token}' is not a TOML number: write {fixed}", len(token))
    if re.fullmatch(r"[+-]?\d+\.([eE][+-]?\d+)?", token):
        return t.at(pos, f"'{token}' is not a TOML number: a digit must follow the '.'", len(token))
    if re.fullmatch(r"[+-]?0\d+", token):
        return t.at(pos, f"'{token}' is not a TOML number: leading zeros are not allowed", len(token),
                    hint=f'write "{token}" for text')
    if token.lower() in _BOOL_WORDS:
        return t.at(pos, f"'{token}' is not a TOML value: write true or false (lower case), or \"{token}\" for text",
                    len(token))
    if token[:1] in ("[", "{", '"', "'"):
        return t.at(pos, f"invalid value starting with {token[:1]}", len(token))
    return t.at(pos, f"'{_quoted(token, 20)}' is not a TOML value: text needs quotes: \"{_quoted(token, 20)}\"",
                len(token))


# -- JSON --------------------------------------------------------------------


_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_JSON_BARE_KEY = re.compile(r"[^\s:,{}\[\]\"']+")


def _json_strings(blanked: str) -> tuple[list[tuple[int, int]], int | None]:
    """Spans of strings, and the offset of the first one left open."""
    spans: list[tuple[int, int]] = []
    i = 0
    while True:
        j = blanked.find('"', i)
        if j < 0:
            return spans, None
        m = _JSON_STRING.match(blanked, j)
        if m is None:
            return spans, j
        spans.append((m.start(), m.end()))
        i = m.end()


def _previous_token_end(blanked: str, pos: int) -> int:
    i = pos
    while i > 0 and blanked[i - 1].isspace():
        i -= 1
    return i


def explain_json(text: str, blanked: str, line: int, col: int, message: str) -> Explanation:
    t = _Text(text)
    b = _Text(blanked)
    pos = b.offset(line, col)
    raw = message.rstrip(".").strip()
    low = raw.lower()
    strings, open_string = _json_strings(blanked)
    at_end = not blanked[pos:].strip()
    if (low.startswith("invalid control character") and blanked[pos:pos + 1] == "\n") or low.startswith(
        "unterminated string"
    ):
        start = open_string if open_string is not None else pos
        return t.at(start, 'unterminated string: the closing " is missing', t.to_line_end(start),
                    hint='a JSON string ends on its line; write \\n for a line break')
    if low.startswith("invalid control character"):
        return t.at(pos, "a tab or control character inside a string must be escaped (\\t, \\u0001)")
    if at_end and low.startswith(("expecting", "unterminated")):
        opener = _unclosed_bracket(b, strings, len(blanked))
        if opener is not None:
            return _unclosed_message(t, opener)
    token = _token(blanked, pos)
    c = blanked[pos:pos + 1]
    if low.startswith("expecting ',' delimiter") and c in "]}":
        opener = _unclosed_bracket(b, strings, pos)
        if opener is not None and _CLOSERS[blanked[opener]] != c:
            ol, oc = b.position(opener)
            where = f"line {ol}, column {oc}" if ol != line else f"column {oc}"
            close = _CLOSERS[blanked[opener]]
            return t.at(pos, f"missing '{close}' before this '{c}': the '{blanked[opener]}' at {where} is not closed")
    if low.startswith("expecting ',' delimiter"):
        prev = _previous_token_end(blanked, pos)
        pl, pc = b.position(prev - 1)
        where = f"line {pl}, column {pc}" if pl != line else f"column {pc}"
        length = _string_length(blanked, pos) if c == '"' else len(token)
        return t.at(pos, f"missing ',' between this item and the one before it (which ends at {where})", length)
    if low.startswith("expecting ':' delimiter"):
        prev = _previous_token_end(blanked, pos)
        key_start = next((s for s, e in strings if e == prev), None)
        if key_start is not None:
            key = blanked[key_start:prev]
            return t.at(key_start, f"missing ':' after the key {_quoted(key)}", prev - key_start)
        return t.at(pos, "missing ':' after the key")
    if low.startswith("expecting property name"):
        if c == "'":
            length = _single_quoted_length(blanked, pos)
            return t.at(pos, "a key needs double quotes in JSON, not single quotes", length)
        if c == ",":
            return t.at(pos, "an extra ',' (or a key is missing before it)")
        return _json_bare_word(t, blanked, pos, "key")
    if low.startswith("expecting value"):
        return _json_value(t, blanked, pos)
    if low.startswith("extra data"):
        prev = _previous_token_end(blanked, pos)
        pl, pc = b.position(prev - 1)
        if c in "]}":
            return t.at(pos, f"one '{c}' too many: the top-level object already ended at line {pl}, column {pc}")
        return t.at(pos, f"text after the end of the top-level object (which ended at line {pl}, column {pc})",
                    len(token), hint="a JSON Gagefile is one object: is a ',' missing, or a '}' too many?")
    if low.startswith(("invalid \\escape", "invalid \\uxxxx")):
        return t.at(pos, "invalid escape in a string", 2,
                    hint="write \\\\ for a backslash (or / in Windows paths)")
    return t.at(pos, "invalid JSON: " + _lower(raw))


def explain_json_constant(text: str, blanked: str, name: str) -> Explanation:
    """``NaN``/``Infinity``, which Python's json accepts and JSON does not:
    where the word stands outside strings."""
    t = _Text(text)
    outside = _JSON_STRING.sub(lambda m: " " * len(m.group(0)), blanked)
    m = re.search(rf"(?<![\w.]){re.escape(name)}\b", outside)
    return t.at(m.start() if m else 0, f"'{name}' is not a JSON value", len(m.group(0)) if m else 1,
                hint=f'write "{name}" for text, or a number')


def _string_length(text: str, pos: int) -> int:
    m = _JSON_STRING.match(text, pos)
    return len(m.group(0)) if m else 1


def _single_quoted_length(text: str, pos: int) -> int:
    end = text.find("'", pos + 1)
    line_end = text.find("\n", pos)
    if end < 0 or (0 <= line_end < end):
        return 1
    return end + 1 - pos


def _json_bare_word(t: _Text, blanked: str, pos: int, what: str) -> Explanation:
    """An unquoted word where a key or a string value should be."""
    word = _JSON_BARE_KEY.match(blanked, pos)
    c = blanked[pos:pos + 1]
    if word is None or not (c.isalnum() or c in "_$"):
        hint = "comments in a JSON Gagefile are // or /* */" if c == "#" else None
        return t.at(pos, f"unexpected '{c}' where a {what} should be", hint=hint)
    text = word.group(0)
    if blanked[word.end():word.end() + 1] == '"':
        return t.at(pos, f'this {"string" if what == "value" else what} is missing its opening "', len(text))
    return t.at(pos, f"a {what} needs double quotes in JSON: \"{_quoted(text, 20)}\"", len(text))


def _json_value(t: _Text, blanked: str, pos: int) -> Explanation:
    token = _token(blanked, pos)
    c = blanked[pos:pos + 1]
    if c == "'":
        return t.at(pos, "a string needs double quotes in JSON, not single quotes", _single_quoted_length(blanked, pos))
    if c == ",":
        return t.at(pos, "a value is missing before ','")
    if c in "]}":
        return t.at(pos, f"a value is missing before '{c}'")
    if token in ("True", "False", "None", "TRUE", "FALSE", "NULL", "Null", "yes", "no"):
        return t.at(pos, f"'{token}' is not a JSON value: use true, false or null (lower case)", len(token))
    if re.fullmatch(r"[+-]?\.\d+([eE][+-]?\d+)?", token):
        return t.at(pos, f"'{token}' is not a JSON number: write {token.replace('.', '0.', 1)}", len(token))
    if re.fullmatch(r"[+-]?\d[\w.+-]*", token):
        return t.at(pos, f"'{token}' is not a JSON number", len(token))
    return _json_bare_word(t, blanked, pos, "value")


# -- YAML --------------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def _content_above(t: _Text, line: int) -> int | None:
    for n in range(line - 1, 0, -1):
        if _is_content(t.line_text(n)):
            return n
    return None


_YAML_KEY_LINE = re.compile(r"""(\s*(?:-\s+)?)((?:"[^"\n]*"|'[^'\n]*'|[^\s#'"\-?:,\[\]{}][^:#\n]*?))\s*:(?:\s|$)""")
_YAML_NO_SPACE = re.compile(r"""(\s*(?:-\s+)?)([A-Za-z_$][\w$.\-]*):(?=[^\s:/\\])""")


def _key_of(line: str) -> tuple[int, str] | None:
    m = _YAML_KEY_LINE.match(line)
    return (m.start(2), m.group(2)) if m else None


def _has_inline_value(line: str) -> bool:
    m = _YAML_KEY_LINE.match(line)
    if m is None:
        return line.lstrip().startswith("- ") and bool(line.lstrip()[2:].strip())
    rest = line[m.end():].split(" #", 1)[0].strip()
    return bool(rest) and rest[0] not in "|>&!" and not rest.startswith("#")


def _described(t: _Text, n: int) -> str:
    line = t.line_text(n)
    return f'"{_quoted(line.strip())}" (line {n}, column {_indent(line) + 1})'


def _line_start(t: _Text, line: int) -> int:
    src = t.line_text(line)
    return t.starts[line - 1] + _indent(src)


def _first_word_length(t: _Text, line: int) -> int:
    src = t.line_text(line).strip()
    key = _key_of(t.line_text(line))
    if key is not None:
        return len(key[1])
    return len(src.split(" ", 1)[0]) or 1


def explain_yaml(text: str, error) -> Explanation:
    t = _Text(text)
    problem = (getattr(error, "problem", None) or "").strip()
    context = (getattr(error, "context", None) or "").strip()
    pmark = getattr(error, "problem_mark", None)
    cmark = getattr(error, "context_mark", None)
    mark = pmark or cmark
    pos = t.offset(mark.line + 1, mark.column + 1) if mark is not None else 0
    line, col = t.position(pos)
    copen = t.offset(cmark.line + 1, cmark.column + 1) if cmark is not None else None
    if "tab character" in problem:
        tab = text.find("\t", t.starts[line - 1])
        return t.at(tab if tab >= 0 else pos, "a tab is used for indentation; YAML indents with spaces only")
    if "cannot start any token" in problem:
        c = text[pos:pos + 1]
        if c == "\t":
            return t.at(pos, "a tab is used for indentation; YAML indents with spaces only")
        return t.at(pos, f"'{c}' cannot start a value in YAML; put the value in quotes", len(_token(text, pos)))
    if context.startswith("while scanning a quoted scalar") and copen is not None:
        quote = text[copen:copen + 1] or '"'
        return t.at(copen, f"unterminated string: the closing {quote} is missing", t.to_line_end(copen),
                    hint="a quoted string runs until its closing quote, even over several lines")
    if context.startswith(("while parsing a flow sequence", "while parsing a flow mapping")) and copen is not None:
        opener = text[copen:copen + 1]
        close = "]" if opener == "[" else "}"
        what = "list" if opener == "[" else "mapping"
        if t.position(copen)[0] != line or not text[pos:].strip():
            return t.at(copen, f"unclosed {what}: the '{close}' for this '{opener}' is missing")
        return t.at(pos, f"expected ',' or '{close}' in the {what} opened at column {t.position(copen)[1]}",
                    len(_token(text, pos)))
    if problem.startswith(("mapping values are not allowed", "did not find expected key",
                           "did not find expected '-' indicator", "expected <block end>")):
        found = _yaml_layout(t, line, col, problem)
        if found is not None:
            return found
    if context.startswith("while scanning a simple key") and "could not find expected ':'" in problem:
        start = copen if copen is not None else pos
        return t.at(start, "a key without ':' (or a value on a line of its own)",
                    len(_token(text, start)), hint="write key: value")
    if problem.startswith("did not find expected <document start>"):
        first = next((n for n in range(1, line) if _is_content(t.line_text(n))), None)
        src = t.line_text(line)
        if first is not None and _indent(t.line_text(first)) > _indent(src):
            return t.at(_line_start(t, line), f"this line is indented less than the first line, {_described(t, first)}; "
                        "top-level keys must line up", _first_word_length(t, line))
    if problem.startswith("block sequence entries are not allowed"):
        return t.at(pos, "a list item cannot start on the line of its key",
                    hint="put each '- item' on a line of its own, indented under the key")
    if problem.startswith("found unknown escape character"):
        backslash = text.rfind("\\", t.starts[line - 1], pos + 1)
        return t.at(backslash if backslash >= 0 else pos, 'invalid escape in a "..." string', 2,
                    hint="write \\\\ for a backslash, or use a '...' string")
    if problem.startswith("did not find expected node content"):
        shown = _token(text, pos)
        return t.at(pos, f"a value was expected here, not '{_quoted(shown, 20)}'", len(shown))
    words = " ".join(p for p in (problem, context) if p)
    return t.at(pos, "invalid YAML: " + (words or "syntax error"))


def _yaml_layout(t: _Text, line: int, col: int, problem: str) -> Explanation | None:
    """Indentation, a missing space after ':', a ':' inside a value, a list
    item among keys: what the block-structure errors usually are."""
    src = t.line_text(line)
    above = _content_above(t, line)
    for n in (above, line):
        if n is None:
            continue
        m = _YAML_NO_SPACE.match(t.line_text(n))
        if m and _key_of(t.line_text(n)) is None:
            colon = t.starts[n - 1] + m.end(2)
            word = t.line_text(n)[m.start(2):].split()[0]
            fixed = word.replace(":", ": ", 1)
            return t.at(colon, f"missing space after ':' in \"{word}\": write \"{fixed}\"")
    indent = _indent(src)
    start = _line_start(t, line)
    if problem.startswith("mapping values are not allowed") and col - 1 > indent:
        first = _key_of(src)
        if first is not None and t.starts[line - 1] + first[0] + len(first[1]) < t.offset(line, col):
            if above is None or _indent(t.line_text(above)) >= indent or not _has_inline_value(t.line_text(above)):
                key = first[1]
                value = src[first[0] + len(first[1]):].lstrip(" :")
                return t.at(t.offset(line, col), f"a ': ' inside the value of \"{key}\"",
                            hint=f"put the value in quotes: {key}: \"{_quoted(value, 30)}\"")
    if above is None:
        return None
    above_text = t.line_text(above)
    a = _indent(above_text)
    length = _first_word_length(t, line)
    if indent > a and _has_inline_value(above_text):
        above_key = _key_of(above_text)
        lead = f'; a key here must line up with "{above_key[1]}"' if above_key else ""
        return t.at(start, f"this line is indented more than the line above, {_described(t, above)}{lead}", length)
    if indent >= a and _key_of(above_text) is None and not above_text.lstrip().startswith(("- ", "-\t")) \
            and problem.startswith("mapping values are not allowed"):
        # "descriptio Madata" then "exec: x": the plain text runs on into the next key.
        return t.at(_line_start(t, above), f"{_described(t, above)} is not a key: value line; is a ':' missing?",
                    len(above_text.strip()))
    if indent < a:
        parent = next((n for n in range(above - 1, 0, -1)
                       if _is_content(t.line_text(n)) and _indent(t.line_text(n)) <= indent), None)
        if parent is not None and _indent(t.line_text(parent)) == indent and src.lstrip().startswith("- "):
            sibling = next((n for n in range(parent + 1, line) if _is_content(t.line_text(n))), above)
            return t.at(start, f"this list item is indented less than {_described(t, sibling)}; line it up with it",
                        length)
        if parent is not None and _indent(t.line_text(parent)) < indent:
            sibling = above
            for n in range(above, parent, -1):
                if _is_content(t.line_text(n)) and _indent(t.line_text(n)) > indent:
                    sibling = n
            return t.at(start, f"this line is indented less than {_described(t, sibling)} and more than "
                        f"{_described(t, parent)}; line it up with one of them", length)
        if parent is None and indent > 0:
            return t.at(start, f"this line is indented less than {_described(t, above)}, "
                        "and nothing above starts at its column", length)
    if indent == a and start == t.offset(line, col):
        if src.lstrip().startswith("- ") and _key_of(above_text) is not None:
            return t.at(start, f"a list item among keys: {_described(t, above)} is a key at this indentation",
                        length, hint="indent the list under its key")
        if above_text.lstrip().startswith("- ") and _key_of(src) is not None:
            return t.at(start, f"a key among list items: {_described(t, above)} is a list item at this indentation",
                        length)
    pos = t.offset(line, col)
    if pos > start and problem.startswith("did not find expected key"):
        line_key = _key_of(src)
        shown = _token(t.text, pos)
        of = f' of "{line_key[1]}"' if line_key else ""
        return t.at(pos, f"unexpected '{_quoted(shown, 20)}' after the value{of}", len(shown),
                    hint="quote a value that has spaces or quotes in it")
    if pos == start and problem.startswith(("did not find expected key", "did not find expected '-'")):
        shown = _token(t.text, pos)
        wanted = "a key (name: value)" if "key" in problem else "a list item (- value)"
        return t.at(pos, f"expected {wanted} here, not '{_quoted(shown, 20)}'", len(shown))
    return None
