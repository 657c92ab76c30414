"""The grammar of the run filter language (lark, LALR, contextual lexer).

See ``gage help filters`` (gage_tui/cli/topics/filters.md) for the user's
view. The parser is built once per process (``filter_parser()``).

Notes on the lexer: keywords are contextual (``label = today`` compares
with the word "today"); NUMBER and DATE only match whole tokens, so an id
prefix such as ``0a1b`` is a WORD. ``not in`` is one terminal so that
``foo not bar`` (implicit *and*) stays unambiguous.
"""

from __future__ import annotations

import threading

__all__ = ["GRAMMAR", "filter_parser", "TERMINAL_DESCRIPTIONS"]

# Characters that end a WORD (and must follow a NUMBER/DATE/UNIT).
_STOP = r"""\s()\[\],=!<>~"'"""

GRAMMAR = r"""
start: expr?

?expr: or_expr
?or_expr: and_expr ((_OR | "||") and_expr)*
?and_expr: not_expr ((_AND | "&&")? not_expr)*
?not_expr: (_NOT | "!") not_expr -> not_
         | atom
?atom: "(" expr ")"
     | field OP value                    -> compare
     | field _IN list                    -> in_
     | field NOT_IN list                 -> not_in
     | field time_pred                   -> timecheck
     | bare

bare: WORD | STRING | NUMBER | DATE
field: WORD

value: WORD | STRING | NUMBER | DATE | REGEX | TODAY | YESTERDAY | NOW | DURATION
     | NUMBER UNIT _AGO                  -> ago_value
     | DURATION _AGO                     -> ago_value

list: "[" [value (","? value)*] ","? "]"

time_pred: AFTER time_point
         | SINCE time_point
         | BEFORE time_point
         | UNTIL time_point
         | ON time_point
         | _IN _THE? LAST NUMBER? UNIT
         | _IN _THE? LAST DURATION
         | WITHIN NUMBER? UNIT
         | WITHIN DURATION
         | BETWEEN time_point (_AND | "&&") time_point
         | TODAY
         | YESTERDAY
         | THIS UNIT

time_point: NUMBER UNIT _AGO             -> ago_point
          | DURATION _AGO                 -> ago_point
          | DATE                          -> date_point
          | TODAY                         -> day_point
          | YESTERDAY                     -> day_point
          | NOW                           -> now_point

_OR: "or"i
_AND: "and"i
_NOT: "not"i
_IN: "in"i
NOT_IN.5: /not\s+in(?![^STOP])/i
_THE: "the"i
_AGO: "ago"i
AFTER: "after"i
SINCE: "since"i
BEFORE: "before"i
UNTIL: "until"i
ON: "on"i
LAST: "last"i
WITHIN: "within"i
BETWEEN: "between"i
TODAY: "today"i
YESTERDAY: "yesterday"i
THIS: "this"i
NOW: "now"i

OP: "!=" | "==" | "<=" | ">=" | "=~" | "!~" | "=" | "<" | ">" | "~"

# Digits split one way only (no quadratic backtracking on a long number).
DURATION.4: /(\d+(\.\d*)?|\.\d+)(mo|[smhdwy])(?![^STOP])/i
DATE.4: /\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?(?![^STOP])/
UNIT.3: /(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|[smhdwy])(?![^STOP])/i
NUMBER.2: /[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(?![^STOP])/
STRING: /"(\\.|[^"\\])*"/ | /'(\\.|[^'\\])*'/
REGEX: /\/(\\.|[^\/\\])*\/[a-z]*/
WORD: /[^STOP\/][^STOP]*/i

%ignore /\s+/
""".replace("STOP", _STOP)

# Terminal name -> words for "expected ..." messages.
TERMINAL_DESCRIPTIONS = {
    "WORD": "a field or word",
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "DATE": "a date (YYYY-MM-DD)",
    "DURATION": "a duration (30m, 2h, 3d, 1w)",
    "REGEX": "a /regex/",
    "OP": "an operator (= != < <= > >= ~)",
    "UNIT": "a time unit (minutes, hours, days, weeks, months)",
    "_AGO": "'ago'",
    "_AND": "'and'",
    "_OR": "'or'",
    "_NOT": "'not'",
    "_IN": "'in'",
    "NOT_IN": "'not in'",
    "_THE": "'the'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "AFTER": "'after'",
    "SINCE": "'since'",
    "BEFORE": "'before'",
    "UNTIL": "'until'",
    "ON": "'on'",
    "LAST": "'last'",
    "WITHIN": "'within'",
    "BETWEEN": "'between'",
    "TODAY": "'today'",
    "YESTERDAY": "'yesterday'",
    "THIS": "'this'",
    "NOW": "'now'",
    "$END": "the end",
}

_parser = None
_lock = threading.Lock()


def _cache_file() -> str | bool:
    """A per-user cache of the built parser (``~/.cache/gage``), or False
    when there is nowhere to write it. Lark checks the grammar hash and
    its version when loading, and rebuilds on any mismatch or failure."""
    import hashlib
    import os
    from pathlib import Path

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    digest = hashlib.sha256(GRAMMAR.encode("utf-8")).hexdigest()[:16]
    path = Path(base) / "gage" / f"filter-grammar-{digest}.lark"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return str(path) if os.access(path.parent, os.W_OK) else False


def filter_parser():
    """The process-wide LALR parser (built on first use; the build is cached
    on disk so later processes load it in a few milliseconds)."""
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                from lark import Lark

                options = dict(parser="lalr", lexer="contextual", maybe_placeholders=False)
                try:
                    _parser = Lark(GRAMMAR, cache=_cache_file(), **options)
                except Exception:  # an unusable cache file: build without it
                    _parser = Lark(GRAMMAR, **options)
    return _parser
