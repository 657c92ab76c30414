"""Phase output files and their line index.

``output/NN_phase`` holds the raw bytes a phase wrote; ``output/NN_phase.index``
holds one 9-byte record per line, struct ``!QB``: big-endian uint64
milliseconds since the epoch and a stream byte (0 stdout, 1 stderr). A line
is the bytes up to and including ``\\n``, or a final partial line.

Writer rules (byte-exact, line-atomic):

- stdout and stderr arrive on separate pipes. Complete lines are appended
  as soon as they arrive; a stream's unterminated tail is held back until
  its newline (or ``close()``), so lines of the two streams never mix.
  Carriage returns are ordinary bytes (a tqdm bar is one long line).
- The index records of a block are written *before* the block itself, so a
  reader always finds a record for every complete line it sees.
- Every block is one ``os.write`` on an unbuffered descriptor: readers see
  it at once, there is nothing to flush.
- Memory is bounded: a tail held back past ``MAX_PENDING`` bytes (a huge
  line, ``\r``-only progress) is appended without an index record; the
  line's record is written with the bytes that end it (or at ``close()``).
  The index stays exact (one record per line of the file); only a line of
  the other stream arriving meanwhile joins that line.

Readers count lines per 64 KiB chunk (see ``OutputReader``) and read only
the requested line ranges with ``os.pread``. While a file is being written a
trailing partial line is not reported until it completes or the caller
says the writer is done (``refresh(final=True)``). Gage 0.1.2 output (one
merged stream, all records 0) reads the same way.
"""

from __future__ import annotations

import contextlib
import os
import struct
import time
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "INDEX_RECORD",
    "STDOUT",
    "STDERR",
    "OutputLine",
    "OutputWriter",
    "OutputReader",
    "output_names",
    "phase_label",
    "RunOutputFollower",
]

INDEX_RECORD = struct.Struct("!QB")
STDOUT = 0
STDERR = 1
_REC = INDEX_RECORD.size
_SCAN_BLOCK = 1 << 20
# Bytes of an unterminated line held in memory per stream before they are
# appended to the file (the runner's memory stays bounded).
MAX_PENDING = 1 << 20
_CHUNK = 1 << 16
_CACHED_CHUNKS = 32
# Files at least this big are opened at their end (see OutputReader).
_ANCHOR_MIN = 4 << 20


@dataclass(frozen=True)
class OutputLine:
    """One output line: 0-based number, raw bytes (with its ``\\n`` when it has
    one), time in ms since the epoch (None when the index lacks it) and stream."""

    n: int
    data: bytes
    time_ms: int | None
    stream: int

    @property
    def text(self) -> str:
        """The line decoded for display (invalid UTF-8 replaced), without ``\\n``."""
        d = self.data[:-1] if self.data.endswith(b"\n") else self.data
        return d.decode("utf-8", errors="replace")


