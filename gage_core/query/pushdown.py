"""The part of a run filter the run index answers in SQL.

``filter_sql(run_filter)`` gives two SQL conditions over the columns of
the index's ``runs`` table (``gage_core.store.index``):

* ``maybe``: every run the filter matches has a row that satisfies it;
* ``surely``: every row that satisfies it is of a run the filter matches.

A listing reads only the rows ``maybe`` holds for and checks with the
filter itself only those ``surely`` does not hold for; a count of the
``surely`` rows comes from SQL alone. Comparisons on the listed columns
(status, op, label, name, id, tags, container, project) are written to
agree exactly with the filter's rules: case folding with Python's
``str.lower`` and numeric strings as numbers, through the
``SQL_FUNCTIONS`` the index registers. Everything else (flags, metrics,
times, regexes) is "maybe" and left to the filter. ``not`` swaps the two
conditions, so both hold through any nesting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from gage_core.query.compiler import bare_text, field_name, value_of
from gage_core.query.fields import value_number

__all__ = ["Sql", "FilterSql", "filter_sql", "SQL_FUNCTIONS", "ALWAYS", "NEVER"]


@dataclass(frozen=True)
class Sql:
    """An SQL condition that is always 0 or 1 (never NULL), with the
    parameters of its ``?`` marks in order."""

    text: str
    params: tuple = ()


ALWAYS = Sql("1")
NEVER = Sql("0")


@dataclass(frozen=True)
class FilterSql:
    maybe: Sql
    surely: Sql

    @property
    def exact(self) -> bool:
        """True when SQL alone decides every row."""
        return self.maybe == self.surely


def _lower(value):
    return value.lower() if isinstance(value, str) else None


def _number(value):
    return value_number(value) if isinstance(value, str) else None


# Registered on the index's connection: the filter's own case folding
# (SQLite's lower() folds ASCII only) and its numbers in text.
SQL_FUNCTIONS: dict[str, tuple[int, Callable[[Any], Any]]] = {
    "gage_lower": (1, _lower),
    "gage_number": (1, _number),
}

# Filter fields held as one text value in a column of their own.
_TEXT_COLUMNS = {
    "status": "status",
    "label": "label",
    "name": "name",
    "id": "id",
    "container": "container",
    "project": "project_dir",
    "project_id": "project_id",
}


def filter_sql(run_filter) -> FilterSql:
    """The SQL conditions for a parsed filter (``RunFilter``); an empty
    filter is ``ALWAYS`` both ways."""
    if run_filter.tree is None:
        return FilterSql(ALWAYS, ALWAYS)
    maybe, surely = _Translator(run_filter.text).node(run_filter.tree)
    return FilterSql(maybe, surely)


def _join(parts: Iterable[Sql], word: str, unit: Sql, zero: Sql) -> Sql:
    kept: list[Sql] = []
    for part in parts:
        if part == zero:
            return zero
        if part != unit:
            kept.append(part)
    if not kept:
        return unit
    if len(kept) == 1:
        return kept[0]
    return Sql("(" + f" {word} ".join(p.text for p in kept) + ")", tuple(chain.from_iterable(p.params for p in kept)))


def _and(*parts: Sql) -> Sql:
    return _join(parts, "AND", ALWAYS, NEVER)


def _or(*parts: Sql) -> Sql:
    return _join(parts, "OR", NEVER, ALWAYS)


def _not(part: Sql) -> Sql:
    if part == ALWAYS:
        return NEVER
    if part == NEVER:
        return ALWAYS
    return Sql(f"(NOT {part.text})", part.params)


_Pair = tuple[Sql, Sql]  # (maybe, surely)
_UNKNOWN: _Pair = (ALWAYS, NEVER)


def _exact(sql: Sql) -> _Pair:
    return sql, sql


class _Translator:
    def __init__(self, text: str):
        self.text = text

    def node(self, node) -> _Pair:
        kind = node.data
        if kind in ("or_expr", "and_expr"):
            pairs = [self.node(child) for child in node.children]
            join = _or if kind == "or_expr" else _and
            return join(*(m for m, _ in pairs)), join(*(s for _, s in pairs))
        if kind == "not_":
            maybe, surely = self.node(node.children[0])
            return _not(surely), _not(maybe)
        if kind == "bare":
            return _exact(self._bare(node.children[0]))
        if kind == "compare":
            return self._compare(*node.children)
        if kind in ("in_", "not_in"):
            maybe, surely = self._in(node.children[0], node.children[-1])
            return (_not(surely), _not(maybe)) if kind == "not_in" else (maybe, surely)
        return _UNKNOWN  # time checks

    # -- terms

    def _bare(self, tok) -> Sql:
        """As the filter's bare word: status is it, id starts with it, or
        op, label, name or a tag contains it (ignoring case)."""
        needle = bare_text(tok).lower()
        contains = "IFNULL(instr(gage_lower({}), ?) > 0, 0)"
        return _or(
            Sql("(gage_lower(IFNULL(status, '')) = ?)", (needle,)),
            Sql("(instr(gage_lower(IFNULL(id, '')), ?) = 1)", (needle,)),
            *(Sql(contains.format(col), (needle,)) for col in ("op", "label", "name")),
            Sql(f"EXISTS (SELECT 1 FROM json_each(tags) WHERE {contains.format('value')})", (needle,)),
        )

    def _compare(self, field_node, op_tok, value_node) -> _Pair:
        op = {"==": "=", "=~": "~"}.get(str(op_tok), str(op_tok))
        negate = op in ("!=", "!~")
        if negate:
            op = op[1:] if op == "!~" else "="
        test = _test(op, value_of(self.text, value_node))
        if test is None:
            return _UNKNOWN
        pair = self._field_test(field_name(field_node), test)
        return (_not(pair[1]), _not(pair[0])) if negate else pair

    def _in(self, field_node, list_node) -> _Pair:
        canon = field_name(field_node)
        pairs = []
        for value_node in list_node.children:
            test = _test("=", value_of(self.text, value_node))
            if test is None:
                return _UNKNOWN
            pairs.append(self._field_test(canon, test))
        return _or(*(m for m, _ in pairs)), _or(*(s for _, s in pairs))

    @staticmethod
    def _field_test(canon: str, test: Callable[[str], Sql]) -> _Pair:
        """The pair for "some value of field ``canon`` passes ``test``"."""
        column = _TEXT_COLUMNS.get(canon)
        if column is not None:
            # The columns hold the run's text fields as they are (a Run
            # types them ``str | None``).
            return _exact(_and(Sql(f"(typeof({column}) = 'text')"), test(column)))
        if canon == "op":
            # The operation's values: its name, and ns:name when it has a
            # namespace.
            named = Sql("(typeof(op) = 'text')")
            spaced = Sql("(typeof(ns) = 'text' AND ns <> '')")
            return _exact(_and(named, _or(test("op"), _and(spaced, test("(ns || ':' || op)")))))
        if canon == "tag":
            inner = _and(Sql("(type = 'text')"), test("value"))
            return _exact(Sql(f"EXISTS (SELECT 1 FROM json_each(tags) WHERE {inner.text})", inner.params))
        return _UNKNOWN


def _test(op: str, val) -> Callable[[str], Sql] | None:
    """``column -> Sql``: the filter's test of one text value against
    ``val`` (as ``compiler._make_test``); None when SQL cannot say."""
    if val.regex is not None or val.only_time:
        return None
    if op == "~":
        needle = val.text.lower()
        return lambda col: Sql(f"(instr(gage_lower({col}), ?) > 0)", (needle,))
    num = val.num
    if op == "=":
        if num is None:
            return lambda col: Sql(f"({col} = ?)", (val.text,))
        # A value that reads as a number compares as one, else as text.
        return lambda col: Sql(
            f"(CASE WHEN gage_number({col}) IS NULL THEN {col} = ? ELSE gage_number({col}) = ? END)",
            (val.text, num),
        )
    if op not in ("<", "<=", ">", ">="):
        return None
    if num is None:
        return lambda col: Sql(f"({col} {op} ?)", (val.text,))
    return lambda col: Sql(f"IFNULL(gage_number({col}) {op} ?, 0)", (num,))
