"""Run every benchmark and print one table: ``python -m bench [--quick]``.

Each script in ``bench/`` runs in its own subprocess with a time limit and
ends with a ``BENCH {json}`` line (``bench/_benchline.py``); the rows of
all scripts are printed as one table: metric, ours, baseline, ratio,
target, pass/fail. ``--quick`` uses small sizes (a smoke run, figures not
comparable with the targets); ``--markdown FILE`` also writes the table
with the machine description (nproc, memory, Python, date).

    .venv/bin/python -m bench [--quick] [--only NAME ...] [--markdown bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["SCRIPTS", "parse_bench_line", "rows_of", "format_table", "machine", "main"]

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent

# name -> (script, full args, quick args, time limit in seconds (full, quick))
SCRIPTS: dict[str, tuple[str, list[str], list[str], tuple[int, int]]] = {
    "check": ("bench_check.py", [], ["--ops", "200", "--repeat", "1"], (300, 120)),
    "capture": ("bench_capture.py", [], ["--lines", "100000", "--rounds", "1"], (900, 180)),
    "ls": ("bench_ls.py", [], ["--runs", "1000", "--repeat", "1"], (1200, 300)),
    "staging": ("bench_staging.py", [], ["--files", "1000", "--repeat", "1"], (600, 120)),
    "query": ("query_filter.py", [], [], (300, 120)),
    "tui": ("bench_tui.py", [], ["--quick"], (1200, 600)),
    "table": ("bench_runs_table.py", [], ["--quick"], (1200, 600)),
}


def parse_bench_line(stdout: str) -> dict | None:
    """The JSON of the last ``BENCH {json}`` line, or None."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("BENCH "):
            try:
                data = json.loads(line[len("BENCH "):])
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
    return None


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _row(metric, ours, baseline, unit, target=None, ok=None) -> dict:
    o, b = _num(ours), _num(baseline)
    return {"metric": metric, "ours": ours, "baseline": baseline, "unit": unit,
            "ratio": o / b if o is not None and b else None, "target": target, "pass": ok}


def _tui_rows(data: dict) -> list[dict]:
    """Rows from bench_tui.py's free-form result (table / tail / memory)."""
    rows = []
    t = data.get("table")
    if isinstance(t, dict) and _num(t.get("warm_s")) is not None:
        n = t.get("runs", "?")
        # The target is for the usual start (warm: the runs index exists).
        # Cold, the newest runs show first and the rest load with progress.
        size = f"{n:,} runs" if isinstance(n, int) else "runs"
        for key, what in (("warm_s", "warm"), ("cold_s", "cold, first rows"), ("cold_complete_s", "cold, all loaded")):
            v = _num(t.get(key))
            if v is not None:
                rows.append(_row(f"TUI first populated table, {size} ({what}) vs bare Textual app",
                                 v, t.get("baseline_s"), "s", *(("<= 1.5 s", v <= 1.5) if key == "warm_s" else ())))
    f = data.get("tail")
    if isinstance(f, dict):
        med, p95 = _num(f.get("ui_delay_median_ms")), _num(f.get("ui_delay_p95_ms"))
        if med is not None:
            rows.append(_row("TUI tail delay at 100,000 lines/s, median vs bare reader", med,
                             f.get("raw_delay_median_ms"), "ms", "<= 100 ms", med <= 100))
        if p95 is not None:
            rows.append(_row("TUI tail delay at 100,000 lines/s, p95 vs bare reader", p95,
                             f.get("raw_delay_p95_ms"), "ms"))
        key = _num(f.get("key_flood_median_ms"))
        if key is not None:
            rows.append(_row("TUI key response during the flood, median vs no flood", key,
                             f.get("key_quiet_median_ms"), "ms", "<= 100 ms", key <= 100))
        kp95 = _num(f.get("key_flood_p95_ms"))
        if kp95 is not None:
            rows.append(_row("TUI key response during the flood, p95", kp95, None, "ms"))
    m = data.get("memory")
    if isinstance(m, dict) and _num(m.get("peak_rss_mb")) is not None:
        lines = m.get("lines")
        what = f"{lines:,}-line" if isinstance(lines, int) else "large"
        rows.append(_row(f"TUI peak RSS with a {what} output open vs 1-line output",
                         m["peak_rss_mb"], m.get("baseline_rss_mb"), "MB"))
    return rows


