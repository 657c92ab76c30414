"""Parsing details: JSONC blanking keeps positions, YAML alias bombs, bench generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gage_core.gagefile import load_gagefile_text
from gage_core.gagefile import parse as parse_mod
from gage_core.gagefile.parse import blank_jsonc, format_for

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "http://x//y", // c\n "b": [1, 2,], /* x\n y */ "c": {"d": 1,},}',
        '// only\n{"a": "/* not a comment */"}',
        '{"a": "\\" // still string"}',
    ],
)
def test_blank_jsonc_keeps_positions(text):
    blanked = blank_jsonc(text)
    assert len(blanked) == len(text)
    assert [i for i, c in enumerate(text) if c == "\n"] == [i for i, c in enumerate(blanked) if c == "\n"]
    json.loads(blanked)


def test_blank_jsonc_values():
    data = json.loads(blank_jsonc('{"a": "http://x//y", /* c */ "b": [1,],}'))
    assert data == {"a": "http://x//y", "b": [1]}


def test_format_for():
    assert [format_for(n) for n in ("gage.toml", "g.JSON", "g.yml", "g.yaml", "g.txt")] == [
        "toml", "json", "yaml", "yaml", None
    ]


def test_yaml_alias_bomb_is_a_syntax_error(monkeypatch):
    monkeypatch.setattr(parse_mod, "_MAX_VALUES", 10_000)
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    prev = "a"
    for name in "bcdefg":
        lines.append(f"{name}: &{name} [{', '.join('*' + prev for _ in range(10))}]")
        prev = name
    gf = load_gagefile_text("\n".join(lines) + "\n", Path("g.yaml"), Path("."))
    (d,) = gf.diagnostics
    assert d.code == "syntax" and gf.ops == {}


def test_toml_dates_and_json_constants():
    gf = load_gagefile_text("[a]\ndescription = 2024-01-01\n", Path("g.toml"), Path("."))
    assert gf.ops["a"].description == "2024-01-01"
    gf = load_gagefile_text('{"a": {"version": NaN}}', Path("g.json"), Path("."))
    assert not gf.valid and gf.diagnostics[0].code == "syntax"


def test_bench_generator_produces_a_valid_gagefile():
    from bench_check import generate_gagefile
    gf = load_gagefile_text(generate_gagefile(40), Path("gage.toml"), Path("."))
    assert gf.valid, gf.diagnostics[:3]
    assert len(gf.ops) == 40
    gf = load_gagefile_text(generate_gagefile(40, broken_every=10), Path("gage.toml"), Path("."))
    assert sorted(d.code for d in gf.errors) == ["type", "type", "unknown-key", "unknown-key"]


def test_toml_index_nested_arrays_of_tables_and_dotted_keys():
    from gage_core.gagefile.positions import build_index

    text = (
        '"$runs-dir" = "r"\n[[a]]\nx = 1\n[[a.b]]\nk1 = 1\n[[a.b]]\nk2 = 2\n[[a]]\n[[a.b]]\nk3 = 3\n'
        "[t]\nexec.run = 42\nconfig = [{keys = 1}]\n"
    )
    index = build_index("toml", text)
    assert index.lookup(("a", "0", "b", "1", "k2"), "key")[:2] == (7, 1)
    assert index.lookup(("a", "1", "b", "0", "k3"), "key")[:2] == (10, 1)
    assert index.lookup(("a", "1", "b", "0"), "key") == (9, 1, 9, 8)  # the [[a.b]] header
    assert index.lookup(("t", "exec", "run"), "value")[:2] == (12, 12)
    assert index.lookup(("t", "config", "0", "keys"), "value")[:2] == (13, 19)
    assert index.lookup(("$runs-dir",), "key")[:2] == (1, 1)
    assert index.lookup(("t", "missing", "deeper"), "value")[:2] == (11, 1)
