"""Syntax errors in a Gagefile read like a person wrote them, at the place
of the mistake, with its span: a table of common mistakes per format, and
a property over mutated Gagefiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gage_core.gagefile import load_gagefile_text
from gage_tui.cli.diagnostics_view import diagnostic_lines

# (format, file text, message, line, col, the span's text)
CASES = [
    # TOML
    ("toml", '[train]\nmain = "train\ndescription = "x"\n',
     'unterminated string: the closing " is missing', 2, 8, '"train'),
    ("toml", "[train]\nmain = 'train\n", "unterminated string: the closing ' is missing", 2, 8, "'train"),
    ("toml", '[train]\nmain = """train\nmore\n',
     'unterminated multi-line string: the closing """ is missing', 2, 8, '"""'),
    ("toml", '[train]\nmain "train"\n', "missing '=' between the key 'main' and its value", 2, 6, '"train"'),
    ("toml", "[train]\nexec\n", "the key 'exec' has no value: write exec = VALUE", 2, 5, ""),
    ("toml", '[train]\nexec = "a"\nexec = "b"\n',
     "duplicate key 'exec': it is already set (first at line 2)", 3, 1, "exec"),
    ("toml", '[train]\nexec = "a"\n\n[train]\ndescription = "b"\n',
     "table [train] is declared twice (first at line 1)", 4, 1, "[train]"),
    ("toml", '[train\nexec = "a"\n', "unclosed table header: the closing ']' is missing", 1, 1, "[train"),
    ("toml", '[train]\nsourcecode = ["a", "b"\n\n[eval]\nexec = "x"\n',
     "unclosed list: the ']' for this '[' is missing", 2, 14, "["),
    ("toml", '[train]\nenv = {A = "1"\n', "unclosed inline table: the '}' for this '{' is missing", 2, 7, "{"),
    ("toml", "[train]\nlr = .1\n", "'.1' is not a TOML number: write 0.1", 2, 6, ".1"),
    ("toml", "[train]\nx = yes\n",
     "'yes' is not a TOML value: write true or false (lower case), or \"yes\" for text", 2, 5, "yes"),
    ("toml", "[train]\nexec = python train.py\n",
     "'python' is not a TOML value: text needs quotes: \"python\"", 2, 8, "python"),
    ("toml", "[train]\nx = [1,,2]\n", "a value is missing before ','", 3 - 1, 8, ","),
    ("toml", '[train]\nexec = "a" "b"\n', "unexpected '\"b\"' after the value", 2, 12, '"b"'),
    ("toml", '[train]\nexec = "C:\\path"\n', 'a backslash in a "..." string starts an escape', 2, 11, "\\"),
    ("toml", '[train]\nexec = "C:\\util"\n', 'invalid \\u escape in a "..." string', 2, 11, "\\u"),
    ("toml", '[train]\nexec = "a" description = "b"\n',
     "a second key = value after the value: put it on a line of its own", 2, 12, 'description = "b"'),
    ("toml", '[train] exec = "a"\n', "a key = value after the table header: put it on a line of its own",
     1, 9, 'exec = "a"'),
    # YAML
    ("yaml", "train:\n  main: train\n    description: x\n",
     'this line is indented more than the line above, "main: train" (line 2, column 3); '
     'a key here must line up with "main"', 3, 5, "description"),
    ("yaml", "train:\n    main: train\n  description: x\n",
     'this line is indented less than "main: train" (line 2, column 5) and more than "train:" '
     "(line 1, column 1); line it up with one of them", 3, 3, "description"),
    ("yaml", "train:\n  exec: x\n    # a comment\n    more: 1\n",
     'this line is indented more than the line above, "exec: x" (line 2, column 3); '
     'a key here must line up with "exec"', 4, 5, "more"),
    ("yaml", "train:\n\texec: x\n", "a tab is used for indentation; YAML indents with spaces only", 2, 1, "\t"),
    ("yaml", 'train:\n  exec: "python t.py\n  description: x\n',
     'unterminated string: the closing " is missing', 2, 9, '"python t.py'),
    ("yaml", "train:\n  sourcecode: [a, b\n  description: x\n",
     "unclosed list: the ']' for this '[' is missing", 2, 15, "["),
    ("yaml", "train:\n  env: {A: 1\n  description: x\n",
     "unclosed mapping: the '}' for this '{' is missing", 2, 8, "{"),
    ("yaml", "train:\n  exec:python t.py\n  description: x\n",
     'missing space after \':\' in "exec:python": write "exec: python"', 2, 7, ":"),
    ("yaml", "train:\n  description: a: b\n", 'a \': \' inside the value of "description"', 2, 17, ":"),
    ("yaml", "train:\n  - a\n  b: c\n",
     'a key among list items: "- a" (line 2, column 3) is a list item at this indentation', 3, 3, "b"),
    ("yaml", "train:\n  exec: x\n  - y\n",
     'a list item among keys: "exec: x" (line 2, column 3) is a key at this indentation', 3, 3, "-"),
    ("yaml", 'train:\n  exec: "a" b\n', "unexpected 'b' after the value of \"exec\"", 2, 13, "b"),
    ("yaml", "train:\n  descriptio Make data\n  exec: python t.py\n",
     "\"descriptio Make data\" (line 2, column 3) is not a key: value line; is a ':' missing?", 2, 3,
     "descriptio Make data"),
    ("yaml", "train:\n  sourcecode:\n    - a.py\n  - b.py\n",
     'this list item is indented less than "- a.py" (line 3, column 5); line it up with it', 4, 3, "-"),
    ("yaml", "train:\n  exec: x\n  \tdescription: y\n",
     "a tab is used for indentation; YAML indents with spaces only", 3, 3, "\t"),
    ("yaml", "train:\n  sourcecode:    - a.py\n", "a list item cannot start on the line of its key", 2, 18, "-"),
    ("yaml", 'train:\n  exec: "C:\\path"\n', 'invalid escape in a "..." string', 2, 12, "\\p"),
    ("yaml", " train:\n   exec: x\nprepare:\n  exec: y\n",
     'this line is indented less than the first line, "train:" (line 1, column 2); top-level keys must line up',
     3, 1, "prepare"),
    ("yaml", "train:\n  exec: x\n}  description: y\n", "expected a key (name: value) here, not '}'", 3, 1, "}"),
    # JSON (with comments)
    ("json", '{\n  // c\n  "x": {"exec": "a"}\n  "y": {"exec": "b"}\n}\n',
     "missing ',' between this item and the one before it (which ends at line 3, column 20)", 4, 3, '"y"'),
    ("json", '{\n  "train": {"exec": "a"\n}\n', "unclosed object: the '}' for this '{' is missing", 2, 12, "{"),
    ("json", '{\n  "train": {"exec": "a"}\n', "unclosed object: the '}' for this '{' is missing", 1, 1, "{"),
    ("json", '{\n  "train": {"sourcecode": ["a", "b"}\n}\n',
     "missing ']' before this '}': the '[' at column 27 is not closed", 2, 36, "}"),
    ("json", '{\n  "train": {"exec": "a\n}}\n', 'unterminated string: the closing " is missing', 2, 21, '"a'),
    ("json", "{\n  \"train\": {\"exec\": 'a'}\n}\n",
     "a string needs double quotes in JSON, not single quotes", 2, 21, "'a'"),
    ("json", '{\n  train: {"exec": "a"}\n}\n', 'a key needs double quotes in JSON: "train"', 2, 3, "train"),
    ("json", '{"train": {exec": "x"}}', 'this key is missing its opening "', 1, 12, "exec"),
    ("json", '{"train": {"exec": python t.py"}}', 'a value needs double quotes in JSON: "python"', 1, 20, "python"),
    ("json", '{"train": {"exec": t.py"}}', 'this string is missing its opening "', 1, 20, "t.py"),
    ("json", '{\n  # a comment\n  "train": {}\n}\n', "unexpected '#' where a key should be", 2, 3, "#"),
    ("json", '{\n  "train": {"exec": "a"}}\n}\n',
     "one '}' too many: the top-level object already ended at line 2, column 25", 3, 1, "}"),
    ("json", '{\n  "train": {"exec" "a"}\n}\n', 'missing \':\' after the key "exec"', 2, 13, '"exec"'),
    ("json", '{\n  "train": {"default": True}\n}\n',
     "'True' is not a JSON value: use true, false or null (lower case)", 2, 24, "True"),
    ("json", '{\n  "train": {"exec": "a",, "default": true}\n}\n',
     "an extra ',' (or a key is missing before it)", 2, 25, ","),
    ("json", '{\n  "train": {"sourcecode": ["a",, "b"]}\n}\n', "a value is missing before ','", 2, 32, ","),
    ("json", '{\n  "t": {"exec": "NaN", "x": NaN}\n}\n', "'NaN' is not a JSON value", 2, 29, "NaN"),
    ("json", '{"t": {"x": -Infinity}}', "'-Infinity' is not a JSON value", 1, 13, "-Infinity"),
    ("json", '{\n  /* never closed\n  "train": {}\n}\n', "unterminated /* comment: the closing */ is missing",
     2, 3, "/*"),
]


