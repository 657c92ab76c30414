"""`gage ls` on generated stores of 10,000 and 100,000 finished runs.

Run: .venv/bin/python bench/bench_ls.py [--sizes 10000,100000] [--repeat R] [--gage PATH] [--keep DIR]

The stores are written directly in the format the published Gage 0.1.2
writes (random uuid4 ids; meta directories with opref, timestamps,
proc/exit, config.json, summary.json; a label in <id>.user/ for every
10th run; <id>.project), each meta's mtime set to its run's stop time as a
real run leaves it. Figures (best of R fresh processes writing to a pipe):

- `gage ls` (first page, index warm) at the largest size vs the smallest
  (target <= 1.5: the first page does not grow with the store);
- `gage ls` with no index (cold build of the whole index), per 10,000 runs;
- `gage ls -a` at 10,000 runs (index warm) vs Gage 0.1.2's `gage list -a`
  (target <= 0.1), when Gage 0.1.2 is installed (`python -m venv
  /tmp/gage012 && /tmp/gage012/bin/pip install gage==0.1.2 typer==0.12.3
  click==8.1.7`);
- peak RSS of `gage ls` (warm) at the largest size vs the smallest;
- with no index, spawn to the first row on screen vs Gage 0.1.2's `gage
  list` (which has no index: it reads every run every time);
- filtered and sorted first pages at the largest size vs the smallest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from multiprocessing import Pool
from pathlib import Path

__all__ = ["generate_store", "main"]

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchline import emit, row  # noqa: E402

INDEX_DIR = ".gage-index"


def _write(path: str, data: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data.encode())
    finally:
        os.close(fd)


def _generate_part(args: tuple[str, int, int, int, int]) -> list[str]:
    runs_dir, n, start, stop, t0 = args
    ids = []
    for i in range(start, stop):
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
        # As the run left it: its files last changed when it stopped.
        stopped_ns = (t + 30_000_000) * 1000
        for path in (os.path.join(meta, "proc"), os.path.join(meta, "summary.json"), meta):
            os.utime(path, ns=(stopped_ns, stopped_ns))
    return ids


def generate_store(runs_dir: Path, n: int, jobs: int = 2) -> list[str]:
    """``n`` finished Gage 0.1.2 runs (random uuid4 ids, one a minute up
    to now) in ``runs_dir``, written by ``jobs`` processes."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    t0 = int(time.time() * 1e6) - n * 60_000_000
    step = -(-n // jobs)
    parts = [(str(runs_dir), n, a, min(a + step, n), t0) for a in range(0, n, step)]
    with Pool(jobs) as pool:
        return [rid for part in pool.map(_generate_part, parts) for rid in part]


# Filtered and sorted first pages: one the index decides in SQL, one it
# must check row by row (flags are not columns), one sorted in Python.
_FILTERED = (
    ("-w 'status = error or prepare' (decided in SQL)", ["-w", "status = error or prepare"]),
    ("-w 'lr > 0.03' (a flag: each row checked)", ["-w", "lr > 0.03"]),
    ("--sort=-metric.loss (sorted over index rows)", ["--sort=-metric.loss"]),
)

_LAST_CPU = [0.0]


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _time(cmd: list[str], env: dict, cwd: Path, repeat: int, before=None) -> tuple[float, bytes]:
    """Best wall time of ``cmd`` (its best CPU time goes to ``_LAST_CPU``:
    on a busy machine CPU time shows the cost better than wall time)."""
    best = float("inf")
    best_cpu = float("inf")
    out = b""
    for _ in range(repeat):
        if before:
            before()
        c = _children_cpu()
        t = time.perf_counter()
        res = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True)
        elapsed = time.perf_counter() - t
        best_cpu = min(best_cpu, _children_cpu() - c)
        if res.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr.decode()[-2000:]}")
        best = min(best, elapsed)
        out = res.stdout
    _LAST_CPU[0] = best_cpu
    return best, out


def _first_row_s(cmd: list[str], env: dict, cwd: Path, before=None) -> tuple[float, float, bytes]:
    """Seconds from spawning ``cmd`` to its first table row on stdout (the
    line after the header), what a user waits for before seeing a run; and
    to its exit; and its output."""
    if before:
        before()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    seen = None
    out = []
    for n, line in enumerate(proc.stdout):
        out.append(line)
        if n == 1:
            seen = time.perf_counter() - t
    if proc.wait() != 0 or seen is None:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}) or printed no row")
    return seen, time.perf_counter() - t, b"".join(out)


_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _peak_rss_mb(cmd: list[str], env: dict, cwd: Path) -> float:
    """Peak RSS of ``cmd`` (a fresh process measuring only its child)."""
    res = subprocess.run([sys.executable, "-c", _PEAK_RSS, *cmd], env=env, cwd=cwd,
                         capture_output=True, text=True, check=True)
    code, kb = res.stdout.split()
    if code != "0":
        raise SystemExit(f"{' '.join(cmd)} failed ({code})")
    return int(kb) / 1024