def rows_of(data: dict) -> list[dict]:
    """Table rows of one script's BENCH result."""
    if isinstance(data.get("rows"), list):
        return [r for r in data["rows"] if isinstance(r, dict) and "metric" in r]
    if data.get("bench") == "tui":
        return _tui_rows(data)
    return []


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if unit == "s":
        if v < 0.01:
            return f"{v * 1000:.2f} ms"
        return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"
    if unit:
        return f"{v:.1f} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{v:.3g}"


def format_table(rows: list[dict], markdown: bool = False) -> str:
    header = ["metric", "ours", "baseline", "ratio", "target", "result"]
    body = []
    for r in rows:
        unit = r.get("unit") or ""
        ok = r.get("pass")
        ratio = _num(r.get("ratio"))
        body.append([
            str(r.get("metric")),
            _fmt(r.get("ours"), unit),
            _fmt(r.get("baseline"), unit),
            f"{ratio:.2f}x" if ratio is not None else "-",
            r.get("target") or "-",
            "pass" if ok is True else "FAIL" if ok is False else "-",
        ])
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in b) + " |" for b in body]
        return "\n".join(lines)
    widths = [max(len(x[i]) for x in [header, *body]) for i in range(len(header))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(b, widths)) for b in body]
    return "\n".join(out)


def machine() -> str:
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                    break
    except OSError:
        pass
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{platform.system()} {platform.machine()}, nproc {os.cpu_count()}, memory {mem}, "
            f"Python {platform.python_version()}, {date}")


def _run_one(name: str, quick: bool, log) -> tuple[list[dict], str | None, float]:
    script, full, small, (t_full, t_quick) = SCRIPTS[name]
    path = BENCH_DIR / script
    if not path.exists():
        return [], "script not found", 0.0
    cmd = [sys.executable, str(path), *(small if quick else full)]
    limit = t_quick if quick else t_full
    t0 = time.perf_counter()
    try:
        res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=limit,
                             stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        log(out)
        return [], f"timed out after {limit} s", time.perf_counter() - t0
    elapsed = time.perf_counter() - t0
    log(res.stdout)
    if res.stderr.strip():
        log(res.stderr)
    data = parse_bench_line(res.stdout)
    if data is None:
        tail = (res.stderr.strip().splitlines() or ["no output"])[-1]
        return [], f"exit {res.returncode}, no BENCH line ({tail[:120]})", elapsed
    rows = rows_of(data)
    return rows, None if rows else "no figures", elapsed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    p.add_argument("--only", nargs="*", choices=sorted(SCRIPTS), help="run only these benchmarks")
    p.add_argument("--markdown", metavar="FILE", help="also write the table (markdown) to FILE")
    p.add_argument("-v", "--verbose", action="store_true", help="show each script's output")
    args = p.parse_args(argv)

    def log(text: str) -> None:
        if args.verbose and text:
            print(text.rstrip(), file=sys.stderr)

    rows: list[dict] = []
    problems: list[str] = []
    for name in args.only or SCRIPTS:
        print(f"running {name} ({SCRIPTS[name][0]}){' --quick' if args.quick else ''} ...",
              file=sys.stderr, flush=True)
        got, error, elapsed = _run_one(name, args.quick, log)
        print(f"  {name}: {error or f'{len(got)} figure(s)'} in {elapsed:.0f} s", file=sys.stderr, flush=True)
        rows.extend(got)
        if error:
            problems.append(f"{name}: {error}")
            rows.append({"metric": f"{name} ({SCRIPTS[name][0]})", "ours": error, "unit": ""})
    desc = machine()
    print(f"\nMachine: {desc}{'  (--quick: small sizes)' if args.quick else ''}")
    print(format_table(rows))
    if args.markdown:
        text = (
            "# Benchmark results\n\n"
            f"`.venv/bin/python -m bench{' --quick' if args.quick else ''}`\n\n"
            f"Machine: {desc}\n\n{format_table(rows, markdown=True)}\n"
        )
        if problems:
            text += "\nNot measured: " + "; ".join(problems) + "\n"
        Path(args.markdown).write_text(text, encoding="utf-8")
    failed = any(r.get("pass") is False for r in rows)
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
