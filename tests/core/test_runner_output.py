"""OutputWriter / OutputReader: byte-exact output and index, incremental reads."""

from __future__ import annotations

import os
import struct

from gage_core.process.output import (
    INDEX_RECORD,
    STDERR,
    STDOUT,
    OutputReader,
    OutputWriter,
)


def _index(path):
    data = open(f"{path}.index", "rb").read()
    assert len(data) % 9 == 0
    return list(struct.iter_unpack("!QB", data))


def test_lines_records_and_partial_lines(tmp_path):
    path = tmp_path / "40_run"
    with OutputWriter(path) as w:
        assert w.write(STDOUT, b"one\ntw", now_ms=1000) == b"one\n"
        assert w.write(STDERR, b"err\n", now_ms=1001) == b"err\n"
        assert w.write(STDOUT, b"o\nthree", now_ms=1002) == b"two\n"
    assert path.read_bytes() == b"one\nerr\ntwo\nthree"
    recs = _index(path)
    assert [r[1] for r in recs] == [0, 1, 0, 0]
    assert [r[0] for r in recs[:3]] == [1000, 1001, 1002]
    r = OutputReader(path)
    assert len(r) == 3  # the final partial line needs final=True
    assert r.refresh(final=True) == 4
    lines = r.read()
    assert [ln.data for ln in lines] == [b"one\n", b"err\n", b"two\n", b"three"]
    assert [ln.stream for ln in lines] == [0, 1, 0, 0]
    assert lines[1].time_ms == 1001
    assert r.lines(1, 3) == [b"err\n", b"two\n"]
    assert r.tail(1)[0].text == "three"


def test_carriage_returns_and_invalid_utf8_kept(tmp_path):
    path = tmp_path / "out"
    payload = b"\r 10%|#   | 1/10\r 50%|#####| 5/10\r100%|#####| 10/10\n\xff\xfe bad \xc3\n"
    with OutputWriter(path) as w:
        for i in range(0, len(payload), 7):
            w.write(STDERR, payload[i : i + 7])
    assert path.read_bytes() == payload
    r = OutputReader(path)
    assert r.lines() == [payload[: payload.index(b"\n") + 1], b"\xff\xfe bad \xc3\n"]
    assert "\ufffd" in r.read()[1].text
    assert all(rec[1] == 1 for rec in r.records())


def test_reader_follows_a_growing_file(tmp_path):
    path = tmp_path / "out"
    w = OutputWriter(path)
    r = OutputReader(path)
    lines, pos = r.follow(0)
    assert lines == [] and pos == 0
    w.write(STDOUT, b"a\nb")
    lines, pos = r.follow(pos)
    assert [ln.data for ln in lines] == [b"a\n"]
    w.write(STDOUT, b"c\nd\n")
    lines, pos = r.follow(pos)
    assert [ln.data for ln in lines] == [b"bc\n", b"d\n"]
    w.close()
    lines, pos = r.follow(pos, final=True)
    assert lines == [] and pos == 3


def test_final_partial_line_then_growth(tmp_path):
    path = tmp_path / "out"
    path.write_bytes(b"x\ny")
    r = OutputReader(path)
    assert r.refresh(final=True) == 2
    with open(path, "ab") as f:
        f.write(b"z\n")
    assert r.refresh() == 2
    assert r.lines() == [b"x\n", b"yz\n"]


def test_large_line_and_many_lines(tmp_path):
    path = tmp_path / "out"
    big = b"y" * (10 * 1024 * 1024) + b"\n"
    many = b"".join(b"line %d\n" % i for i in range(100_000))
    with OutputWriter(path) as w:
        for i in range(0, len(big), 65536):
            w.write(STDOUT, big[i : i + 65536])
        w.write(STDOUT, many)
    r = OutputReader(path)
    assert len(r) == 100_001
    assert r.lines(0, 1) == [big]
    assert r.lines(100_000) == [b"line 99999\n"]
    assert len(r.records()) == 100_001
    assert os.path.getsize(f"{path}.index") == 100_001 * INDEX_RECORD.size


def test_reads_gage_012_output_from_bytes():
    data = b"hello\nworld\n"
    index = INDEX_RECORD.pack(1795471227099, 0) * 2
    r = OutputReader(data=data, index_data=index)
    assert [(ln.text, ln.time_ms, ln.stream) for ln in r.read()] == [
        ("hello", 1795471227099, 0),
        ("world", 1795471227099, 0),
    ]


def test_missing_index_gives_no_records(tmp_path):
    path = tmp_path / "out"
    path.write_bytes(b"a\nb\n")
    r = OutputReader(path)
    assert [ln.time_ms for ln in r.read()] == [None, None]


def test_two_partial_lines_at_close_become_one_line(tmp_path):
    path = tmp_path / "out"
    with OutputWriter(path) as w:
        w.write(STDERR, b"err tail")
        w.write(STDOUT, b"out tail")
    assert path.read_bytes() == b"err tailout tail"
    assert _index(path)[0][1] == 1 and len(_index(path)) == 1


def test_an_index_write_cut_short_leaves_whole_records(tmp_path, monkeypatch):
    """A full disk can let part of a write through and refuse the rest: the
    index keeps whole records only, and the refused block is not written."""
    import errno

    from gage_core.process import output as output_module

    path = tmp_path / "40_run"
    w = OutputWriter(path)
    w.write(STDOUT, b"kept 1\nkept 2\n", now_ms=1000)
    real_write = os.write
    index_fd = w._ifd
    calls = []

    def full_disk_write(fd, data):
        if fd != index_fd:
            return real_write(fd, data)
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:13]))  # one record and a half
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output_module.os, "write", full_disk_write)
    try:
        w.write(STDOUT, b"lost 1\nlost 2\nlost 3\n", now_ms=2000)
    except OSError as e:
        assert e.errno == errno.ENOSPC
    else:
        raise AssertionError("the full disk was not reported")
    monkeypatch.setattr(output_module.os, "write", real_write)
    assert calls == [27, 14]
    assert [r[0] for r in _index(path)] == [1000, 1000]
    assert path.read_bytes() == b"kept 1\nkept 2\n"
    # The writer goes on once there is room again.
    w.write(STDOUT, b"later\n", now_ms=3000)
    w.close()
    assert [r[0] for r in _index(path)] == [1000, 1000, 3000]
    assert OutputReader(path).lines(0, 3) == [b"kept 1\n", b"kept 2\n", b"later\n"]
