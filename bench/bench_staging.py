"""Staging 10,000 small files: our select + copy vs `cp -r` on the same tree.

Run: .venv/bin/python bench/bench_staging.py [--files N] [--repeat R]
Prints the best-of-R times and ratios (target: staging <= 2x cp -r).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchline import best_seconds, emit, row

from gage_core.staging.sourcecode import copy_source_files, select_source_files

__all__: list[str] = []


def _make_tree(root: Path, n: int) -> None:
    per_dir = 100
    for i in range(n):
        d = root / f"pkg{i // per_dir:03}"
        if i % per_dir == 0:
            d.mkdir(parents=True)
        ext = (".py", ".txt", ".json", ".cfg")[i % 4]
        (d / f"file{i:05}{ext}").write_text(f"# file {i}\nvalue = {i}\n" + "x" * (i % 300) + "\n")
    os.chmod(root / "pkg000" / "file00000.py", 0o755)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gage-bench-staging-") as tmp:
        tmp = Path(tmp)
        src = tmp / "project"
        _make_tree(src, args.files)
        patterns = ("**/*",)
        counter = [0]

        def dest() -> Path:
            counter[0] += 1
            return tmp / f"dest{counter[0]}"

        def cp():
            subprocess.run(["cp", "-r", str(src), str(dest())], check=True)

        sel = select_source_files(src, patterns, use_gitignore=False)
        assert sel.count == args.files, sel.count

        def ours_copy():
            copy_source_files(sel, src, dest())

        def ours_stage():
            s = select_source_files(src, patterns)
            copy_source_files(s, src, dest(), progress=lambda d, t: None)

        def ours_select():
            select_source_files(src, patterns)

        def default_select():
            select_source_files(src, None)

        t_cp = best_seconds(cp, args.repeat)
        t_copy = best_seconds(ours_copy, args.repeat)
        t_stage = best_seconds(ours_stage, args.repeat)
        t_sel = best_seconds(ours_select, args.repeat)
        t_def = best_seconds(default_select, args.repeat)
        last = tmp / f"dest{counter[0]}"
        assert sum(1 for _ in last.rglob("*") if _.is_file()) == args.files
        assert os.stat(last / "pkg000" / "file00000.py").st_mode & 0o111
        for d in tmp.glob("dest*"):
            shutil.rmtree(d)
    print(f"files: {args.files} (best of {args.repeat})")
    print(f"cp -r:                          {t_cp * 1000:8.1f} ms")
    print(f"copy_source_files:              {t_copy * 1000:8.1f} ms   ratio {t_copy / t_cp:.2f}x")
    print(f"select_source_files ('**/*'):   {t_sel * 1000:8.1f} ms")
    print(f"select (default text rules):    {t_def * 1000:8.1f} ms   (max-matches=500 stops at 500)")
    print(f"stage = select + copy:          {t_stage * 1000:8.1f} ms   ratio {t_stage / t_cp:.2f}x (target <= 2x)")
    emit("staging", [
        row(f"staging {args.files:,} files (select + copy) vs cp -r", t_stage, t_cp,
            target="<= 2x", ok=t_stage / t_cp <= 2.0),
        row(f"copy only {args.files:,} files vs cp -r", t_copy, t_cp),
    ])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
