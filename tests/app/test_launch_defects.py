"""Launching from the workbench when staging fails, and re-running a run
whose operation depends on another run: real projects, real runs."""

from __future__ import annotations

import io
import json

from rich.console import Console
from textual.widgets import Input, Static

from gage_core.store.store import RunStore
from gage_tui.app.screens.launch import LaunchScreen
from gage_tui.app.screens.output import OutputScreen
from gage_tui.app.screens.run import RunScreen
from helpers.workbench import loaded, make_app, open_launch_form, pump_until, run_op


def _shown(app, selector: str) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(app.screen.query_one(selector, Static).content)
    return console.export_text()


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _launch_train_with_a_bad_dependency(pilot, project):
    """Launch train from its form with ``prepare=bogus``: the failure is
    notified naming the value, the form stays; back on the runs screen
    with the cursor on the failed run, which is returned."""
    app = pilot.app
    screen = await open_launch_form(pilot, "train")
    screen.query_one("#flag-prepare", Input).value = "bogus"
    await pilot.pause()
    await pilot.press("f5")
    await pump_until(pilot, lambda: any("bogus" in n for n in _notes(app)), timeout=20)
    assert isinstance(app.screen, LaunchScreen) and not screen.launching
    assert "no run matches 'bogus'" in _shown(app, "#launch-summary")
    # The attempt is recorded as an ended run, listed without a restart.
    [failed] = [r for r in RunStore(project / ".gage" / "runs").list_runs() if r.op_name == "train"]
    assert failed.status == "error"
    await pump_until(pilot, lambda: failed.id in app.runs_by_id)
    await pilot.press("escape", "escape")
    await pilot.pause()
    table = app.screen.query_one("#runs-table")
    table.move_cursor(row=table.shown_ids.index(failed.id))
    return failed


async def test_bad_dependency_value_is_notified_and_the_run_says_why(app_project):
    run_op(app_project, "prepare")
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        failed = await _launch_train_with_a_bad_dependency(pilot, app_project)
        await pilot.press("enter")
        assert isinstance(app.screen, RunScreen) and app.screen.run_id == failed.id
        await pump_until(pilot, lambda: app.screen.details is not None)
        await pilot.pause()
        summary = _shown(app, "#run-summary")
        assert "failed" in summary and "no run matches 'bogus' (flag 'prepare')" in summary
        deps = _shown(app, "#run-deps")
        assert "runfiles" in deps or "run-files" in deps
        assert "no run matches 'bogus'" in deps


async def test_rerun_keeps_the_source_runs_resolved_dependency(app_project):
    first_prepare = run_op(app_project, "prepare")
    train = run_op(app_project, "train", {"epochs": 2, "delay": 0})
    newer_prepare = run_op(app_project, "prepare", {"seed": 11})
    runs_dir = app_project / ".gage" / "runs"
    deps = json.loads((runs_dir / f"{train}.meta" / "deps.json").read_text())
    assert deps["dependencies"][0]["source"]["run"] == first_prepare
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one("#runs-table")
        table.move_cursor(row=table.shown_ids.index(train))
        await pilot.press("R")
        assert isinstance(app.screen, LaunchScreen)
        await pump_until(pilot, lambda: bool(app.screen.defaults))
        assert app.screen.query_one("#flag-prepare", Input).value == first_prepare
        assert app.screen.query_one("#flag-epochs", Input).value == "2"
        await pilot.press("f5")
        await pump_until(pilot, lambda: isinstance(app.screen, OutputScreen), timeout=20)
        rerun = app.screen.run_id
    assert rerun != train
    rerun_deps = json.loads((runs_dir / f"{rerun}.meta" / "deps.json").read_text())
    sources = [d["source"]["run"] for d in rerun_deps["dependencies"]]
    assert sources == [first_prepare] and newer_prepare not in sources


async def test_rerun_of_a_run_without_resolved_dependencies_resolves_again(app_project):
    """A run that failed before resolving keeps its typed flags; nothing
    is invented for the dependency."""
    run_op(app_project, "prepare")
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await _launch_train_with_a_bad_dependency(pilot, app_project)
        await pilot.press("R")
        await pump_until(pilot, lambda: bool(getattr(app.screen, "defaults", None)))
        assert app.screen.query_one("#flag-prepare", Input).value == "bogus"
