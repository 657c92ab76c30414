"""``gage check --version SPEC``: does this Gage's version match a PEP 440
style spec (``>=0.1``, ``==0.1.*``, ``>0.1,<1``, or a bare ``0.1.0``)?

Only release numbers are compared (``1.2.3``; a pre- or post-release
suffix is refused): enough for "is this Gage new enough" checks in
scripts without a dependency on ``packaging``.
"""

from __future__ import annotations

import re

from gage_core.errors import GageError

__all__ = ["VersionSpecError", "version_matches"]

_CLAUSE = re.compile(r"^\s*(===|==|!=|~=|<=|>=|<|>)?\s*([0-9]+(?:\.[0-9]+)*)(\.\*)?\s*$")


class VersionSpecError(GageError):
    """A version spec that cannot be read."""


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    n = max(len(a), len(b))
    return a + (0,) * (n - len(a)), b + (0,) * (n - len(b))


def _clause_matches(version: tuple[int, ...], op: str, target: tuple[int, ...], wildcard: bool) -> bool:
    if wildcard:
        if op not in ("==", "!="):
            raise VersionSpecError(f"'.*' only goes with == or !=, not {op}")
        prefix = version[: len(target)] + (0,) * max(0, len(target) - len(version))
        return (prefix == target) == (op == "==")
    v, t = _padded(version, target)
    if op == "~=":
        if len(target) < 2:
            raise VersionSpecError("~= needs at least two release numbers (~=1.2)")
        return v >= t and version[: len(target) - 1] == target[:-1]
    return {
        "==": v == t, "===": v == t, "!=": v != t,
        "<": v < t, "<=": v <= t, ">": v > t, ">=": v >= t,
    }[op]


def version_matches(version: str, spec: str) -> bool:
    """True when ``version`` (``0.1.0``) satisfies every clause of ``spec``;
    a bare version means ``==``. Raises ``VersionSpecError`` for a spec
    that cannot be read."""
    clauses = [c for c in spec.split(",")]
    if not spec.strip() or any(not c.strip() for c in clauses):
        raise VersionSpecError(f"invalid version spec '{spec}': empty clause")
    current = _release(version.split("+")[0].split("-")[0])
    for clause in clauses:
        m = _CLAUSE.match(clause)
        if not m:
            raise VersionSpecError(
                f"invalid version spec '{spec}': '{clause.strip()}' is not an operator "
                "(==, !=, <, <=, >, >=, ~=) followed by a version",
                hint="e.g. --version '>=0.1', --version '==0.1.*', --version '>=0.1,<1'",
            )
        op, target, wildcard = m.group(1) or "==", _release(m.group(2)), bool(m.group(3))
        if not _clause_matches(current, op, target, wildcard):
            return False
    return True