class OutputWriter:
    """Appends one phase's output and index. Not thread safe: feed it from
    one thread (the runner uses a selector loop)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.index_path = Path(f"{self.path}.index")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(self.path, flags, 0o644)
        self._ifd = os.open(self.index_path, flags, 0o644)
        self._index_size = os.fstat(self._ifd).st_size
        self._pending: dict[int, bytearray] = {STDOUT: bytearray(), STDERR: bytearray()}
        self._pending_order: list[int] = []
        self._tail_open = False  # the file ends with a line that has no record yet
        self.lines = 0
        self.bytes = 0

    def write(self, stream: int, data: bytes, now_ms: int | None = None) -> bytes:
        """Add bytes read from ``stream``. Returns the complete lines written
        by this call (empty when the data only extended a partial line), so a
        caller can parse them without splitting again."""
        if not data:
            return b""
        last_nl = data.rfind(b"\n")
        pending = self._pending[stream]
        if last_nl < 0:
            if not pending:
                self._pending_order.append(stream)
            pending += data
            if len(pending) >= MAX_PENDING:
                self._spill(stream)
            return b""
        count = data.count(b"\n", 0, last_nl + 1)
        if pending:
            block = bytes(pending) + data[: last_nl + 1]
            pending.clear()
            self._pending_order.remove(stream)
        else:
            block = data if last_nl == len(data) - 1 else data[: last_nl + 1]
        rest = data[last_nl + 1 :]
        if rest:
            pending += rest
            self._pending_order.append(stream)
        self._append(block, count, stream, now_ms)
        if len(pending) >= MAX_PENDING:
            self._spill(stream)
        return block

    def _spill(self, stream: int) -> None:
        """Append ``stream``'s held-back tail without a record (see the
        module doc): its line's record comes with the bytes that end it."""
        pending = self._pending[stream]
        _write_all(self._fd, pending)
        self.bytes += len(pending)
        pending.clear()
        self._pending_order.remove(stream)
        self._tail_open = True

    def _append(self, block: bytes, count: int, stream: int, now_ms: int | None) -> None:
        ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        records = INDEX_RECORD.pack(ms, stream) * count
        try:
            _write_all(self._ifd, records)
        except OSError:
            # A full disk can cut a write short mid-record: take the part
            # back, so the index holds whole records (this block gets none,
            # and its bytes are not written).
            with contextlib.suppress(OSError):
                os.ftruncate(self._ifd, self._index_size)
            raise
        self._index_size += len(records)
        _write_all(self._fd, block)
        self.lines += count
        self.bytes += len(block)
        self._tail_open = not block.endswith(b"\n")

    def pending(self, stream: int) -> bytes:
        """The unterminated tail held back for ``stream`` (e.g. a progress bar)."""
        return bytes(self._pending[stream])

    def close(self) -> None:
        """Write held-back partial lines and close. Only one unterminated
        line can end a file: when both streams left one, they are written
        as one final line (in the order they started), indexed with the
        stream of the first."""
        if self._fd < 0:
            return
        try:
            tails = [bytes(self._pending[s]) for s in self._pending_order if self._pending[s]]
            if tails:
                self._append(b"".join(tails), 1, self._pending_order[0], None)
            elif self._tail_open:  # a spilled last line: its record
                self._append(b"", 1, STDOUT, None)
            for buf in self._pending.values():
                buf.clear()
            self._pending_order.clear()
        finally:
            os.close(self._fd)
            os.close(self._ifd)
            self._fd = self._ifd = -1

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class OutputReader:
    """Reads a phase output file (and its index) by line number.

    ``path`` is ``output/NN_phase``; for a zipped meta pass the contents as
    ``data`` / ``index_data`` instead. Call ``refresh()`` to pick up bytes
    written since the last call (cheap: only new bytes are scanned).

    Memory does not grow with the line count: the reader keeps, for every
    64 KiB chunk of the file it has looked at, the number of lines before
    it (8 bytes per chunk), and the line starts of a few recently read
    chunks. A big file is opened at its end: the index gives the line count
    (one record per line), so the last lines are found by reading backwards
    from the end, in time independent of the file's size; earlier chunks
    are counted only when they are read."""

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        data: bytes | None = None,
        index_data: bytes | None = None,
    ):
        self.path = Path(path) if path is not None else None
        self._data = data
        self._index_data = index_data
        self._fd = -1
        self._ifd = -1
        # Lines counted so far and the end of the last one.
        self._count = 0
        self._end = 0
        self._nl_end = 0  # just past the last newline counted
        self._scanned = 0  # bytes examined for newlines (from the start or the anchor)
        self._final = False
        # Known chunks (sorted) and the lines before each chunk's start.
        self._cp_chunks = array("q", [0])
        self._cp_lines = array("q", [0])
        self._starts: dict[int, array] = {}  # chunk -> line starts in it (LRU)
        if data is None and self.path is not None:
            self._open()
        self.refresh()

    def _open(self) -> None:
        assert self.path is not None
        if self._fd < 0:
            try:
                self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except FileNotFoundError:
                return
        if self._ifd < 0:
            try:
                self._ifd = os.open(f"{self.path}.index", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except FileNotFoundError:
                pass

    def close(self) -> None:
        for fd in (self._fd, self._ifd):
            if fd >= 0:
                os.close(fd)
        self._fd = self._ifd = -1

    def __enter__(self) -> OutputReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):  # pragma: no cover - best effort
        try:
            self.close()
        except OSError:  # closing at interpreter exit: nothing left to do
            pass

    # -- scanning ---------------------------------------------------------

    def _size(self) -> int:
        if self._data is not None:
            return len(self._data)
        if self._fd < 0:
            self._open()
            if self._fd < 0:
                return 0
        return os.fstat(self._fd).st_size

    def _index_records(self) -> int | None:
        if self._data is not None:
            return None if self._index_data is None else len(self._index_data) // _REC
        if self._ifd < 0:
            self._open()
        return None if self._ifd < 0 else os.fstat(self._ifd).st_size // _REC

    def _pread(self, fd_or_data, size: int, offset: int) -> bytes:
        if isinstance(fd_or_data, (bytes, bytearray)):
            return bytes(fd_or_data[offset : offset + size])
        chunks = []
        while size > 0:
            b = os.pread(fd_or_data, size, offset)
            if not b:
                break
            chunks.append(b)
            size -= len(b)
            offset += len(b)
        return b"".join(chunks)

    def _source(self):
        return self._data if self._data is not None else self._fd

    def _read_at(self, offset: int, size: int) -> bytes:
        return self._pread(self._source(), size, offset)

    def _known(self, chunk: int, lines: int) -> None:
        i = bisect_left(self._cp_chunks, chunk)
        if i < len(self._cp_chunks) and self._cp_chunks[i] == chunk:
            return
        self._cp_chunks.insert(i, chunk)
        self._cp_lines.insert(i, lines)

    def _anchor_at_end(self, size: int) -> bool:
        """Start a big file at its end: the line count from the index, the
        last line end found by reading backwards. False when the index and
        the file do not agree (or change while looked at)."""
        for _attempt in range(3):
            records = self._index_records()
            size = self._size()
            if records is None or records == 0:
                return False
            end = self._last_newline_end(size)
            # Our writer holds a line back until its newline; only at the
            # end does it write a last unterminated line, with its record.
            complete = records - (1 if end < size else 0)
            if (records, size) == (self._index_records(), self._size()):
                break
        else:
            return False
        if complete < 0 or end <= 0:
            return False
        self._count, self._end, self._scanned, self._nl_end = complete, end, end, end
        self._cp_chunks = array("q", [0])
        self._cp_lines = array("q", [0])
        # The end's own chunk is counted backwards from the end.
        chunk = end // _CHUNK
        if chunk > 0:
            block = self._read_at(chunk * _CHUNK, end - chunk * _CHUNK)
            self._known(chunk, complete - block.count(b"\n"))
        return True

    def _last_newline_end(self, size: int) -> int:
        pos = size
        while pos > 0:
            lo = max(0, pos - _SCAN_BLOCK)
            block = self._read_at(lo, pos - lo)
            i = block.rfind(b"\n")
            if i >= 0:
                return lo + i + 1
            pos = lo
        return 0

    def refresh(self, final: bool = False) -> int:
        """Scan bytes written since the last call; returns the line count.

        ``final=True`` (the writer has finished) also counts a trailing line
        without ``\\n``."""
        size = self._size()
        if self._final and self._end < size:
            # The file grew after it was declared final: drop the partial line.
            self._count -= 1
            self._end = self._nl_end
            self._final = False
            self._starts.clear()
        if self._scanned == 0 and self._count == 0 and size >= _ANCHOR_MIN and self._data is None:
            self._anchor_at_end(size)
        pos = self._scanned
        while pos < size:
            block = self._read_at(pos, min(_SCAN_BLOCK, size - pos))
            if not block:
                break
            last = block.rfind(b"\n")
            if last >= 0:
                # Chunk boundaries crossed by the complete lines of this block.
                first_chunk = -(-pos // _CHUNK)
                upto = pos + last + 1
                count = self._count
                at = pos
                for chunk in range(first_chunk, (upto - 1) // _CHUNK + 1):
                    boundary = chunk * _CHUNK
                    count += block.count(b"\n", at - pos, boundary - pos)
                    at = boundary
                    self._known(chunk, count)
                count += block.count(b"\n", at - pos, last + 1)
                self._count, self._end, self._nl_end = count, upto, upto
                for chunk in list(self._starts):
                    if chunk >= pos // _CHUNK:
                        del self._starts[chunk]
            pos += len(block)
        self._scanned = max(pos, self._scanned)
        if final or self._data is not None:
            if self._end < self._scanned:
                self._count += 1
                self._end = self._scanned
                self._final = True
                self._starts.pop(self._scanned // _CHUNK, None)
        return self._count

    def __len__(self) -> int:
        return self._count

    @property
    def size(self) -> int:
        """Bytes covered by the lines counted so far."""
        return self._end

    # -- positions --------------------------------------------------------

    def _chunk_starts(self, chunk: int) -> array:
        """Offsets just past each newline inside ``chunk`` (up to the end
        of the counted lines)."""
        starts = self._starts.pop(chunk, None)
        if starts is None:
            lo = chunk * _CHUNK
            hi = min(lo + _CHUNK, self._end)
            block = self._read_at(lo, max(0, hi - lo))
            starts = array("q")
            i = block.find(b"\n")
            while i >= 0:
                starts.append(lo + i + 1)
                i = block.find(b"\n", i + 1)
            if len(self._starts) >= _CACHED_CHUNKS:
                del self._starts[next(iter(self._starts))]
        self._starts[chunk] = starts
        return starts

    def _lines_before(self, chunk: int) -> int:
        """Newlines before ``chunk``'s first byte, counting the chunks
        between it and the nearest known one (and remembering them)."""
        i = bisect_right(self._cp_chunks, chunk) - 1
        known, lines = self._cp_chunks[i], self._cp_lines[i]
        if known == chunk:
            return lines
        nxt = self._cp_chunks[i + 1] if i + 1 < len(self._cp_chunks) else None
        if nxt is not None and nxt - chunk < chunk - known:
            lines = self._cp_lines[i + 1]
            for c in range(nxt - 1, chunk - 1, -1):
                lines -= self._read_at(c * _CHUNK, _CHUNK).count(b"\n")
                self._known(c, lines)
            return lines
        for c in range(known, chunk):
            lines += self._read_at(c * _CHUNK, _CHUNK).count(b"\n")
            self._known(c + 1, lines)
        return lines

    def _newline_chunk(self, k: int) -> int:
        """The chunk holding the ``k``-th newline (0-based), found from the
        known chunks around it, counting only the chunks between them."""
        last = max(0, (self._nl_end - 1) // _CHUNK)
        i = bisect_right(self._cp_lines, k) - 1
        lo = self._cp_chunks[i]
        # The next known chunk starts after newline k (or the end does).
        hi = self._cp_chunks[i + 1] - 1 if i + 1 < len(self._cp_chunks) else last
        hi = min(hi, last)
        if hi <= lo:
            return lo
        lo_lines = self._cp_lines[i]
        hi_lines = self._cp_lines[i + 1] if i + 1 < len(self._cp_chunks) and self._cp_chunks[i + 1] <= last + 1 else (
            self._count - (1 if self._final else 0)
        )
        if hi_lines > lo_lines and (k - lo_lines) * 2 > hi_lines - lo_lines:
            # Nearer the upper end: step down.
            c = hi
            while c > lo and self._lines_before(c) > k:
                c -= 1
            return c
        c = lo
        while c < hi and self._lines_before(c + 1) <= k:
            c += 1
        return c

    def _line_start(self, n: int) -> int:
        """Byte offset where line ``n`` starts (``len(self)``: the end)."""
        if n <= 0:
            return 0
        if n >= self._count:
            return self._end
        # Line n starts just past newline n - 1.
        chunk = self._newline_chunk(n - 1)
        starts = self._chunk_starts(chunk)
        return starts[n - 1 - self._lines_before(chunk)]

    # -- access -----------------------------------------------------------

    def read_bytes(self, start: int = 0, stop: int | None = None) -> bytes:
        """Raw bytes of lines ``start:stop`` (Python slice semantics)."""
        start, stop, _ = slice(start, stop).indices(len(self))
        if stop <= start:
            return b""
        a, b = self._line_start(start), self._line_start(stop)
        return self._read_at(a, b - a)

    def lines(self, start: int = 0, stop: int | None = None) -> list[bytes]:
        """Raw lines ``start:stop`` (each with its ``\\n`` when it has one)."""
        start, stop, _ = slice(start, stop).indices(len(self))
        data = self.read_bytes(start, stop)
        if not data:
            return []
        parts = data.split(b"\n")
        out = [p + b"\n" for p in parts[:-1]]
        if parts[-1]:
            out.append(parts[-1])
        return out

    def records(self, start: int = 0, stop: int | None = None) -> list[tuple[int, int] | None]:
        """Index records ``(time_ms, stream)`` for lines ``start:stop``; None
        where the index has no record (missing or short index file)."""
        start, stop, _ = slice(start, stop).indices(len(self))
        if stop <= start:
            return []
        if self._data is not None:
            src = self._index_data
        else:
            if self._ifd < 0 and self.path is not None:
                self._open()
            src = self._ifd if self._ifd >= 0 else None
        raw = b"" if src is None else self._pread(src, (stop - start) * _REC, start * _REC)
        full = len(raw) // _REC
        recs: list[tuple[int, int] | None] = list(INDEX_RECORD.iter_unpack(raw[: full * _REC]))
        recs.extend([None] * (stop - start - full))
        return recs

    def read(self, start: int = 0, stop: int | None = None) -> list[OutputLine]:
        """Lines ``start:stop`` paired with their index records."""
        start, stop, _ = slice(start, stop).indices(len(self))
        lines = self.lines(start, stop)
        recs = self.records(start, stop)
        return [
            OutputLine(start + i, data, rec[0] if rec else None, rec[1] if rec else STDOUT)
            for i, (data, rec) in enumerate(zip(lines, recs))
        ]

    def tail(self, n: int) -> list[OutputLine]:
        """The last ``n`` lines."""
        return self.read(max(0, len(self) - n), len(self))

    def follow(
        self, start: int = 0, final: bool = False, max_lines: int | None = None
    ) -> tuple[list[OutputLine], int]:
        """New lines from line ``start`` after a refresh (at most
        ``max_lines``); returns them and the next start. Call with
        ``final=True`` once the writer has finished."""
        self.refresh(final=final)
        end = len(self)
        if max_lines is not None:
            end = min(end, start + max_lines)
        return (self.read(start, end) if end > start else []), end

    # -- search -----------------------------------------------------------

    def line_at(self, offset: int) -> int:
        """The number of the line holding byte ``offset``."""
        offset = max(0, min(offset, self._end))
        chunk = offset // _CHUNK
        before = self._lines_before(chunk)
        starts = self._chunk_starts(chunk)
        return before + bisect_right(starts, offset)

    def search(self, needle: bytes, start: int = 0, forward: bool = True, ignore_case: bool = True) -> int | None:
        """The first line at or after ``start`` (before or at, backwards)
        whose bytes contain ``needle``; None when there is none. Searches
        the file's bytes block by block, not decoded lines."""
        if not needle or not len(self):
            return None
        start = max(0, min(start, len(self) - 1))
        find = _finder(needle, ignore_case)
        span = len(needle) - 1
        if forward:
            pos = self._line_start(start)
            while pos < self._end:
                hi = min(self._end, pos + _SCAN_BLOCK)
                block = self._read_at(pos, min(self._end, hi + span) - pos)
                i = find(block, False)
                if i >= 0 and pos + i < self._end:
                    return self.line_at(pos + i)
                pos = hi
            return None
        pos = self._line_start(start + 1)
        while pos > 0:
            lo = max(0, pos - _SCAN_BLOCK)
            block = self._read_at(lo, min(self._end, pos + span) - lo)
            i = find(block, True)
            if i >= 0:
                return self.line_at(lo + i)
            pos = lo
        return None

    def count_matches(self, needle: bytes, ignore_case: bool = True, before_line: int | None = None) -> int:
        """How many times ``needle`` occurs in the counted lines (in the
        lines before ``before_line`` when given)."""
        if not needle:
            return 0
        end = self._end if before_line is None else min(self._end, self._line_start(max(0, before_line)))
        pos, total, span = 0, 0, len(needle) - 1
        lowered = needle.lower()
        while pos < end:
            hi = min(end, pos + _SCAN_BLOCK)
            # With the next len(needle) - 1 bytes: a match found here starts
            # before ``hi`` (the next block counts the ones after).
            block = self._read_at(pos, min(self._end, hi + span) - pos)
            total += (block.lower().count(lowered) if ignore_case else block.count(needle))
            pos = hi
        return total


def _finder(needle: bytes, ignore_case: bool):
    """``find(block, last)``: index of the first (or last) occurrence."""
    if not ignore_case:
        return lambda block, last: block.rfind(needle) if last else block.find(needle)
    lowered = needle.lower()
    return lambda block, last: block.lower().rfind(lowered) if last else block.lower().find(lowered)


def output_names(output_dir: str | os.PathLike) -> list[str]:
    """Phase output names (``10_sourcecode``, ``40_run``...) in an
    ``output/`` dir, in phase order; index files excluded."""
    try:
        names = os.listdir(output_dir)
    except OSError:
        return []
    return sorted(n for n in names if not n.endswith(".index") and not n.startswith("."))


def phase_label(name: str) -> str:
    """Display label of an output name: ``40_run`` -> ``run``."""
    return name.split("_", 1)[1] if "_" in name else name


class RunOutputFollower:
    """Follows every phase output of a run (``output/`` under its meta
    dir), including phases that start later. ``poll()`` returns the new
    ``(phase name, OutputLine)`` pairs in phase order; pass ``final=True``
    once the run has ended so trailing partial lines are included.
    ``phases`` limits which outputs are followed; ``start_at_end`` skips
    ``positions`` (phase name -> line number) starts later than line 0,
    e.g. after printing a tail."""

    def __init__(
        self,
        meta_dir: str | os.PathLike,
        phases: tuple[str, ...] | None = None,
        positions: dict[str, int] | None = None,
    ):
        self.output_dir = Path(meta_dir) / "output"
        self.phases = phases
        self.readers: dict[str, OutputReader] = {}
        self.positions: dict[str, int] = dict(positions or {})

    def poll(self, final: bool = False, max_lines: int | None = None) -> list[tuple[str, OutputLine]]:
        """New lines of every phase; with ``max_lines``, at most that many
        per phase (call again while a poll returns that many: memory stays
        bounded when the reader falls behind)."""
        out: list[tuple[str, OutputLine]] = []
        for name in output_names(self.output_dir):
            if self.phases is not None and name not in self.phases:
                continue
            reader = self.readers.get(name)
            if reader is None:
                reader = self.readers[name] = OutputReader(self.output_dir / name)
            lines, self.positions[name] = reader.follow(
                self.positions.get(name, 0), final=final, max_lines=max_lines
            )
            out.extend((name, line) for line in lines)
        return out

    def close(self) -> None:
        for reader in self.readers.values():
            reader.close()
        self.readers.clear()

    def __enter__(self) -> RunOutputFollower:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
