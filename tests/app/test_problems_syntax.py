"""The Problems screen shows a syntax error as a person would say it, at
the mistake, with its span highlighted in the source."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import Static

from gage_tui.app.screens.problems import ProblemsScreen
from helpers.workbench import loaded, make_app

CASES = {
    "gage.toml": ('[train]\nexec = "python train.py\ndescription = "x"\n', (2, 8), '"python train.py',
                  'unterminated string: the closing " is missing'),
    "gage.yaml": ("train:\n    exec: python train.py\n  description: x\n", (3, 3), "description",
                  "this line is indented less than"),
    "gage.json": ('{\n  "train": {"exec": "python train.py"\n}\n', (2, 12), "{",
                  "unclosed object: the '}' for this '{' is missing"),
}


def _highlighted(renderable) -> str:
    """The text drawn on a red background."""
    console = Console(width=200, file=io.StringIO(), color_system="truecolor")
    return "".join(
        seg.text for seg in console.render(renderable)
        if seg.style is not None and seg.style.bgcolor is not None and seg.style.bgcolor.name == "red"
    )


@pytest.mark.parametrize("name", sorted(CASES))
async def test_syntax_error_in_problems_reads_plainly_with_its_span(tmp_path, name):
    text, (line, col), span, words = CASES[name]
    (tmp_path / name).write_text(text)
    app = make_app(tmp_path, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("3")
        assert isinstance(app.screen, ProblemsScreen)
        diag = app.screen.selected
        assert diag.code == "syntax" and (diag.line, diag.col) == (line, col)
        assert diag.message.startswith(words)
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#problems-message", Static).content)
        shown = console.export_text()
        assert f"{name}:{line}:{col}: error[syntax]: {words}" in shown
        assert "operations lost to this error: 'train'" in shown
        assert _highlighted(app.screen.query_one("#problems-source", Static).content) == span
