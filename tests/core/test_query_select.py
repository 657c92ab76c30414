"""Run selection specs and sorting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gage_core.errors import GageError, RunNotFound, RunSelectError
from gage_core.query.select import select_one, select_runs
from gage_core.query.sort import sort_runs
from helpers.query_runs import make_run, sample_runs

RUNS = sample_runs()  # newest first; ids 0194a1b2-0001-... to -0005-...; names kafob..kafof


def pos(runs) -> list[int]:
    return [RUNS.index(r) + 1 for r in runs]


SELECT = [
    (["1"], [1]),
    (["5"], [5]),
    (["2:4"], [2, 3, 4]),
    (["2:"], [2, 3, 4, 5]),
    ([":2"], [1, 2]),
    (["0:2"], [1, 2]),
    ([":"], [1, 2, 3, 4, 5]),
    (["-2:"], [4, 5]),
    ([":-1"], [1, 2, 3, 4]),
    (["4", "1"], [1, 4]),  # union in list order
    (["1", "1:2"], [1, 2]),  # no duplicates
    (["0194a1b2-0003"], [3]),
    (["0194A1B2-0003"], [3]),
    (["kafoc"], [2]),
    (["kafo"], [1, 2, 3, 4, 5]),  # a prefix may select many
    (["0194a1b2-0003-7000-8000-000000000003"], [3]),  # full id
    (["3", "kafob"], [1, 3]),
]


@pytest.mark.parametrize("specs,expected", SELECT)
def test_select_runs(specs, expected):
    assert pos(select_runs(RUNS, specs)) == expected


def test_index_out_of_range_falls_through_to_prefix():
    runs = [make_run(1, id="9abc0000-0000-4000-8000-000000000000"), make_run(2)]
    assert select_runs(runs, ["9"]) == [runs[0]]
    with pytest.raises(RunNotFound) as e:
        select_runs(runs, ["7"])
    assert e.value.message == "No runs match '7'"
    assert "gage ls" in e.value.hint


@pytest.mark.parametrize("spec", ["-:", ":-", "-:-", "-:2", "1:-"])
def test_a_lone_minus_in_a_slice_is_no_number(spec):
    """Not a slice (a side is "-", not a number): a prefix, matching no run."""
    with pytest.raises(RunNotFound) as e:
        select_runs(RUNS, [spec])
    assert e.value.message == f"No runs match '{spec}'"


def test_select_nothing():
    assert select_runs(RUNS, []) == []
    with pytest.raises(RunNotFound):
        select_runs(RUNS, ["zzz"])
    with pytest.raises(RunNotFound):
        select_runs([], ["1"])


def test_select_one():
    assert select_one(RUNS) is RUNS[0]
    assert select_one(RUNS, "3") is RUNS[2]
    assert select_one(RUNS, "kafoe") is RUNS[3]
    assert select_one(RUNS, "2:2") is RUNS[1]
    with pytest.raises(RunSelectError) as e:
        select_one(RUNS, "kafo")
    assert len(e.value.candidates) == 5
    assert "matches 5 runs" in e.value.message and "kafob-fikud" in e.value.message
    with pytest.raises(RunNotFound) as e2:
        select_one(RUNS, "nope")
    assert e2.value.message == "No runs match 'nope'"
    with pytest.raises(RunNotFound):
        select_one([], None)


SORT = [
    (["started"], [4, 3, 2, 1, 5]),  # missing last
    (["-started"], [1, 2, 3, 4, 5]),  # missing last in both directions
    (["op"], [4, 3, 1, 2, 5]),  # stable within equal ops
    (["-op"], [1, 2, 5, 3, 4]),
    (["metric.loss"], [1, 2, 3, 4, 5]),
    (["-metric.loss"], [2, 1, 3, 4, 5]),
    (["-metric.accuracy"], [1, 4, 2, 3, 5]),
    (["config.lr"], [1, 2, 3, 4, 5]),
    (["-lr"], [2, 1, 3, 4, 5]),
    (["status", "-started"], [1, 3, 2, 5, 4]),
    (["status,-started"], [1, 3, 2, 5, 4]),
    (["label"], [1, 2, 3, 4, 5]),
    (["name"], [1, 2, 3, 4, 5]),
    (["-name"], [5, 4, 3, 2, 1]),
]


@pytest.mark.parametrize("keys,expected", SORT)
def test_sort_runs(keys, expected):
    assert pos(sort_runs(RUNS, keys)) == expected


def test_sort_mixed_types_and_bad_keys():
    runs = [make_run(1, config={"x": "b"}), make_run(2, config={"x": 2}),
            make_run(3, config={"x": "A"}), make_run(4, ago=timedelta(0))]
    assert [r.config.get("x") for r in sort_runs(runs, "x")] == [2, "A", "b", None]
    with pytest.raises(GageError):
        sort_runs(runs, ["-"])
