"""Capture cost: a program printing 1,000,000 lines, run through our runner
(output + index captured from separate stdout/stderr pipes) versus the same
command writing straight to a file.

Both sides run the same command with the same environment (the runner sets
PYTHONUNBUFFERED=1, so the baseline does too: every print is a write(2) in
both). The capture side is the whole run: runner start, capture, summary,
manifest, exit (``run_foreground(echo=False)``). Best of N rounds.

    .venv/bin/python bench/bench_capture.py [--lines N] [--rounds R] [--metrics]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchline import emit, row  # noqa: E402

from gage_core.gagefile.model import OpDef  # noqa: E402
from gage_core.process.launch import run_foreground  # noqa: E402
from gage_core.staging.lifecycle import init_run, stage_run  # noqa: E402
from gage_core.process.output import OutputReader  # noqa: E402
from gage_core.project import Project  # noqa: E402

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


def baseline(workdir: Path, cmd: list[str], env: dict) -> float:
    out = workdir / "baseline.out"
    t0 = time.perf_counter()
    with open(out, "wb") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.DEVNULL, env=env, cwd=workdir, check=True)
    return time.perf_counter() - t0


def capture(project: Project, cmd: list[str], lines: int) -> float:
    opdef = OpDef(name="bench", exec={"run": cmd}, sourcecode=("prog.py",))
    run_id = init_run(project, opdef, {})
    stage_run(project, run_id, opdef, {})
    run_dir = project.runs_dir / run_id
    t0 = time.perf_counter()
    code = run_foreground(run_dir, echo=False)
    elapsed = time.perf_counter() - t0
    assert code == 0, code
    reader = OutputReader(Path(f"{run_dir}.meta") / "output" / "40_run")
    assert len(reader) == lines, (len(reader), lines)
    return elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument(
        "--metrics", action="store_true",
        help="every line carries step=N and metrics (worst case for output summaries)",
    )
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proj = Path(tmp) / "proj"
        proj.mkdir()
        (proj / "prog.py").write_text(PROG)
        project = Project(dir=proj, gagefile=None, runs_dir=Path(tmp) / "runs")
        extra = ["metrics"] if args.metrics else []
        cmd = [sys.executable, "prog.py", str(args.lines), *extra]
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        base, cap = [], []
        for _ in range(args.rounds):
            base.append(baseline(proj, cmd, env))
            cap.append(capture(project, [sys.executable, "-u", "prog.py", str(args.lines), *extra], args.lines))
        b, c = min(base), min(cap)
        kind = "metric lines (step=N loss=...)" if args.metrics else "plain lines"
        print(f"lines:             {args.lines:,} {kind}")
        print(f"baseline (file):   {b:.3f} s  (rounds: {', '.join(f'{x:.2f}' for x in base)})")
        print(f"capture (runner):  {c:.3f} s  (rounds: {', '.join(f'{x:.2f}' for x in cap)})")
        print(f"ratio:             {c / b:.2f}x  (target <= 1.2x)")
        emit("capture", [row(f"capture {args.lines:,} {'metric ' if args.metrics else ''}lines vs program writing a file",
                             c, b, target="<= 1.2x", ok=c / b <= 1.2)])


if __name__ == "__main__":
    main()
