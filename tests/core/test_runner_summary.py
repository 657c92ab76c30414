"""Output summaries and progress parsing."""

from __future__ import annotations

import json

from gage_core.process.progress import ProgressParser
from gage_core.process.summary import SummaryParser, build_summary


def test_default_pattern_pairs_and_series():
    p = SummaryParser(True)
    p.feed(b"epoch 1 step=1 loss=0.5 accuracy=0.7\nnoise: abc\n")
    p.feed(b"epoch 2 step=2 loss=0.41 accuracy=0.8\nfinal acc: 0.9\ntime 12:30:01 url http://h:80/x\n")
    assert p.metrics == {"step": 2, "loss": 0.41, "accuracy": 0.8, "acc": 0.9}
    assert p.series == {"loss": [[1, 0.5], [2, 0.41]], "accuracy": [[1, 0.7], [2, 0.8]]}


def test_disabled_and_custom_patterns():
    off = SummaryParser(False)
    off.feed(b"loss=1\n")
    assert off.metrics == {}
    kv = SummaryParser(r"(?P<key>\w+) -> (?P<value>[\d.]+)")
    kv.feed(b"loss -> 0.3 and acc -> 0.9\nloss=7\n")
    assert kv.metrics == {"loss": 0.3, "acc": 0.9}
    named = SummaryParser(r"val_loss (?P<val_loss>[\d.]+)")
    named.feed(b"val_loss 1.5\n")
    assert named.metrics == {"val_loss": 1.5}
    bad = SummaryParser("(")
    assert bad.errors and not bad.enabled


def test_whole_output_json_and_summary_file(tmp_path):
    out = tmp_path / "40_run"
    out.write_bytes(b"hi\nSummary:\n{\"metrics\": {\"x\": 1}}\n\nbye\n")
    p = SummaryParser("Summary:\n(.*?)\n\n")
    summary, errors = build_summary(p, tmp_path, out)
    assert summary["metrics"] == {"x": 1} and not errors
    (tmp_path / "summary.json").write_text(json.dumps({"metrics": {"y": {"value": 2}}}))
    summary, _ = build_summary(SummaryParser(True), tmp_path, out)
    assert summary["metrics"] == {"y": {"value": 2}}  # kept as written; readers take the value


def test_series_is_capped():
    p = SummaryParser(True)
    p.feed(b"".join(b"step=%d loss=%d\n" % (i, i) for i in range(50_000)))
    pts = p.series["loss"]
    assert len(pts) <= 10_001 and pts[0] == [0, 0]
    assert p.metrics["loss"] == 49_999


def test_tqdm_progress():
    p = ProgressParser("tqdm", "run")
    assert p.feed(b"hello\n") is None
    got = p.feed(b"\r 40%|####      | 4/10 [00:01<00:02]\r 50%|#####     | 5/10 [00:01<00:01]")
    assert (got.percent, got.n, got.total) == (50, 5, 10)
    assert p.feed(b"\r100%|##########| 10/10 [00:02<00:00]\n").percent == 100