def _syntax(text: str, fmt: str):
    gf = load_gagefile_text(text, Path(f"gage.{fmt}"), Path("/tmp/p"))
    syntax = [d for d in gf.diagnostics if d.code == "syntax"]
    assert len(syntax) == 1, gf.diagnostics
    return syntax[0], gf


@pytest.mark.parametrize("fmt,text,message,line,col,span", CASES)
def test_syntax_error_wording_and_place(fmt, text, message, line, col, span):
    d, _gf = _syntax(text, fmt)
    assert d.message == message
    assert (d.line, d.col) == (line, col), d.message
    row = text.split("\n")[d.line - 1]
    assert d.end_line == d.line
    assert row[d.col - 1 : d.end_col - 1] == span


def test_lost_operations_are_still_named():
    text = '[ok]\nexec = "echo ok"\n\n[train]\nexec = "python t.py\n\n[after]\nexec = "echo after"\n'
    d, gf = _syntax(text, "toml")
    assert d.message == 'unterminated string: the closing " is missing' and (d.line, d.col) == (5, 8)
    assert d.notes == ("operations lost to this error: 'train'",)
    assert set(gf.ops) == {"ok", "after"}


def test_a_yaml_mistake_on_the_last_line_loses_only_its_operation():
    text = "ok:\n  exec: echo ok\ntrain:\n    exec: python t.py\n  description: x\n"
    d, gf = _syntax(text, "yaml")
    assert (d.line, d.col) == (5, 3)
    assert d.notes == ("operations lost to this error: 'train'",)
    assert set(gf.ops) == {"ok"} and gf.lost_ops == {"train": 3}


