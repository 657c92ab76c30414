"""The real `gage ui`, started in a terminal (a detached tmux session) and
read from the screen tmux shows:

1. rows: from spawning `gage ui` to the newest run's name on screen, on
   generated stores of 1,000 and 100,000 runs (index warm; the 100,000
   figure over the 1,000 one: target <= 1.5), and with no index; peak RSS
   of the `gage ui` process at the largest size.
2. tail: while a run prints 100,000 lines a second (each line carries its
   write time), the output screen of `gage ui` follows it; how old the
   newest line on screen is, median and 95th percentile; baseline: `tail
   -f` of the same output file in the same kind of tmux session, read the
   same way.

Run: .venv/bin/python bench/bench_ui_pty.py [--sizes 1000,100000] [--keep DIR] [--seconds S]
Needs tmux. The last line is ``BENCH {json}`` for ``python -m bench``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _benchline import emit, row  # noqa: E402
from _flood import FLOOD, line_time_ns  # noqa: E402
from bench_ls import generate_store  # noqa: E402

from gage_core.store.ids import run_name  # noqa: E402

__all__ = ["main"]

GAGE = REPO / ".venv" / "bin" / "gage"
COLS, ROWS = 160, 45

GAGEFILE = """\
[flood]
exec = "python -u flood.py {seconds}"
sourcecode = ["flood.py"]
"""


class Tmux:
    """One detached tmux server and session running ``command``."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path):
        self.socket = f"gage-bench-{os.getpid()}-{time.monotonic_ns()}"
        exports = [f"{k}={v}" for k, v in env.items()]
        self.spawned = time.time()
        subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", "new-session", "-d", "-s", "b",
             "-x", str(COLS), "-y", str(ROWS), "-c", str(cwd), "env", *exports, *command],
            check=True,
        )

    def screen(self) -> str:
        res = subprocess.run(["tmux", "-L", self.socket, "capture-pane", "-p", "-t", "b"],
                             capture_output=True, text=True)
        return res.stdout

    def pid(self) -> int:
        res = subprocess.run(["tmux", "-L", self.socket, "display", "-p", "-t", "b", "#{pane_pid}"],
                             capture_output=True, text=True, check=True)
        return int(res.stdout.strip())

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", "b", *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _wait_for(tmux: Tmux, text: str, timeout: float) -> float:
    """Seconds from spawn until ``text`` is on screen."""
    end = time.time() + timeout
    while time.time() < end:
        if text in tmux.screen():
            return time.time() - tmux.spawned
        time.sleep(0.01)
    raise SystemExit(f"'{text}' not on screen after {timeout:.0f} s:\n{tmux.screen()}")


def rows_on_screen(runs_dir: Path, newest: str, cwd: Path, cold: bool) -> tuple[float, float]:
    """(seconds from spawn to the newest run on screen, peak RSS MB)."""
    if cold:
        shutil.rmtree(runs_dir / ".gage-index", ignore_errors=True)
    env = {"GAGE_RUNS": str(runs_dir), "TERM": "xterm-256color"}
    tmux = Tmux([str(GAGE), "ui"], env, cwd)
    try:
        elapsed = _wait_for(tmux, run_name(newest), 600)
        pid = tmux.pid()
        time.sleep(1.0)  # let the listing settle before reading the peak
        return elapsed, _rss_mb(pid)
    finally:
        tmux.close()


def _delays(tmux: Tmux, seconds: float) -> list[float]:
    """Age in ms of the newest line on screen, sampled while the flood runs."""
    out = []
    end = time.time() + seconds
    while time.time() < end:
        screen = tmux.screen()
        now = time.time_ns()
        stamps = [t for t in map(line_time_ns, screen.split()) if t is not None]
        if stamps:
            out.append((now - max(stamps)) / 1e6)
        time.sleep(0.02)
    return out


