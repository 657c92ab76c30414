"""Gagefile screens follow the file: deleted, re-created, created where
there was none, or broken by a syntax error."""

from __future__ import annotations

from test_literal_text import screen_text

from helpers.workbench import DEMO_NOW, loaded, make_app, pump_until


def _ops(app) -> list[str]:
    gagefile = app.project.gagefile
    return sorted(gagefile.ops) if gagefile is not None else []


async def test_deleted_and_recreated_gagefile_reloads(demo_project):
    gagefile = demo_project / "gage.toml"
    text = gagefile.read_text()
    app = make_app(demo_project, watch=True, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        assert "train" in _ops(app)
        gagefile.unlink()
        await pump_until(pilot, lambda: app.project.gagefile is None)
        gagefile.write_text(text)
        await pump_until(pilot, lambda: "train" in _ops(app))
        await pump_until(pilot, lambda: "Train a logistic regression" in screen_text(app))


async def test_gagefile_created_in_a_project_that_had_none(demo_project):
    gagefile = demo_project / "gage.toml"
    text = gagefile.read_text()
    gagefile.unlink()
    (demo_project / ".gage").mkdir(exist_ok=True)
    app = make_app(demo_project, watch=True, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert app.project.gagefile is None
        await pilot.press("2")
        gagefile.write_text(text)
        await pump_until(pilot, lambda: "train" in _ops(app))


async def test_syntax_error_shows_where_not_no_operations(demo_project):
    gagefile = demo_project / "gage.toml"
    app = make_app(demo_project, watch=True, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        gagefile.write_text('[train]\nexec = "python train.py\n')
        await pump_until(pilot, lambda: app.project.gagefile is not None and bool(app.project.gagefile.errors))
        await pilot.pause(0.3)
        shown = screen_text(app)
        assert "No operations defined" not in shown
        assert "gage.toml:2:" in shown
