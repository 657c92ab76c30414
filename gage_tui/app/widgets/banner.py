"""A one-line banner that says the Gagefile has problems (hidden when not)."""

from __future__ import annotations

from textual.widgets import Static

from gage_tui.app.literal import literal

__all__ = ["ProblemsBanner"]


class ProblemsBanner(Static):
    """Shown on every main screen while the Gagefile has errors."""

    def on_mount(self) -> None:
        self.refresh_count()

    def refresh_count(self) -> None:
        project = self.app.project
        if project.gagefile is None:
            if project.dir is None:
                self.update(literal(" No project here: runs from the runs directory only."))
                self.display = True
                self.set_class(False, "-error")
            else:
                self.update(literal(f" No Gagefile in {project.dir} (gage help gagefile)."))
                self.display = True
                self.set_class(True, "-error")
            return
        count = self.app.problem_count()
        self.display = count > 0
        self.set_class(count > 0, "-error")
        if count:
            name = project.gagefile.path.name
            noun = "problem" if count == 1 else "problems"
            self.update(literal(f" {name} has {count} {noun}: press 3 to see them."))