def _store(root: Path, n: int) -> Path:
    runs_dir = root / f"runs-{n}"
    if runs_dir.is_dir() and sum(1 for e in os.scandir(runs_dir) if e.name.endswith(".meta")) == n:
        print(f"using the existing store {runs_dir}")
    else:
        shutil.rmtree(runs_dir, ignore_errors=True)
        t = time.perf_counter()
        generate_store(runs_dir, n)
        print(f"generated {n:,} runs in {time.perf_counter() - t:.1f} s ({runs_dir})")
    return runs_dir


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000", help="store sizes, comma separated (smallest first)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--gage", default="/tmp/gage012/bin/gage", help="Gage 0.1.2 executable")
    p.add_argument("--keep", metavar="DIR", help="generate the stores once into DIR and keep them")
    args = p.parse_args(argv)
    sizes = sorted(int(x) for x in args.sizes.split(","))

    work = Path(tempfile.mkdtemp(prefix="bench-ls-"))
    root = Path(args.keep).resolve() if args.keep else work
    cwd = work / "cwd"  # not a project: every run is listed
    cwd.mkdir()
    ours = [str(REPO / ".venv" / "bin" / "gage")]
    if not Path(ours[0]).exists():
        ours = [sys.executable, "-m", "gage_tui.cli.main"]
    rows = []
    first_page: dict[int, float] = {}
    first_page_cpu: dict[int, float] = {}
    rss: dict[int, float] = {}
    filtered: dict[str, dict[int, float]] = {what: {} for what, _extra in _FILTERED}
    try:
        for n in sizes:
            runs_dir = _store(root, n)
            env = dict(os.environ, GAGE_RUNS=str(runs_dir), COLUMNS="200", PYTHONPATH=str(REPO))
            env.pop("RUNS_DIR", None)

            def drop_index(runs_dir=runs_dir):
                shutil.rmtree(runs_dir / INDEX_DIR, ignore_errors=True)

            cold_row, cold, out = _first_row_s([*ours, "ls"], env, cwd, before=drop_index)
            assert b"Showing 20 of" in out, out[-500:]
            if n == 10_000 and Path(args.gage).exists():
                # Gage 0.1.2 has no index: every listing reads every run.
                base_row = _first_row_s([args.gage, "list"], dict(env, TERM="dumb"), cwd)[0]
                rows.append(row(f"ls cold (no index): spawn to the first row, {n:,} runs, vs Gage 0.1.2 list",
                                cold_row, base_row))
            else:
                rows.append(row(f"ls cold (no index): spawn to the first row, {n:,} runs", cold_row, None))
            first_page[n], out = _time([*ours, "ls"], env, cwd, args.repeat)
            first_page_cpu[n] = _LAST_CPU[0]
            rss[n] = _peak_rss_mb([*ours, "ls"], env, cwd)
            for what, extra in _FILTERED:
                filtered[what][n], out = _time([*ours, "ls", *extra], env, cwd, args.repeat)
                assert b"Showing 20 of" in out, (extra, out[-500:])
            print(f"{n:>8,} runs: ls first page warm {first_page[n]:.3f} s, cold (index build) {cold:.2f} s, "
                  f"peak RSS {rss[n]:.0f} MB")
            rows.append(row(f"ls cold (no index, whole index built) per 10,000 runs, at {n:,} runs",
                            cold * 10_000 / n, None))
            if n == 10_000:
                warm_all, out = _time([*ours, "ls", "-a"], env, cwd, args.repeat)
                if Path(args.gage).exists():
                    base, _ = _time([args.gage, "list", "-a"], dict(env, TERM="dumb"), cwd, args.repeat)
                    print(f"ls -a 10,000 runs warm {warm_all:.3f} s, Gage 0.1.2 {base:.3f} s")
                    rows.append(row("ls -a 10,000 runs (index warm) vs Gage 0.1.2", warm_all, base,
                                    target="<= 0.1x", ok=warm_all / base <= 0.1))
                else:
                    rows.append(row("ls -a 10,000 runs (index warm) vs Gage 0.1.2", warm_all, "not installed",
                                    target="<= 0.1x"))
        small, large = sizes[0], sizes[-1]
        if large != small:
            ratio = first_page[large] / first_page[small]
            rows.insert(0, row(f"ls first page (index warm), {large:,} vs {small:,} runs",
                               first_page[large], first_page[small], target="<= 1.5x", ok=ratio <= 1.5))
            rows.insert(1, row(f"ls first page CPU time (index warm), {large:,} vs {small:,} runs",
                               first_page_cpu[large], first_page_cpu[small]))
            rows.append(row(f"ls peak RSS, {large:,} vs {small:,} runs", rss[large], rss[small], unit="MB"))
            for what, _extra in _FILTERED:
                rows.append(row(f"ls {what} (index warm), {large:,} vs {small:,} runs",
                                filtered[what][large], filtered[what][small]))
        emit("ls", rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
