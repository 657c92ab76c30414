"""Filters answered by the run index in SQL agree with the filter itself.

For any runs and any filter: every run the filter matches satisfies the
SQL ``maybe`` condition, and every run satisfying ``surely`` is matched.
Filters on the listed columns alone are decided by SQL (``maybe`` is
``surely``), so a listing never decodes their rows. Then the store: a
filtered or sorted page from the index is the same as filtering and
sorting the full listing, and a filter SQLite refuses falls back."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gage_core.errors import FilterSyntaxError
from gage_core.query.filter import parse_filter
from gage_core.query.pushdown import SQL_FUNCTIONS, filter_sql
from gage_core.query.sort import sort_runs
from gage_core.store import layout
from gage_core.store.attribute_log import append_user_attrs
from gage_core.store.index import IndexQueryError, RunIndex
from gage_core.store.opref import OpRef
from gage_core.store.store import RunStore
from helpers.meta_runs import make_run as make_meta_run
from helpers.query_runs import NOW
from helpers.query_runs import make_run as make_query_run

# Text where Python's case folding and SQLite's differ, numbers in text,
# quotes, the empty string.
_TEXTS = [
    "", "a", "A", "train", "Train", "TRAIN", "best run", "K", "\u212a", "k", "\u0130", "i", "i\u0307", "ß", "SS",
    "ǅ", "é", "É", "1", "1.0", "1e0", " 2", "2", "-3", "nan", "inf", "1e999", "x:y", "ns:train", "ns",
    'q"uote', "back\\slash", "tab\there", "ünï", "ZZ", "completed", "error", "0194a1b2",
    "lone \ud800", "\udcff",  # as from undecodable bytes: SQLite cannot hold them
]  # fmt: skip
_STATUSES = ["completed", "error", "running", "staged", "terminated", "Completed", "ÉRROR"]
_FIELDS = ["status", "op", "label", "name", "id", "tag", "container", "project", "project_id",
           "lr", "metric.loss", "exit", "operation", "tags"]  # fmt: skip
_OPS = ["=", "!=", "==", "<", "<=", ">", ">=", "~", "!~", "=~"]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_values = st.one_of(
    st.sampled_from(_TEXTS).map(_quoted),
    st.sampled_from(["1", "2", "1.5", "-3", "0", "1e3", "train", "completed", "K", "ns:train"]),
    st.just("/tr.in/i"),
)
_leaves = st.one_of(
    st.builds(lambda f, o, v: f"{f} {o} {v}", st.sampled_from(_FIELDS), st.sampled_from(_OPS), _values),
    st.builds(
        lambda f, neg, vs: f"{f} {'not in' if neg else 'in'} [{', '.join(vs)}]",
        st.sampled_from(_FIELDS), st.booleans(), st.lists(_values.filter(lambda v: not v.startswith("/")), min_size=1, max_size=3),
    ),
    st.sampled_from(_TEXTS).map(_quoted),
    st.sampled_from(["train", "comp", "error", "0194", "k", "ns"]),
    st.just("started after 2 hours ago"),
)  # fmt: skip
_filters = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a} and {b})", inner, inner),
        st.builds(lambda a, b: f"({a} or {b})", inner, inner),
        inner.map(lambda a: f"not ({a})"),
    ),
    max_leaves=6,
)


@st.composite
def _runs(draw):
    count = draw(st.integers(1, 8))
    runs = []
    for n in range(1, count + 1):
        op = draw(st.sampled_from(["train", "Train", "", "x:y", "K", "ǅ"]))
        runs.append(make_query_run(
            n,
            opref=OpRef(draw(st.sampled_from([None, "", "ns", "É"])), op),
            status=draw(st.sampled_from(_STATUSES)),
            label=draw(st.one_of(st.none(), st.sampled_from(_TEXTS))),
            name=draw(st.sampled_from(_TEXTS)),
            tags=tuple(draw(st.lists(st.sampled_from(_TEXTS), max_size=3))),
            container=draw(st.sampled_from(["active", "trash"])),
            project_dir=draw(st.one_of(st.none(), st.sampled_from(["/p", "/P", "1"]))),
            config={"lr": draw(st.sampled_from([0.1, 1, "1", "x"]))},
            metrics={"loss": 0.5},
        ))  # fmt: skip
    return runs


def _sql_ids(index: RunIndex, sql, plain: str) -> set[str]:
    """Ids of rows satisfying ``sql``, as the store asks: rows whose text
    columns are not the run's own (``plain`` 0) are "maybe", never "surely"."""
    return {row[0] for row in index.matching(None, (plain.format(sql.text), sql.params))}


def _plain_text(value) -> bool:
    return not isinstance(value, str) or value.encode("utf-8", "surrogatepass").decode("utf-8", "ignore") == value


def _plain(run) -> bool:
    texts = [run.label, run.name, run.opref.name, run.opref.namespace, run.project_dir, *run.tags]
    return all(_plain_text(t) for t in texts)


def _index_of(runs_dir: Path, runs) -> RunIndex:
    index = RunIndex(runs_dir)
    index.write([(r.id, [2, 1, 1, 1, 0, 0, 0, 0], r) for r in runs])
    index.add_functions(SQL_FUNCTIONS)
    return index


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=_runs(), texts=st.lists(_filters, min_size=1, max_size=4))
def test_sql_conditions_bracket_the_filter(runs, texts):
    with tempfile.TemporaryDirectory() as tmp, _index_of(Path(tmp), runs) as index:
        checked = 0
        for text in texts:
            try:
                run_filter = parse_filter(text)
            except FilterSyntaxError:
                continue
            checked += 1
            plan = filter_sql(run_filter)
            matched = {r.id for r in runs if run_filter.matches(r, now=NOW)}
            try:
                surely = _sql_ids(index, plan.surely, "(plain AND {})")
                maybe = _sql_ids(index, plan.maybe, "(NOT plain OR {})")
            except IndexQueryError:  # a value SQLite cannot hold: the store asks the filter
                assert not all(_plain_text(p) for p in plan.maybe.params + plan.surely.params), text
                continue
            assert surely <= matched <= maybe, text
            if plan.exact and all(_plain(r) for r in runs):
                assert surely == matched, text
        assume(checked)


