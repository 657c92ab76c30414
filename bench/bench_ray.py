"""Runs on Ray against the same runs executed locally, on a private Ray
head on this machine (127.0.0.1, free ports, its own temp dir):

- submit to first line: from ``gage run --background`` to the op's first
  output line in ``output/40_run`` (Ray: staging, upload, job start, the
  HTTP log stream; local: staging, runner start);
- trivial op: the whole ``gage run -y -q`` of an op that prints one line
  (Ray: submit, run, push the run to the store, fetch it back).

Best of N rounds after one warm-up round (Ray's first upload of
``gage_core`` is cached by content after it).

    .venv/bin/python bench/bench_ray.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tests"))

from _benchline import emit, row  # noqa: E402

from helpers.ray_head import start_head  # noqa: E402

GAGEFILE = """
[hello]
exec = "python3 -c 'print(1)'"

[wait]
exec = "python3 wait.py"
config = "wait.py"
"""
WAIT = """\
import pathlib, time
go_file = "go"
print("ready", flush=True)
while not pathlib.Path(go_file).exists():
    time.sleep(0.01)
"""
GAGE = str(Path(sys.executable).with_name("gage"))


def _gage(env, cwd, *args) -> None:
    subprocess.run([GAGE, *args], cwd=cwd, env=env, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)


def first_line(env, project: Path, runs: Path, executor: list[str], n: int) -> float:
    go = project / f"go-{n}"
    before = set(runs.glob("*.meta")) if runs.exists() else set()
    t0 = time.perf_counter()
    _gage(env, project, "run", "wait", f"go_file={go}", *executor, "--background", "-y")
    meta = next(iter(set(runs.glob("*.meta")) - before))
    out = meta / "output" / "40_run"
    while not (out.exists() and b"ready\n" in out.read_bytes()):
        time.sleep(0.005)
    took = time.perf_counter() - t0
    go.touch()
    while not (meta / "proc" / "exit").exists():
        time.sleep(0.05)
    return took


def trivial(env, project: Path, executor: list[str]) -> float:
    t0 = time.perf_counter()
    _gage(env, project, "run", "hello", *executor, "-y", "-q")
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    head = start_head()
    try:
        with tempfile.TemporaryDirectory(prefix="gage-bench-ray-") as tmp:
            project = Path(tmp) / "project"
            project.mkdir()
            (project / "gage.toml").write_text(GAGEFILE)
            (project / "wait.py").write_text(WAIT)
            runs = Path(tmp) / "runs"
            env = dict(os.environ, GAGE_RUNS=str(runs), RAY_ADDRESS=head.address,
                       GAGE_RAY_PYTHON=sys.executable, TERM="dumb")
            ray = ["--executor", "ray"]
            local = ["--executor", "local"]
            trivial(env, project, ray)  # warm-up: Ray caches the gage_core upload
            results = {"ray_first": [], "local_first": [], "ray_trivial": [], "local_trivial": []}
            for n in range(args.rounds):
                results["ray_first"].append(first_line(env, project, runs, ray, 2 * n))
                results["local_first"].append(first_line(env, project, runs, local, 2 * n + 1))
                results["ray_trivial"].append(trivial(env, project, ray))
                results["local_trivial"].append(trivial(env, project, local))
    finally:
        head.stop()
    best = {k: min(v) for k, v in results.items()}
    print(f"submit to first line: ray {best['ray_first']:.2f}s, local {best['local_first']:.2f}s, "
          f"ratio {best['ray_first'] / best['local_first']:.1f}x")
    print(f"trivial op end to end: ray {best['ray_trivial']:.2f}s, local {best['local_trivial']:.2f}s, "
          f"ratio {best['ray_trivial'] / best['local_trivial']:.1f}x")
    emit("ray", [
        row("ray: submit to first line vs local", round(best["ray_first"], 3), round(best["local_first"], 3)),
        row("ray: trivial op end to end vs local", round(best["ray_trivial"], 3), round(best["local_trivial"], 3)),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
