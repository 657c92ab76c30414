"""Big outputs: reading the end, searching, and the runner's memory.

1. `gage tail -n 20` of a run with a 10,000,000-line (about 1 GB) output
   vs the same run with a 3-line output (target <= 2x: the time does not
   grow with the output); `tail -n 20` of the file for reference; `gage
   show` of both runs.
2. Search over a 1,000,000-line output (`OutputReader.search` for the
   first match and `count_matches` for the total, in a fresh process) vs
   `grep -c` on the same file (target: <= 0.2 s).
3. Opening the 1 GB output at its end (a fresh process: reader opened,
   last 50 lines read): time (target <= 0.3 s) and peak RSS vs a one-line
   output, which is also the output view's memory at 10,000,000 lines vs
   1 line.
4. Peak RSS of `gage run` (the largest of its processes: the CLI echoing
   the output and the runner capturing it) for 1 GB vs 1 MB of output
   (target <= 1.5x).

Outputs and their 9-byte index are written directly (as the runner writes
them) so generating 10,000,000 lines takes seconds.

Run: .venv/bin/python bench/bench_output.py [--lines N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
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

from gage_core.process.output import INDEX_RECORD  # noqa: E402
from gage_core.store import layout  # noqa: E402
from gage_core.store.ids import new_run_id  # noqa: E402

__all__ = ["main"]

GAGE = str(REPO / ".venv" / "bin" / "gage")

PRINTER = """\
import sys
total = int(sys.argv[1])
line = b"a line of the big output, 60 bytes long with its newline.\\n"
block = line * 10000
out = sys.stdout.buffer
while total > 0:
    out.write(block[: min(total, len(block))])
    total -= len(block)
out.write(b'Summary:\\n{"metrics": {"x": 1}}\\n\\n')
out.flush()
"""

GAGEFILE = """\
[print]
exec = "python printer.py {size}"
sourcecode = ["printer.py"]

[print-custom]
exec = "python printer.py {size}"
sourcecode = ["printer.py"]
output-summary = 'Summary:\\n(.*?)\\n\\n'
"""

_PEAK = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)

_OPEN_TAIL = """\
import sys, time, resource
t0 = time.perf_counter()
from gage_core.process.output import OutputReader
r = OutputReader(sys.argv[1])
r.refresh(final=True)
lines = r.tail(50)
elapsed = time.perf_counter() - t0
assert len(lines) == min(50, len(r))
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(r))
"""

_SEARCH = """\
import sys, time
from gage_core.process.output import OutputReader
t0 = time.perf_counter()
r = OutputReader(sys.argv[1])
r.refresh(final=True)
first = r.search(sys.argv[2].encode(), 0)
count = r.count_matches(sys.argv[2].encode(), ignore_case=False)
print(time.perf_counter() - t0, first, count)
"""


def write_output(path: Path, lines: int, needle_every: int = 0) -> None:
    """``lines`` lines (about 100 bytes each) and their index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rec = INDEX_RECORD.pack(int(time.time() * 1000), 0)
    batch = 10_000
    with open(path, "wb") as out, open(f"{path}.index", "wb") as index:
        for start in range(0, lines, batch):
            n = min(batch, lines - start)
            parts = []
            for i in range(start, start + n):
                mark = b" needle" if needle_every and i % needle_every == needle_every - 1 else b""
                parts.append(b"epoch %d step=%d loss=0.%06d some payload to make the line longer%s\n"
                             % (i // 1000, i, i % 1000003, mark) + b"x" * 20)
            out.write(b"".join(parts))
            index.write(rec * n)


def make_run(runs_dir: Path, lines: int) -> str:
    """A finished run whose output has ``lines`` lines."""
    rid = new_run_id()
    meta = layout.meta_dir(runs_dir, rid)
    (meta / "proc").mkdir(parents=True)
    t = layout.now_us()
    for name, text in {"opref": "2 bench print", "initialized": str(t), "started": str(t + 1),
                       "stopped": str(t + 2), "proc/exit": "0", "config.json": "{}"}.items():
        (meta / name).write_text(text)
    write_output(meta / "output" / "40_run", lines)
    (runs_dir / rid).mkdir()
    return rid


def _best(cmd: list[str], repeat: int, env: dict, cwd: Path) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        best = min(best, time.perf_counter() - t0)
        if res.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr.decode()[-1000:]}")
    return best


def _child(code: str, *args: str) -> list[str]:
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO)))
    if res.returncode != 0:
        raise SystemExit(f"child failed: {res.stderr[-2000:]}")
    return res.stdout.split()


