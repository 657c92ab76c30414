"""Workbench (gage ui) benchmarks, each against a baseline measured in the
same run:

1. table: process start to a populated runs table on a store of N runs
   (default 10,000; cold = no index, warm = index present), against a bare
   Textual app (Header, DataTable with one row, Footer) reaching on_ready.
   Target: <= 1.5 s.
2. tail: a run printing 100,000 lines per second; while the output screen
   follows it, how old the newest line on screen is (each line carries its
   write time), median and 95th percentile; baseline: the same age seen by
   a bare OutputReader polling the file in a loop (no UI). Target: median
   <= 100 ms.
3. keys: response time of a key press (toggle timestamps) during that
   flood, against the same key with no flood. Target: <= 100 ms.
4. memory: peak RSS of the app with a 1,000,000-line output open, against
   the app with a one-line output open.

Run: .venv/bin/python bench/bench_tui.py [--runs N] [--quick]
The last line is ``BENCH {json}`` for ``python -m bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _flood import FLOOD, line_time_ns  # noqa: E402

__all__ = ["main"]

GAGEFILE = """\
"$runs-dir" = ".gage/runs"

[flood]
exec = "python -u flood.py 8"
sourcecode = ["flood.py"]

[one]
exec = "python -c 'print(1)'"
sourcecode = false
"""

_CHILD_TABLE = """\
import sys, time, asyncio
sys.path.insert(0, {repo!r})
from gage_core.settings import settings_from
from gage_tui.app.app import GageApp