def test_gage_check_shows_the_span_under_the_line():
    text = "train:\n    main: train\n  description: x\n"
    d, _gf = _syntax(text, "yaml")
    shown = diagnostic_lines(d, text.split("\n"))
    assert shown[0].startswith("gage.yaml:3:3: error[syntax]: this line is indented less than")
    assert shown[2:4] == ["3 |   description: x", "  |   ^^^^^^^^^^^"]


def test_an_unrecognised_parser_message_keeps_its_format_name():
    d, _gf = _syntax('[train]\nenv = {A = "1"}\nenv.B = "2"\n', "toml")
    assert d.message.startswith("invalid TOML: cannot mutate immutable namespace") and (d.line, d.col) == (3, 12)


_VALID = {
    "toml": '"$runs-dir" = "runs"\n\n[prepare]\ndescription = "Make data"\nexec = "python prepare.py"\n'
            'sourcecode = ["prepare.py", "util.py"]\n\n[train]\ndefault = true\nexec = "python train.py"\n'
            'env = {SEED = "1"}\ndepends = "runfiles: op=prepare"\n',
    "yaml": "$runs-dir: runs\nprepare:\n  description: Make data\n  exec: python prepare.py\n"
            "  sourcecode:\n    - prepare.py\n    - util.py\ntrain:\n  default: true\n  exec: python train.py\n"
            "  env: {SEED: '1'}\n  depends: 'runfiles: op=prepare'\n",
    "json": '{\n  // runs\n  "$runs-dir": "runs",\n  "prepare": {\n    "description": "Make data",\n'
            '    "exec": "python prepare.py",\n    "sourcecode": ["prepare.py", "util.py",],\n  },\n'
            '  "train": {"default": true, "exec": "python train.py", "env": {"SEED": "1"},\n'
            '            "depends": "runfiles: op=prepare"}\n}\n',
}
_PARSER_WORDS = ("while parsing", "while scanning", "delimiter", "illegal character", "in this context",
                 "expecting", "statement")


@st.composite
def _mutation(draw):
    fmt = draw(st.sampled_from(sorted(_VALID)))
    text = _VALID[fmt]
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(text)))
        chunk = draw(st.sampled_from(['"', "'", "[", "]", "{", "}", ",", ":", "=", "\n", "  ", "\t", "x", ".", "#"]))
        if draw(st.booleans()):
            text = text[:pos] + chunk + text[pos:]
        else:
            text = text[:pos] + text[pos + draw(st.integers(1, 3)):]
    return fmt, text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutation())
def test_a_mutated_gagefile_gives_no_error_or_one_inside_the_file(case):
    fmt, text = case
    gf = load_gagefile_text(text, Path(f"gage.{fmt}"), Path("/tmp/p"))
    lines = text.split("\n")
    for d in gf.diagnostics:
        assert d.line is not None and 1 <= d.line <= len(lines), d
        assert 1 <= d.col <= len(lines[d.line - 1]) + 1, d
        assert d.end_line == d.line or d.code != "syntax", d
        assert 1 <= d.end_line <= len(lines) and d.end_col <= len(lines[d.end_line - 1]) + 1, d
        assert (d.line, d.col) <= (d.end_line, d.end_col), d
        diagnostic_lines(d, lines)
        if d.code == "syntax" and not d.message.startswith(("invalid TOML", "invalid YAML", "invalid JSON")):
            assert not any(w in d.message for w in _PARSER_WORDS), d.message
