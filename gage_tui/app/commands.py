"""Command palette entries made from the project's data: "Launch OP" for
every operation of the Gagefile and "Open run NAME" for the runs the
current screen shows.

Titles are labels, op names and descriptions, so they are built as text
(never read as markup); the palette reads help lines as markup, so those
are escaped here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from gage_tui.app.literal import visible

__all__ = ["ProjectCommands", "MAX_RUN_COMMANDS"]

MAX_RUN_COMMANDS = 200


def _help(text: str) -> str:
    return escape(visible(text))


class ProjectCommands(Provider):
    """Launch an operation; open one of the shown runs."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], None], bool]]:
        """(title, help, callback, shown before typing) of every command."""
        app = self.app
        gagefile = app.project.gagefile
        if gagefile is not None:
            for name in sorted(gagefile.ops):
                op = gagefile.ops[name]
                yield (
                    f"Launch {name}",
                    ("broken: see Problems (3) · " if op.broken else "") + (op.first_line or "launch form"),
                    partial(app.action_launch_op, name),
                    True,
                )
        screen = self.screen
        if hasattr(screen, "open_run_by_id"):
            for run in getattr(screen, "shown_runs", [])[:MAX_RUN_COMMANDS]:
                yield (
                    f"Open run {run.name} ({run.op_name})",
                    f"{run.status} · {run.label or ''}",
                    partial(screen.open_run_by_id, run.id),
                    False,
                )

    async def discover(self) -> Hits:
        for title, help_text, callback, shown in self._commands():
            if shown:
                yield DiscoveryHit(Text(visible(title)), callback, text=title, help=_help(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback, _ in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, self._highlight(matcher, title), callback, text=title, help=_help(help_text))

    @staticmethod
    def _highlight(matcher, title: str) -> Text:
        text = Text(visible(title))
        _, offsets = matcher.fuzzy_search.match(matcher.query, title)
        for offset in offsets:
            text.stylize("reverse", offset, offset + 1)
        return text
