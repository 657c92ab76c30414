"""Metrics from run output (``output-summary``) and summary files.

Default pattern: ``key: number`` and ``key=number`` pairs, several per line
("epoch 3 step=3 loss=0.41 accuracy=0.8"). A line that carries ``step=N``
turns its other values into series points ``[N, value]``. ``metrics`` keeps
the last value of every key (``step`` included).

``output-summary`` may be ``False`` (no scanning) or a custom regex:
- named groups ``key`` and ``value``: one metric per match;
- other named groups: the group name is the key, its text the value;
- two unnamed groups: key and value;
- one unnamed group: Gage 0.1.2 mode, the pattern is searched over the whole
  output (DOTALL) at the end and group 1 must decode as JSON
  (``{"metrics": ..., "attributes": ...}``). The output is read in
  overlapping windows (memory stays bounded): a match up to 1 MiB long is
  found as in the whole output; a longer one grows while more text changes
  it, up to 64 MiB.

When the op declares ``tqdm`` progress for the phase, the bars in its
output are not metrics: a bar's description, percentage, counters, times
and rate are skipped; only its postfix pairs (``set_postfix(loss=0.5)``
shows ``loss=0.5`` in the bar's brackets) are read, and text printed
after a bar or between redraws (``\\r``) reads as its own line.

A summary file the run writes (``summary.json`` or the op's
``summary-filename``; JSON, TOML or YAML) is read at the end; its values
win over values found in the output.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_PATTERN",
    "SERIES_MAX_POINTS",
    "SummaryParser",
    "read_summary_file",
    "build_summary",
]

_NUM = rb"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)\b"
DEFAULT_PATTERN = (
    rb"(?<![\w.\-/])([A-Za-z_][\w.\-/]*)(?:[ \t]*=[ \t]*|:[ \t]+)(" + _NUM + rb")(?![\w.:/\-])"
)
# The same matches as DEFAULT_PATTERN, found faster: no character of a key
# or of the blanks can start the separator, so backtracking into them never
# helps (possessive quantifiers), and a key starts at a word boundary.
_FAST_PATTERN = (
    rb"\b(?<![.\-/])([A-Za-z_][\w.\-/]*+)(?:[ \t]*+=[ \t]*+|:[ \t]++)(" + _NUM + rb")(?![\w.:/\-])"
)
_DEFAULT_RE = re.compile(_FAST_PATTERN)
_NUM_RE = re.compile(r"\s*(" + _NUM.decode() + r")\s*\Z")
# A tqdm bar from the start of its redraw: description, ``NN%|bar|``,
# optional ``n/total`` and optional ``[elapsed<remaining, rate, postfix]``.
_TQDM_BAR = re.compile(
    rb"[^\r\n]*?\d{1,3}%\|[^|\r\n]*\|(?:[ \t]*[\d.]+[kMGT]?/[\d.]+[kMGT]?)?(?:[ \t]*\[([^\]\r\n]*)\])?"
)
_GAGE_BLOCK = re.compile(rb"--- summary ---(.*)---", re.DOTALL)
SERIES_MAX_POINTS = 10_000
_PIECE = 1 << 16
_KEY_OF = itemgetter(0)
_VALUE_OF = itemgetter(1)


def _number(text: str | bytes) -> int | float | None:
    """int or float of a matched number; None for nan/inf or non-numbers."""
    if text.isdigit() or (text[:1] in ("-", "+", b"-", b"+") and text[1:].isdigit()):
        return int(text)
    try:
        v = float(text)
    except ValueError:
        return None
    return None if v != v or v in (math.inf, -math.inf) else v


def _finite(raw: bytes) -> bool:
    """A matched number is finite (nan, inf and 1e999 are not): without n,
    an exponent or hundreds of digits it is, no conversion needed."""
    if len(raw) < 300 and b"n" not in raw and b"e" not in raw and b"E" not in raw:
        return True
    return _number(raw) is not None


def _is_number_text(raw) -> bool:
    """nan/inf spelled as numbers (kept as null metrics)."""
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
    return _NUM_RE.match(text) is not None


class SummaryParser:
    """Feed it complete output lines (``feed``); ask for ``metrics`` and
    ``series``. ``errors`` collects problems to log (never raised).
    ``spec`` is the op's ``output-summary``; ``progress`` the progress
    declared for the phase (``"tqdm"``: its bars are not metrics)."""

    def __init__(self, spec: bool | str = True, progress: str | None = None):
        self._metrics: dict[str, Any] = {}
        # Default pattern: the last raw value of each key, converted when
        # the metrics are asked for (a number is parsed once, not per line).
        self._last_raw: dict[bytes, bytes] = {}
        self._series: dict[str | bytes, list[list[Any]]] = {}
        self.errors: list[str] = []
        self._stride: dict[str, int] = {}
        self._skip: dict[str, int] = {}
        self._keys: dict = {}
        self.enabled = spec is not False and spec != ""
        self.whole_output: re.Pattern | None = None
        self._custom: re.Pattern | None = None
        self._mode = "default"
        # tqdm bars are skipped (see the module doc).
        self._tqdm = progress == "tqdm"
        if isinstance(spec, str) and spec:
            try:
                pat = re.compile(spec)
            except re.error as e:
                self.errors.append(f"invalid output-summary pattern {spec!r}: {e}")
                self.enabled = False
                return
            names = set(pat.groupindex)
            if {"key", "value"} <= names:
                self._mode = "keyvalue"
            elif names:
                self._mode = "named"
            elif pat.groups == 2:
                self._mode = "pair"
            elif pat.groups == 1:
                self._mode = "whole"
                self.whole_output = re.compile(spec, re.DOTALL)
            else:
                self.errors.append(f"output-summary pattern {spec!r} has no groups; ignored")
                self.enabled = False
                return
            self._custom = pat

    # -- feeding ------------------------------------------------------------

    def feed(self, block: bytes) -> None:
        """Parse complete lines (a block ending in ``\\n`` or a final line)."""
        if not self.enabled or not block or self._mode == "whole":
            return
        if self._tqdm and b"%|" in block:
            block = _without_bars(block)
        if self._custom is not None:
            self._feed_custom(block)
            return
        size = len(block)
        if size <= _PIECE:
            self._feed_default(block)
            return
        # Big reads in pieces of whole lines: the per-line lists of a
        # piece stay in the CPU's caches (a 1 MiB block at once costs
        # about 1.5x the time).
        start = 0
        while start < size:
            end = block.rfind(b"\n", start, start + _PIECE) + 1 if start + _PIECE < size else size
            if end <= start:  # a line longer than a piece
                end = block.find(b"\n", start + _PIECE) + 1 or size
            self._feed_default(block[start:end])
            start = end

    def _feed_default(self, block: bytes) -> None:
        seps = block.count(b"=") + block.count(b": ")
        if not seps:
            return
        findall = _DEFAULT_RE.findall
        if seps * 2 >= block.count(b"\n"):
            if b"step" not in block:
                # No line can carry a series point: only the last value of
                # each key counts, and one search of the whole block finds
                # the same pairs as one search per line (no pair spans a
                # newline).
                self._last_raw.update(findall(block))
                return
            # Dense metric output with steps: every line through the pattern.
            lines = block.split(b"\n")
            if not lines[-1]:
                lines.pop()
            per_line = list(map(findall, lines))
            if not self._alike_lines(per_line):
                self._lines_default(per_line)
            return
        starts: set[int] = set()
        n = len(block)
        for sep in (b"=", b": "):
            pos = block.find(sep)
            while pos >= 0:
                start = block.rfind(b"\n", 0, pos) + 1
                end = block.find(b"\n", pos)
                if end < 0:
                    end = n
                starts.add(start)
                pos = block.find(sep, end)
        if not starts:
            return
        self._lines_default(
            findall(block, start, n if end < 0 else end)
            for start in sorted(starts)
            for end in (block.find(b"\n", start),)
        )

    def _feed_custom(self, block: bytes) -> None:
        pat = self._custom
        assert pat is not None
        for raw in block.splitlines():
            line = raw.decode("utf-8", errors="replace")
            pairs: list[tuple[str, str]] = []
            for m in pat.finditer(line):
                if self._mode == "keyvalue":
                    pairs.append((m.group("key"), m.group("value")))
                elif self._mode == "named":
                    pairs.extend((k, v) for k, v in m.groupdict().items() if v is not None)
                else:
                    pairs.append((m.group(1), m.group(2)))
            if pairs:
                self._line(pairs)

    @property
    def series(self) -> dict[str, list[list[Any]]]:
        """Series points ``[step, value]`` per key."""
        return {
            k.decode("utf-8", errors="replace") if isinstance(k, bytes) else k: v
            for k, v in self._series.items()
        }

    @property
    def metrics(self) -> dict[str, Any]:
        """The last value of every key (nan and inf as None)."""
        if not self._last_raw:
            return self._metrics
        out = dict(self._metrics)
        for key, raw in self._last_raw.items():
            out[key.decode("utf-8", errors="replace")] = _number(raw)
        return out

    def _lines_default(self, lines: Iterable[list[tuple[bytes, bytes]]]) -> None:
        """Lines' ``(key, number)`` pairs from the default pattern (every
        value is a number, nan or inf). Values are kept raw and converted
        once at the end; a series point is converted only when the thinned
        series keeps it."""
        last_raw = self._last_raw
        skips = self._skip
        for pairs in lines:
            if not pairs:
                continue
            line = dict(pairs)  # the line's last value per key
            last_raw.update(line)
            step_raw = line.get(b"step")
            if step_raw is None:
                continue
            step = _number(step_raw)
            if step is None:
                continue
            for key, raw in line.items():
                skip = skips.get(key)
                if skip:
                    if _finite(raw):
                        skips[key] = skip - 1
                    continue
                if key == b"step":
                    continue
                value = _number(raw)
                if value is not None:
                    self._add_point(key, step, value)

    def _alike_lines(self, per_line: list[list[tuple[bytes, bytes]]]) -> bool:
        """The hot path of capture: lines that all carry the same keys (a
        step among them, no key twice) and plainly finite values, as a
        training loop prints them. Checked and read with whole-list
        operations; once a series is thinned, the lines that give no point
        only count down their keys' skips, so they are jumped over together.
        Same result as ``_lines_default``; False (nothing done) when the
        lines are not alike."""
        if not per_line or not per_line[0]:
            return False
        first = per_line[0]
        keys = [key for key, _ in first]
        width = len(keys)
        if b"step" not in keys or len(set(keys)) != width or set(map(len, per_line)) != {width}:
            return False
        flat = list(chain.from_iterable(per_line))
        if list(map(_KEY_OF, flat)) != keys * len(per_line):
            return False
        values = list(map(_VALUE_OF, flat))
        joined = b" ".join(values)
        if b"n" in joined or b"e" in joined or b"E" in joined or max(map(len, values)) >= 300:
            return False
        # Every line has every key: the last line holds the last values.
        self._last_raw.update(per_line[-1])
        step_at = keys.index(b"step")
        series_keys = [(i, key) for i, key in enumerate(keys) if i != step_at]
        if not series_keys:
            return True
        skips = self._skip
        count = len(per_line)
        j = 0
        while j < count:
            jump = min(skips.get(key, 0) for _, key in series_keys)
            if jump:
                jump = min(jump, count - j)
                for _, key in series_keys:
                    skips[key] -= jump
                j += jump
                continue
            base = j * width
            step = _number(values[base + step_at])
            for i, key in series_keys:
                skip = skips.get(key)
                if skip:
                    skips[key] = skip - 1
                else:
                    self._add_point(key, step, _number(values[base + i]))
            j += 1
        return True

    def _line(self, pairs) -> None:
        values: dict[str, Any] = {}
        keys = self._keys
        for key, raw in pairs:
            name = keys.get(key)
            if name is None:
                name = key.decode("utf-8", errors="replace") if isinstance(key, bytes) else key
                if len(keys) < 10_000:
                    keys[key] = name
            if not name:
                continue
            value = _number(raw)
            if value is None and not _is_number_text(raw):
                continue
            values[name] = value
        if not values:
            return
        self._metrics.update(values)
        step = values.get("step")
        if step is not None:
            for key, value in values.items():
                if key != "step" and value is not None:
                    self._add_point(key, step, value)

    def _add_point(self, key: str | bytes, step, value) -> None:
        """Append a series point, halving the resolution past the cap.
        ``key`` is the raw key (bytes) of the default pattern."""
        skip = self._skip.get(key, 0)
        if skip:
            self._skip[key] = skip - 1
            return
        points = self._series.get(key)
        if points is None:
            points = self._series[key] = []
        points.append([step, value])
        stride = self._stride.get(key, 1)
        self._skip[key] = stride - 1
        if len(points) > SERIES_MAX_POINTS:
            del points[1::2]
            self._stride[key] = stride * 2

    # -- whole output ---------------------------------------------------------

    def scan_file(self, output_path: str | os.PathLike) -> dict | None:
        """End-of-run scan of the whole output for a JSON summary block:
        the one-group custom pattern, or (default mode) Gage's
        ``--- summary --- ... ---`` block. Returns the decoded dict or None."""
        if not self.enabled:
            return None
        if self._mode == "whole":
            pattern: re.Pattern = re.compile(self.whole_output.pattern.encode(), re.DOTALL)  # type: ignore[union-attr]
        elif self._mode == "default":
            pattern = _GAGE_BLOCK
        else:
            return None
        try:
            with open(output_path, "rb") as f:
                if self._mode == "default":
                    text = _gage_block(f)
                else:
                    text = _search_blocks(f, pattern)
        except OSError:
            return None
        except _BlockTooBig as e:
            self.errors.append(f"Error decoding output summary: {e}")
            return None
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError as e:
            self.errors.append(f"Error decoding output summary: {e}")
            return None
        if not isinstance(data, dict) or not ({"metrics", "attributes"} & set(data)):
            self.errors.append("output summary has neither 'metrics' nor 'attributes'")
            return None
        return data


def _without_bars(block: bytes) -> bytes:
    """``block`` with its tqdm bars replaced by their postfix pairs; each
    redraw (``\\r``) of a line holding a bar becomes a line of its own."""
    out: list[bytes] = []
    for line in block.split(b"\n"):
        if b"%|" not in line:
            out.append(line)
            continue
        for seg in line.split(b"\r"):
            m = _TQDM_BAR.match(seg) if b"%|" in seg else None
            if m is None:
                out.append(seg)
                continue
            postfix = m.group(1)
            if postfix and b"=" in postfix:
                out.append(b", ".join(p.strip() for p in postfix.split(b",") if b"=" in p))
            rest = seg[m.end() :]
            if rest:
                out.append(rest)
    return b"\n".join(out)


_MARK = b"--- summary ---"
_END_MARK = b"---"
_BLOCK_LIMIT = 64 << 20
_READ = 1 << 20


class _BlockTooBig(Exception):
    pass


def _gage_block(f) -> bytes | None:
    """The text of Gage's ``--- summary --- ... ---`` block (from the first
    start mark to the last ``---`` after it, as the greedy pattern reads
    it), reading the file in blocks: memory stays bounded whatever the
    output's size."""
    size = os.fstat(f.fileno()).st_size
    fd = f.fileno()
    start = -1
    pos = 0
    keep = len(_MARK) - 1
    while pos < size and start < 0:
        block = os.pread(fd, _READ + keep, pos)
        i = block.find(_MARK)
        if i >= 0:
            start = pos + i + len(_MARK)
        pos += _READ
    if start < 0:
        return None
    end = -1
    pos = size
    keep = len(_END_MARK) - 1
    while pos > start and end < 0:
        lo = max(start, pos - _READ)
        block = os.pread(fd, pos - lo + keep, lo)[: size - lo]
        i = block.rfind(_END_MARK)
        if i >= 0:
            end = lo + i
        pos = lo
    if end < 0:
        return None
    if end - start > _BLOCK_LIMIT:
        raise _BlockTooBig(f"summary block of {end - start:,} bytes (at most {_BLOCK_LIMIT:,})")
    return os.pread(fd, end - start, start)


