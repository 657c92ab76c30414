"""``RunActionScreen``: the base of screens that act on runs (runs, run).

The label, tag, comment and stop actions live here once; a screen says
which runs they act on by overriding ``with_target_runs``.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

__all__ = ["RunActionScreen"]


class RunActionScreen(Screen):
    def with_target_runs(self, act: Callable[[list], None]) -> None:
        """Call ``act`` with the runs an action is for (asking first when
        that is not obvious)."""
        act([])

    def action_label(self) -> None:
        from gage_tui.app.run_actions import prompt_label

        self.with_target_runs(lambda runs: prompt_label(self, runs))

    def action_tag(self) -> None:
        from gage_tui.app.run_actions import prompt_tags

        self.with_target_runs(lambda runs: prompt_tags(self, runs))

    def action_comment(self) -> None:
        from gage_tui.app.run_actions import prompt_comment

        self.with_target_runs(lambda runs: prompt_comment(self, runs))

    def action_stop(self) -> None:
        from gage_tui.app.run_actions import confirm_stop

        self.with_target_runs(lambda runs: confirm_stop(self, runs))
