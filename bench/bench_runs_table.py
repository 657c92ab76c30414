"""The runs screen at scale, and the workbench idle.

1. The runs screen of ``gage ui`` (headless, 160x40) is handed N generated
   runs of its project as one listing; CPU seconds (the process's, all
   threads) to paint them, to filter them, to sort them by a metric, and
   to take in 100 new runs. Baseline: the same at 1,000 runs (the table
   is virtual: cost should grow far slower than the run count).
2. ``gage ui`` on a real store of M runs (copies of one finished run),
   index warm, left alone for a window: CPU seconds per minute and RSS
   growth. Baseline: a bare Textual app (Header, Footer) idle as long.

Run: .venv/bin/python bench/bench_runs_table.py [--runs N] [--store M] [--idle S] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _benchline import emit, row  # noqa: E402

__all__ = ["main"]

_BASE_US = 1_700_000_000_000_000


def _generated_runs(count: int, project_dir: Path) -> list:
    from gage_core.store.opref import OpRef
    from gage_core.store.run import Run

    rnd = random.Random(7)
    return [
        Run(
            id=f"{i:08x}-0000-7000-8000-000000000000", name=f"run{i:06d}", runs_dir=project_dir / ".gage" / "runs",
            opref=OpRef("p", rnd.choice(["train", "prepare", "evaluate"])), status="completed",
            started=_BASE_US + i * 1_000_000, stopped=_BASE_US + i * 1_000_000 + 5_000_000,
            config={"lr": rnd.choice([0.1, 0.01, 0.001]), "epochs": rnd.randint(1, 50)},
            metrics={"loss": rnd.random(), "accuracy": rnd.random()}, project_dir=str(project_dir),
        )
        for i in range(count)
    ]


async def _screen_costs(count: int) -> dict[str, float]:
    from gage_core.settings import settings_from
    from gage_tui.app.app import GageApp
    from gage_tui.app.messages import RunsDelta, RunsLoaded

    work = Path(tempfile.mkdtemp(prefix="gage-bench-table-"))
    try:
        project = work / "project"
        shutil.copytree(REPO / "examples", project, ignore=shutil.ignore_patterns(".gage", "__pycache__"))
        runs = _generated_runs(count + 100, project)
        runs, later = runs[:count], runs[count:]
        app = GageApp(settings_from(cwd=project), watch=False)
        costs: dict[str, float] = {}
        async with app.run_test(size=(160, 40)) as pilot:
            while not app.runs_loaded:
                await pilot.pause(0.01)
            table = app.screen.query_one("#runs-table")

            async def cost(name, act, done=lambda: True):
                c0 = time.process_time()
                act()
                while not done():
                    await pilot.pause(0.01)
                await pilot.pause()
                costs[name] = time.process_time() - c0

            await cost("paint", lambda: app.post_message(RunsLoaded(runs, 0.0)), lambda: table.row_count == count)
            await cost("filter", lambda: app.screen.apply_filter("op = train and lr < 0.05"))
            await cost("unfilter", lambda: app.screen.apply_filter(""))
            await cost("sort", lambda: table.sort_by("metric.loss"))

            def add() -> None:
                app.runs_by_id.update({r.id: r for r in later})
                app.runs_delta = RunsDelta(changed=frozenset(r.id for r in later))

            await cost("add100", add, lambda: table.row_count == count + 100)
        return costs
    finally:
        shutil.rmtree(work, ignore_errors=True)


_IDLE_CHILD = """\
import asyncio, sys, time
sys.path.insert(0, {repo!r})
import psutil

async def main():
    proc = psutil.Process()
    if {bare!r}:
        from textual.app import App
        from textual.widgets import Footer, Header

        class Bare(App):
            def compose(self):
                yield Header()
                yield Footer()

        app = Bare()
    else:
        from gage_core.settings import settings_from
        from gage_tui.app.app import GageApp

        app = GageApp(settings_from(cwd={project!r}), watch=True)
    async with app.run_test(size=(120, 40)) as pilot:
        while not getattr(app, "runs_loaded", True):
            await pilot.pause(0.05)
        await pilot.pause(3)
        c0, r0 = proc.cpu_times(), proc.memory_info().rss
        await asyncio.sleep({seconds!r})
        c1, r1 = proc.cpu_times(), proc.memory_info().rss
        cpu = (c1.user - c0.user) + (c1.system - c0.system)
        print("RESULT", cpu * 60 / {seconds!r}, (r1 - r0) / 2**20, len(getattr(app, "runs_by_id", ())))
asyncio.run(main())
"""


def _idle(project: Path | None, seconds: float) -> tuple[float, float, int]:
    code = _IDLE_CHILD.format(repo=str(REPO), project=str(project), bare=project is None, seconds=seconds)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    for line in res.stdout.splitlines():
        if line.startswith("RESULT"):
            cpu, grew, runs = line.split()[1:]
            return float(cpu), float(grew), int(runs)
    raise RuntimeError(f"idle child failed: {res.stderr[-2000:]}")


def _store(work: Path, count: int) -> Path:
    """A project whose store holds ``count`` copies of one finished run."""
    from gage_core.store import layout

    sys.path.insert(0, str(REPO / "tests"))  # the helpers package
    from helpers.demo_store import DEMO_RUN_IDS, copy_demo_project

    project = copy_demo_project(REPO / "examples", work / "store")
    runs_dir = project / ".gage" / "runs"
    template = DEMO_RUN_IDS[1]
    # The demo's running run names this (live) process: idle means no run going.
    shutil.rmtree(layout.meta_dir(runs_dir, DEMO_RUN_IDS[-1]))
    for i in range(count):
        run_id = f"01a2c000-{i >> 16:04x}-7{i & 0xfff:03x}-8000-{i:012x}"
        shutil.copytree(layout.meta_dir(runs_dir, template), layout.meta_dir(runs_dir, run_id))
        shutil.copy(layout.project_file(runs_dir, template), layout.project_file(runs_dir, run_id))
    from gage_core.store.store import RunStore

    RunStore(runs_dir).list_runs(include_deleted=True)  # warm the index
    return project


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--store", type=int, default=2000)
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.store, args.idle = 10_000, 200, 5.0
    big = asyncio.run(_screen_costs(args.runs))
    small = asyncio.run(_screen_costs(1000))
    rows = []
    for name, what in (
        ("paint", "paint"), ("filter", "filter"), ("unfilter", "clear the filter"),
        ("sort", "sort by a metric"), ("add100", "take in 100 new runs"),
    ):
        rows.append(row(f"runs screen: {what}, {args.runs:,} vs 1,000 runs (CPU s)", round(big[name], 3), round(small[name], 3)))
        print(f"{what:<22} {args.runs:>7,} runs {big[name]:7.3f} CPU s   1,000 runs {small[name]:7.3f} CPU s")
    work = Path(tempfile.mkdtemp(prefix="gage-bench-idle-"))
    try:
        project = _store(work, args.store)
        cpu, grew, runs = _idle(project, args.idle)
        bare_cpu, bare_grew, _ = _idle(None, args.idle)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"idle gage ui, {runs:,} runs: {cpu:.3f} CPU s/min, RSS {grew:+.1f} MB over {args.idle:.0f} s;"
          f" bare Textual app: {bare_cpu:.3f} CPU s/min, RSS {bare_grew:+.1f} MB")
    rows.append(row(f"gage ui idle at {runs:,} runs vs a bare Textual app (CPU s/min)", round(cpu, 3), round(bare_cpu, 3)))
    rows.append(row(f"gage ui idle RSS growth over {args.idle:.0f} s (MB)", round(grew, 2), None, "MB"))
    emit("table", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
