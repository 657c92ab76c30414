"""A Gagefile with a syntax error still loads the operations outside the
broken region; the ones inside are named as lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from gage_core.gagefile import load_gagefile_text

TOML = '''"$runs-dir" = "runs"

[a]
exec = "echo a"

[b]
exec = "echo b
z = [1,

[c]
exec = "echo c"

[[c.config]]
keys = "k"

[d]
exec = "echo d"
'''

JSON_MISSING_BRACE = '''{
  // ops
  "a": {"exec": "echo a"},
  "b": {"exec": "echo b",
  "c": {"exec": "echo c"},
  "d": {"exec": "echo d"}
}
'''

JSON_BAD_PAIR = '''{
  "a": {"exec": "echo a"}, /* first */
  "b": {"exec": "echo b" "x": 1},
  "c": {"exec": "echo c"},
}
'''

YAML = '''a:
  exec: echo a
b:
  exec: "echo b
  x: 1
c:
  exec: echo c
d:
   exec: echo d
  bad: 1
e:
  exec: echo e
'''


def _load(text: str, fmt: str):
    return load_gagefile_text(text, path=Path(f"gage.{fmt}"), project_dir=Path("/tmp/p"))


@pytest.mark.parametrize(
    "text,fmt,ops,lost",
    [
        (TOML, "toml", {"a", "c", "d"}, {"b": 6}),
        (JSON_MISSING_BRACE, "json", {"a"}, {"b": 4, "c": 5, "d": 6}),
        (JSON_BAD_PAIR, "json", {"a", "c"}, {"b": 3}),
        (YAML, "yaml", {"a", "c", "e"}, {"b": 3, "d": 8}),
    ],
    ids=["toml", "json-missing-brace", "json-bad-pair", "yaml"],
)
def test_partial_load(text, fmt, ops, lost):
    gf = _load(text, fmt)
    assert set(gf.ops) == ops
    assert gf.lost_ops == lost
    assert not gf.valid
    (syntax,) = [d for d in gf.diagnostics if d.code == "syntax"]
    assert any("operations lost to this error" in n for n in syntax.notes)
    for name in ops:
        assert not gf.ops[name].broken
        assert gf.ops[name].exec["run"] == f"echo {name}"


def test_toml_lost_op_keeps_none_of_its_tables():
    text = '"$runs-dir" = "runs"\n[a]\nexec = "echo a"\n[c]\nexec = "echo c\n[[c.config]]\nkeys = "k"\n'
    gf = _load(text, "toml")
    assert set(gf.ops) == {"a"} and gf.lost_ops == {"c": 4}
    assert gf.runs_dir == "runs"


def test_yaml_unclosed_quote_points_where_it_opens():
    gf = _load(YAML, "yaml")
    (syntax,) = [d for d in gf.diagnostics if d.code == "syntax"]
    assert (syntax.line, syntax.col) == (4, 9)


def test_positions_of_later_problems_stay_true():
    text = TOML + 'exce = "typo"\n'
    gf = _load(text, "toml")
    (typo,) = [d for d in gf.diagnostics if d.code == "unknown-key"]
    assert typo.line == text.count("\n") and typo.op == "d"


def test_unrecoverable_file_loads_nothing():
    gf = _load("[a\nexec = 1\n", "toml")
    assert gf.ops == {} and len(gf.diagnostics) == 1


def test_progress_name_is_validated():
    gf = _load('[t]\nexec = "x"\nprogress = "tqdmm"\n', "toml")
    (d,) = gf.diagnostics
    assert (d.line, d.col, d.code) == (3, 12, "unknown-progress")
    assert d.message == "t.progress: unknown progress spec 'tqdmm' (known: 'tqdm')"
    assert d.hint == "did you mean 'tqdm'?"
    assert not gf.ops["t"].broken and gf.ops["t"].progress == {}


def test_other_progress_names_warn():
    gf = _load('[t]\nexec = "x"\nprogress.stage-runtime = "bar"\nprogress.run = "tqdm"\n', "toml")
    (d,) = gf.diagnostics
    assert gf.valid and (d.line, d.code) == (3, "unknown-progress")
    assert gf.ops["t"].progress == {"run": "tqdm"}
