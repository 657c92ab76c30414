"""One diagnostic per mistake, at the exact line:col, for TOML, JSONC and YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from gage_core.gagefile import Severity, load_gagefile, load_gagefile_text
from helpers.paths import FIXTURES

GAGEFILES = FIXTURES / "gagefiles"


def _load(text: str, name: str):
    return load_gagefile_text(text, Path(name), Path("/tmp/proj"), shown_as=name)


def _at(text: str, d) -> str:
    return text.split("\n")[d.line - 1][d.col - 1 :]


def _summary(gf):
    return [(d.line, d.col, d.code, d.pointer, d.hint) for d in gf.diagnostics]


def test_toml_positions_and_hints():
    path = GAGEFILES / "typos.toml"
    text = path.read_text(encoding="utf-8")
    gf = load_gagefile(path, shown_as="typos.toml")
    assert _summary(gf) == [
        (3, 1, "unknown-key", "/train/exce", "did you mean 'exec'?"),
        (4, 31, "type", "/train/sourcecode/1", None),  # after non-ASCII "données"
        (7, 8, "enum", "/train/depends/0/type", "did you mean 'run-files'?"),
        (10, 1, "missing-key", "/train/depends/1", None),  # the [[train.depends]] header
        (15, 15, "type", "/prepare/description", None),
    ]
    tokens = [_at(text, d) for d in gf.diagnostics]
    assert tokens[0].startswith("exce")
    assert tokens[1].startswith("7")
    assert tokens[2].startswith('"run-file"')
    assert tokens[3].startswith("[[train.depends]]")
    assert gf.diagnostics[0].message == "unknown key 'exce' in operation 'train'"
    assert all(d.path == "typos.toml" for d in gf.diagnostics)


def test_jsonc_positions_with_comments_and_trailing_commas():
    path = GAGEFILES / "typos.json"
    text = path.read_text(encoding="utf-8")
    gf = load_gagefile(path)
    assert _summary(gf) == [
        (6, 5, "unknown-key", "/train/defualt", "did you mean 'default'?"),
        (7, 26, "enum", "/train/depends/0/type", "did you mean 'run-files'?"),
        (8, 44, "type", "/train/sourcecode/1", None),
    ]
    assert _at(text, gf.diagnostics[0]).startswith('"defualt"')
    assert _at(text, gf.diagnostics[2]).startswith("1]")
    # The URL inside a string is not a comment.
    assert gf.ops["train"].exec == {"run": "python train.py"}


def test_yaml_positions():
    gf = load_gagefile(GAGEFILES / "typos.yaml")
    assert _summary(gf) == [
        (5, 7, "type", "/train/sourcecode/1", None),
        (6, 14, "unknown-key", "/train/progress/runn", "did you mean 'run'?"),
        (8, 16, "type", "/prepare/description", None),
    ]


def test_comments_and_trailing_commas_accepted():
    gf = load_gagefile(GAGEFILES / "jsonc-ok.json")
    assert gf.valid, gf.diagnostics
    assert gf.namespace == "demo"
    assert gf.project_id == "0b5a3f0e-7c1d-4e8a-9f2b-1c2d3e4f5a6b"
    deps = gf.ops["train"].depends
    assert [(d.type, d.files, d.run_select) for d in deps] == [
        ("project-files", ("data.csv",), None),
        ("run-files", (), "op=prepare"),
    ]


@pytest.mark.parametrize(
    "name,text,line,col",
    [
        ("a.json", "// c1\n// c2\n{\"a\": {\"exec\": \"x\" /* c */ \"b\": 1}}\n", 3, 28),
        ("a.json", "", 1, 1),
        ("a.json", "{\n  /* never closed\n", 2, 3),
        ("a.toml", '[train]\nexec = "x\n', 2, 8),  # the opening quote
        ("a.toml", "[train\n", 1, 1),  # the unclosed header
        ("a.yaml", "train:\n  exec: [a, b\n", 2, 9),  # the unclosed bracket
        ("a.yaml", "train:\n  exec: x\n   bad: indent: here\n", 3, 4),  # the over-indented key
    ],
)
def test_syntax_errors_at_true_position(name, text, line, col):
    gf = _load(text, name)
    assert not gf.valid and gf.ops == {}
    (d,) = gf.diagnostics
    assert d.code == "syntax"
    assert (d.line, d.col) == (line, col), d.message


def test_enum_and_key_did_you_mean_dollar_keys():
    gf = _load('{"$run-dir": "x", "$project-id": "nope", "t": {"exec": "x"}}', "g.json")
    msgs = {d.pointer: (d.code, d.hint, d.message) for d in gf.diagnostics}
    assert msgs["/$run-dir"][:2] == ("unknown-key", "did you mean '$runs-dir'?")
    assert msgs["/$project-id"][0] == "pattern"
    assert "UUID" in msgs["/$project-id"][2]
    assert gf.project_id is None
    assert not gf.ops["t"].broken


def test_duplicate_keys_are_warnings():
    gf = _load('{"t": {"exec": "a", "exec": "b"}}', "g.json")
    assert gf.valid
    (d,) = gf.diagnostics
    assert (d.severity, d.code, d.line, d.col) == (Severity.WARNING, "duplicate-key", 1, 21)
    gf = _load("t:\n  exec: a\n  exec: b\n", "g.yaml")
    assert [(d.code, d.line, d.col) for d in gf.diagnostics] == [("duplicate-key", 3, 3)]


def test_more_than_one_default_is_a_warning():
    gf = _load("[a]\ndefault = true\n[b]\ndefault = true\n", "g.toml")
    assert gf.valid
    (d,) = gf.diagnostics
    assert (d.code, d.line, d.col, d.severity) == ("multiple-defaults", 4, 1, Severity.WARNING)


def test_mixed_config_is_one_no_match():
    gf = _load('{"t": {"config": ["a.py", {"keys": "x"}]}}', "g.json")
    (d,) = gf.diagnostics
    assert d.code == "no-match" and len(d.notes) == 2


def test_bad_depends_one_message_each():
    text = (
        "[train]\n"
        "[[train.depends]]\n"
        'run-select = "op=x"\n'
        'file = "a"\n'
        "[[train.depends]]\n"
        'type = "runs-summary"\n'
    )
    gf = _load(text, "g.toml")
    assert _summary(gf) == [
        (4, 1, "unknown-key", "/train/depends/0/file", "did you mean 'files'?"),
        (5, 1, "missing-key", "/train/depends/1", None),
    ]


def test_non_object_root():
    gf = _load("[1, 2]", "g.json")
    (d,) = gf.diagnostics
    assert d.code == "type" and "expected an object" in d.message
    assert gf.ops == {}


@pytest.mark.parametrize(
    "text,where,hint",
    [
        ('[t.config]\nkey = "x"\n', (2, 1), "did you mean 'keys'?"),
        ('[[t.depends]]\ntype = "runs-summary"\nruns-selct = "x"\n', (3, 1), "did you mean 'runs-select'?"),
        ('[t.depends]\nfile = "x"\n', (2, 1), "did you mean 'files'?"),
        ('[t.depends]\ntype = "run-files"\nrun-selct = "x"\n', (3, 1), "did you mean 'run-select'?"),
        ('[t.exec]\nfinalize-run = "x"\n', (2, 1), "did you mean 'finalize'?"),
    ],
)
def test_misspelled_required_key_is_one_diagnostic(text, where, hint):
    gf = _load(text, "g.toml")
    (d,) = gf.diagnostics
    assert (d.line, d.col) == where and d.code == "unknown-key" and d.hint == hint


def test_missing_key_note_names_the_type():
    gf = _load('[[t.depends]]\ntype = "runs-summary"\n', "g.toml")
    (d,) = gf.diagnostics
    assert d.notes == ('required for type = "runs-summary"',)


def test_format_aware_nouns():
    assert "expected a table, got an integer" in _load("[t]\nlisting = 3\n", "g.toml").diagnostics[0].message
    assert "expected a mapping" in _load("t:\n  listing: 3\n", "g.yaml").diagnostics[0].message
    assert "expected an object" in _load('{"t": {"listing": 3}}', "g.json").diagnostics[0].message
