"""The end-of-run summary block is found by reading the output in blocks:
the same text as the greedy pattern over the whole file finds."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gage_core.process import summary as summary_mod
from gage_core.process.launch import run_foreground
from gage_core.process.output import STDOUT, OutputWriter
from gage_core.process.summary import SummaryParser, build_summary
from helpers.real_runs import PY, make_run, meta_of, new_project

_WHOLE = re.compile(rb"--- summary ---(.*)---", re.DOTALL)
PIECES = st.lists(
    st.sampled_from([b"--- summary ---", b"---", b"--", b"-", b"\n", b'{"metrics": {"a": 1}}', b"x" * 7, b"summary"]),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(pieces=PIECES, block=st.integers(1, 40))
def test_block_reading_finds_what_the_pattern_finds(tmp_path_factory, pieces, block):
    path = tmp_path_factory.mktemp("s") / "40_run"
    data = b"".join(pieces)
    path.write_bytes(data)
    old = summary_mod._READ
    summary_mod._READ = block  # small blocks: marks fall across block edges
    try:
        with open(path, "rb") as f:
            got = summary_mod._gage_block(f)
    finally:
        summary_mod._READ = old
    m = _WHOLE.search(data)
    assert got == (m.group(1) if m else None)


def test_summary_block_of_a_big_output(tmp_path):
    path = tmp_path / "40_run"
    with open(path, "wb") as f:
        for _ in range(40):
            f.write(b"noise line ---\n" * 100_000)
        f.write(b'--- summary ---\n{"metrics": {"loss": 0.5}, "attributes": {"a": "b"}}\n---\n')
    parser = SummaryParser(True)
    # The block runs from the first mark to the last "---": noise before it
    # does not count.
    assert parser.scan_file(path) == {"metrics": {"loss": 0.5}, "attributes": {"a": "b"}}


ONE_GROUP = [
    rb"Summary:\n(.*?)\n\n",
    rb"--- summary ---(.*)---",
    rb"<(\{.*?\})>",
    rb"(x+)-",
]
WINDOWED = st.lists(
    st.sampled_from([b"Summary:\n", b"\n", b"\n\n", b"<", b">", b"---", b"--- summary ---",
                     b'{"metrics": {"a": 1}}', b"x" * 5, b"-", b"y"]),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(pieces=WINDOWED, pattern=st.sampled_from(ONE_GROUP), window=st.integers(1, 30))
def test_windowed_search_finds_what_the_whole_output_search_finds(tmp_path_factory, pieces, pattern, window):
    path = tmp_path_factory.mktemp("w") / "40_run"
    data = b"".join(pieces)
    path.write_bytes(data)
    whole = re.compile(pattern, re.DOTALL).search(data)
    with open(path, "rb") as f:
        got = summary_mod._search_blocks(f, re.compile(pattern, re.DOTALL), window)
    if whole is None:
        assert got is None
    elif whole.end() - whole.start() <= window:
        assert got == whole.group(1)


def _split_lines_output(window: int) -> bytes:
    """Metric lines of varied length, so lines fall across every window
    edge, and a summary block across one."""
    lines = [b"step=%d loss=%d.%d %s\n" % (i, i, i * 7 % 10, b"p" * (i % 13)) for i in range(200)]
    mid = len(lines) // 2
    lines.insert(mid, b'Summary:\n{"metrics": {"best": %d}}\n\n' % (window * 3))
    return b"".join(lines)


@pytest.mark.parametrize(("window", "read"), [(48, 7), (64, 13), (1000, 100)])
def test_custom_patterns_give_the_same_metrics_in_small_windows(tmp_path, monkeypatch, window, read):
    """Windows just longer than the summary block (lines and the block fall
    across their edges) find what one search of the whole output finds."""
    data = _split_lines_output(window)
    results = {}
    for size in (window, 1 << 20):
        monkeypatch.setattr(summary_mod, "_WINDOW", size)
        one = SummaryParser(r"Summary:\n(.*?)\n\n")
        two = SummaryParser(r"loss=(\d+)\.(\d)")
        out = tmp_path / f"{size}" / "40_run"
        # Captured as the runner captures: reads of `read` bytes, the
        # complete lines of each fed to the parsers.
        with OutputWriter(out) as writer:
            for i in range(0, len(data), read):
                lines = writer.write(STDOUT, data[i : i + read])
                if lines:
                    one.feed(lines)
                    two.feed(lines)
        assert out.read_bytes() == data
        results[size] = (build_summary(one, tmp_path, out)[0], build_summary(two, tmp_path, out)[0])
    assert results[window] == results[1 << 20]
    assert results[window][0]["metrics"] == {"best": window * 3}
    assert results[window][1]["metrics"] == {str(i): i * 7 % 10 for i in range(200)}


def test_real_run_one_group_summary_across_the_window_edge(tmp_path):
    """A real run whose JSON summary straddles the 1 MiB window edge."""
    prog = (
        "import sys\n"
        "out = sys.stdout.buffer\n"
        f"out.write(b'n' * ({summary_mod._WINDOW} - 10) + b'\\n')\n"
        "out.write(b'Summary:\\n{\"metrics\": {\"acc\": 0.75}}\\n\\n')\n"
        "out.write(b'after\\n' * 300000)\n"
    )
    project = new_project(tmp_path)
    run_dir = make_run(project, f"{PY} p.py", {"p.py": prog}, output_summary=r"Summary:\n(.*?)\n\n")
    assert run_foreground(run_dir, echo=False) == 0
    summary = json.loads((meta_of(run_dir) / "summary.json").read_text())
    assert summary["metrics"] == {"acc": 0.75}
