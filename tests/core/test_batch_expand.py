"""Batch expansion: list values, batch files (CSV/JSON), product of files,
precedence (defaults < batch row < command-line flags), typing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gage_core.errors import BatchError, FlagError
from gage_core.project import open_project
from gage_core.settings import settings_from
from gage_core.staging.batch import (
    batch_flag_sets,
    expand_batch,
    plan_batch,
    read_batch_file,
)
from gage_core.staging.flags import parse_flag_assigns


def test_expand_list_values_is_cartesian_product_in_order():
    flags = parse_flag_assigns(["lr=[0.01,0.1]", "epochs=[5,10]", "delay=0"])
    combos = expand_batch(flags)
    assert combos == [
        {"lr": 0.01, "epochs": 5, "delay": 0},
        {"lr": 0.01, "epochs": 10, "delay": 0},
        {"lr": 0.1, "epochs": 5, "delay": 0},
        {"lr": 0.1, "epochs": 10, "delay": 0},
    ]
    assert expand_batch({"a": 1}) == [{"a": 1}]
    assert expand_batch({"a": []}) == []


def test_csv_batch_file_typed_like_flags(tmp_path):
    f = tmp_path / "b.csv"
    f.write_text("lr,epochs,name\n0.01,5,a\n0.1,10,\"b c\"\n\n1e-3,,x\n")
    rows = read_batch_file(f)
    assert rows == [
        {"lr": 0.01, "epochs": 5, "name": "a"},
        {"lr": 0.1, "epochs": 10, "name": "b c"},
        {"lr": 0.001, "name": "x"},  # empty cell: flag left out
    ]


def test_json_batch_file(tmp_path):
    f = tmp_path / "b.json"
    f.write_text(json.dumps([{"lr": 0.5}, {"lr": 0.2, "epochs": 3}]))
    assert read_batch_file(f) == [{"lr": 0.5}, {"lr": 0.2, "epochs": 3}]


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("x.json", "{\"lr\": 1}", "JSON array of objects"),
        ("x.json", "[1, 2]", "JSON array of objects"),
        ("x.json", "[{", "not valid JSON"),
        ("x.csv", "", "is empty"),
        ("x.csv", "lr,lr\n1,2\n", "unique"),
        ("x.csv", "lr\n1,2\n", "row 2"),
    ],
)
def test_bad_batch_files_raise_batch_error(tmp_path, name, text, message):
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(BatchError) as e:
        read_batch_file(f)
    assert message in e.value.message


def test_missing_batch_file(tmp_path):
    with pytest.raises(BatchError, match="does not exist"):
        read_batch_file(tmp_path / "nope.csv")


def test_several_files_give_product_and_flags_override():
    a = [{"lr": 0.1}, {"lr": 0.2}]
    b = [{"epochs": 1}, {"epochs": 2, "lr": 9.0}]
    sets = batch_flag_sets({}, [a, b])
    # 2 x 2 rows; a later file wins over an earlier one, and the set that
    # comes out twice ({"lr": 9.0, "epochs": 2}) is run once.
    assert sets == [
        {"lr": 0.1, "epochs": 1},
        {"lr": 9.0, "epochs": 2},
        {"lr": 0.2, "epochs": 1},
    ]
    # Command-line flags override batch values (and expand when lists).
    sets = batch_flag_sets({"epochs": [7, 8]}, [a])
    assert sets == [
        {"lr": 0.1, "epochs": 7},
        {"lr": 0.1, "epochs": 8},
        {"lr": 0.2, "epochs": 7},
        {"lr": 0.2, "epochs": 8},
    ]
    assert batch_flag_sets({"lr": 5}, [a]) == [{"lr": 5}]
    assert len(batch_flag_sets({"x": [1, 2, 3]}, [], max_runs=2)) == 2


def test_plan_batch_types_against_defaults_and_fills_defaults(example_project: Path):
    project = open_project(settings_from(cwd=example_project))
    opdef = project.gagefile.ops["train"]
    f = example_project / "b.csv"
    f.write_text("lr,epochs\n0.5,3\n1,4\n")
    configs = plan_batch(project, opdef, parse_flag_assigns(["delay=[0,0.5]"]), [f])
    assert len(configs) == 4
    pick = [{k: c[k] for k in ("lr", "epochs", "delay")} for c in configs]
    assert pick == [
        {"lr": 0.5, "epochs": 3, "delay": 0.0},
        {"lr": 0.5, "epochs": 3, "delay": 0.5},
        {"lr": 1.0, "epochs": 4, "delay": 0.0},
        {"lr": 1.0, "epochs": 4, "delay": 0.5},
    ]
    assert all(isinstance(c["lr"], float) for c in configs)
    f.write_text("lr,epochs\n0.5,three\n")
    with pytest.raises(FlagError, match="epochs"):
        plan_batch(project, opdef, {}, [f])
    f.write_text("lr,epoch\n0.5,3\n")
    with pytest.raises(FlagError, match="unknown flag 'epoch'"):
        plan_batch(project, opdef, {}, [f])
