"""tqdm bars are not metrics when the op declares tqdm progress: only their
postfix pairs are, and lines printed between redraws still are."""

from __future__ import annotations

import json
import string
from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from gage_core.compare.series import SummaryCache
from gage_core.process.launch import run_foreground
from gage_core.process.summary import SummaryParser
from helpers.real_runs import PY, make_run, meta_of, new_project

TRAIN = r"""
import sys, time
err, out = sys.stderr, sys.stdout
for i in range(0, 101, 7):
    err.write("\rtrain:  %d%%|%s%s| %d/100 [00:01<00:02, loss=%.2f, 12.3it/s]"
              % (i, "#" * (i // 10), " " * (10 - i // 10), i, 1 - i / 100))
    err.flush()
    if i == 42:
        out.write("step=1 val_loss: 0.3\n"); out.flush()
    time.sleep(0.01)
# tqdm.write: clear the bar, print the message, redraw the bar
err.write("\r" + " " * 60 + "\rlr: 0.001\n\rtrain: 100%|##########| 100/100 [00:02<00:00, loss=0.01, 45.1it/s]\n")
err.flush()
print("accuracy: 0.9")
"""


def _bar(desc: str, n: int, total: int, postfix: str = "") -> bytes:
    pct = n * 100 // total
    fill = pct // 10
    tail = f", {postfix}" if postfix else ""
    return (
        f"\r{desc}{pct:3d}%|{'#' * fill}{' ' * (10 - fill)}| {n}/{total} "
        f"[00:{n % 60:02d}<00:02, {n / 3:.2f}it/s{tail}]"
    ).encode()


def test_bar_counters_are_not_metrics_but_postfix_and_lines_are():
    p = SummaryParser(True, "tqdm")
    p.feed(b"\rtrain:  42%|####      | 42/100 [00:01<00:02, loss=0.5, 12.3it/s]"
           b"\rtrain:  43%|####      | 43/100 [00:01<00:02, loss=0.4, 12.4it/s]loss: 0.3\n"
           b"epoch=1 acc: 0.8\n")
    assert p.metrics == {"loss": 0.3, "epoch": 1, "acc": 0.8}
    undeclared = SummaryParser(True)
    undeclared.feed(b"\rtrain:  42%|####      | 42/100 [00:01<00:02, 12.3it/s]\n")
    assert undeclared.metrics == {"train": 42}  # what a bar reads as when not declared


def test_custom_pattern_skips_bars_too():
    p = SummaryParser(r"(\w+)=([\d.]+)", "tqdm")
    p.feed(b"\rrun=3: 50%|#####     | 5/10 [00:01<00:01, 4.2it/s]\rdone=1\n")
    assert p.metrics == {"done": 1}


def test_real_run_records_lines_and_postfix_not_bar(tmp_path):
    project = new_project(tmp_path)
    run_dir = make_run(project, f"{PY} train.py", {"train.py": TRAIN}, progress={"run": "tqdm"})
    assert run_foreground(run_dir, echo=False) == 0
    summary = json.loads((meta_of(run_dir) / "summary.json").read_text())
    assert summary["metrics"] == {"step": 1, "val_loss": 0.3, "loss": 0.01, "lr": 0.001, "accuracy": 0.9}
    assert summary["series"] == {"val_loss": [[1, 0.3]]}
    # The live reading of the same output (compare plot, runs table) agrees.
    live_run = SimpleNamespace(id=run_dir.name, status="running", meta_dir=str(meta_of(run_dir)), metrics={})
    live = SummaryCache().get(live_run)
    assert live.live and live.metrics == summary["metrics"]
    assert live.series == {"val_loss": [(1, 0.3)]}


def test_real_run_without_declared_progress_is_unchanged(tmp_path):
    project = new_project(tmp_path)
    run_dir = make_run(project, f"{PY} train.py", {"train.py": TRAIN})
    assert run_foreground(run_dir, echo=False) == 0
    metrics = json.loads((Path(f"{run_dir}.meta") / "summary.json").read_text())["metrics"]
    assert metrics["train"] == 100 and metrics["accuracy"] == 0.9


_DESC = st.text(alphabet=string.ascii_letters + string.digits + " :=._-", max_size=12)
_KEY = st.from_regex(r"[a-z][a-z_]{0,6}", fullmatch=True)
_POSTFIX = st.dictionaries(_KEY, st.integers(0, 10_000), max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(_DESC, st.integers(1, 1000), _POSTFIX, st.booleans()), min_size=1, max_size=6),
    st.integers(1, 10_000),
)
def test_bars_yield_only_their_postfix_and_the_lines_between(bars, line_value):
    block = b""
    expected: dict[str, int] = {}
    for desc, total, postfix, newline_after in bars:
        for n in (0, total // 2, total):
            text = ", ".join(f"{k}={v}" for k, v in postfix.items())
            block += _bar(desc, n, total, text)
        expected.update(postfix)
        if newline_after:
            block += b"\n"
    block += b"\rmetric_line: %d\n" % line_value
    expected["metric_line"] = line_value
    p = SummaryParser(True, "tqdm")
    p.feed(block)
    assert p.metrics == expected