def _peak_run_mb(project: Path, size: int, op: str = "print") -> float:
    (project / "gage.toml").write_text(GAGEFILE.format(size=size))
    res = subprocess.run([sys.executable, "-c", _PEAK, GAGE, "run", op, "-y"], cwd=project,
                         capture_output=True, text=True)
    code, kb = res.stdout.split()
    if code != "0":
        raise SystemExit(f"gage run failed ({code})")
    return int(kb) / 1024


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=10_000_000, help="lines of the big output")
    p.add_argument("--search-lines", type=int, default=1_000_000)
    p.add_argument("--run-bytes", type=int, default=1 << 30, help="output size of the big gage run")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-output-"))
    rows = []
    try:
        runs_dir = work / "runs"
        t = time.perf_counter()
        big = make_run(runs_dir, args.lines)
        small = make_run(runs_dir, 3)
        big_file = layout.meta_dir(runs_dir, big) / "output" / "40_run"
        print(f"wrote {args.lines:,} lines ({big_file.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - t:.1f} s")
        env = dict(os.environ, GAGE_RUNS=str(runs_dir), PYTHONPATH=str(REPO))
        t_big = _best([GAGE, "tail", "-n", "20", big], args.repeat, env, work)
        t_small = _best([GAGE, "tail", "-n", "20", small], args.repeat, env, work)
        t_unix = _best(["tail", "-n", "20", str(big_file)], args.repeat, env, work)
        s_big = _best([GAGE, "show", big], args.repeat, env, work)
        s_small = _best([GAGE, "show", small], args.repeat, env, work)
        print(f"gage tail: {args.lines:,} lines {t_big:.3f} s, 3 lines {t_small:.3f} s (tail -n 20: {t_unix * 1000:.1f} ms)")
        print(f"gage show: {args.lines:,} lines {s_big:.3f} s, 3 lines {s_small:.3f} s")
        rows.append(row(f"gage tail of a {args.lines:,}-line output vs a 3-line one", t_big, t_small,
                        target="<= 2x", ok=t_big / t_small <= 2))
        rows.append(row(f"gage show of a run with a {args.lines:,}-line output vs a 3-line one", s_big, s_small))

        opened = [_child(_OPEN_TAIL, str(big_file)) for _ in range(args.repeat)]
        one = work / "one" / "40_run"
        write_output(one, 1)
        one_rss = float(_child(_OPEN_TAIL, str(one))[1]) / 1024
        open_s = min(float(o[0]) for o in opened)
        open_rss = max(float(o[1]) for o in opened) / 1024
        print(f"open {big_file.stat().st_size / 2**20:.0f} MB output at its end: {open_s * 1000:.1f} ms, "
              f"peak RSS {open_rss:.0f} MB (one-line output {one_rss:.0f} MB)")
        rows.append(row(f"open a {big_file.stat().st_size / 2**30:.2f} GB output at its tail (target <= 0.3 s)",
                        open_s, None, target="<= 0.3 s", ok=open_s <= 0.3))
        rows.append(row(f"output reader peak RSS, {args.lines:,} lines vs 1 line", open_rss, one_rss, unit="MB"))

        search_file = work / "search" / "40_run"
        write_output(search_file, args.search_lines, needle_every=args.search_lines // 10)
        found = [_child(_SEARCH, str(search_file), "needle") for _ in range(args.repeat)]
        search_s = min(float(f[0]) for f in found)
        grep_s = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            res = subprocess.run(["grep", "-c", "needle", str(search_file)], capture_output=True, text=True)
            grep_s = min(grep_s, time.perf_counter() - t0)
        assert int(found[0][2]) == int(res.stdout) == 10, (found[0], res.stdout)
        print(f"search {args.search_lines:,} lines: first match + count {search_s * 1000:.1f} ms, "
              f"grep -c {grep_s * 1000:.1f} ms")
        rows.append(row(f"search {args.search_lines:,} lines: first match and count vs grep -c",
                        search_s, grep_s, target="<= 0.2 s", ok=search_s <= 0.2))

        project = work / "proj"
        project.mkdir()
        (project / "printer.py").write_text(PRINTER)
        small_mb = _peak_run_mb(project, 1 << 20)
        big_mb = _peak_run_mb(project, args.run_bytes)
        print(f"gage run peak RSS: {args.run_bytes / 2**20:.0f} MB output {big_mb:.0f} MB, 1 MB output {small_mb:.0f} MB")
        rows.append(row(f"gage run peak RSS, {args.run_bytes / 2**20:,.0f} MB vs 1 MB of output", big_mb, small_mb,
                        unit="MB", target="<= 1.5x", ok=big_mb / small_mb <= 1.5))
        # A one-group output-summary is searched over the whole output at
        # the end of the run: that search must not hold the output either.
        small_c = _peak_run_mb(project, 1 << 20, "print-custom")
        big_c = _peak_run_mb(project, args.run_bytes, "print-custom")
        print(f"gage run peak RSS, one-group output-summary: {args.run_bytes / 2**20:.0f} MB output "
              f"{big_c:.0f} MB, 1 MB output {small_c:.0f} MB")
        rows.append(row(f"gage run peak RSS, one-group output-summary, {args.run_bytes / 2**20:,.0f} MB vs 1 MB",
                        big_c, small_c, unit="MB", target="<= 1.5x", ok=big_c / small_c <= 1.5))
        emit("output", rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
