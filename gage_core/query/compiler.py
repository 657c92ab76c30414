"""Compiles a parsed filter tree into a predicate ``pred(run, ctx)``.

Internal to ``gage_core.query.filter`` (semantics are documented there).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from gage_core.errors import FilterSyntaxError, GageError
from gage_core.query import timespec
from gage_core.query.fields import TIME_FIELDS, field_getter, value_number, value_text

__all__ = ["EvalContext", "compile_tree", "bare_text", "field_name", "value_of", "MAX_DEPTH", "REGEX_TIMEOUT"]

MAX_DEPTH = 150
_ONE_DAY = timedelta(days=1)


class EvalContext:
    """Evaluation context: ``now`` and a per-evaluation cache of time spans."""

    __slots__ = ("now", "spans", "local")

    def __init__(self, now):
        self.now = timespec.as_now(now)
        self.spans: dict[int, tuple] = {}
        # Local wall clock (not a given tz): dates get the local UTC offset
        # of their own day, so DST is right for dates in other seasons.
        self.local = now is None or (isinstance(now, (int, float)) and not isinstance(now, bool)) or (
            getattr(now, "tzinfo", 0) is None
        )


_Ctx = EvalContext
_Pred = Callable[[Any, _Ctx], bool]


def compile_tree(text: str, node) -> _Pred:
    """The predicate for parse tree ``node`` of filter ``text``; raises
    ``FilterSyntaxError`` for semantic mistakes (with their column)."""
    return _Compiler(text).compile(node, 0)


def bare_text(tok) -> str:
    """The text a bare word token searches for (a quoted one unquoted)."""
    return _unquote(tok) if tok.type == "STRING" else str(tok)


def field_name(node) -> str:
    """The canonical name of the field of a ``field`` node (``op``,
    ``config.lr``...)."""
    return field_getter(str(node.children[0]))[0]


def value_of(text: str, node) -> _Val:
    """The value a ``value`` node of filter ``text`` stands for, as the
    predicate compares it (text, number, regex or time point)."""
    return _compiler_for(text)._value(node)


@functools.lru_cache(maxsize=8)
def _compiler_for(text: str) -> _Compiler:
    return _Compiler(text)


# A user regex gets this long per value searched (the ``regex`` package's
# timeout): a catastrophic pattern fails with a message instead of hanging.
REGEX_TIMEOUT = 0.25


@dataclass(frozen=True)
class _Val:
    text: str
    num: float | int | None = None
    regex: Any = None  # a compiled ``regex`` pattern (searched with a time limit)
    point: Callable[[_Ctx], tuple] | None = None  # time point (span) when it is one
    only_time: bool = False  # "2 days ago": meaningless for other fields


def _number(text: str):
    try:
        if re.fullmatch(r"[+-]?\d{1,18}", text):
            return int(text)
        return float(text)
    except ValueError:
        return None


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body, flags=re.S)


class _Compiler:
    def __init__(self, text: str):
        self.text = text
        self.show = re.sub(r"\s", " ", text)

    def error(self, message: str, token, hint: str | None = None) -> FilterSyntaxError:
        pos = getattr(token, "start_pos", None) or 0
        return FilterSyntaxError(message, self.show, pos + 1, hint=hint)

    def compile(self, node, depth: int) -> _Pred:
        if depth > MAX_DEPTH:
            raise FilterSyntaxError("filter is nested too deeply", self.show, 1)
        kind = node.data
        if kind == "or_expr":
            parts = [self.compile(c, depth + 1) for c in node.children]
            return lambda run, ctx: any(p(run, ctx) for p in parts)
        if kind == "and_expr":
            parts = [self.compile(c, depth + 1) for c in node.children]
            return lambda run, ctx: all(p(run, ctx) for p in parts)
        if kind == "not_":
            inner = self.compile(node.children[0], depth + 1)
            return lambda run, ctx: not inner(run, ctx)
        if kind == "bare":
            return self._bare(node.children[0])
        if kind == "compare":
            return self._compare(*node.children)
        if kind in ("in_", "not_in"):
            return self._in(node.children[0], node.children[-1], negate=kind == "not_in")
        if kind == "timecheck":
            return self._timecheck(*node.children)
        raise FilterSyntaxError(f"unsupported expression '{kind}'", self.show, 1)  # pragma: no cover

    # -- terms

    def _bare(self, tok) -> _Pred:
        needle = bare_text(tok).lower()

        def pred(run, ctx) -> bool:
            if (getattr(run, "status", None) or "").lower() == needle:
                return True
            if (getattr(run, "id", None) or "").lower().startswith(needle):
                return True
            opref = getattr(run, "opref", None)
            hay = [getattr(opref, "name", None) or getattr(run, "op_name", None),
                   getattr(run, "label", None), getattr(run, "name", None),
                   *(getattr(run, "tags", None) or ())]  # fmt: skip
            return any(isinstance(h, str) and needle in h.lower() for h in hay)

        return pred

    def _field(self, node):
        tok = node.children[0]
        canon, getter = field_getter(str(tok))
        return tok, canon, getter

    def _value(self, node) -> _Val:
        if node.data == "ago_value":
            return self._ago(node.children, only_time=True)
        tok = node.children[0]
        t = tok.type
        if t == "STRING":
            return _Val(_unquote(tok))
        if t == "NUMBER":
            return _Val(str(tok), num=_number(tok))
        if t == "REGEX":
            return _Val(str(tok), regex=self._regex(tok))
        if t == "DATE":
            return _Val(str(tok), point=self._date(tok))
        if t in ("TODAY", "YESTERDAY", "NOW"):
            return _Val(str(tok), point=self._keyword_point(tok))
        return _Val(str(tok))

    def _regex(self, tok):
        body, _, flags = str(tok)[1:].rpartition("/")
        import regex

        re_flags = 0
        for ch in flags:
            if ch == "i":
                re_flags |= regex.IGNORECASE
            elif ch == "s":
                re_flags |= regex.DOTALL
            else:
                raise self.error(f"unknown regex flag '{ch}'", tok, hint="flags: i (ignore case), s")
        try:
            return regex.compile(body.replace("\\/", "/"), re_flags)
        except (regex.error, OverflowError, RecursionError, ValueError) as e:
            raise self.error(f"invalid regex: {e}", tok) from None

    # -- time points

    def _date(self, tok):
        try:
            dt_naive, whole_day = timespec.parse_date(str(tok), None)
        except ValueError:
            raise self.error(f"invalid date '{tok}'", tok, hint="use YYYY-MM-DD") from None

        def point(ctx):
            if ctx.local:
                try:
                    dt = dt_naive.astimezone()
                except (OverflowError, ValueError, OSError):
                    dt = dt_naive.replace(tzinfo=ctx.now.tzinfo)
            else:
                dt = dt_naive.replace(tzinfo=ctx.now.tzinfo)
            if whole_day:
                return timespec.day_span(dt)
            start = timespec.ago(dt, 0, "second")
            return (start, start)

        return point

    def _keyword_point(self, tok):
        word = str(tok).lower()
        if word == "now":
            return lambda ctx: (timespec.ago(ctx.now, 0, "second"),) * 2
        if word == "today":
            return lambda ctx: timespec.day_span(ctx.now)
        return lambda ctx: timespec.day_span(ctx.now.replace(hour=12) - _ONE_DAY)

    def _amount_unit(self, num_tok, unit_tok, num_text=None):
        amount = 1 if num_tok is None else _number(num_text or num_tok)
        if amount is None or not (0 <= amount <= 1_000_000):
            raise self.error(f"'{num_tok}' is not a usable amount of time", num_tok)
        try:
            unit = timespec.normalize_unit(str(unit_tok))
        except KeyError:  # pragma: no cover - the grammar only lets units through
            raise self.error(f"unknown time unit '{unit_tok}'", unit_tok) from None
        return amount, unit

    def _duration(self, tok):
        m = re.fullmatch(r"([\d.]+)(mo|[smhdwy])", str(tok), re.I)
        if m is None:  # the grammar's DURATION token matches this pattern
            raise self.error(f"invalid duration '{tok}'", tok)
        unit = m.group(2).lower()
        return self._amount_unit(tok, "month" if unit == "mo" else unit, m.group(1))

    def _ago(self, children, only_time=False) -> _Val:
        if len(children) == 1:
            num_tok = unit_tok = children[0]
            amount, unit = self._duration(num_tok)
        else:
            num_tok, unit_tok = children
            amount, unit = self._amount_unit(num_tok, unit_tok)
        text = f"{num_tok} ago" if num_tok is unit_tok else f"{num_tok} {unit_tok} ago"

        def point(ctx):
            t = timespec.ago(ctx.now, amount, unit)
            return (t, t)

        return _Val(text, point=point, only_time=only_time)

    def _point(self, node):
        if node.data == "ago_point":
            return self._ago(node.children).point
        if node.data == "date_point":
            return self._date(node.children[0])
        return self._keyword_point(node.children[0])

    # -- comparisons

    def _compare(self, field_node, op_tok, value_node) -> _Pred:
        tok, canon, getter = self._field(field_node)
        op = {"==": "=", "=~": "~"}.get(str(op_tok), str(op_tok))
        val = self._value(value_node)
        is_time = canon in TIME_FIELDS
        if val.only_time and not is_time:
            raise self.error(
                f"'{val.text}' is a time; '{tok}' is not a time field", tok,
                hint="time fields: started, stopped, staged",
            )
        if is_time and val.point is None and val.num is None and op not in ("~", "!~"):
            raise self.error(
                f"'{val.text}' is not a time", value_node.children[0],
                hint="e.g. 2 hours ago, today, 2026-01-31",
            )
        if val.regex is not None and op not in ("~", "!~"):
            raise self.error("a /regex/ needs the ~ or !~ operator", op_tok)
        if is_time and val.point is not None and op not in ("~", "!~"):
            return self._time_compare(getter, op, self._cached(val.point))
        test = _make_test(op, val)
        if op in ("!=", "!~"):
            return lambda run, ctx: not any(test(c) for c in getter(run))
        return lambda run, ctx: any(test(c) for c in getter(run))

    def _in(self, field_node, list_node, negate: bool) -> _Pred:
        tok, canon, getter = self._field(field_node)
        vals = [self._value(v) for v in list_node.children]
        for v, node in zip(vals, list_node.children):
            if v.regex is not None or v.only_time:
                raise self.error("lists take plain values", node.children[0])
        tests = [_make_test("=", v) for v in vals]

        def hit(run) -> bool:
            return any(t(c) for c in getter(run) for t in tests)

        if negate:
            return lambda run, ctx: not hit(run)
        return lambda run, ctx: hit(run)

    def _cached(self, point):
        key = id(point)

        def span(ctx):
            got = ctx.spans.get(key)
            if got is None:
                got = ctx.spans[key] = point(ctx)
            return got

        return span

    def _time_compare(self, getter, op: str, span) -> _Pred:
        def pred(run, ctx) -> bool:
            values = [v for v in getter(run) if value_number(v) is not None]
            if not values:
                return op == "!="
            start, end = span(ctx)
            t = values[0]
            inside = start <= t < end or (start == end == t)
            return {
                "=": inside,
                "!=": not inside,
                "<": t < start,
                "<=": t < end or t == start,
                ">": t >= end and not (start == end == t),
                ">=": t >= start,
            }[op]

        return pred

    def _timecheck(self, field_node, pred_node) -> _Pred:
        tok, canon, getter = self._field(field_node)
        if canon not in TIME_FIELDS:
            raise self.error(
                f"'{tok}' is not a time field", tok, hint="time fields: started, stopped, staged"
            )
        kids = pred_node.children
        kw = kids[0].type
        if kw in ("AFTER", "SINCE", "BEFORE", "UNTIL", "ON"):
            span = self._cached(self._point(kids[1]))
            test = {
                "AFTER": lambda t, s: t >= s[1] and not (s[0] == s[1] == t),
                "SINCE": lambda t, s: t >= s[0],
                "BEFORE": lambda t, s: t < s[0],
                "UNTIL": lambda t, s: t < s[1] or t == s[0],
                "ON": lambda t, s: s[0] <= t < s[1],
            }[kw]
        elif kw in ("LAST", "WITHIN"):
            if kids[-1].type == "DURATION":
                amount, unit = self._duration(kids[-1])
            else:
                num = kids[1] if len(kids) == 3 else None
                amount, unit = self._amount_unit(num, kids[-1])
            span = self._cached(lambda ctx: (timespec.ago(ctx.now, amount, unit), 0))
            test = lambda t, s: t >= s[0]  # noqa: E731
        elif kw == "BETWEEN":
            a, b = self._cached(self._point(kids[1])), self._cached(self._point(kids[2]))
            span = lambda ctx: (a(ctx)[0], b(ctx)[1])  # noqa: E731
            test = lambda t, s: s[0] <= t < s[1] or t == s[0]  # noqa: E731
        elif kw == "THIS":
            unit = timespec.normalize_unit(str(kids[1]))
            span = self._cached(lambda ctx: timespec.period_span(ctx.now, unit))
            test = lambda t, s: s[0] <= t < s[1]  # noqa: E731
        else:  # TODAY, YESTERDAY
            span = self._cached(self._keyword_point(kids[0]))
            test = lambda t, s: s[0] <= t < s[1]  # noqa: E731

        def pred(run, ctx) -> bool:
            for v in getter(run):
                if value_number(v) is not None:
                    return bool(test(v, span(ctx)))
            return False

        return pred


def _make_test(op: str, val: _Val) -> Callable[[Any], bool]:
    """A test of one run value against ``val`` for ``op`` (negations are
    applied by the caller: ``!=`` uses the ``=`` test)."""
    if op in ("~", "!~"):
        if val.regex is not None:
            rx = val.regex

            def search(c) -> bool:
                try:
                    return rx.search(value_text(c), timeout=REGEX_TIMEOUT) is not None
                except TimeoutError:
                    raise GageError(
                        f"regex /{rx.pattern}/ takes too long (over {REGEX_TIMEOUT:g} s on one value)",
                        hint="simplify it: nested repeats such as (a+)+ backtrack exponentially",
                    ) from None

            return search
        needle = val.text.lower()
        return lambda c: needle in value_text(c).lower()
    if op in ("=", "!="):
        if val.num is not None:
            num, text = val.num, val.text

            def eq_num(c) -> bool:
                n = value_number(c)
                return n == num if n is not None else value_text(c) == text

            return eq_num
        text = val.text
        return lambda c: value_text(c) == text
    cmp = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }[op]
    if val.num is not None:
        num = val.num

        def order_num(c) -> bool:
            n = value_number(c)
            return n is not None and cmp(n, num)

        return order_num
    text = val.text
    return lambda c: not isinstance(c, (int, float)) and cmp(value_text(c), text)
