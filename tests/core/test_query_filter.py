"""The filter language: table-driven valid and invalid expressions."""

from __future__ import annotations

import pytest

from gage_core.errors import FilterSyntaxError, GageError
from gage_core.query.filter import filter_fields, filter_help, filter_runs, parse_filter
from helpers.query_runs import NOW, sample_runs

RUNS = sample_runs()


def names(where: str) -> list[int]:
    """1-based positions of the sample runs that match ``where``."""
    return [i + 1 for i, r in enumerate(RUNS) if parse_filter(where).matches(r, now=NOW)]


MATCHES = [
    # empty
    ("", [1, 2, 3, 4, 5]),
    ("   ", [1, 2, 3, 4, 5]),
    # op / status / label / name / id
    ("op = train", [1, 2, 5]),
    ("op == train", [1, 2, 5]),
    ("op = proj:train", [1, 2, 5]),
    ("op != train", [3, 4]),
    ("op ~ rai", [1, 2, 5]),
    ("OP = train", [1, 2, 5]),
    ("operation = prepare", [3]),
    ("status = error", [2]),
    ("status in [completed, error]", [1, 2, 3]),
    ("status in [completed error]", [1, 2, 3]),
    ("status not in [completed, error]", [4, 5]),
    ("label = 'best run'", [1]),
    ('label = "best run"', [1]),
    ("label ~ BEST", [1]),
    ("label ~ /^best/", [1]),
    ("label ~ /^BEST/", []),
    ("label ~ /^BEST/i", [1]),
    ("label !~ best", [2, 3, 4, 5]),
    ("label != 'best run'", [2, 3, 4, 5]),  # missing matches !=
    ("name = kafob-fikud", [1]),
    ("name ~ kafo", [1, 2, 3, 4, 5]),
    ("id ~ 0003", [3]),
    # tags
    ("tag = v2", [1, 4]),
    ("tags = v2", [1, 4]),
    ("tag = v", []),
    ("tag ~ v", [1, 4]),
    ("tag != v2", [2, 3, 5]),
    ("tag in [baseline, other]", [1]),
    ("tag not in [baseline]", [2, 3, 4, 5]),
    # numbers compare as numbers
    ("lr = 0.1", [1]),
    ("config.lr = 0.10", [1]),
    ("flag.lr > 0.2", [2]),
    ("lr >= 0.1", [1, 2]),
    ("epochs > 9", [2]),
    ("epochs < 9", [1]),
    ("epochs = 3", [1]),
    ("lr != 0.1", [2, 3, 4, 5]),
    ("fast = true", [1]),
    ("fast != true", [2, 3, 4, 5]),
    ("metric.loss < 0.2", [1]),
    ("metrics.loss <= 0.4", [1, 2]),
    ("-metric.loss > 0", []),  # a word, not a field: implicit and of bare words
    ("loss < 0.2", [1]),  # bare name falls back to metrics
    ("metric.accuracy >= 0.8", [1, 4]),
    ("exit = 0", [1, 3]),
    ("exit != 0", [2, 4, 5]),
    ("exit < 0", [4]),
    ("exit in [1, -2]", [2, 4]),
    # logic
    ("op = train and status = error", [2]),
    ("op = train AND status = error", [2]),
    ("op = train && status = error", [2]),
    ("op = prepare or op = evaluate", [3, 4]),
    ("op = prepare || op = evaluate", [3, 4]),
    ("not op = train", [3, 4]),
    ("!(op = train)", [3, 4]),
    ("op = train and not (status = error or status = staged)", [1]),
    ("(op = train or op = prepare) and exit = 0", [1, 3]),
    ("op = train status = error", [2]),  # juxtaposition is and
    # bare words
    ("best", [1]),
    ("BASE", [1]),
    ("prepare", [3]),
    ("error", [2]),
    ("0194a1b2-0004", [4]),
    ("kafod", [3]),
    ("'best run'", [1]),
    ("train error", [2]),
    ("train not error", [1, 5]),
    ("nothing", []),
    # time
    ("started in last 1 day", [1, 2]),
    ("started in the last 2 days", [1, 2, 3]),
    ("started within 1 hour", [1]),
    ("started after 2 hours ago", [1]),
    ("started before 2 hours ago", [2, 3, 4]),
    ("started today", [1, 2]),
    ("started yesterday", [3]),
    ("stopped yesterday", [3]),
    ("started this week", [1, 2, 3]),
    ("started this month", [1, 2, 3]),
    ("started before 2026-03-01", [4]),
    ("started after 2026-03-09", [1, 2, 3]),
    ("started since 2026-03-10", [1, 2, 3]),
    ("started on 2026-03-10", [3]),
    ("started = 2026-03-10", [3]),
    ("started between 2026-02-01 and 2026-03-10", [3, 4]),
    ("started >= today", [1, 2]),
    ("started < yesterday", [4]),
    ("started > 6 hours ago", [1, 2]),
    ("op = train and metric.loss < 0.2 and started in last 1 day", [1]),
    ("label = today", []),  # keywords are plain words where a value is expected
]


