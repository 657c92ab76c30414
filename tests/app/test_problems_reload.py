"""Problems screen: the cursor, detail and source stay on the same problem
after a live reload; operations are listed in the order of the file."""

from __future__ import annotations

from test_literal_text import screen_text

from gage_tui.app.screens.problems import ProblemsScreen, diagnostic_groups
from helpers.demo_store import BROKEN_GAGEFILE
from helpers.workbench import DEMO_NOW, loaded, make_app, pump_until


async def test_cursor_stays_on_the_same_problem_after_reload(demo_project):
    gagefile = demo_project / "gage.toml"
    gagefile.write_text(BROKEN_GAGEFILE)
    app = make_app(demo_project, watch=True, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("3")
        assert isinstance(app.screen, ProblemsScreen)
        await pilot.press("down", "down", "down")
        chosen = app.screen.selected
        assert chosen is not None
        before = (chosen.code, chosen.message)
        # An edit above it: every line moves down by two.
        gagefile.write_text("# edited\n\n" + BROKEN_GAGEFILE)
        await pump_until(pilot, lambda: app.screen.selected is not None and app.screen.selected.line == chosen.line + 2)
        assert (app.screen.selected.code, app.screen.selected.message) == before
        await pilot.pause()
        assert f"gage.toml:{chosen.line + 2}:" in screen_text(app)


async def test_operations_in_file_order(demo_project):
    (demo_project / "gage.toml").write_text(BROKEN_GAGEFILE)
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        groups = diagnostic_groups(app.project.gagefile.diagnostics)
        firsts = [min(d.line or 0 for d in items) for name, items in groups if name]
        assert firsts == sorted(firsts)
        assert [name for name, _ in groups if name] == ["train", "evaluate"]


async def test_source_scrolls_sideways_to_a_far_span(demo_project):
    long_key = "x" * 150
    (demo_project / "gage.toml").write_text(
        f'train = {{ exec = "python train.py", description = "{long_key}", exce = 1 }}\n'
    )
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("3")
        far = [d for d in app.project.gagefile.diagnostics if (d.col or 0) > 100]
        assert far, app.project.gagefile.diagnostics
        screen = app.screen
        from textual.widgets import Tree

        tree = screen.query_one(Tree)
        for line in range(tree.last_line + 1):
            node = tree.get_node_at_line(line)
            if node is not None and node.data is far[0]:
                tree.move_cursor(node)
        await pump_until(pilot, lambda: screen.selected is far[0])
        scroll = screen.query_one("#problems-source-scroll")
        await pump_until(pilot, lambda: scroll.scroll_x > 0)
        # The span's first column is in view.
        assert scroll.scroll_x < far[0].col + 6 < scroll.scroll_x + scroll.size.width
