"""Time `gage ls -a` on a generated store of 10,000 finished runs, against
Gage 0.1.2's `gage list -a` on the same store.

Run: .venv/bin/python bench/bench_ls.py [--runs N] [--repeat R] [--gage PATH] [--keep] [--store DIR]

The store is written directly in the format the published Gage 0.1.2
writes (meta directories: opref, timestamps, proc/exit, config.json,
summary.json, a label in <id>.user/ for every 10th run, <id>.project).
Our `gage ls -a` is timed cold (index deleted before each call) and warm
(index present); Gage 0.1.2 (installed with
`python -m venv /tmp/gage012 && /tmp/gage012/bin/pip install gage==0.1.2
typer==0.12.3 click==8.1.7`) is timed when --gage (default
/tmp/gage012/bin/gage) exists. Each figure is the best of R fresh
processes writing to a pipe. Target: ours (warm) / Gage <= 0.25.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

__all__ = ["generate_store", "main"]

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchline import emit, row  # noqa: E402
INDEX_NAME = ".gage-index.json"


def _write(path: str, data: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data.encode())
    finally:
        os.close(fd)


def generate_store(runs_dir: Path, n: int) -> list[str]:
    """``n`` finished Gage 0.1.2 runs (UUIDv4 ids) in ``runs_dir``."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    t0 = int(time.time() * 1e6) - n * 60_000_000
    ids = []
    for i in range(n):
        run_id = str(uuid.UUID(int=(i * 0x9E3779B97F4A7C15 << 64 | i) & ((1 << 128) - 1), version=4))
        ids.append(run_id)
        meta = os.path.join(runs_dir, run_id + ".meta")
        os.makedirs(os.path.join(meta, "proc"))
        t = t0 + i * 60_000_000
        exit_code = 1 if i % 17 == 0 else (-15 if i % 29 == 0 else 0)
        _write(os.path.join(meta, "opref"), f"1 bench {'train' if i % 3 else 'prepare'}")
        _write(os.path.join(meta, "__schema__"), "1")
        _write(os.path.join(meta, "id"), run_id)
        _write(os.path.join(meta, "initialized"), str(t))
        _write(os.path.join(meta, "staged"), str(t + 50_000))
        _write(os.path.join(meta, "started"), str(t + 80_000))
        _write(os.path.join(meta, "stopped"), str(t + 30_000_000))
        _write(os.path.join(meta, "proc", "exit"), str(exit_code))
        _write(os.path.join(meta, "proc", "cmd.json"), '"python train.py"')
        _write(os.path.join(meta, "config.json"), json.dumps({"epochs": i % 10, "lr": 0.01 * (i % 7)}))
        _write(os.path.join(meta, "opdef.json"), '{"exec": "python train.py"}')
        _write(os.path.join(meta, "summary.json"), json.dumps({"metrics": {"loss": 1 / (i + 1), "acc": (i % 100) / 100}}))
        _write(os.path.join(runs_dir, run_id + ".project"), "file:../..")
        if i % 10 == 0:
            user = os.path.join(runs_dir, run_id + ".user")
            os.mkdir(user)
            _write(os.path.join(user, f"{uuid.uuid4()}.json"),
                   json.dumps({"author": "bench", "set": {"label": f"label {i}"}, "delete": []}))
    return ids


def _time(cmd: list[str], env: dict, cwd: Path, repeat: int, before=None) -> tuple[float, bytes]:
    best = float("inf")
    out = b""
    for _ in range(repeat):
        if before:
            before()
        t = time.perf_counter()
        res = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - t
        if res.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr.decode()[-2000:]}")
        best = min(best, elapsed)
        out = res.stdout
    return best, out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--gage", default="/tmp/gage012/bin/gage", help="Gage 0.1.2 executable")
    p.add_argument("--keep", action="store_true", help="keep the generated store")
    p.add_argument("--store", help="use (or generate once into) this runs dir and keep it")
    args = p.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-ls-"))
    runs_dir = Path(args.store).resolve() if args.store else work / "runs"
    cwd = work / "cwd"  # not a project: every run is listed
    cwd.mkdir()
    try:
        if runs_dir.is_dir() and any(n.endswith(".meta") for n in os.listdir(runs_dir)):
            print(f"using the existing store {runs_dir}")
        else:
            t = time.perf_counter()
            generate_store(runs_dir, args.runs)
            print(f"generated {args.runs} runs in {time.perf_counter() - t:.1f} s ({runs_dir})")

        env = dict(os.environ, GAGE_RUNS=str(runs_dir), COLUMNS="200")
        env.pop("RUNS_DIR", None)
        ours = [str(REPO / ".venv" / "bin" / "gage"), "ls", "-a"]
        if not Path(ours[0]).exists():
            ours = [sys.executable, "-m", "gage_tui.cli.main", "ls", "-a"]
            env["PYTHONPATH"] = str(REPO)

        def drop_index():
            try:
                os.unlink(runs_dir / INDEX_NAME)
            except FileNotFoundError:
                pass

        cold, out = _time(ours, env, cwd, args.repeat, before=drop_index)
        rows = len(out.splitlines()) - 1
        warm, out = _time(ours, env, cwd, args.repeat)
        print(f"ours  gage ls -a   cold (no index): {cold:6.3f} s   ({rows} rows)")
        print(f"ours  gage ls -a   warm (index):    {warm:6.3f} s")

        if Path(args.gage).exists():
            gage_env = dict(env, TERM="dumb")
            base, out = _time([args.gage, "list", "-a"], gage_env, cwd, args.repeat)
            gage_rows = sum(1 for line in out.decode(errors="replace").splitlines()
                            if any(s in line for s in ("completed", "error", "terminated")))
            print(f"Gage 0.1.2 gage list -a:          {base:6.3f} s   ({gage_rows} rows)")
            print(f"ratio ours/gage  warm: {warm / base:.3f}   cold: {cold / base:.3f}   (target <= 0.25)")
            emit("ls", [
                row(f"ls -a {rows:,} runs (warm index) vs Gage 0.1.2", warm, base, target="<= 0.25x",
                    ok=warm / base <= 0.25),
                row(f"ls -a {rows:,} runs (cold, no index) vs Gage 0.1.2", cold, base),
            ])
        else:
            print(f"Gage 0.1.2 not found at {args.gage}: no ratio (see the docstring to install it)")
            emit("ls", [
                row(f"ls -a {rows:,} runs (warm index) vs Gage 0.1.2", warm, "not installed", target="<= 0.25x"),
                row(f"ls -a {rows:,} runs (cold, no index) vs Gage 0.1.2", cold, "not installed"),
            ])
    finally:
        if args.keep and not args.store:
            print(f"store kept in {runs_dir}")
            shutil.rmtree(cwd, ignore_errors=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