@pytest.mark.parametrize(
    "text",
    [
        "status = error", "op = ns:train", "op ~ RAIN", "label ~ k", "tag = K", "name != a",
        "completed", "K", '"İ"', "label = 1", "label < b", "status in [error, running]",
        "not (label ~ x or tag !~ y)", 'project = "/p" and container = trash', "id ~ 0194",
    ],
)  # fmt: skip
def test_filters_on_listed_columns_are_decided_in_sql(text):
    assert filter_sql(parse_filter(text)).exact


@pytest.mark.parametrize("text", ["lr > 0.1", "metric.loss < 1", "started after 2 hours ago", "label ~ /x/"])
def test_other_filters_are_left_to_the_filter(text):
    plan = filter_sql(parse_filter(text))
    assert not plan.exact


# -- the store


def _meta_store(tmp_path: Path, count: int = 24) -> tuple[RunStore, list[str]]:
    ids = []
    for i in range(count):
        files = {
            "proc/exit": "1" if i % 3 == 0 else "0",
            "started": str(1_700_000_000_000_000 + i * 1000),
            "opref": f"2 gagefile:x {'ns' if i % 2 else 'other'} {'train' if i % 4 else 'prepare'}",
            "config.json": f'{{"lr": {i / 10}}}',
        }
        run_id = make_meta_run(tmp_path, files)
        if i % 5 == 0:
            append_user_attrs(layout.user_dir(tmp_path, run_id), set={"label": f"Kelvin \u212a{i}", "tags": ["v2"]})
        ids.append(run_id)
    return RunStore(tmp_path), ids


_STORE_FILTERS = [
    "status = error", "op = ns:train", "label ~ k", "tag = v2", "lr > 1", "error or lr < 0.5",
    "not (status = error) and op ~ TRA", "prepare", "status in [completed] and lr >= 1.5",
]  # fmt: skip


@pytest.mark.parametrize("text", _STORE_FILTERS)
def test_filtered_page_is_the_head_of_the_filtered_listing(tmp_path, text):
    store, _ids = _meta_store(tmp_path)
    store.newest_runs(1)  # builds the index
    run_filter = parse_filter(text)
    expected = run_filter.filter(store.list_runs())
    for limit in (0, 3, 100):
        page = store.newest_runs(limit, where=run_filter)
        assert [r.id for r in page.runs] == [r.id for r in expected[:limit]]
        assert page.total == len(expected)


@pytest.mark.parametrize("keys", [["-lr"], ["label", "-started"], ["status", "op"]])
def test_sorted_page_from_the_index_numbers_runs_newest_first(tmp_path, keys):
    store, _ids = _meta_store(tmp_path)
    store.newest_runs(1)
    run_filter = parse_filter("not prepare")
    newest = run_filter.filter(store.list_runs())
    place = {r.id: n for n, r in enumerate(newest, 1)}
    expected = sort_runs(newest, keys)[:5]
    page = store.newest_runs(5, where=run_filter, sort=keys)
    assert [r.id for r in page.runs] == [r.id for r in expected]
    assert page.numbers == [place[r.id] for r in expected]
    assert page.total == len(newest)


def test_a_filter_sqlite_refuses_is_answered_by_the_filter(tmp_path):
    store, ids = _meta_store(tmp_path, 6)
    store.newest_runs(1)
    # More values than SQLite takes parameters in one statement.
    text = "id in [" + ", ".join([f'"x{n}"' for n in range(33_000)] + [_quoted(ids[2])]) + "]"
    page = store.newest_runs(10, where=parse_filter(text))
    assert [r.id for r in page.runs] == [ids[2]] and page.total == 1


def test_a_label_changed_since_indexing_is_seen_by_a_filtered_page(tmp_path):
    store, ids = _meta_store(tmp_path, 6)
    store.newest_runs(1)
    append_user_attrs(layout.user_dir(tmp_path, ids[1]), set={"label": "fresh"})
    store.reindex([ids[1]])  # as `gage label` does
    page = store.newest_runs(10, where=parse_filter("label = fresh"))
    assert [r.id for r in page.runs] == [ids[1]]


def test_text_sqlite_cannot_hold_is_filtered_by_the_filter(tmp_path):
    """Lone surrogates (undecodable bytes as Python reads them) in a label,
    a tag or the filter itself: the rows are kept, and the filter's own
    answer is given."""
    store, ids = _meta_store(tmp_path, 6)
    append_user_attrs(layout.user_dir(tmp_path, ids[3]), set={"label": "bad \ud800 x", "tags": ["t\udc80"]})
    full = store.list_runs()
    assert len(full) == 6
    for text in ["label ~ bad", "tag ~ t", "not label ~ bad", "label ~ \ud800", 'tag = "t\udc80"', "kelvin"]:
        run_filter = parse_filter(text)
        expected = run_filter.filter(full)
        page = store.newest_runs(10, where=run_filter)
        assert [r.id for r in page.runs] == [r.id for r in expected] and page.total == len(expected), text
