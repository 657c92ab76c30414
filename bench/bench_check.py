"""Time `gage check` on a generated 1,000-operation Gagefile, and `gage --help`.

Run: .venv/bin/python bench/bench_check.py [--ops N] [--repeat R]

Prints wall times (best of R, fresh processes) and ratios against a
baseline measured in the same run: `python -c pass` for startup.
Target: check of 1,000 ops under 1 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["generate_gagefile", "main"]

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchline import emit, row  # noqa: E402


def generate_gagefile(n: int, broken_every: int = 0) -> str:
    """A TOML Gagefile with ``n`` varied operations (every form of exec,
    config and depends); every ``broken_every``-th op has a mistake: half
    an unknown key (``exce``), half a wrong type (``default = "yes"``) that
    needs the full schema evaluation."""
    parts = ['"$runs-dir" = ".gage/runs"\n']
    for i in range(n):
        name = f"op-{i:04d}"
        kind = i % 4
        parts.append(f"\n[{name}]\n")
        parts.append(f'description = "Operation {i}\\nSecond line"\n')
        if broken_every and i % broken_every == 0:
            parts.append('exce = "oops"\n' if (i // broken_every) % 2 == 0 else 'default = "yes"\n')
        if kind == 0:
            parts.append(f'exec = "python train.py --seed {i}"\n')
            parts.append('config = "train.py"\nsourcecode = ["*.py", "-data/*"]\n')
            parts.append('depends = "runfiles: op=prepare"\n')
        elif kind == 1:
            parts.append(f'exec = ["python", "-m", "pkg.mod{i}"]\n')
            parts.append('config = ["train.py#lr", "train.py#epochs"]\n')
            parts.append('output-summary = false\nversion = 2\n')
        elif kind == 2:
            parts.append(f'exec.run = "python eval.py {i}"\n')
            parts.append('exec.stage-runtime = ["pip", "install", "-r", "req.txt"]\n')
            parts.append('progress = "tqdm"\nlisting.description = ["loss", "acc"]\n')
            parts.append('[[' + name + '.depends]]\nfiles = ["data.csv", "labels.csv"]\nlink = true\n')
            parts.append('[[' + name + '.depends]]\ntype = "run-files"\nrun-select = "op=train"\n')
        else:
            parts.append(f'exec = "python summary.py {i}"\n')
            parts.append('summary = { filename = "results.json" }\nenv = { A = "1" }\n')
            parts.append('[[' + name + '.config]]\nkeys = "config.yaml"\nprefix = "c."\n')
    return "".join(parts)


def _time(cmd: list[str], repeat: int, cwd: Path | None = None, expect: int = 0) -> tuple[float, int]:
    """Best wall time of ``cmd``; stops the benchmark when it exits with
    another code than ``expect`` (a failing command measures nothing)."""
    best, code = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = subprocess.run(cmd, cwd=cwd, capture_output=True)
        best = min(best, time.perf_counter() - t0)
        code = res.returncode
        if code != expect:
            raise SystemExit(
                f"{' '.join(cmd)} exited with {code} (expected {expect}):\n"
                + res.stderr.decode(errors="replace")[-2000:]
            )
    return best, code


def _in_process(text: str, repeat: int) -> float:
    sys.path.insert(0, str(REPO))
    from gage_core.gagefile import load_gagefile_text

    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        load_gagefile_text(text, Path("gage.toml"), Path("."))
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    py = sys.executable
    gage = [py, "-m", "gage_tui.cli.main"]
    base, _ = _time([py, "-c", "pass"], args.repeat)
    help_t, _ = _time(gage + ["--help"], args.repeat, cwd=REPO)
    print(f"python -c pass           {base * 1000:8.1f} ms  (baseline)")
    print(f"gage --help              {help_t * 1000:8.1f} ms  ratio {help_t / base:5.2f}x baseline")
    rows = [row("CLI startup: gage --help vs python -c pass", help_t, base)]
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        for label, broken in (("valid", 0), ("1% broken", 100)):
            text = generate_gagefile(args.ops, broken)
            (project / "gage.toml").write_text(text, encoding="utf-8")
            lines = text.count("\n")
            check_t, code = _time(gage + ["-C", str(project), "check", "--format", "concise"],
                                  args.repeat, cwd=REPO, expect=1 if broken else 0)
            load_t = _in_process(text, args.repeat)
            print(
                f"gage check {args.ops} ops ({label}, {lines} lines): {check_t * 1000:8.1f} ms "
                f"(exit {code}); in-process load {load_t * 1000:.1f} ms; "
                f"ratio {check_t / base:5.2f}x baseline; target < 1000 ms: "
                f"{'OK' if check_t < 1.0 else 'MISSED'}"
            )
            rows.append(row(f"gage check {args.ops} ops ({label}) vs python -c pass", check_t, base,
                            target="< 1 s", ok=check_t < 1.0))
    emit("check", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
