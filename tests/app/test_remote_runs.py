"""Remote runs in the workbench: where a run executes is shown, the launch
form picks the executor when a cluster is configured, and opening a
detached run starts a new proxy for it."""

from __future__ import annotations

import io
import json
import socket

from rich.console import Console
from textual.widgets import Select, Static

from gage_core.store.store import RunStore
from gage_tui.app.screens.run import RunScreen
from helpers.workbench import loaded, make_app, open_launch_form, pump_until, run_op


def _dead_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _make_remote(project, run_id: str, address: str, *, lock_pid: int | None = None) -> None:
    meta = project / ".gage" / "runs" / f"{run_id}.meta"
    (meta / "proc" / "executor.json").write_text(json.dumps({
        "executor": "ray", "submission_id": run_id, "address": address,
        "store": (project / "store").as_uri(), "submitted": True,
    }))
    if lock_pid is not None:
        (meta / "proc" / "exit").unlink()
        (meta / "proc" / "lock").write_text(f"runner {lock_pid} 1.0\n")


async def test_where_a_run_executes_is_shown(app_project):
    run_id = run_op(app_project, "prepare")
    _make_remote(app_project, run_id, "http://127.0.0.1:8265")
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one("#runs-table")
        assert table.cell_text(0, "status") == "completed@ray"
        await pilot.press("enter")
        assert isinstance(app.screen, RunScreen)
        await pump_until(pilot, lambda: app.screen.details is not None)
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#run-summary", Static).content)
        text = console.export_text()
        assert "executes" in text and "ray at http://127.0.0.1:8265" in text


async def test_launch_form_picks_the_executor_when_ray_is_configured(app_project, monkeypatch):
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        screen = await open_launch_form(pilot, "prepare")
        assert not screen.query("#launch-executor")
    address = _dead_address()
    monkeypatch.setenv("RAY_ADDRESS", address)
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        screen = await open_launch_form(pilot, "prepare")
        select = screen.query_one("#launch-executor", Select)
        assert select.value == "local"
        select.value = "ray"
        await pilot.pause()
        await pilot.press("f5")
        store = RunStore(app_project / ".gage" / "runs")
        await pump_until(pilot, lambda: len(store.list_runs()) == 1, timeout=20)
        run = store.list_runs()[0]
        handle = json.loads((run.meta_dir / "proc" / "executor.json").read_text())
        assert handle["executor"] == "ray" and handle["address"] == address
        # Nothing listens there: the proxy records why the run could not start.
        await pump_until(pilot, lambda: store.get(run.id).status == "error", timeout=30)
        assert "cannot" in (run.meta_dir / "log" / "runner").read_text()


async def test_opening_a_detached_run_follows_it_again(app_project):
    run_id = run_op(app_project, "prepare")
    _make_remote(app_project, run_id, _dead_address(), lock_pid=999999999)
    store = RunStore(app_project / ".gage" / "runs")
    assert store.get(run_id).status == "detached"
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, RunScreen)
        # A new proxy took the run; its cluster is gone, so it ends the run.
        await pump_until(pilot, lambda: store.get(run_id).status not in ("detached", "running"), timeout=30)
    assert "Attaching to job" in (store.get(run_id).meta_dir / "log" / "runner").read_text()
