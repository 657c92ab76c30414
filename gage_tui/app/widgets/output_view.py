"""A virtual view of a run's output file.

Only the visible lines are read (``OutputReader`` counts lines per 64 KiB
chunk, opens a big file at its end and reads ranges with ``pread``), so
memory does not grow with the line count and a 1 GB output opens quickly and scrolls at the same speed as a short one. Rendered lines
are cached; ANSI colour is decoded only for lines on screen.
"""

from __future__ import annotations

from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gage_tui.app.literal import make_visible, visible

__all__ = ["OutputView", "MAX_DISPLAY_BYTES", "display_text", "open_output_reader", "output_tail"]

# A line longer than this is cut for display (the file keeps it whole):
# a 10 MB line must not stall rendering.
MAX_DISPLAY_BYTES = 4096
_STDERR_STYLE = Style(color="red")
_TIME_STYLE = Style(dim=True)
_MATCH_STYLE = Style(bgcolor="yellow", color="black")
_CURRENT_STYLE = Style(bgcolor="dark_orange", color="black", bold=True)


class OutputView(ScrollView, can_focus=True):
    """Lines of one ``OutputReader``; follows the end while ``follow`` is on."""

    follow: reactive[bool] = reactive(True)
    show_timestamps: reactive[bool] = reactive(False)

    def __init__(self, reader=None, *, id: str | None = None):
        super().__init__(id=id)
        self.reader = reader
        self.line_count = 0
        self.search_term = ""
        self.current_match: int | None = None
        self._cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self._records_cache: dict[int, tuple] = {}
        self._widest = 0

    # -- data ----------------------------------------------------------

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(max(self._widest, self.size.width), self.line_count)

    def set_reader(self, reader) -> None:
        self.reader = reader
        self._widest = 0
        self.line_count = len(reader) if reader is not None else 0
        self._cache.clear()
        self._records_cache.clear()
        self._update_virtual_size()
        self._follow_end()
        self.refresh()

    def _follow_end(self) -> None:
        if self.follow:
            # After the new virtual size is laid out, or the end is stale.
            self.scroll_end(animate=False, immediate=True)
            self.call_after_refresh(self._scroll_end_if_following)

    def _scroll_end_if_following(self) -> None:
        if self.follow:
            self.scroll_end(animate=False, immediate=True)

    def lines_added(self, count: int) -> None:
        """The reader now has ``count`` lines (called after ``refresh()``)."""
        if count == self.line_count:
            return
        grew = count > self.line_count
        self.line_count = count
        self._update_virtual_size()
        if not grew:
            self._cache.clear()
            self._records_cache.clear()
        self._follow_end()
        self.refresh()

    # -- rendering -----------------------------------------------------

    def watch_show_timestamps(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_resize(self) -> None:
        self._cache.clear()
        self._update_virtual_size()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        if self.reader is None or index >= self.line_count:
            return Strip.blank(width, self.rich_style)
        key = (index, self.show_timestamps, self.search_term, index == self.current_match)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_output_line(index)
            self._cache[key] = strip
            if strip.cell_length > self._widest:
                # Long lines scroll sideways (left/right), never cut off.
                self._widest = strip.cell_length
                self.call_after_refresh(self._update_virtual_size)
        return strip.crop_extend(int(scroll_x), int(scroll_x) + width, self.rich_style)

    def render_lines(self, crop):
        # Read the whole visible range with one pread instead of one per line.
        self._prefetch(self.scroll_offset.y + crop.y, crop.height)
        return super().render_lines(crop)

    def _prefetch(self, start: int, count: int) -> None:
        if self.reader is None:
            return
        stop = min(self.line_count, start + count)
        missing = [i for i in range(start, stop) if i not in self._records_cache]
        if not missing:
            return
        first, last = missing[0], missing[-1] + 1
        if len(self._records_cache) > 4096:
            self._records_cache.clear()
        for line in self.reader.read(first, last):
            self._records_cache[line.n] = (line.data[:MAX_DISPLAY_BYTES], line.time_ms, line.stream, len(line.data))

    def _line_record(self, index: int) -> tuple:
        rec = self._records_cache.get(index)
        if rec is None:
            lines = self.reader.read(index, index + 1)
            if not lines:
                return (b"", None, 0, 0)
            line = lines[0]
            rec = (line.data[:MAX_DISPLAY_BYTES], line.time_ms, line.stream, len(line.data))
            self._records_cache[index] = rec
        return rec

    def _render_output_line(self, index: int) -> Strip:
        data, time_ms, stream, full_len = self._line_record(index)
        text = display_text(data)
        if full_len > MAX_DISPLAY_BYTES:
            text.append(f" … ({full_len:,} bytes, shown cut)", style="dim italic")
        if stream == 1:
            text.stylize(_STDERR_STYLE)
        if self.search_term:
            style = _CURRENT_STYLE if index == self.current_match else _MATCH_STYLE
            text.highlight_words([self.search_term], style=style, case_sensitive=False)
        if self.show_timestamps:
            stamp = _clock(time_ms)
            text = Text.assemble((stamp + " ", _TIME_STYLE), text)
        segments = list(text.render(self.app.console))
        return Strip(segments).apply_style(self.rich_style)

    # -- navigation ----------------------------------------------------

    # Any way of moving up pauses following: wheel, keys, scrollbar.
    def on_mouse_scroll_up(self) -> None:
        self.follow = False

    def action_scroll_up(self) -> None:
        self.follow = False
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self.follow = False
        super().action_page_up()

    def action_scroll_home(self) -> None:
        self.go_top()

    def action_scroll_end(self) -> None:
        self.go_bottom()

    def _on_scroll_to(self, message) -> None:
        # A scrollbar dragged up.
        if message.y is not None and message.y < self.max_scroll_y:
            self.follow = False

    def scroll_to_line(self, index: int) -> None:
        self.follow = False
        self.scroll_to(y=max(0, index - self.size.height // 2), animate=False, immediate=True)
        self.refresh()

    def go_top(self) -> None:
        self.follow = False
        self.scroll_home(animate=False, immediate=True)

    def go_bottom(self) -> None:
        self.follow = True
        self._follow_end()

    def top_line(self) -> int:
        return int(self.scroll_offset.y)

    def plain_lines(self, start: int, stop: int) -> list[str]:
        """Lines ``start`` to ``stop`` as shown, without colour codes."""
        if self.reader is None:
            return []
        stop = min(stop, self.line_count)
        return [display_text(line.data).plain for line in self.reader.read(max(0, start), stop)] if stop > start else []

    def clear_caches(self) -> None:
        self._cache.clear()
        self._records_cache.clear()
        self.refresh()


def display_text(data: bytes) -> Text:
    """One output line for display: a ``\\r``-rewritten line shows its last
    state (as a terminal would); ANSI colour codes are honoured, other
    control characters are shown as pictures."""
    if data.endswith(b"\n"):
        data = data[:-1]
    if data.endswith(b"\r"):
        data = data[:-1]
    if b"\r" in data:
        data = data.rsplit(b"\r", 1)[-1]
    raw = data.decode("utf-8", errors="replace").replace("\t", "    ")
    if "\x1b" in raw:
        # Colour codes are honoured; any other control left (a bare escape,
        # a cursor move) is shown, never sent to the terminal.
        text = make_visible(Text.from_ansi(raw))
        text.end = ""
        return text
    return Text(visible(raw), end="")


def open_output_reader(run, name: str):
    """An ``OutputReader`` for output ``name`` of ``run``: the file itself
    for a meta dir, the bytes for a Gage 0.1.2 ``.meta.zip``."""
    from gage_core.store.meta import MetaReader

    with MetaReader(run.meta_dir) as meta:
        return meta.open_output(name)


def output_tail(run, count: int) -> list[str]:
    """The last ``count`` lines of the run's main output, for display."""
    from gage_core.store.meta import MetaReader
    from gage_core.store.status import UNFINISHED

    with MetaReader(run.meta_dir) as meta:
        names = meta.output_names()
    if not names:
        return []
    name = "40_run" if "40_run" in names else names[-1]
    reader = open_output_reader(run, name)
    try:
        reader.refresh(final=run.status not in UNFINISHED)
        return [display_text(line.data).plain for line in reader.tail(count)]
    finally:
        reader.close()


def _clock(time_ms: int | None) -> str:
    """``HH:MM:SS.mmm`` of an index time; blank when absent, ``?`` when a
    damaged index holds an impossible one."""
    if not time_ms:
        return " " * 12
    try:
        return datetime.fromtimestamp(time_ms / 1000).strftime("%H:%M:%S.%f")[:-3]
    except (OverflowError, ValueError, OSError):
        return "?".ljust(12)
