"""The workbench only looks: opening it, its operations screen (previews
of every op, the launch form) and its problems screen never execute
project code; a store with corrupt runs still loads."""

from __future__ import annotations

import os

from textual.widgets import OptionList

from gage_tui.app.screens.launch import LaunchScreen
from gage_tui.app.screens.operations import OperationsScreen
from helpers.marker_project import make_marker_project
from helpers.workbench import loaded, make_app, pump_until


async def test_operations_screen_never_executes_project_code(tmp_path):
    proj, markers = make_marker_project(tmp_path)
    app = make_app(proj, watch=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        assert isinstance(app.screen, OperationsScreen)
        options = app.screen.query_one(OptionList)
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert names == ["evaluate", "train"]
        for i, name in enumerate(names):
            options.highlighted = i
            await pump_until(pilot, lambda name=name: name in app.screen.previews)
            await pilot.pause()
        # The launch form reads flag defaults, still without running anything.
        options.highlighted = names.index("train")
        await pilot.press("enter")
        assert isinstance(app.screen, LaunchScreen)
        await pump_until(pilot, lambda: bool(app.screen.defaults))
        await pilot.press("escape")
        await pilot.press("3")  # problems
        await pilot.pause()
    assert os.listdir(markers) == []
    runs_dir = proj / ".gage" / "runs"
    assert not runs_dir.exists() or not any(n.endswith(".meta") for n in os.listdir(runs_dir))


async def test_runs_and_run_screens_survive_corrupt_runs(app_project):
    """Corrupt meta and user logs: the table lists every run (the broken
    ones as such), and the run screen of a broken run opens."""
    from gage_tui.app.screens.run import RunScreen
    from gage_tui.app.widgets.runs_table import RunsTable
    from helpers.workbench import run_op

    ids = [run_op(app_project, "prepare") for _ in range(4)]
    runs_dir = app_project / ".gage" / "runs"
    (runs_dir / f"{ids[0]}.meta" / "summary.json").write_bytes(b"[" * 50_000 + b"]" * 50_000)
    (runs_dir / f"{ids[1]}.meta" / "started").write_bytes(b"99999999999999999999999")
    user = runs_dir / f"{ids[2]}.user"
    user.mkdir(exist_ok=True)
    (user / "01900000-0000-7000-8000-000000000001.json").write_bytes(
        b'{"set": {"comment:x": {"msg": 5, "timestamp": 1e400}, "tags": "x", "label": 7}}')
    (user / "01900000-0000-7000-8000-000000000002.json").write_bytes(b"[" * 50_000)
    (runs_dir / f"{ids[3]}.meta" / "opref").write_bytes(b"")
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one("#runs-table", RunsTable)
        assert table.row_count == 4
        for i in range(4):
            table.move_cursor(row=i)
            await pilot.press("enter")
            assert isinstance(app.screen, RunScreen)
            await pump_until(pilot, lambda: app.screen.details is not None or getattr(app.screen, "error", None))
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()


async def test_output_with_a_corrupt_index_shows_timestamps(app_project):
    """A damaged ``.index`` (absurd times) must not break the output view
    when per-line timestamps are shown."""
    from gage_tui.app.screens.output import OutputScreen
    from helpers.workbench import run_op

    run_id = run_op(app_project, "prepare")
    index = app_project / ".gage" / "runs" / f"{run_id}.meta" / "output" / "40_run.index"
    os.chmod(index, 0o644)
    index.write_bytes(b"\xff" * 9 * 3 + b"\x00\x00")  # huge times, then a torn record
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("o")
        assert isinstance(app.screen, OutputScreen)
        await pilot.pause()
        await pilot.press("T")
        await pilot.pause(0.2)
        await pilot.press("T")
        await pilot.pause()
