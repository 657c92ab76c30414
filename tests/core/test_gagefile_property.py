"""Property tests: random and mutated Gagefile text never makes the loader or
`check` raise, and every diagnostic lies inside the file. Also: the fast
pre-check never accepts what jschon rejects."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gage_core.gagefile import load_gagefile_text
from gage_core.gagefile.schema import quick_valid, schema_dict, validate_with_jschon
from gage_tui.cli.diagnostics_view import diagnostic_lines, github_line, json_report
from helpers.paths import FIXTURES, SAMPLES

GAGEFILES = FIXTURES / "gagefiles"

_SEEDS = [
    (p.suffix.lstrip(".").replace("yml", "yaml"), p.read_text(encoding="utf-8"))
    for d in (GAGEFILES, SAMPLES)
    if d.is_dir()
    for p in sorted(d.iterdir())
    if p.suffix in (".toml", ".json", ".yaml")
]

_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _inside(text: str, line: int, col: int) -> bool:
    lines = text.split("\n")
    return 1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1]) + 1


def _check_loads(text: str, fmt: str) -> None:
    gf = load_gagefile_text(text, Path(f"gage.{fmt}"), Path("/tmp/p"))
    for d in gf.diagnostics:
        assert d.line is not None and d.col is not None, d
        assert _inside(text, d.line, d.col), (d, text)
        assert _inside(text, d.end_line, d.end_col), (d, text)
        assert (d.end_line, d.end_col) >= (d.line, d.col), d
    # What `gage check` prints must render too (every format).
    lines = text.split("\n")
    for d in gf.diagnostics:
        diagnostic_lines(d, lines, verbose=1)
        github_line(d)
    json_report("gage", gf.diagnostics, gf.valid)
    for op in gf.ops.values():
        for _phase, cmd in op.exec.items():
            assert isinstance(cmd, (str, tuple))
        assert all(isinstance(k, str) for k in op.env.values())


@st.composite
def _mutated(draw):
    fmt, text = draw(st.sampled_from(_SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.sampled_from(
            ["", "1", '"', "'", "[", "]", "{", "}", ",", ":", "=", "\n", "#", "//", "/*", "é",
             "exce", " - ", "true", "null", "\t", "x" * 3, "[[a.b]]\n", "*/"]
        ))
        if kind == "insert":
            text = text[:pos] + chunk + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 5)):]
        else:
            text = text[:pos] + chunk + text[pos + len(chunk):]
    return fmt, text


@_SETTINGS
@given(_mutated())
def test_mutated_samples_never_raise(case):
    fmt, text = case
    _check_loads(text, fmt)


@_SETTINGS
@given(st.sampled_from(["toml", "json", "yaml"]), st.text(max_size=200))
def test_random_text_never_raises(fmt, text):
    _check_loads(text, fmt)


_KEYS = ["exec", "description", "default", "config", "depends", "sourcecode", "progress",
         "output-summary", "listing", "version", "summary", "env", "run", "keys", "files",
         "type", "run-select", "runs-select", "path", "filename", "exce", "stage-runtime"]
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "x", "a b", "python t.py", "file: a", "runfiles: op=x", "run-files",
                     "project-files", "runs-summary", "dvcfile", "tqdm", "0" * 64]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4),
    ),
    max_leaves=12,
)
_DOCS = st.dictionaries(
    st.sampled_from(["train", "prep", "$runs-dir", "$namespace", "$project-id", "$x"]),
    st.one_of(_VALUES, st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=5)),
    max_size=3,
)


@_SETTINGS
@given(_DOCS)
def test_quick_check_agrees_with_jschon(doc):
    assert quick_valid(doc, schema_dict()) == (validate_with_jschon(doc) == [])


@_SETTINGS
@given(_DOCS, st.sampled_from(["json", "yaml"]))
def test_generated_documents_load(doc, fmt):
    text = json.dumps(doc, indent=2) if fmt == "json" else yaml.safe_dump(doc)
    _check_loads(text, fmt)


_OP_KEYS = st.sampled_from(["exce", "exec", "descripton", "description", "x", "config", "dflt"])


@_SETTINGS
@given(st.dictionaries(_OP_KEYS, _VALUES, max_size=4))
def test_unknown_key_fast_path_matches_jschon(op):
    from gage_core.gagefile.schema import validate

    doc = {"train": op}
    fast = sorted(validate(doc), key=lambda i: i.path)
    slow = sorted(validate_with_jschon(doc), key=lambda i: i.path)
    assert fast == slow