async def main():
    app = GageApp(settings_from(cwd={cwd!r}, runs={runs!r}), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while True:
            await pilot.pause(0.005)
            screen = app.screen
            tables = screen.query("#runs-table")
            if tables and tables.first().row_count > 0:
                break
        painted = asyncio.Event()
        app.call_after_refresh(painted.set)  # after the next paint
        await painted.wait()
        first_rows = time.time()
        while not app.runs_loaded:  # a cold listing shows the newest runs first
            await asyncio.sleep(0.05)
        print("ELAPSED", first_rows, tables.first().row_count, len(app.runs), time.time())
asyncio.run(main())
"""

_CHILD_BASELINE = """\
import time, asyncio
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()
    def on_mount(self):
        t = self.query_one(DataTable)
        t.add_columns("a", "b")
        t.add_row("1", "2")
    def on_ready(self):
        self.ready_at = time.time()

async def main():
    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print("ELAPSED", app.ready_at)
asyncio.run(main())
"""


def _child_result(code: str) -> list[str]:
    """Fields of the child's ``RESULT ...`` line."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    for line in res.stdout.splitlines():
        if line.startswith("RESULT"):
            return line.split()[1:]
    raise RuntimeError(f"child failed: {res.stderr[-2000:]}")


def _child(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; its ``ELAPSED T ...`` line gives
    an absolute time T, returned as seconds since the spawn (psutil's
    process create_time is only as precise as the boot time: 1 s)."""
    spawned = time.time()
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    for line in res.stdout.splitlines():
        if line.startswith("ELAPSED"):
            fields = line.split()[1:]
            # The first field, and a last one when there are four, are times.
            if len(fields) == 4:
                fields[3] = str(float(fields[3]) - spawned)
            return [str(float(fields[0]) - spawned), *fields[1:]]
    raise RuntimeError(f"child failed: {res.stderr[-2000:]}")


def bench_table(runs: int, repeat: int) -> dict:
    from bench_ls import generate_store

    work = Path(tempfile.mkdtemp(prefix="bench-tui-"))
    try:
        runs_dir = work / "runs"
        t0 = time.perf_counter()
        generate_store(runs_dir, runs)
        print(f"generated {runs} runs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        code = _CHILD_TABLE.format(repo=str(REPO), cwd=str(work), runs=str(runs_dir))
        cold = cold_all = warm = float("inf")
        shown = 0
        for _ in range(repeat):
            shutil.rmtree(runs_dir / ".gage-index", ignore_errors=True)
            elapsed, shown, _total, complete = _child(code)
            cold = min(cold, float(elapsed))
            cold_all = min(cold_all, float(complete))
            elapsed, shown, _total, _complete = _child(code)
            warm = min(warm, float(elapsed))
        base = min(float(_child(_CHILD_BASELINE)[0]) for _ in range(repeat))
        return {"runs": runs, "rows_shown": int(shown), "cold_s": cold, "cold_complete_s": cold_all,
                "warm_s": warm, "baseline_s": base}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _project(work: Path) -> Path:
    project = work / "project"
    project.mkdir()
    (project / "gage.toml").write_text(GAGEFILE)
    (project / "flood.py").write_text(FLOOD)
    return project


def _launch(project: Path, op: str, background: bool = True) -> str:
    from gage_core.process.launch import run_foreground
    from gage_core.project import open_project
    from gage_core.settings import settings_from
    from gage_core.staging.batch import launch_runs
    from gage_core.staging.lifecycle import init_run, stage_run

    proj = open_project(settings_from(cwd=project))
    opdef = proj.gagefile.ops[op]
    if background:
        return launch_runs(proj, opdef, {})[0]
    run_id = init_run(proj, opdef, {})
    stage_run(proj, run_id, opdef, {})
    run_foreground(proj.runs_dir / run_id, echo=False)
    return run_id


def _line_age_ms(data: bytes, now_ns: int) -> float | None:
    t = line_time_ns(data.split(b" ", 1)[0])
    return None if t is None else (now_ns - t) / 1e6


def _raw_reader_ages(meta: Path, stop: threading.Event, ages: list[float]) -> None:
    from gage_core.process.output import OutputReader

    path = meta / "output" / "40_run"
    while not path.exists() and not stop.is_set():
        time.sleep(0.005)
    reader = OutputReader(path)
    while not stop.is_set():
        count = reader.refresh()
        if count:
            age = _line_age_ms(reader.read(count - 1, count)[0].data, time.time_ns())
            if age is not None:
                ages.append(age)
        time.sleep(0.02)
    reader.close()


async def _flood_ui(project: Path) -> dict:
    from gage_core.settings import settings_from
    from gage_core.store.store import RunStore
    from gage_tui.app.app import GageApp
    from gage_tui.app.screens.output import OutputScreen
    from gage_tui.app.widgets.output_view import OutputView

    quiet_keys = await _key_times(project, None)
    run_id = _launch(project, "flood")
    store = RunStore(project / ".gage" / "runs")
    meta = store.get(run_id).meta_dir
    raw_ages: list[float] = []
    stop = threading.Event()
    raw = threading.Thread(target=_raw_reader_ages, args=(meta, stop, raw_ages), daemon=True)
    raw.start()
    ui_ages: list[float] = []
    app = GageApp(settings_from(cwd=project), watch=True)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            while not app.runs_loaded:
                await pilot.pause(0.01)
            app.push_screen(OutputScreen(run_id))
            await pilot.pause(0.2)
            view = app.screen.query_one(OutputView)
            deadline = time.monotonic() + 6
            flood_keys = []
            while time.monotonic() < deadline:
                await asyncio.sleep(0.02)
                count = view.line_count
                if count and view.reader is not None and view.follow:
                    # The newest line on screen: the last line while following.
                    data = view._line_record(count - 1)[0]
                    age = _line_age_ms(data, time.time_ns())
                    if age is not None:
                        ui_ages.append(age)
                if len(ui_ages) % 25 == 10:
                    flood_keys.append(await _press_time(pilot, view))
    finally:
        stop.set()
        raw.join(timeout=2)
        from gage_core.process.stop import stop_run

        with contextlib.suppress(Exception):  # the run may have ended already
            stop_run(store.get(run_id), grace=1)
    return {
        "lines": view.line_count,
        "ui_delay_median_ms": statistics.median(ui_ages),
        "ui_delay_p95_ms": _p95(ui_ages),
        "raw_delay_median_ms": statistics.median(raw_ages),
        "raw_delay_p95_ms": _p95(raw_ages),
        "key_flood_median_ms": statistics.median(flood_keys),
        "key_flood_p95_ms": _p95(flood_keys),
        "key_quiet_median_ms": statistics.median(quiet_keys),
    }


async def _press_time(pilot, view) -> float:
    """From a key event arriving (as from the terminal) to its action done."""
    before = view.show_timestamps
    t0 = time.perf_counter()
    pilot.app.simulate_key("T")
    while view.show_timestamps == before:
        await asyncio.sleep(0.001)
    return (time.perf_counter() - t0) * 1000


async def _key_times(project: Path, run_id: str | None) -> list[float]:
    from gage_core.settings import settings_from
    from gage_tui.app.app import GageApp
    from gage_tui.app.screens.output import OutputScreen
    from gage_tui.app.widgets.output_view import OutputView

    run_id = run_id or _launch(project, "one", background=False)
    app = GageApp(settings_from(cwd=project), watch=False)
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.runs_loaded:
            await pilot.pause(0.01)
        app.push_screen(OutputScreen(run_id))
        await pilot.pause(0.2)
        view = app.screen.query_one(OutputView)
        for _ in range(20):
            times.append(await _press_time(pilot, view))
            await pilot.pause(0.02)
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


_CHILD_MEMORY = """\
import sys, asyncio, psutil, time
sys.path.insert(0, {repo!r})
from gage_core.settings import settings_from
from gage_tui.app.app import GageApp
from gage_tui.app.screens.output import OutputScreen
from gage_tui.app.widgets.output_view import OutputView

async def main():
    app = GageApp(settings_from(cwd={project!r}), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.runs_loaded:
            await pilot.pause(0.01)
        app.push_screen(OutputScreen({run_id!r}))
        while True:
            await pilot.pause(0.05)
            view = app.screen.query_one(OutputView)
            if view.line_count >= {lines}:
                break
        await pilot.press("g")
        await pilot.press("G")
        await pilot.pause(0.2)
    import resource
    print("RESULT", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, view.line_count)
asyncio.run(main())
"""


def bench_memory(work: Path, lines: int) -> dict:
    from gage_core.process.output import OutputWriter
    from gage_core.store.store import RunStore

    project = work / "project"
    results = {}
    for label, count in (("small", 1), ("large", lines)):
        run_id = _launch(project, "one", background=False)
        meta = RunStore(project / ".gage" / "runs").get(run_id).meta_dir
        out = meta / "output" / "40_run"
        for p in (out, Path(f"{out}.index")):
            p.chmod(0o644)
            p.unlink()
        writer = OutputWriter(out)
        block = b"".join(b"line %07d of a long output, padded to look like a log line\n" % i for i in range(10000))
        if count == 1:
            writer.write(0, b"one line\n")
        else:
            for _ in range(count // 10000):
                writer.write(0, block, now_ms=1)
        writer.close()
        code = _CHILD_MEMORY.format(repo=str(REPO), project=str(project), run_id=run_id, lines=count)
        peak, shown = _child_result(code)
        results[label] = int(peak)
    return {"lines": lines, "peak_rss_mb": results["large"] / 2**20, "baseline_rss_mb": results["small"] / 2**20}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="1,000 runs, 100,000-line memory test, 1 repeat")
    p.add_argument("--skip", nargs="*", default=(), choices=("table", "tail", "memory"))
    args = p.parse_args(argv)
    if args.quick:
        args.runs, args.repeat = 1000, 1
    result: dict = {}
    if "table" not in args.skip:
        t = bench_table(args.runs, args.repeat)
        result["table"] = t
        print(f"table: {t['runs']} runs: warm (index) {t['warm_s']:.2f} s; cold (no index) first rows {t['cold_s']:.2f} s,"
              f" all {t['cold_complete_s']:.2f} s;"
              f" bare Textual app {t['baseline_s']:.2f} s; ratio warm/bare {t['warm_s'] / t['baseline_s']:.2f} (target <= 1.5 s)")
    work = Path(tempfile.mkdtemp(prefix="bench-tui-"))
    try:
        _project(work)
        if "tail" not in args.skip:
            f = asyncio.run(_flood_ui(work / "project"))
            result["tail"] = f
            print(f"tail at 100,000 lines/s: {f['lines']:,} lines; newest line on screen is {f['ui_delay_median_ms']:.0f} ms old"
                  f" (p95 {f['ui_delay_p95_ms']:.0f} ms); bare reader {f['raw_delay_median_ms']:.0f} ms (p95 {f['raw_delay_p95_ms']:.0f});"
                  f" ratio {f['ui_delay_median_ms'] / max(f['raw_delay_median_ms'], 0.001):.2f} (target median <= 100 ms)")
            print(f"keys during flood: median {f['key_flood_median_ms']:.0f} ms (p95 {f['key_flood_p95_ms']:.0f});"
                  f" no flood {f['key_quiet_median_ms']:.0f} ms; ratio {f['key_flood_median_ms'] / max(f['key_quiet_median_ms'], 0.001):.2f}"
                  " (target <= 100 ms)")
        if "memory" not in args.skip:
            m = bench_memory(work, 100_000 if args.quick else 1_000_000)
            result["memory"] = m
            print(f"memory with a {m['lines']:,}-line output open: peak RSS {m['peak_rss_mb']:.0f} MB;"
                  f" with a 1-line output {m['baseline_rss_mb']:.0f} MB; ratio {m['peak_rss_mb'] / m['baseline_rss_mb']:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("BENCH " + json.dumps({"bench": "tui", **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

