"""The end-of-run summary block is found by reading the output in blocks:
the same text as the greedy pattern over the whole file finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gage_core.process import summary as summary_mod
from gage_core.process.summary import SummaryParser

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
