"""The output reader at any size: lines by number, the tail read from the
end, search over bytes; checked against a plain split of the file."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gage_core.process import output as output_mod
from gage_core.process.output import OutputReader, OutputWriter

LINE = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"x"))


def _write(path, lines: list[bytes], last_newline: bool) -> list[bytes]:
    """Lines written through the real writer; returns them as the file holds them."""
    with OutputWriter(path) as w:
        for i, line in enumerate(lines):
            end = b"\n" if (i < len(lines) - 1 or last_newline) else b""
            w.write(i % 2, line + end, now_ms=1000 + i)
    data = path.read_bytes()
    parts = data.split(b"\n")
    return [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


@pytest.fixture(params=[(1 << 16, 4 << 20), (64, 256)], ids=["real-sizes", "tiny-chunks"])
def sizes(request, monkeypatch):
    chunk, anchor = request.param
    monkeypatch.setattr(output_mod, "_CHUNK", chunk)
    monkeypatch.setattr(output_mod, "_ANCHOR_MIN", anchor)
    return request.param


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, max_size=120), last_newline=st.booleans(), data=st.data())
def test_reader_matches_a_plain_split(tmp_path_factory, sizes, lines, last_newline, data):
    path = tmp_path_factory.mktemp("out") / "40_run"
    want = _write(path, lines, last_newline)
    with OutputReader(path) as reader:
        reader.refresh(final=True)
        assert len(reader) == len(want)
        assert reader.lines() == want
        if want:
            a = data.draw(st.integers(0, len(want) - 1))
            b = data.draw(st.integers(a, len(want)))
            got = reader.read(a, b)
            assert [l.data for l in got] == want[a:b]
            # (an unterminated last line is indexed when the writer closes)
            complete = [l for l in got if l.data.endswith(b"\n")]
            assert [l.time_ms for l in complete] == [1000 + l.n for l in complete]
            n = data.draw(st.integers(0, len(want) + 2))
            assert [l.data for l in reader.tail(n)] == want[max(0, len(want) - n):]
            needle = data.draw(st.sampled_from([b"x", b"a", b"\x00", b"ab"]))
            start = data.draw(st.integers(0, len(want) - 1))
            hits = [i for i, l in enumerate(want) if needle in l.lower() or needle in l]
            fwd = [i for i in hits if i >= start]
            # A match may also span a newline: search bytes, as the reader does.
            joined = b"".join(want).lower()
            assert reader.count_matches(needle) == joined.count(needle.lower())
            found = reader.search(needle, start, forward=True)
            if fwd:
                assert found is not None and found <= fwd[0]
            if found is not None:
                assert found >= start


def test_big_output_opens_at_its_end(tmp_path, monkeypatch):
    monkeypatch.setattr(output_mod, "_ANCHOR_MIN", 1 << 16)
    path = tmp_path / "40_run"
    lines = [b"line %d of many\n" % i for i in range(20_000)] + [b"last without newline"]
    _write(path, [l.rstrip(b"\n") for l in lines], last_newline=False)
    reader = OutputReader(path)
    reader.refresh(final=True)
    assert [l.data for l in reader.tail(3)] == lines[-3:]
    assert reader.tail(1)[0].n == 20_000
    # Only the end was read to get there: earlier chunks are counted when needed.
    assert len(reader._cp_chunks) <= 3
    assert reader.read(5, 7)[0].data == lines[5]
    assert reader.search(b"line 12345 ", 0) == 12345
    assert reader.search(b"line 12 ", 19_000, forward=False) == 12
    assert reader.count_matches(b"of many") == 20_000


def test_tail_cli_prints_exactly_the_last_lines(tmp_path):
    from gage_core.store import layout
    from helpers.meta_runs import make_run

    for last_newline in (True, False):
        runs = tmp_path / f"runs-{last_newline}"
        rid = make_run(runs, {"proc/exit": "0"})
        out = layout.meta_dir(runs, rid) / "output" / "40_run"
        out.parent.mkdir(parents=True, exist_ok=True)
        # Over 4 MiB: the reader opens it at its end (line count from the index).
        lines = [b"row %07d" % i for i in range(400_000)]
        want = _write(out, lines, last_newline)
        res = subprocess.run(
            [sys.executable, "-m", "gage_tui.cli.main", "--runs", str(runs), "tail", rid, "-n", "4", "--all-projects"],
            capture_output=True, cwd=tmp_path,
        )
        assert res.returncode == 0, res.stderr
        assert res.stdout.decode().splitlines() == [l.decode().rstrip("\n") for l in want[-4:]]