@pytest.mark.parametrize("where,expected", MATCHES)
def test_filter_matches(where, expected):
    assert names(where) == expected


ERRORS = [
    # text, column, words in the message
    ("a <", 4, "expected a value"),
    ("a = ", 5, "end of filter"),
    ("a =", 4, "end of filter"),
    ("(a", 3, "expected ')'"),
    ("a b )", 5, "unmatched ')'"),
    ("label = \"abc", 9, "unterminated string"),
    ("label ~ /abc", 9, "unterminated /regex/"),
    ("label ~ /(/", 9, "invalid regex"),
    ("label ~ /a/q", 9, "unknown regex flag"),
    ("lr < /x/", 4, "needs the ~"),
    ("status = [a]", 10, "unexpected '['"),
    ("foo today", 1, "not a time field"),
    ("lr > 2 days ago", 1, "not a time field"),
    ("started after", 14, "end of filter"),
    ("started in last", 16, "time unit"),
    ("started in last 3", 18, "time unit"),
    ("started after 3 days", 21, "'ago'"),
    ("started = 2026-13-01", 11, "invalid date"),
    ("started in last 1e9 days", 17, "amount of time"),
    ("a = 1 or", 9, "end of filter"),
    ("= 3", 1, "unexpected '='"),
    ("a in [b", 8, "']'"),
    ("x ~ @@ and )", 12, "unmatched"),
    ("tag = x\n and (", 15, "end of filter"),
]


@pytest.mark.parametrize("text,column,words", ERRORS)
def test_filter_errors(text, column, words):
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    e = info.value
    assert isinstance(e, GageError)
    assert e.column == column, e.message
    assert words in e.message
    lines = e.caret_lines().splitlines()
    assert lines[1] == " " * (column - 1) + "^"
    assert "\n" not in e.text


def test_filter_runs_and_order():
    assert filter_runs(RUNS, "op = train", now=NOW) == [RUNS[0], RUNS[1], RUNS[4]]
    assert filter_runs(RUNS, None) == RUNS
    assert parse_filter("").is_empty


def test_parse_is_cached():
    assert parse_filter("op = train") is parse_filter("op = train")


def test_now_as_epoch_seconds():
    f = parse_filter("started in last 1 day")
    assert f.matches(RUNS[0], now=NOW.timestamp())
    assert not f.matches(RUNS[0], now=NOW.timestamp() + 3 * 86400)


def test_help_and_fields():
    help_lines = filter_help()
    assert any(line.startswith("op ") for line in help_lines)
    fields = filter_fields(RUNS)
    assert fields[:3] == ["op", "status", "label"]
    assert "config.lr" in fields and "metric.loss" in fields and "config.seed" in fields


DOC_EXAMPLES = [
    "op = train and metric.loss < 0.2 and started in last 1 day",
    "status in [error, terminated]",
    "started before 30 days ago and not tag = keep",
    "lr > 0.1", "loss < 0.2", "label ~ best", "label ~ /^v[0-9]+$/", "label ~ /x/i",
    "label = \"my run\"", "label = 'my run'", "label = 'it\\'s'", "tag != keep",
    "train error", "started today", "started yesterday", "started this week",
    "started this year", "started this hour", "started in last 3 days",
    "started in the last 3 days", "started within 3 days", "started in last week",
    "started after 2 hours ago", "started after 2h ago", "started before 2026-01-01",
    "started after 2026-01-01", "started since 2026-01-01", "started until 2026-01-31",
    "started on 2026-01-15", "started between 2026-01-01 and 2026-01-31",
    "started >= 2026-01-01", "started < 2 days ago", "stopped = today",
    "started after 2026-01-01T10:30", "started after 2026-01-01T10:30:15",
    "a && b || !c", "x == 1", "x =~ y", "x !~ y", "status in [a b]", "status in []",
]


@pytest.mark.parametrize("text", DOC_EXAMPLES)
def test_documented_examples_parse(text):
    f = parse_filter(text)
    for run in RUNS:
        f.matches(run, now=NOW)


def test_quoted_escapes():
    from helpers.query_runs import make_run

    run = make_run(1, label="it's \"quoted\"")
    assert parse_filter("label = 'it\\'s \"quoted\"'").matches(run, now=NOW)
    assert parse_filter('label ~ "\\"quoted\\""').matches(run, now=NOW)


def test_completions():
    from gage_core.query.filter import filter_completions

    assert filter_completions("op = train and st", RUNS) == ["status", "started", "stopped", "staged"]
    assert filter_completions("metric.l", RUNS) == ["metric.loss"]
    assert filter_completions("status = comp") == ["completed"]
    assert "config.lr" in filter_completions("", RUNS)
