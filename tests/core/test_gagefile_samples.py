"""The Gage 0.1.2 sample corpus gets the verdict its README asks for."""

from __future__ import annotations

import re

import pytest

from gage_core.gagefile import load_gagefile
from helpers.paths import SAMPLES

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="gage-samples not beside the repo")


def _wanted_invalid() -> set[str]:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    line = next(l for l in readme.splitlines() if l.startswith("- invalid:"))
    return set(re.findall(r"[\w.-]+\.(?:json|toml|ya?ml)", line))


def _samples() -> list[str]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p.name for p in SAMPLES.iterdir() if p.suffix in (".json", ".toml", ".yaml"))


def test_readme_lists_invalid_files():
    assert "empty.json" in _wanted_invalid()
    assert "jsonc-invalid.json" not in _wanted_invalid()


@pytest.mark.parametrize("name", _samples())
def test_sample_verdict(name: str):
    gf = load_gagefile(SAMPLES / name, shown_as=name)
    want_invalid = name in _wanted_invalid()
    assert gf.valid is not want_invalid, [d.message for d in gf.diagnostics]
    for d in gf.diagnostics:
        assert d.line is not None and d.col is not None, d
        assert d.path == name


def test_invalid_samples_print_few_lines():
    # Gage 0.1.2 printed 17/14/8 lines; we print one per mistake.
    counts = {
        "invalid-exec.json": 3,
        "invalid-progress.json": 3,
        "invalid-listing-description.json": 3,
        "invalid-op-version.json": 2,
        "invalid-output-summary.json": 1,
        "empty-config.json": 1,
        "empty-depends.json": 1,
        "empty.json": 1,
        "writeable-dependencies.json": 1,
    }
    for name, n in counts.items():
        gf = load_gagefile(SAMPLES / name)
        assert len(gf.diagnostics) == n, (name, [d.message for d in gf.diagnostics])


def test_invalid_exec_messages():
    gf = load_gagefile(SAMPLES / "invalid-exec.json", shown_as="invalid-exec.json")
    got = [(d.line, d.col, d.pointer) for d in gf.diagnostics]
    assert got == [
        (5, 29, "/train/exec/stage-dependencies"),
        (6, 25, "/train/exec/stage-runtime/0"),
        (7, 14, "/train/exec/run"),
    ]
    assert gf.diagnostics[1].message.endswith("expected a string, got an integer")
    assert gf.ops["train"].broken


def test_empty_depends_is_one_no_match_with_notes():
    gf = load_gagefile(SAMPLES / "empty-depends.json")
    (d,) = gf.diagnostics
    assert d.code == "no-match"
    assert len(d.notes) == 2
    assert "missing required key 'files'" in d.notes[0]
    assert "missing required key 'run.select' (or 'run-select', 'operation')" in d.notes[1]


def test_partially_invalid_sample_keeps_usable_ops():
    gf = load_gagefile(SAMPLES / "invalid-listing-description.json")
    assert sorted(gf.ops) == ["op", "op-2", "op-3"]
    assert not any(op.broken for op in gf.ops.values())
    assert all(op.listing_description == () for op in gf.ops.values())


def test_example_summary_op_summary_and_env():
    gf = load_gagefile(SAMPLES / "example-summary.toml")
    assert gf.valid
    op = gf.ops["alt-summary-toml"]
    assert op.summary_filename == "zefile.toml"
    assert op.env == {"SUMMARY": "zefile.toml"}
    assert gf.ops["output-summary-3"].output_summary == "Summary:\n(.*?)\n\n"


def test_missing_exec_is_valid_but_has_no_exec():
    gf = load_gagefile(SAMPLES / "missing-exec.json")
    assert gf.valid
    assert gf.ops["train"].exec == {}
    assert not gf.ops["train"].broken
