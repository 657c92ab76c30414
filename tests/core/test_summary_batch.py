"""Output summaries parsed over chunks of lines lose no metric: the same
metrics and series as reading every line on its own, whatever the chunk
boundaries, including thinned series and values that are not finite."""

from __future__ import annotations

import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gage_core.process import summary as summary_mod
from gage_core.process.summary import DEFAULT_PATTERN, SummaryParser

_PAIR = re.compile(DEFAULT_PATTERN)


def _value(raw: bytes):
    text = raw.decode()
    try:
        v = int(text)
    except ValueError:
        v = float(text)
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def _line_by_line(lines: list[bytes], cap: int) -> tuple[dict, dict]:
    """Every line on its own: last value per key; with step=, series
    points, halving the resolution each time a series passes ``cap``."""
    metrics: dict = {}
    series: dict = {}
    stride: dict = {}
    skip: dict = {}
    for line in lines:
        values = {k.decode(): _value(v) for k, v in _PAIR.findall(line)}
        metrics.update(values)
        step = values.get("step")
        if step is None:
            continue
        for key, value in values.items():
            if key == "step" or value is None:
                continue
            if skip.get(key, 0):
                skip[key] -= 1
                continue
            points = series.setdefault(key, [])
            points.append([step, value])
            skip[key] = stride.get(key, 1) - 1
            if len(points) > cap:
                del points[1::2]
                stride[key] = stride.get(key, 1) * 2
    return metrics, series


def _assert_chunked_as_line_by_line(lines: list[bytes], cuts: list[int], cap: int, piece: int) -> None:
    """Lines fed in chunks cut at ``cuts``, each read in pieces of about
    ``piece`` bytes, give the metrics and series of reading every line on
    its own."""
    old_cap, old_piece = summary_mod.SERIES_MAX_POINTS, summary_mod._PIECE
    summary_mod.SERIES_MAX_POINTS, summary_mod._PIECE = cap, piece
    try:
        parser = SummaryParser(True)
        bounds = sorted({0, len(lines), *(c for c in cuts if c <= len(lines))})
        for a, b in zip(bounds, bounds[1:]):
            parser.feed(b"".join(line + b"\n" for line in lines[a:b]))
    finally:
        summary_mod.SERIES_MAX_POINTS, summary_mod._PIECE = old_cap, old_piece
    metrics, series = _line_by_line(lines, cap)
    assert parser.metrics == metrics
    assert parser.series == series


ALIKE_TEMPLATE = st.sampled_from([
    b"epoch 1 step=%d loss=%s acc=%s",
    b"step: %d loss: %s acc: %s",
    b"step=%d loss=%s",
    b"step=%d loss=%s step=%s",
])
ODD_VALUE = st.sampled_from([b"nan", b"1e999", b"2.5e-3", b"inf", b"", b"x"])


@settings(max_examples=300, deadline=None)
@given(
    runs=st.lists(st.tuples(ALIKE_TEMPLATE, st.integers(1, 40), ODD_VALUE, st.booleans()), max_size=8),
    cuts=st.lists(st.integers(0, 300), max_size=6),
    cap=st.sampled_from([2, 4, 16]),
    piece=st.sampled_from([1, 7, 40, 200, 1 << 16]),
)
def test_alike_lines_read_in_pieces_thin_as_line_by_line(runs, cuts, cap, piece):
    """Runs of lines with the same keys (read together, the lines that give
    no point jumped over once a series is thinned), read in pieces of any
    size, give the points reading line by line gives, also when a line in
    a run has a value that is not finite, has no value, or repeats a key."""
    lines = []
    step = 0
    for template, count, odd, odd_once in runs:
        for i in range(count):
            step += 1
            value = odd if (odd_once and i == count // 2) else b"0.%d" % (step % 97)
            args = (step, value, b"0.5")[: template.count(b"%")]
            lines.append(template % args)
    _assert_chunked_as_line_by_line(lines, cuts, cap, piece)


NUMBER = st.one_of(
    st.integers(-10**6, 10**6).map(lambda i: str(i).encode()),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda f: repr(f).encode()),
    st.sampled_from([b"nan", b"inf", b"-inf", b"1e999", b"2.5e-3", b"007"]),
)
KEY = st.sampled_from([b"loss", b"acc", b"step", b"lr", b"val/loss", b"x_1"])
PAIR = st.tuples(KEY, st.sampled_from([b"=", b": ", b" = "]), NUMBER).map(lambda t: t[0] + t[1] + t[2])
LINE = st.lists(st.one_of(PAIR, st.sampled_from([b"epoch", b"text", b"a=b", b"::"])), max_size=5).map(b" ".join)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(LINE, max_size=80), cuts=st.lists(st.integers(0, 80), max_size=6), cap=st.sampled_from([4, 10_000]))
def test_chunked_parsing_loses_no_metric(lines, cuts, cap):
    _assert_chunked_as_line_by_line(lines, cuts, cap, summary_mod._PIECE)
