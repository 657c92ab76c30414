"""Compare table model: default columns, names and globs, sorting (numbers
as numbers, missing last), CSV export, metric series (summary.json and
live output of an unfinished run)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from gage_core.compare.series import SummaryCache, read_run_summary
from gage_core.compare.table import build_table, parse_column_spec, resolve_columns
from gage_core.process import metafiles as mf
from gage_core.store.store import RunStore
from helpers.demo_store import DEMO_NOW, DEMO_RUN_IDS, write_demo_store


@pytest.fixture
def demo(tmp_path):
    runs_dir = write_demo_store(tmp_path)
    store = RunStore(runs_dir)
    runs = {r.id: r for r in store.list_runs()}
    return store, runs


def _train(runs):
    return [runs[i] for i in DEMO_RUN_IDS if runs[i].op_name == "train"]


def _keys(table):
    return [c.key for c in table.columns]


def test_default_columns_vary_flags_and_all_metrics(demo):
    store, runs = demo
    table = build_table(_train(runs), summaries=SummaryCache(store))
    keys = _keys(table)
    assert keys[:5] == ["name", "op", "status", "started", "label"]
    # lr and epochs both vary among the train runs.
    assert "config.lr" in keys and "config.epochs" in keys
    assert {"metric.loss", "metric.accuracy"} <= set(keys)
    # One run: every flag is shown, none vary.
    one = build_table([runs[DEMO_RUN_IDS[1]]])
    assert {"config.lr", "config.epochs"} <= set(_keys(one))


def test_flags_that_do_not_vary_are_left_out(demo):
    _, runs = demo
    pair = [runs[DEMO_RUN_IDS[1]], runs[DEMO_RUN_IDS[2]]]  # epochs=20 in both
    keys = _keys(build_table(pair))
    assert "config.lr" in keys and "config.epochs" not in keys


def test_columns_by_names_and_globs(demo):
    _, runs = demo
    rs = _train(runs) + [runs[DEMO_RUN_IDS[4]]]  # evaluate has test_* metrics
    table = build_table(rs, "name, metric.test_*  config.*")
    assert _keys(table) == ["name", "metric.test_accuracy", "metric.test_loss", "config.epochs", "config.lr"]
    table = build_table(rs, "status lr loss acc* nothing metric.nope")
    assert _keys(table) == ["status", "config.lr", "metric.loss", "metric.accuracy"]
    assert table.unmatched == ["nothing", "metric.nope"]
    assert _keys(build_table(rs, "*")) == [
        "config.epochs", "config.lr", "metric.accuracy", "metric.loss", "metric.test_accuracy", "metric.test_loss",
    ]
    assert parse_column_spec(["a,b", "c d"]) == ["a", "b", "c", "d"]
    cols, _ = resolve_columns("name name NAME", rs)
    assert [c.key for c in cols] == ["name"]


def test_sort_numbers_as_numbers_and_missing_last(demo):
    _, runs = demo
    table = build_table(_train(runs), "name lr loss label")
    lrs = lambda: [table.value(r.id, "config.lr") for r in table.runs]  # noqa: E731
    table.sort("config.lr")
    assert lrs() == [0.05, 0.1, 0.2, 0.5, 5.0]
    table.sort("config.lr", reverse=True)
    assert lrs() == [5.0, 0.5, 0.2, 0.1, 0.05]
    losses = lambda: [table.value(r.id, "metric.loss") for r in table.runs]  # noqa: E731
    table.sort("metric.loss")
    assert losses() == [0.1204, 0.1826, 0.31, None, None]
    table.sort("metric.loss", reverse=True)
    assert losses() == [0.31, 0.1826, 0.1204, None, None]
    assert table.best("metric.loss").id == DEMO_RUN_IDS[2]
    assert table.best("metric.loss", lowest=False).id == DEMO_RUN_IDS[5]
    table.sort("label")
    assert [table.value(r.id, "label") for r in table.runs][:4] == ["baseline", "higher lr", "long run", "stopped early"]
    assert table.value(table.runs[-1].id, "label") is None


def test_sort_mixed_numbers_and_text():
    from types import SimpleNamespace

    from gage_core.compare.table import CompareColumn, CompareTable

    rs = [SimpleNamespace(id=str(i)) for i in range(5)]
    vals = ["b", 10, None, 2, "A"]
    table = CompareTable([CompareColumn("config.x", "flag")], rs, {str(i): {"config.x": v} for i, v in enumerate(vals)})
    table.sort("config.x")
    assert [table.value(r.id, "config.x") for r in table.runs] == [2, 10, "A", "b", None]


def test_export_csv(demo, tmp_path):
    _, runs = demo
    table = build_table(_train(runs), "name started lr loss").sort("metric.loss")
    path = table.write_csv(tmp_path / "out" / "compare.csv")
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == ["run", "name", "started", "config.lr", "metric.loss"]
    assert rows[1][0] == DEMO_RUN_IDS[2] and rows[1][3:] == ["0.5", "0.1204"]
    assert rows[1][2].endswith("Z") and rows[1][2].startswith("2026-11-25T")
    assert rows[-1][4] == ""  # missing metric
    assert len(rows) == 6


def test_series_from_summary_json(demo):
    store, runs = demo
    summary = read_run_summary(runs[DEMO_RUN_IDS[1]], store)
    assert set(summary.series) == {"loss", "accuracy"}
    loss = summary.series["loss"]
    assert len(loss) == 20 and loss[0][0] == 1 and loss[-1][0] == 20
    assert loss[0][1] > loss[-1][1]
    assert not summary.live


def test_live_series_from_output_of_running_run(demo):
    store, runs = demo
    running = runs[DEMO_RUN_IDS[6]]
    assert running.status == "running"
    cache = SummaryCache(store)
    s = cache.get(running)
    assert s.live and len(s.series["loss"]) == 12 and s.metrics["step"] == 12
    table = build_table([running], "name loss", summaries=cache)
    assert table.value(running.id, "metric.loss") == s.series["loss"][-1][1]
    assert running.id in table.live
    # More output arrives: only the new lines are parsed; a partial line waits.
    out = Path(running.meta_dir) / "output" / "40_run"
    with open(out, "ab") as f:
        f.write(b"epoch 13/40 step=13 loss=0.0100 accuracy=0.9\nepoch 14/40 step=14 loss=0.00")
    s = cache.get(running)
    assert s.series["loss"][-1] == (13, 0.01) and s.metrics["step"] == 13
    with open(out, "ab") as f:
        f.write(b"5 accuracy=0.91\n")
    s = cache.get(running)
    assert s.series["loss"][-1] == (14, 0.005)
    assert s.metrics["loss"] == 0.005


def test_finished_run_reread_when_it_ends(tmp_path):
    """A run that was running and then finished: its summary.json wins."""
    runs_dir = write_demo_store(tmp_path)
    store = RunStore(runs_dir)
    rid = DEMO_RUN_IDS[6]
    cache = SummaryCache(store)
    assert cache.get(store.get(rid)).live
    meta = runs_dir / f"{rid}.meta"
    mf.write_json(meta / "summary.json", {"metrics": {"loss": 0.001}, "series": {"loss": [[1, 0.5], [2, 0.001]]}})
    mf.write_atomic(meta / "stopped", str(int(DEMO_NOW * 1e6)))
    mf.write_exit(meta, 0)
    mf.remove_lock(meta)
    store.clear_index()
    run = store.get(rid)
    assert run.status == "completed"
    s = cache.get(run)
    assert not s.live and s.series == {"loss": [(1, 0.5), (2, 0.001)]}
