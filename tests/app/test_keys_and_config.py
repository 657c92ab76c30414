"""Keys and per-user settings: a user keymap by binding id, the theme
remembered across starts, the same key meaning the same thing on every
screen, copy actions, and the palette's "Launch OP" commands."""

from __future__ import annotations

import json

from helpers.demo_store import DEMO_RUN_IDS
from helpers.workbench import DEMO_NOW, loaded, make_app, pump_until


def _app(project):
    return make_app(project, watch=False, clock=lambda: DEMO_NOW)


def _write_keymap(tmp_path, text: str) -> None:
    keymap = tmp_path / "xdg-config" / "gage" / "keymap.toml"
    keymap.parent.mkdir(parents=True)
    keymap.write_text(text)


async def test_user_keymap_rebinds_by_id(demo_project, tmp_path):
    _write_keymap(tmp_path, 'screen-ops = "f6"\nno-such-binding = "k"\n')
    app = _app(demo_project)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        await pilot.pause()
        assert type(app.screen).__name__ == "RunsScreen"
        await pilot.press("f6")
        await pump_until(pilot, lambda: type(app.screen).__name__ == "OperationsScreen")
        assert any("no-such-binding" in n.message for n in app._notifications)


async def test_broken_keymap_is_reported_with_its_line(demo_project, tmp_path):
    _write_keymap(tmp_path, 'screen-ops = "f6"\nscreen-problems = \n')
    app = _app(demo_project)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await loaded(pilot)
        messages = [n.message for n in app._notifications]
        assert any("keymap.toml:2:" in m for m in messages), messages
        assert app.is_running


async def test_theme_is_remembered_across_starts(demo_project, tmp_path):
    app = _app(demo_project)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        app.theme = "nord"
        await pilot.pause()
    state = json.loads((tmp_path / "xdg-state" / "gage" / "workbench.json").read_text())
    assert state["theme"] == "nord"
    again = _app(demo_project)
    async with again.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert again.theme == "nord"


async def test_l_is_label_not_launch_on_operations(demo_project):
    app = _app(demo_project)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        await pilot.press("l")
        await pilot.pause()
        assert type(app.screen).__name__ == "OperationsScreen"
        await pilot.press("f5")
        await pump_until(pilot, lambda: type(app.screen).__name__ == "LaunchScreen")


async def test_copy_run_id_and_output_lines(demo_project):
    copied = []
    app = _app(demo_project)
    app.copy_to_clipboard = copied.append
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("y")
        run = app.screen.current_run()
        assert copied == [f"{run.name} {run.id}"]
        app.screen.open_run_by_id(DEMO_RUN_IDS[1])
        await pilot.pause()
        await pilot.press("y")
        assert copied[-1].endswith(DEMO_RUN_IDS[1])
        await pilot.press("o")
        await pump_until(pilot, lambda: type(app.screen).__name__ == "OutputScreen" and app.screen.reader is not None)
        await pilot.pause()
        await pilot.press("Y")
        assert "epoch 1/20" in copied[-1]


async def test_palette_has_launch_for_every_op(demo_project):
    from textual.command import CommandPalette

    app = _app(demo_project)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p")
        await pump_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        for char in "launch evaluate":
            await pilot.press("space" if char == " " else char)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pump_until(pilot, lambda: type(app.screen).__name__ == "LaunchScreen")
        assert app.screen.op_name == "evaluate"


async def test_operations_preselects_default_op_and_keeps_the_choice(demo_project):
    from textual.widgets import OptionList

    app = _app(demo_project)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        await pilot.pause()
        assert app.screen.selected == "train"  # default = true in the Gagefile
        options = app.screen.query_one(OptionList)
        await pilot.press("up")
        await pilot.pause()
        chosen = app.screen.selected
        assert chosen != "train"
        await pilot.press("escape", "2")
        await pilot.pause()
        assert app.screen.selected == chosen
        assert options is not app.screen.query_one(OptionList)


async def test_batch_hint_only_for_ops_with_flags(demo_project):
    gagefile = demo_project / "gage.toml"
    gagefile.write_text(gagefile.read_text() + '\n[noflags]\nexec = "python -c pass"\nsourcecode = false\n')
    app = _app(demo_project)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        for op, hinted in (("noflags", False), ("train", True)):
            app.action_launch_op(op)
            await pump_until(pilot, lambda: bool(app.screen.query("#launch-flags > *")))
            assert bool(app.screen.query("#launch-batch-hint")) is hinted, op
            await pilot.press("escape")
