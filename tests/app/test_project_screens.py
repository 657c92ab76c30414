"""Run detail, operations preview, problems (line:col per format, reload on
edit) and launching with edited flags, against real projects and runs."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text
from textual.widgets import Input, OptionList, Static, Tree

from gage_core.store.store import RunStore
from gage_tui.app.screens.launch import LaunchScreen
from gage_tui.app.screens.operations import OperationsScreen
from gage_tui.app.screens.output import OutputScreen
from gage_tui.app.screens.problems import ProblemsScreen
from gage_tui.app.screens.run import RunScreen
from helpers.workbench import DEMO_NOW, loaded, make_app, open_launch_form, pump_until, run_op


def _text(renderable, width: int = 200) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def _static(app, selector: str) -> str:
    content = app.screen.query_one(selector, Static).content
    return _text(content if not isinstance(content, str) else Text.from_markup(content))


async def test_run_screen_shows_details(app_project):
    run_op(app_project, "prepare")
    run_op(app_project, "train", {"epochs": 3, "delay": 0, "lr": 0.3}, label="quick", tags=("t1",))
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, RunScreen)
        await pump_until(pilot, lambda: app.screen.details is not None)
        await pilot.pause()
        summary = _static(app, "#run-summary")
        assert "completed" in summary and "quick" in summary and "t1" in summary
        assert "lr" in _static(app, "#run-flags") and "0.3" in _static(app, "#run-flags")
        assert "accuracy" in _static(app, "#run-metrics")
        deps = _static(app, "#run-deps")
        assert "train.csv" in deps
        files = _static(app, "#run-files")
        assert "train.py" in files and "model.json" in files and "dependency" in files
        assert "accuracy" in _static(app, "#run-output-tail")
        await pilot.press("o")
        assert isinstance(app.screen, OutputScreen)


async def test_operations_preview_with_and_without_stage_sourcecode(app_project):
    gagefile = app_project / "gage.toml"
    gagefile.write_text(
        gagefile.read_text()
        + '\n[build]\ndescription = "Vendored build"\nexec.stage-sourcecode = "make vendor"\nexec.run = "python -u train.py"\nsourcecode = ["train.py"]\n'
    )
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        assert isinstance(app.screen, OperationsScreen)
        options = app.screen.query_one(OptionList)
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert names == ["build", "fail", "prepare", "ticker", "train"]
        options.highlighted = names.index("build")  # train, the default op, is preselected
        await pump_until(pilot, lambda: "build" in app.screen.previews)
        await pilot.pause()
        build = _static(app, "#ops-preview")
        assert "stage-sourcecode" in build and "make vendor" in build
        assert "1 files" in build and "train.py" in build
        options.highlighted = names.index("train")
        await pump_until(pilot, lambda: "train" in app.screen.previews)
        await pilot.pause()
        train = _static(app, "#ops-preview")
        assert "stage-sourcecode" not in train
        assert "python -u train.py" in train
        for flag in ("lr", "epochs", "delay"):
            assert flag in train
        assert "op=prepare" in train  # the dependency, unresolved: no prepare run yet


async def test_operations_mark_ops_lost_to_a_syntax_error(tmp_path):
    (tmp_path / "gage.toml").write_text('[ok]\nexec = "echo ok"\n\n[bad]\nexec = "echo\n\n[also]\nexec = "echo also"\n')
    app = make_app(tmp_path, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        assert isinstance(app.screen, OperationsScreen)
        options = app.screen.query_one(OptionList)
        found = [options.get_option_at_index(i) for i in range(options.option_count)]
        assert [o.id for o in found] == ["also", "ok", "lost:bad"]
        assert found[2].disabled and "syntax error near line 4" in _text(found[2].prompt)
        await pump_until(pilot, lambda: "also" in app.screen.previews)


BAD_FILES = {
    "gage.toml": ('[train]\nexce = "python train.py"\n', (2, 1), "unknown key 'exce'"),
    "gage.json": ('{\n  // training\n  "train": {\n    "exec": "python train.py", /* inline */\n    "sourcecode": 12,\n  },\n}\n', (5, 19), "sourcecode"),
    "gage.yaml": ("train:\n  exec: python train.py\n  output-summary: [1, 2]\n", (3, 19), "output-summary"),
}


async def test_problems_screen_line_col_per_format(tmp_path):
    for name, (text, (line, col), words) in BAD_FILES.items():
        project = tmp_path / name.replace(".", "-")
        project.mkdir()
        (project / name).write_text(text)
        app = make_app(project, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot)
            await pilot.press("3")
            assert isinstance(app.screen, ProblemsScreen)
            diag = app.screen.selected
            assert diag is not None, name
            assert (diag.line, diag.col) == (line, col), name
            assert words in diag.message, name
            message = _static(app, "#problems-message")
            assert f"{name}:{line}:{col}" in message


async def test_problems_reload_when_file_changes(app_project):
    gagefile = app_project / "gage.toml"
    original = gagefile.read_text()
    app = make_app(app_project, watch=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("3")
        assert app.screen.selected is None
        gagefile.write_text(original.replace('exec = "python -u train.py"', 'exce = "python -u train.py"'))
        await pump_until(pilot, lambda: app.screen.selected is not None, timeout=5)
        assert app.screen.selected.message.startswith("unknown key 'exce'")
        tree = app.screen.query_one(Tree)
        assert "train" in str(tree.root.children[0].label)
        gagefile.write_text(original)
        await pump_until(pilot, lambda: app.screen.selected is None, timeout=5)


async def test_banner_counts_problems(app_project):
    (app_project / "gage.toml").write_text('[train]\nexce = 1\n[b]\nexec = 2\n')
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        banner = app.screen.query_one("ProblemsBanner")
        assert banner.display
        assert "2 problems" in str(banner.render())


async def test_launch_with_edited_flags_shows_live_output(app_project):
    run_op(app_project, "prepare")
    app = make_app(app_project, watch=True)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        screen = await open_launch_form(pilot, "train")
        assert isinstance(screen, LaunchScreen)
        # A bad value is shown at its field and blocks the start.
        screen.query_one("#flag-epochs", Input).value = "many"
        await pilot.pause()
        assert "epochs" in screen.errors
        assert screen.query_one("#flag-error-epochs", Static).display
        await pilot.press("f5")
        assert isinstance(app.screen, LaunchScreen)
        screen.query_one("#flag-epochs", Input).value = "4"
        screen.query_one("#flag-delay", Input).value = "0.05"
        screen.query_one("#flag-lr", Input).value = "0.7"
        screen.query_one("#launch-label", Input).value = "from the form"
        await pilot.pause()
        assert not screen.errors
        await pilot.press("f5")
        await pump_until(pilot, lambda: isinstance(app.screen, OutputScreen), timeout=20)
        run_id = app.screen.run_id
        await pump_until(pilot, lambda: app.screen.query_one("OutputView").line_count >= 4, timeout=20)
        store = RunStore(app_project / ".gage" / "runs")
        await pump_until(pilot, lambda: store.get(run_id).status == "completed", timeout=20)
        run = store.get(run_id)
        assert run.config["lr"] == 0.7 and run.config["epochs"] == 4
        assert run.label == "from the form"
        await pump_until(pilot, lambda: app.screen.query_one("OutputView").line_count >= 6, timeout=15)


async def test_rerun_prefills_flags(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        app.screen.query_one("#runs-table").move_cursor(row=4)  # train lr=0.5
        await pilot.press("R")
        assert isinstance(app.screen, LaunchScreen)
        await pump_until(pilot, lambda: bool(app.screen.defaults))
        assert app.screen.query_one("#flag-lr", Input).value == "0.5"
        assert app.screen.query_one("#launch-label", Input).value == "higher lr"


async def test_launch_form_by_keys_only(app_project):
    """The path a person takes: 2, arrows, enter, type, tab, F5."""
    run_op(app_project, "prepare")
    app = make_app(app_project, watch=True)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        # train is the default op: preselected, enter opens its form.
        assert app.screen.selected == "train"
        await pilot.press("enter")
        await pump_until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "flag-delay")
        await pilot.press(*"0.01", "tab", *"3", "tab", *"0.9")
        assert app.screen.query_one("#flag-lr", Input).value == "0.9"
        await pilot.press("f5")
        await pump_until(pilot, lambda: isinstance(app.screen, OutputScreen), timeout=20)
        run_id = app.screen.run_id
        store = RunStore(app_project / ".gage" / "runs")
        await pump_until(pilot, lambda: store.get(run_id).status == "completed", timeout=20)
        config = store.get(run_id).config
        assert (config["delay"], config["epochs"], config["lr"]) == (0.01, 3, 0.9)
