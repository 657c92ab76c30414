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

Readers build line offsets incrementally (``array('q')``) and read only the
requested line ranges with ``os.pread``. While a file is being written a
trailing partial line is not reported until it completes or the caller
says the writer is done (``refresh(final=True)``). Gage 0.1.2 output (one
merged stream, all records 0) reads the same way.
"""

from __future__ import annotations

import os
import struct
import time
from array import array
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
        _write_all(self._ifd, INDEX_RECORD.pack(ms, stream) * count)
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

    def __enter__(self) -> "OutputWriter":
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
    written since the last call (cheap: only new bytes are scanned)."""

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
        self._offsets = array("q", [0])  # start of each line + end of the last
        self._scanned = 0  # bytes examined for newlines
        self._final = False
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

    def __enter__(self) -> "OutputReader":
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

    def refresh(self, final: bool = False) -> int:
        """Scan bytes written since the last call; returns the line count.

        ``final=True`` (the writer has finished) also counts a trailing line
        without ``\\n``."""
        size = self._size()
        offsets = self._offsets
        if self._final and offsets[-1] < size:
            # The file grew after it was declared final: drop the partial line.
            offsets.pop()
            self._final = False
        pos = self._scanned
        src = self._source()
        while pos < size:
            block = self._pread(src, min(_SCAN_BLOCK, size - pos), pos)
            if not block:
                break
            last = block.rfind(b"\n")
            if last >= 0:
                offsets.extend(_line_ends(block[:last].split(b"\n"), pos))
            pos += len(block)
        self._scanned = max(pos, self._scanned)
        if final or self._data is not None:
            if offsets[-1] < self._scanned:
                offsets.append(self._scanned)
                self._final = True
        return len(offsets) - 1

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @property
    def size(self) -> int:
        """Bytes covered by the lines counted so far."""
        return self._offsets[-1]

    # -- access -----------------------------------------------------------

    def read_bytes(self, start: int = 0, stop: int | None = None) -> bytes:
        """Raw bytes of lines ``start:stop`` (Python slice semantics)."""
        start, stop, _ = slice(start, stop).indices(len(self))
        if stop <= start:
            return b""
        a, b = self._offsets[start], self._offsets[stop]
        return self._pread(self._source(), b - a, a)

    def lines(self, start: int = 0, stop: int | None = None) -> list[bytes]:
        """Raw lines ``start:stop`` (each with its ``\\n`` when it has one)."""
        start, stop, _ = slice(start, stop).indices(len(self))
        data = self.read_bytes(start, stop)
        base = self._offsets[start] if stop > start else 0
        offs = self._offsets
        return [data[offs[i] - base : offs[i + 1] - base] for i in range(start, stop)]

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

    def follow(self, start: int = 0, final: bool = False) -> tuple[list[OutputLine], int]:
        """New lines from line ``start`` after a refresh; returns them and the
        next start. Call with ``final=True`` once the writer has finished."""
        self.refresh(final=final)
        end = len(self)
        return (self.read(start, end) if end > start else []), end


def _line_ends(parts: list[bytes], base: int):
    """Offsets just past each ``\\n``, given the parts of a block split on it."""
    pos = base
    for p in parts:
        pos += len(p) + 1
        yield pos


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

    def poll(self, final: bool = False) -> list[tuple[str, OutputLine]]:
        out: list[tuple[str, OutputLine]] = []
        for name in output_names(self.output_dir):
            if self.phases is not None and name not in self.phases:
                continue
            reader = self.readers.get(name)
            if reader is None:
                reader = self.readers[name] = OutputReader(self.output_dir / name)
            lines, self.positions[name] = reader.follow(self.positions.get(name, 0), final=final)
            out.extend((name, line) for line in lines)
        return out

    def close(self) -> None:
        for reader in self.readers.values():
            reader.close()
        self.readers.clear()

    def __enter__(self) -> "RunOutputFollower":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
