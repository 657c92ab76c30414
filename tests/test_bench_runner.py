"""``python -m bench``: parses each script's ``BENCH {json}`` line and
prints one table (the quick run of one small benchmark, end to end)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _runner():
    spec = importlib.util.spec_from_file_location("bench_main", REPO / "bench" / "__main__.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_bench_script_is_in_the_suite():
    mod = _runner()
    scripts = {s[0] for s in mod.SCRIPTS.values()}
    on_disk = {p.name for p in (REPO / "bench").glob("*.py") if not p.name.startswith("_")}
    assert on_disk <= scripts, on_disk - scripts


def test_parse_rows_and_table():
    mod = _runner()
    out = "noise\nBENCH not json\n" + "BENCH " + json.dumps({"bench": "x", "rows": [
        {"metric": "capture", "ours": 1.1, "baseline": 1.0, "unit": "s", "ratio": 1.1,
         "target": "<= 1.2x", "pass": True},
        {"metric": "ls", "ours": 0.5, "baseline": "not installed", "unit": "s", "ratio": None,
         "target": "<= 0.25x", "pass": None},
    ]})
    data = mod.parse_bench_line(out)
    rows = mod.rows_of(data)
    table = mod.format_table(rows)
    assert "capture" in table and "1.10x" in table and "pass" in table
    assert "not installed" in table
    md = mod.format_table(rows, markdown=True)
    assert md.startswith("| metric |") and md.count("\n") == 3
    assert mod.parse_bench_line("no bench line") is None


def test_tui_result_rows():
    mod = _runner()
    data = {"bench": "tui",
            "table": {"runs": 10000, "rows_shown": 50, "cold_s": 1.9, "warm_s": 1.2, "baseline_s": 0.4},
            "tail": {"lines": 800000, "ui_delay_median_ms": 40.0, "ui_delay_p95_ms": 90.0,
                     "raw_delay_median_ms": 10.0, "raw_delay_p95_ms": 20.0,
                     "key_flood_median_ms": 30.0, "key_flood_p95_ms": 60.0, "key_quiet_median_ms": 10.0},
            "memory": {"lines": 1000000, "peak_rss_mb": 120.0, "baseline_rss_mb": 100.0}}
    rows = mod.rows_of(data)
    by = {r["metric"]: r for r in rows}
    warm = next(r for m, r in by.items() if "(warm)" in m)
    assert warm["pass"] is True and abs(warm["ratio"] - 3.0) < 1e-9
    cold = next(r for m, r in by.items() if "(cold, first rows)" in m)
    assert cold["pass"] is None  # informational: the target is for a warm start
    assert any("tail delay" in m and r["pass"] is True for m, r in by.items())
    assert any("key response" in m and r["pass"] is True for m, r in by.items())
    assert any("RSS" in m for m in by)


def test_quick_run_of_one_benchmark(tmp_path):
    md = tmp_path / "results.md"
    res = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "query", "--markdown", str(md)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert "metric" in res.stdout and "filter 10,000 runs" in res.stdout
    text = md.read_text()
    assert "nproc" in text and "Python" in text and "| filter 10,000 runs" in text


def test_readme_table_is_generated_from_the_results(tmp_path):
    mod = _runner()
    README_START, README_END, main = mod.README_START, mod.README_END, mod.main
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nMachine: box, nproc 2\n\n| metric | ours |\n|---|---|\n| a | 1 s |\n\nNotes:\n- n\n")
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{README_START}\nold table\n{README_END}\nafter\n")
    assert main(["--readme", str(readme), "--from", str(results)]) == 0
    assert readme.read_text() == (
        f"before\n{README_START}\nMachine: box, nproc 2\n\n| metric | ours |\n|---|---|\n| a | 1 s |\n{README_END}\nafter\n"
    )
    readme.write_text("no markers\n")
    with pytest.raises(SystemExit):
        main(["--readme", str(readme), "--from", str(results)])
    assert readme.read_text() == "no markers\n"