_WINDOW = 1 << 20


def _search_blocks(f, pattern: re.Pattern, window: int | None = None) -> bytes | None:
    """Group 1 of the first match of ``pattern`` in the file, reading it in
    windows of ``2 * window`` bytes that overlap by ``window``, so a match
    of up to ``window`` bytes is seen whole wherever it lies. A match grows
    with more text while that changes it (a greedy ``.*`` reaching further),
    up to ``_BLOCK_LIMIT`` bytes."""
    window = window or _WINDOW
    fd = f.fileno()
    size = os.fstat(fd).st_size
    pos = 0
    while pos < size:
        end = min(size, pos + 2 * window)
        buf = os.pread(fd, end - pos, pos)
        m = pattern.search(buf)
        while m is not None and end < size:
            more_end = min(size, end + window)
            more = buf + os.pread(fd, more_end - end, end)
            again = pattern.search(more)
            if again is not None and again.span() == m.span():
                break
            if len(more) > _BLOCK_LIMIT:
                raise _BlockTooBig(f"summary match of more than {_BLOCK_LIMIT:,} bytes")
            buf, end, m = more, more_end, again
        if m is not None:
            return m.group(1)
        pos += max(window, len(buf) - window)
    return None


def read_summary_file(path: str | os.PathLike) -> dict | None:
    """A summary file (JSON, TOML or YAML by extension); None if absent.
    Raises ``ValueError`` when it exists but cannot be decoded."""
    p = Path(path)
    if not p.is_file():
        return None
    text = p.read_text(encoding="utf-8", errors="replace")
    suffix = p.suffix.lower()
    if suffix == ".toml":
        try:
            import tomllib
        except ImportError:  # pragma: no cover - Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        try:
            data = tomllib.loads(text)
        except Exception as e:
            raise ValueError(str(e)) from None
    elif suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except Exception as e:
            raise ValueError(str(e)) from None
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("summary must be an object")
    return data


