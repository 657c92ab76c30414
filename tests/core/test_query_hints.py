"""Filter typo hints: values and keys no run has, with close matches."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gage_core.query.hints import filter_hints
from helpers.query_runs import sample_runs

RUNS = sample_runs()


def test_misspelled_status_suggests_the_status():
    assert filter_hints("status = runing", RUNS) == ["no run has status 'runing' (did you mean 'running'?)"]


def test_misspelled_op_suggests_an_op_of_the_runs():
    assert filter_hints("op = trian", RUNS) == ["no run has op 'trian' (did you mean 'train'?)"]


def test_misspelled_metric_key_suggests_a_key_the_runs_have():
    runs = [r for r in RUNS if r.metrics]
    assert runs, "sample runs have metrics"
    key = sorted(runs[0].metrics)[0]
    typo = key[:-1]
    assert filter_hints(f"metric.{typo} < 0.1", RUNS) == [f"no run has metric '{typo}' (did you mean '{key}'?)"]


def test_values_in_lists_and_misspelled_bare_flags():
    assert filter_hints("status in [completed, eror]", RUNS) == [
        "no run has status 'eror' (did you mean 'error'?)"
    ]
    hints = filter_hints("stauts = running", RUNS)
    assert hints and hints[0].startswith("no run has a flag or metric 'stauts'")
    assert "'status'" in hints[0]


def test_no_hint_for_what_runs_have_or_cannot_be_checked():
    assert filter_hints("status = completed and op = train", RUNS) == []
    assert filter_hints("label ~ zzz", RUNS) == []  # a substring: any text may be meant
    assert filter_hints("op = train and (status =", RUNS) == []  # a syntax error says it all
    assert filter_hints("", RUNS) == []
    assert filter_hints("status = Running", RUNS)[0] == "no run has status 'Running' (did you mean 'running'?)"


def test_no_runs_still_names_the_known_statuses():
    assert filter_hints("status = runing", []) == ["no run has status 'runing' (did you mean 'running'?)"]
    assert filter_hints("metric.loss < 1", []) == ["no run has metric 'loss'"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gives_a_list_of_sentences(text):
    hints = filter_hints(text, RUNS)
    assert isinstance(hints, list) and all(isinstance(h, str) and h.startswith("no run has") for h in hints)
