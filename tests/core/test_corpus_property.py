"""Bad input corpus (hypothesis): flag parsing and typing, run specs and
sort keys never raise anything but the typed user errors (``GageError``).

The Gagefile loader and the filter language have their own property
tests (test_gagefile_property.py, test_query_property.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gage_core.errors import FlagError, GageError, RunNotFound, RunSelectError
from gage_core.query.select import select_one, select_runs
from gage_core.query.sort import parse_sort_keys, sort_runs
from gage_core.staging.config_formats import apply_leaves
from gage_core.staging.flags import (
    FlagList,
    check_flags,
    coerce_flag_value,
    format_flag_value,
    is_flag_assign,
    parse_flag_assigns,
    parse_flag_value,
)
from gage_core.store.opref import OpRef
from gage_core.store.run import Run

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text biased towards the characters that matter to the parsers.
_ALPHABET = st.sampled_from(list("=[],'\"\\ \t\n-+.:0123456789eEaxyz_truefalsnul²٣$;`*?") + ["", "é", "\x00", "\r"])
nasty = st.one_of(
    st.text(max_size=40),
    st.lists(_ALPHABET, max_size=40).map("".join),
    st.sampled_from(["1" * 5000, "-" + "9" * 4400, "[" * 3000 + "]" * 3000, "1e999", "-1e999",
                     "nan", "inf", "0x10", "1_000", "²", "٣", "[1,[2,3]]", "['a,b',\"c\"]"]),
)
DEFAULTS = [None, True, False, 0, 7, 1.5, "text", "", [1, 2], {"a": 1}]


@SETTINGS
@given(nasty)
@example("1" * 5000)
@example("[" * 3000 + "]" * 3000)
def test_parse_flag_value_never_raises(text):
    value = parse_flag_value(text)
    format_flag_value(value)
    if isinstance(value, FlagList):
        assert isinstance(value.raw, str)


@SETTINGS
@given(st.lists(nasty, max_size=5))
@example(["x=" + "1" * 5000])
def test_parse_flag_assigns_only_flag_errors(args):
    for arg in args:
        is_flag_assign(arg)
    try:
        flags = parse_flag_assigns(args)
    except FlagError as e:
        assert e.message
        return
    for key in flags:
        assert isinstance(key, str) and key
    parse_flag_assigns(args, raw=True)


@SETTINGS
@given(nasty, st.sampled_from(DEFAULTS))
@example("1" * 5000, 7)
@example("1" * 5000, 1.5)
@example("1e999", 1.5)
def test_coerce_only_flag_errors(text, default):
    for value in (text, parse_flag_value(text)):
        try:
            out = coerce_flag_value(value, default, "f")
        except FlagError as e:
            assert "f" in e.message
            continue
        format_flag_value(out)


@SETTINGS
@given(st.dictionaries(nasty, nasty, max_size=4), st.dictionaries(nasty, st.sampled_from(DEFAULTS), max_size=4))
def test_check_flags_only_flag_errors(flags, defaults):
    try:
        check_flags(flags, defaults, "op")
    except FlagError as e:
        assert e.message


_PY_GLOBALS = "lr = 0.1\nname = 'x'\nflag = True\nepochs = 3\n"


@SETTINGS
@given(nasty, st.sampled_from(["lr", "name", "flag", "epochs"]))
@example("1e999", "lr")
@example("-1e999", "lr")
@example("nan", "lr")
def test_python_config_stays_valid_python(text, key):
    """Whatever value a flag gets, the patched .py file still parses and
    holds exactly that value (no code injection, no ``inf`` NameError)."""
    import ast

    defaults = {"lr": 0.1, "name": "x", "flag": True, "epochs": 3}
    try:
        value = coerce_flag_value(text, defaults[key], key)
    except FlagError:
        return
    if isinstance(value, FlagList):
        return  # batch values are expanded before staging
    new = apply_leaves(_PY_GLOBALS, ".py", {key: value})
    tree = ast.parse(new)
    assigns = {n.targets[0].id: n.value for n in tree.body if isinstance(n, ast.Assign)}
    assert set(assigns) == set(defaults)
    got = eval(compile(ast.Expression(assigns[key]), "<config>", "eval"), {"__builtins__": {"float": float}})
    if isinstance(value, float) and math.isnan(value):
        assert math.isnan(got)
    else:
        assert got == value and type(got) is type(value)


# -- run specs and sort keys -------------------------------------------------------

def _runs() -> list[Run]:
    values = [0.5, 3, "text", None, True, float("nan"), float("inf"), -1e308, [1, 2], {"a": 1}, "", "NaN"]
    runs = []
    for i in range(12):
        v = values[i % len(values)]
        runs.append(Run(
            id=f"01a2{i:04x}-0000-7000-8000-{i:012x}", name=f"name{i}x", runs_dir=Path("/nowhere"),
            opref=OpRef("ns", ["train", "prepare", ""][i % 3]),
            status=["completed", "error", "running", "unknown"][i % 4],
            started=None if i % 5 == 0 else 1_700_000_000_000_000 + i,
            stopped=None if i % 4 == 0 else 1_700_000_000_100_000 + i,
            label=[None, "a label", "", "ünï"][i % 4], tags=(("t1",), (), ("x", "y"))[i % 3],
            config={"lr": v, "k": i, "mixed": values[(i * 5) % len(values)]},
            metrics={"loss": v if isinstance(v, (int, float)) else i, "acc": i / 10},
            attributes={"note": v},
        ))
    return runs


RUNS = _runs()
spec_text = st.one_of(
    nasty,
    st.sampled_from(["1", "0", "-1", "12", "13", "99999999999999999999999", ":", "2:4", "-2:", ":-1",
                     "0:2", "3:1", "--1:", "1:2:3", "01a2", "name1", "NAME", "²", "٣", "1²", "01a2000b",
                     " 1 ", "", "-", "--", "::", "-:", ":-", "-:-"]),
)


@SETTINGS
@given(st.lists(spec_text, max_size=4))
@example(["²"])
@example(["1²"])
@example(["-0:"])
@example(["-:"])
@example([":-"])
def test_run_specs_only_gage_errors(specs):
    try:
        chosen = select_runs(RUNS, specs)
    except RunNotFound as e:
        assert e.message
    else:
        assert all(r in RUNS for r in chosen)
    for spec in specs[:2]:
        try:
            run = select_one(RUNS, spec)
        except (RunNotFound, RunSelectError) as e:
            assert e.message
        else:
            assert run in RUNS


_FIELDS = ["started", "stopped", "op", "status", "name", "label", "tag", "tags", "id", "exit",
           "metric.loss", "metric.acc", "config.lr", "lr", "mixed", "k", "attr.note", "missing",
           "metric.", "config.", ".", "duration", "project", "batch"]
sort_key = st.one_of(
    nasty,
    st.tuples(st.sampled_from(["", "-", "+", "--", "+-", " -"]), st.sampled_from(_FIELDS)).map("".join),
)


@SETTINGS
@given(st.lists(sort_key, max_size=4))
@example(["-", "+"])
@example(["mixed", "-lr"])
def test_sort_keys_only_gage_errors(keys):
    try:
        parse_sort_keys(keys)
        ordered = sort_runs(RUNS, keys)
    except GageError as e:
        assert e.message
        return
    assert sorted(r.id for r in ordered) == sorted(r.id for r in RUNS)


@pytest.mark.parametrize("spec", ["²", "1²", "³:", "٣"])
def test_unicode_digit_specs_regression(spec):
    """``"²".isdigit()`` is true but ``int("²")`` fails: such specs are
    prefixes like any other text, never a ValueError."""
    try:
        select_one(RUNS, spec)
    except (RunNotFound, RunSelectError):
        pass


@pytest.mark.parametrize("fmt, text", [
    ("json", '{"train": {"exec": "x", "version": ' + "9" * 5000 + "}}"),
    ("toml", "[train]\nexec = 'x'\nversion = " + "9" * 5000 + "\n"),
    ("yaml", "train:\n  exec: x\n  version: " + "9" * 5000 + "\n"),
    ("yaml", "train:\n  exec: x\n  version: -" + "1" * 4500 + "\n"),
])
def test_gagefile_with_a_huge_integer_is_a_diagnostic(fmt, text):
    """int() refuses more than 4300 digits; the loader reports it at the
    number instead of raising ValueError."""
    from gage_core.gagefile import load_gagefile_text

    gf = load_gagefile_text(text, Path(f"gage.{fmt}"), Path("/tmp/p"))
    assert not gf.valid and gf.diagnostics
    d = gf.diagnostics[0]
    assert "digits" in d.message and d.line == text[: text.index("9" * 10 if "9" * 10 in text else "1" * 10)].count("\n") + 1
