"""Time ranges against a fixed clock, in the clock's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gage_core.query.filter import parse_filter
from gage_core.query.timespec import ago, period_span
from helpers.query_runs import make_run, us

TZ = timezone(timedelta(hours=-5))
NOW = datetime(2026, 3, 31, 0, 30, tzinfo=TZ)  # Tuesday, just after local midnight


def started(dt: datetime):
    return make_run(1, started=us(dt))


CASES = [
    # (filter, run start, matches)
    ("started today", datetime(2026, 3, 31, 0, 1, tzinfo=TZ), True),
    ("started today", datetime(2026, 3, 30, 23, 59, tzinfo=TZ), False),
    ("started yesterday", datetime(2026, 3, 30, 23, 59, tzinfo=TZ), True),
    ("started yesterday", datetime(2026, 3, 30, 0, 0, tzinfo=TZ), True),
    ("started yesterday", datetime(2026, 3, 29, 23, 59, tzinfo=TZ), False),
    # local midnight differs from UTC midnight
    ("started today", datetime(2026, 3, 31, 4, 0, tzinfo=timezone.utc), False),
    ("started today", datetime(2026, 3, 31, 6, 0, tzinfo=timezone.utc), True),
    ("started this week", datetime(2026, 3, 30, 0, 0, tzinfo=TZ), True),  # Monday
    ("started this week", datetime(2026, 3, 29, 23, 59, tzinfo=TZ), False),
    ("started this month", datetime(2026, 3, 1, 0, 0, tzinfo=TZ), True),
    ("started this month", datetime(2026, 2, 28, 23, 0, tzinfo=TZ), False),
    ("started this year", datetime(2026, 1, 1, 0, 0, tzinfo=TZ), True),
    ("started this hour", datetime(2026, 3, 31, 0, 0, tzinfo=TZ), True),
    ("started in last 30 min", datetime(2026, 3, 31, 0, 1, tzinfo=TZ), True),
    ("started in last 30 minutes", datetime(2026, 3, 30, 23, 59, tzinfo=TZ), False),
    ("started in last 2 hours", datetime(2026, 3, 30, 22, 31, tzinfo=TZ), True),
    ("started in last 2h", datetime(2026, 3, 30, 22, 29, tzinfo=TZ), False),
    ("started in last 2h", datetime(2026, 3, 30, 22, 31, tzinfo=TZ), True),
    ("started after 3d ago", datetime(2026, 3, 28, 0, 31, tzinfo=TZ), True),
    ("started within 1mo", datetime(2026, 2, 28, 0, 31, tzinfo=TZ), True),
    ("label = 3d", datetime(2026, 3, 30, 22, 31, tzinfo=TZ), False),
    ("started in last 1 week", datetime(2026, 3, 24, 0, 31, tzinfo=TZ), True),
    ("started in last week", datetime(2026, 3, 24, 0, 29, tzinfo=TZ), False),
    # calendar months: March 31 minus one month clamps to Feb 28
    ("started in last 1 month", datetime(2026, 2, 28, 0, 31, tzinfo=TZ), True),
    ("started in last 1 month", datetime(2026, 2, 28, 0, 29, tzinfo=TZ), False),
    ("started after 1 year ago", datetime(2025, 3, 31, 0, 31, tzinfo=TZ), True),
    ("started before 2026-03-01", datetime(2026, 2, 28, 23, 59, tzinfo=TZ), True),
    ("started before 2026-03-01", datetime(2026, 3, 1, 0, 0, tzinfo=TZ), False),
    ("started until 2026-03-01", datetime(2026, 3, 1, 23, 59, tzinfo=TZ), True),
    ("started after 2026-03-01", datetime(2026, 3, 1, 23, 59, tzinfo=TZ), False),
    ("started after 2026-03-01", datetime(2026, 3, 2, 0, 0, tzinfo=TZ), True),
    ("started since 2026-03-01", datetime(2026, 3, 1, 0, 0, tzinfo=TZ), True),
    ("started after 2026-03-01T12:00", datetime(2026, 3, 1, 12, 1, tzinfo=TZ), True),
    ("started after 2026-03-01T12:00", datetime(2026, 3, 1, 11, 59, tzinfo=TZ), False),
    ("started between 2026-03-01 and 2026-03-02", datetime(2026, 3, 2, 23, 0, tzinfo=TZ), True),
    ("started between 2026-03-01 and 2026-03-02", datetime(2026, 3, 3, 0, 0, tzinfo=TZ), False),
    ("started between 3 days ago and yesterday", datetime(2026, 3, 29, 0, 0, tzinfo=TZ), True),
    ("started between 3 days ago and yesterday", datetime(2026, 3, 31, 0, 0, tzinfo=TZ), False),
    ("started > 2026-03-30", datetime(2026, 3, 30, 23, 0, tzinfo=TZ), False),
    ("started >= 2026-03-30", datetime(2026, 3, 30, 23, 0, tzinfo=TZ), True),
    ("started <= 2026-03-30", datetime(2026, 3, 30, 23, 0, tzinfo=TZ), True),
    ("started < 2026-03-30", datetime(2026, 3, 30, 23, 0, tzinfo=TZ), False),
    ("started != today", datetime(2026, 3, 30, 23, 0, tzinfo=TZ), True),
    ("started < now", datetime(2026, 3, 30, 23, 0, tzinfo=TZ), True),
    ("started after 9999-12-31", datetime(2026, 3, 30, 23, 0, tzinfo=TZ), False),
    ("started in last 1000000 years", datetime(2026, 3, 30, 23, 0, tzinfo=TZ), True),
]


@pytest.mark.parametrize("where,start,expected", CASES)
def test_time_ranges(where, start, expected):
    assert parse_filter(where).matches(started(start), now=NOW) is expected


def test_missing_times_never_match():
    run = make_run(1, ago=None)
    for where in ("started today", "started in last 9 days", "stopped before now",
                  "started > 1 day ago", "started between 2026-01-01 and 2027-01-01"):
        assert not parse_filter(where).matches(run, now=NOW), where
    assert parse_filter("started != today").matches(run, now=NOW)


def test_clock_moves_with_now():
    run = started(datetime(2026, 3, 31, 0, 1, tzinfo=TZ))
    f = parse_filter("started today")
    assert f.matches(run, now=NOW)
    assert not f.matches(run, now=NOW + timedelta(days=1))
    assert parse_filter("started yesterday").matches(run, now=NOW + timedelta(days=1))


def test_timespec_helpers():
    assert period_span(NOW, "week")[0] == us(datetime(2026, 3, 30, tzinfo=TZ))
    assert ago(NOW, 1, "month") == us(datetime(2026, 2, 28, 0, 30, tzinfo=TZ))
    assert ago(NOW, 1e7, "year") == float("-inf")