def tail_delay(work: Path, seconds: float) -> tuple[list[float], list[float]]:
    project = work / "flood"
    project.mkdir()
    (project / "flood.py").write_text(FLOOD)
    (project / "gage.toml").write_text(GAGEFILE.format(seconds=seconds + 6))
    runs_env = dict(os.environ, GAGE_RUNS=str(project / "runs"))
    flood = subprocess.Popen([str(GAGE), "run", "flood", "-y", "-q"], cwd=project, env=runs_env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        out_file = None
        for _ in range(500):
            found = list((project / "runs").glob("*.meta/output/40_run"))
            if found:
                out_file = found[0]
                break
            time.sleep(0.02)
        if out_file is None:
            raise SystemExit("the flood run did not start")
        ui = Tmux([str(GAGE), "ui"], {"GAGE_RUNS": str(project / "runs"), "TERM": "xterm-256color"}, project)
        try:
            # The run's row, not the word "flood" (the project's name is in
            # the title before any run is listed).
            _wait_for(ui, run_name(out_file.parent.parent.name[: -len(".meta")]), 60)
            ui.keys("o")
            _wait_for(ui, " of the flood", 30)
            ui_delays = _delays(ui, seconds / 2)
        finally:
            ui.close()
        tail = Tmux(["tail", "-f", str(out_file)], {}, project)
        try:
            _wait_for(tail, " of the flood", 30)
            tail_delays = _delays(tail, seconds / 2)
        finally:
            tail.close()
    finally:
        flood.wait(timeout=seconds + 60)
    return ui_delays, tail_delays


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,100000", help="store sizes, comma separated (smallest first)")
    p.add_argument("--keep", metavar="DIR", help="generate the stores once into DIR and keep them")
    p.add_argument("--seconds", type=float, default=8.0, help="length of the tail measurement")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed (apt-get install tmux)")
    sizes = sorted(int(x) for x in args.sizes.split(","))
    work = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    root = Path(args.keep).resolve() if args.keep else work
    cwd = work / "cwd"  # not a project: every run is listed
    cwd.mkdir()
    rows = []
    warm: dict[int, float] = {}
    try:
        for n in sizes:
            runs_dir = root / f"runs-{n}"
            if not (runs_dir.is_dir() and sum(1 for e in os.scandir(runs_dir) if e.name.endswith(".meta")) == n):
                shutil.rmtree(runs_dir, ignore_errors=True)
                generate_store(runs_dir, n)
            # The newest run: the generator starts runs one a minute, in id order.
            newest = max((e.name[:-5] for e in os.scandir(runs_dir) if e.name.endswith(".meta")),
                         key=lambda rid: int((runs_dir / f"{rid}.meta" / "started").read_text()))
            cold, _ = rows_on_screen(runs_dir, newest, cwd, cold=True)
            results = [rows_on_screen(runs_dir, newest, cwd, cold=False) for _ in range(args.repeat)]
            warm[n] = min(r[0] for r in results)
            rss = max(r[1] for r in results)
            print(f"{n:>8,} runs: gage ui spawn to newest run on screen: warm {warm[n]:.2f} s, "
                  f"no index {cold:.2f} s; peak RSS {rss:.0f} MB")
            rows.append(row(f"gage ui spawn to rows on screen, {n:,} runs, no index vs index warm", cold, warm[n]))
            if n == sizes[-1]:
                rows.append(row(f"gage ui peak RSS, {n:,} runs", rss, None, unit="MB"))
        if len(sizes) > 1:
            small, large = sizes[0], sizes[-1]
            ratio = warm[large] / warm[small]
            rows.insert(0, row(f"gage ui spawn to rows on screen (index warm), {large:,} vs {small:,} runs",
                               warm[large], warm[small], target="<= 1.5x", ok=ratio <= 1.5))
        ui_d, tail_d = tail_delay(work, args.seconds)
        if ui_d and tail_d:
            med, base = statistics.median(ui_d), statistics.median(tail_d)
            print(f"tail at 100,000 lines/s: gage ui median {med:.0f} ms p95 {_p95(ui_d):.0f} ms; "
                  f"tail -f median {base:.0f} ms p95 {_p95(tail_d):.0f} ms")
            rows.append(row("gage ui line written to on screen at 100,000 lines/s, median vs tail -f",
                            med, base, unit="ms", target="<= 100 ms", ok=med <= 100))
            rows.append(row("gage ui line written to on screen at 100,000 lines/s, p95 vs tail -f",
                            _p95(ui_d), _p95(tail_d), unit="ms"))
        emit("ui_pty", rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
