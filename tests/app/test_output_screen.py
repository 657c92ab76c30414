"""Output screen: live follow, search, timestamps, stream colours, phases,
and a large output opened without reading every line."""

from __future__ import annotations

import time

from gage_core.process.output import OutputWriter
from gage_core.store.store import RunStore
from gage_tui.app.screens.output import OutputScreen
from gage_tui.app.widgets.output_view import OutputView, display_text
from helpers.workbench import DEMO_NOW, loaded, make_app, pump_until, run_op


def _view(app) -> OutputView:
    return app.screen.query_one(OutputView)


def _visible_text(app) -> list[str]:
    view = _view(app)
    top = view.top_line()
    return [display_text(line.data).plain for line in view.reader.read(top, top + view.size.height)]


async def test_follows_live_output_and_pauses(app_project):
    run_id = run_op(app_project, "ticker", {"interval": 0.01}, background=True)
    app = make_app(app_project, watch=True)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await loaded(pilot)
            await pilot.press("o")
            assert isinstance(app.screen, OutputScreen)
            await pump_until(pilot, lambda: _view(app).line_count > 50, timeout=10)
            # Following: the last line on screen is the newest line read.
            first = _view(app).line_count
            await pump_until(pilot, lambda: _view(app).line_count > first + 20, timeout=10)
            view = _view(app)
            assert view.follow
            assert view.top_line() + view.size.height >= view.line_count
            await pilot.press("f")  # pause
            assert not view.follow
            paused_at = view.top_line()
            await pump_until(pilot, lambda: view.line_count > first + 60, timeout=10)
            assert view.top_line() == paused_at
            await pilot.press("G")  # back to the end, following
            assert view.follow
            assert view.top_line() + view.size.height >= view.line_count
            await pilot.press("g")
            assert view.top_line() == 0
            assert _visible_text(app)[0] == "tick 0 loss=1.0000"
    finally:
        from gage_core.process.stop import stop_run

        stop_run(RunStore(app_project / ".gage" / "runs").get(run_id), grace=1)


async def test_search_next_previous(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        # The lr=0.5 train run: 20 epoch lines.
        app.screen.query_one("#runs-table").move_cursor(row=4)
        await pilot.press("o")
        await pump_until(pilot, lambda: _view(app).line_count == 20)
        await pilot.press("g", "slash", *"epoch 1", "enter")
        await pump_until(pilot, lambda: _view(app).current_match is not None)
        assert _view(app).current_match == 0
        await pilot.press("n")
        await pump_until(pilot, lambda: _view(app).current_match == 9)  # "epoch 10/20"
        await pilot.press("N")
        await pump_until(pilot, lambda: _view(app).current_match == 0)


async def test_timestamps_and_stderr_from_the_index(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        app.screen.query_one("#runs-table").move_cursor(row=3)  # the failed train run
        await pilot.press("o")
        await pump_until(pilot, lambda: _view(app).line_count == 10)
        view = _view(app)
        await pilot.press("T")
        assert view.show_timestamps
        strip = view.render_line(0)
        text = "".join(seg.text for seg in strip)
        assert text[2] == ":" and text[5] == ":" and text[8] == "."  # HH:MM:SS.mmm
        # The traceback lines came on stderr: drawn in red.
        last = view.render_line(9)
        assert any(seg.style and seg.style.color and seg.style.color.name == "red" for seg in last)


async def test_huge_output_opens_without_reading_it_all(app_project, tmp_path):
    run_id = run_op(app_project, "prepare")
    store = RunStore(app_project / ".gage" / "runs")
    meta = store.get(run_id).meta_dir
    path = meta / "output" / "40_run"
    path.chmod(0o644)
    (meta / "output" / "40_run.index").chmod(0o644)
    writer = OutputWriter(path)
    block = b"".join(b"line %07d of a long output, padded to look like a log line\n" % i for i in range(10000))
    for _ in range(100):  # 1,000,000 lines, ~63 MB
        writer.write(0, block, now_ms=1)
    writer.close()
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        t0 = time.monotonic()
        await pilot.press("o")
        await pump_until(pilot, lambda: _view(app).line_count > 1_000_000, timeout=60)
        view = _view(app)
        assert view.follow
        assert _visible_text(app)[-1].startswith("line 0009999")
        # Only what is on screen was rendered and read.
        assert len(view._records_cache) < 200
        await pilot.press("g")
        assert _visible_text(app)[0].startswith("samples") or _visible_text(app)[0].startswith("wrote")
        assert time.monotonic() - t0 < 120  # sanity bound, not a timing assertion


async def test_phase_switch_and_long_line(app_project):
    run_id = run_op(app_project, "prepare")
    store = RunStore(app_project / ".gage" / "runs")
    meta = store.get(run_id).meta_dir
    (meta / "output").chmod(0o755)
    writer = OutputWriter(meta / "output" / "50_finalize")
    writer.write(0, b"x" * 10_000_000 + b"\n")
    writer.close()
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("o")
        await pump_until(pilot, lambda: app.screen.phase == "40_run" and _view(app).line_count > 0)
        await pilot.press("p")
        await pump_until(pilot, lambda: app.screen.phase == "50_finalize" and _view(app).line_count == 1)
        text = "".join(seg.text for seg in _view(app).render_line(0))
        assert text.startswith("xxxx")


async def test_progress_bar_for_a_run_reporting_progress(demo_project):
    from textual.widgets import ProgressBar

    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("o")  # the running run (30 % in its progress file)
        await pump_until(pilot, lambda: _view(app).line_count == 12)
        bar = app.screen.query_one(ProgressBar)
        await pump_until(pilot, lambda: bar.display and bar.progress == 30)
        assert bar.total == 100