def _recorded_values(section: Any) -> dict:
    """Summary values as the run wrote them: ``{"value": x, "label": ...}``
    objects keep their metadata in ``summary.json`` (as Gage 0.1.2 does);
    readers reduce them to the value."""
    if not isinstance(section, dict):
        return {}
    return {str(k): v for k, v in section.items()}


def build_summary(
    parser: SummaryParser | None,
    run_dir: str | os.PathLike,
    output_path: str | os.PathLike | None,
    summary_filename: str | None = None,
) -> tuple[dict, list[str]]:
    """The ``summary.json`` content and the problems to log."""
    errors: list[str] = []
    metrics: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    series: dict[str, Any] = {}
    if parser is not None:
        errors.extend(parser.errors)
        metrics.update(parser.metrics)
        series.update(parser.series)
        if output_path is not None:
            block = parser.scan_file(output_path)
            errors.extend(e for e in parser.errors if e not in errors)
            if block:
                metrics.update(_recorded_values(block.get("metrics")))
                attributes.update(_recorded_values(block.get("attributes")))
    fname = summary_filename or "summary.json"
    try:
        data = read_summary_file(Path(run_dir) / fname)
    except (ValueError, OSError) as e:
        errors.append(f"Error reading summary file {fname}: {e}")
        data = None
    if data:
        metrics.update(_recorded_values(data.get("metrics")))
        attributes.update(_recorded_values(data.get("attributes")))
    summary: dict[str, Any] = {"metrics": metrics, "attributes": attributes}
    if series:
        summary["series"] = series
    return summary, errors
