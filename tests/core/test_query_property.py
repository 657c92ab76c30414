"""Property tests: any text either parses or raises FilterSyntaxError, and
a parsed filter never raises while matching."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gage_core.errors import FilterSyntaxError
from gage_core.query.filter import parse_filter
from helpers.query_runs import NOW, sample_runs

RUNS = sample_runs()

_WORDS = [
    "op", "status", "label", "tag", "name", "id", "started", "stopped", "project", "batch",
    "exit", "config.lr", "lr", "metric.loss", "and", "or", "not", "in", "not in", "after",
    "before", "since", "until", "on", "between", "today", "yesterday", "this", "week", "last",
    "the", "within", "ago", "now", "2", "-1.5e3", "3d", "2h", "days", "hours", "month",
    "2026-01-01", "2026-02-30", "9999-12-31", "0000-01-01", "=", "!=", "==", "<", "<=", ">",
    ">=", "~", "!~", "=~", "(", ")", "[", "]", ",", "!", "&&", "||", '"x y"', "'q'", '"',
    "/a+/", "/(/", "/x/i", "/x/z", "train", "completed", "1e999", "nan",
]  # fmt: skip

tokens = st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join)


def _check(text: str) -> None:
    try:
        f = parse_filter(text)
    except FilterSyntaxError as e:
        assert 1 <= e.column <= len(text) + 1
        assert e.caret_lines()
        return
    for run in RUNS:
        assert f.matches(run, now=NOW) in (True, False)
        assert f.matches(run) in (True, False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_random_text_only_raises_filter_syntax_error(text):
    _check(text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens)
def test_random_token_soup_only_raises_filter_syntax_error(text):
    _check(text)


def test_deep_nesting_is_a_syntax_error_or_works():
    for text in ("(" * 500 + "a" + ")" * 500, "not " * 400 + "a", "a or (" * 300 + "b" + ")" * 300):
        _check(text)
