"""Time points and ranges of the filter language, against a given ``now``.

Every time point is a span ``(start_us, end_us)`` in epoch microseconds,
end exclusive: ``2026-01-01`` is that whole local day, ``today`` is today,
``2 hours ago`` is an instant (start == end). Calendar arithmetic happens
in ``now``'s time zone, so a fixed ``now`` gives fixed results.
Out-of-range results clamp to +/- infinity instead of raising.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

__all__ = [
    "UNIT_NAMES",
    "normalize_unit",
    "as_now",
    "parse_date",
    "day_span",
    "ago",
    "period_span",
    "Span",
]

Span = tuple  # (start_us, end_us); floats +/-inf when out of range

_UNITS = {
    "s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
    "m": "minute", "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
    "w": "week", "week": "week", "weeks": "week",
    "month": "month", "months": "month",
    "y": "year", "year": "year", "years": "year",
}  # fmt: skip

UNIT_NAMES = ("minutes", "hours", "days", "weeks", "months", "years", "seconds")

_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def normalize_unit(text: str) -> str:
    """``"hrs"`` -> ``"hour"``; raises KeyError for an unknown unit."""
    return _UNITS[text.lower()]


def as_now(now=None) -> datetime:
    """An aware datetime from ``None`` (the clock), a datetime (naive means
    local) or epoch seconds."""
    if now is None:
        return datetime.now().astimezone()
    if isinstance(now, datetime):
        return now if now.tzinfo is not None else now.astimezone()
    return datetime.fromtimestamp(float(now)).astimezone()


def _us(dt: datetime) -> int:
    delta = dt - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_date(text: str, tz) -> tuple[datetime, bool]:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]`` in ``tz``; returns the
    datetime and whether it was a whole day. Raises ValueError."""
    if "T" in text:
        dt = datetime.fromisoformat(text)
        return dt.replace(tzinfo=tz), False
    dt = datetime.strptime(text, "%Y-%m-%d")
    return dt.replace(tzinfo=tz), True


def _add(dt: datetime, delta: timedelta) -> float:
    try:
        return _us(dt + delta)
    except OverflowError:
        return math.inf if delta > timedelta(0) else -math.inf


def _local_midnight(dt: datetime) -> datetime:
    return dt.replace(hour=0, minute=0, second=0, microsecond=0)


def day_span(day: datetime) -> Span:
    """The local day containing ``day``."""
    start = _local_midnight(day)
    return (_us(start), _add(start, timedelta(days=1)))


def _shift_months(dt: datetime, months: int):
    total = dt.year * 12 + (dt.month - 1) + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        return None
    month += 1
    for day in (dt.day, 30, 29, 28):
        try:
            return dt.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return None  # pragma: no cover


def ago(now: datetime, amount: float, unit: str) -> float:
    """The instant ``amount unit``s before ``now`` (epoch µs)."""
    if unit in ("month", "year"):
        months = amount * (12 if unit == "year" else 1)
        if months == int(months) and abs(months) < 120_000:
            shifted = _shift_months(now, -int(months))
            if shifted is None:
                return -math.inf if months > 0 else math.inf
            return _us(shifted)
        seconds = months * 30.436875 * 86400
    else:
        seconds = amount * _SECONDS[unit]
    if not math.isfinite(seconds) or abs(seconds) > 1e13:
        return -math.inf if seconds > 0 else math.inf
    return _add(now, -timedelta(seconds=seconds))


def period_span(now: datetime, unit: str) -> Span:
    """The calendar period (``this week`` etc.) containing ``now``; weeks
    start on Monday."""
    if unit == "second":
        start = now.replace(microsecond=0)
        return (_us(start), _add(start, timedelta(seconds=1)))
    if unit == "minute":
        start = now.replace(second=0, microsecond=0)
        return (_us(start), _add(start, timedelta(minutes=1)))
    if unit == "hour":
        start = now.replace(minute=0, second=0, microsecond=0)
        return (_us(start), _add(start, timedelta(hours=1)))
    midnight = _local_midnight(now)
    if unit == "day":
        return day_span(now)
    if unit == "week":
        start = midnight - timedelta(days=midnight.weekday())
        return (_us(start), _add(start, timedelta(days=7)))
    if unit == "month":
        start = midnight.replace(day=1)
        nxt = _shift_months(start, 1)
        return (_us(start), _us(nxt) if nxt else math.inf)
    start = midnight.replace(month=1, day=1)
    nxt = _shift_months(start, 12)
    return (_us(start), _us(nxt) if nxt else math.inf)

