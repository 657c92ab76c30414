"""Capture cost: a program printing 1,000,000 lines, run through our runner
(output + index captured from separate stdout/stderr pipes, summaries and
series parsed) versus the same program piped to a file (``prog | cat >
file``), for plain lines and for lines that each carry metrics.

Both sides run the same command with the same environment (the runner sets
PYTHONUNBUFFERED=1, so the baseline does too: every print is a write(2) in
both). The capture side is the whole run: runner start, capture, summary,
manifest, exit (``run_foreground(echo=False)``). Wall time and CPU time
(user + system of every process: the program, cat or the runner, and this
process's own polling) are the best of N rounds. Targets: wall <= 1.2x,
CPU <= 1.5x.

    .venv/bin/python bench/bench_capture.py [--lines N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchline import emit, row

from gage_core.gagefile.model import OpDef
from gage_core.process.launch import run_foreground
from gage_core.process.output import OutputReader
from gage_core.project import Project
from gage_core.staging.lifecycle import init_run, stage_run

PROG = """\
import sys
n = int(sys.argv[1])
metrics = len(sys.argv) > 2
for i in range(n):
    if metrics:
        print(f"epoch {i} step={i} loss={1 / (i + 1):.5f} accuracy=0.5")
    else:
        print(f"line {i} of the benchmark output")
"""


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def baseline(workdir: Path, cmd: list[str], env: dict) -> tuple[float, float]:
    """``prog | cat > file``: (wall, CPU) seconds."""
    out = workdir / "baseline.out"
    shell = " ".join(shlex.quote(a) for a in cmd) + f" | cat > {shlex.quote(str(out))}"
    c0, t0 = _cpu(), time.perf_counter()
    subprocess.run(["sh", "-c", shell], stderr=subprocess.DEVNULL, env=env, cwd=workdir, check=True)
    return time.perf_counter() - t0, _cpu() - c0


def capture(project: Project, cmd: list[str], lines: int) -> tuple[float, float]:
    """The whole run through our runner: (wall, CPU) seconds."""
    opdef = OpDef(name="bench", exec={"run": cmd}, sourcecode=("prog.py",))
    run_id = init_run(project, opdef, {})
    stage_run(project, run_id, opdef, {})
    run_dir = project.runs_dir / run_id
    c0, t0 = _cpu(), time.perf_counter()
    code = run_foreground(run_dir, echo=False)
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    if code != 0:
        raise SystemExit(f"captured run failed with exit code {code}")
    reader = OutputReader(Path(f"{run_dir}.meta") / "output" / "40_run")
    if len(reader) != lines:
        raise SystemExit(f"captured {len(reader)} lines, expected {lines}")
    return elapsed, cpu


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        proj = Path(tmp) / "proj"
        proj.mkdir()
        (proj / "prog.py").write_text(PROG)
        project = Project(dir=proj, gagefile=None, runs_dir=Path(tmp) / "runs")
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        for metrics in (True, False):
            extra = ["metrics"] if metrics else []
            cmd = [sys.executable, "prog.py", str(args.lines), *extra]
            base, cap = [], []
            for _ in range(args.rounds):
                base.append(baseline(proj, cmd, env))
                cap.append(capture(project, [sys.executable, "-u", "prog.py", str(args.lines), *extra], args.lines))
            bw, bc = min(b[0] for b in base), min(b[1] for b in base)
            cw, cc = min(c[0] for c in cap), min(c[1] for c in cap)
            kind = "metric lines (step=N loss=...)" if metrics else "plain lines"
            print(f"{args.lines:,} {kind}: pipe {bw:.3f} s wall / {bc:.3f} s CPU; "
                  f"capture {cw:.3f} s wall / {cc:.3f} s CPU; ratio {cw / bw:.2f}x wall, {cc / bc:.2f}x CPU")
            what = f"capture {args.lines:,} {'metric' if metrics else 'plain'} lines vs prog | cat > file"
            rows.append(row(f"{what} (wall)", cw, bw, target="<= 1.2x", ok=cw / bw <= 1.2))
            rows.append(row(f"{what} (CPU)", cc, bc, target="<= 1.5x", ok=cc / bc <= 1.5))
    emit("capture", rows)


if __name__ == "__main__":
    main()
