"""Output screen defects found by hand: scrolling up by keys pauses
following, search counts its matches, a failed multi-phase run opens on the
phase that failed, long lines scroll sideways, progress shows its count."""

from __future__ import annotations

from gage_core.process.output import STDOUT, OutputWriter
from gage_core.store import layout
from gage_tui.app.screens.output import OutputScreen
from gage_tui.app.widgets.output_view import OutputView
from helpers.demo_store import DEMO_RUN_IDS
from helpers.workbench import DEMO_NOW, loaded, make_app, pump_until


def _write_output(project, run_id: str, phases: dict[str, list[str]], exit_code: str | None = None) -> None:
    runs = project / ".gage" / "runs"
    output = layout.meta_dir(runs, run_id) / "output"
    for old in output.iterdir():
        old.unlink()
    for name, lines in phases.items():
        writer = OutputWriter(output / name)
        for i, line in enumerate(lines):
            writer.write(STDOUT, (line + "\n").encode(), now_ms=int(DEMO_NOW * 1000) + i)
        writer.close()
    if exit_code is not None:
        (layout.meta_dir(runs, run_id) / "proc" / "exit").write_text(exit_code)


async def _open_output(pilot, run_id: str) -> OutputView:
    app = pilot.app
    app.push_screen(OutputScreen(run_id))
    await pump_until(pilot, lambda: isinstance(app.screen, OutputScreen) and app.screen.reader is not None)
    await pilot.pause()
    return app.screen.query_one(OutputView)


def _status(app) -> str:
    return str(app.screen.query_one("#output-status").render())


async def test_page_up_and_up_pause_following(demo_project):
    _write_output(demo_project, DEMO_RUN_IDS[1], {"40_run": [f"line {i}" for i in range(300)]})
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        view = await _open_output(pilot, DEMO_RUN_IDS[1])
        assert view.follow
        await pilot.press("pageup")
        assert not view.follow
        await pilot.press("G")
        assert view.follow
        await pilot.press("up")
        assert not view.follow
        await pump_until(pilot, lambda: "f follows" in _status(app))


async def test_next_on_the_only_match_says_1_of_1(demo_project):
    _write_output(demo_project, DEMO_RUN_IDS[1], {"40_run": ["alpha", "needle here", "omega"]})
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await loaded(pilot)
        view = await _open_output(pilot, DEMO_RUN_IDS[1])
        await pilot.press("slash", *"needle", "enter")
        await pump_until(pilot, lambda: view.current_match == 1)
        assert "match 1 of 1" in _status(app)
        await pilot.press("n")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert view.current_match == 1
        assert "match 1 of 1" in _status(app)
        assert not any("not found" in n.message for n in app._notifications)


async def test_match_count_with_several_matches(demo_project):
    _write_output(demo_project, DEMO_RUN_IDS[1], {"40_run": ["x 1", "y", "x 2", "x 3"]})
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        view = await _open_output(pilot, DEMO_RUN_IDS[1])
        await pilot.press("g", "slash", "x", "enter")
        await pump_until(pilot, lambda: view.current_match == 0)
        assert "match 1 of 3" in _status(app)
        await pilot.press("n")
        await pump_until(pilot, lambda: view.current_match == 2)
        assert "match 2 of 3" in _status(app)
        await pilot.press("N", "N")
        await pump_until(pilot, lambda: view.current_match == 3)  # wrapped back
        assert "match 3 of 3" in _status(app)


async def test_failed_multi_phase_run_opens_on_the_failed_phase(demo_project):
    _write_output(
        demo_project,
        DEMO_RUN_IDS[3],
        {"40_run": ["trained"], "50_finalize": ["finalize failed: disk full"]},
        exit_code="1",
    )
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await _open_output(pilot, DEMO_RUN_IDS[3])
        assert app.screen.phase == "50_finalize"


async def test_long_lines_scroll_sideways(demo_project):
    long_line = "start " + "x" * 300 + " END"
    _write_output(demo_project, DEMO_RUN_IDS[1], {"40_run": [long_line]})
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        view = await _open_output(pilot, DEMO_RUN_IDS[1])
        await pump_until(pilot, lambda: view.virtual_size.width >= len(long_line))
        assert "END" not in "".join(s.text for s in [view.render_line(0)])
        view.scroll_to(x=view.max_scroll_x, animate=False, immediate=True)
        await pilot.pause()
        assert "END" in view.render_line(0).text


async def test_progress_shows_its_count(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("o")  # the running run: 12 of 40 in its progress file
        await pump_until(pilot, lambda: isinstance(app.screen, OutputScreen))
        count = app.screen.query_one("#output-progress-count")
        await pump_until(pilot, lambda: str(count.render()) == "12/40")


async def test_a_run_that_ends_before_the_screen_looks_again_shows_its_run_phase(demo_project):
    """The screen opened while only staging had written output; the run
    phase then wrote its lines and the run ended before the screen's next
    look: it still switches to the run phase and reads all of it."""
    run_id = DEMO_RUN_IDS[6]  # running: its lock names this process
    meta = layout.meta_dir(demo_project / ".gage" / "runs", run_id)
    _write_output(demo_project, run_id, {"20_stage": ["staging"]})
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        view = await _open_output(pilot, run_id)
        assert app.screen.phase == "20_stage"
        # The run phase and the end, both before the screen polls again.
        writer = OutputWriter(meta / "output" / "40_run")
        for i in range(5):
            writer.write(STDOUT, f"epoch {i}\n".encode(), now_ms=int(DEMO_NOW * 1000) + i)
        writer.close()
        (meta / "proc" / "exit").write_text("0")
        (meta / "stopped").write_text(str(int(DEMO_NOW * 1e6)))
        (meta / "proc" / "lock").unlink()
        app.read_runs([run_id])
        await pump_until(pilot, lambda: app.runs_by_id[run_id].status == "completed")
        await pump_until(pilot, lambda: app.screen.phase == "40_run" and view.line_count == 5)
