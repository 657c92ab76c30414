"""Typed errors a user can cause, each carrying a message written for them.

Front ends catch ``GageError`` and render ``message`` (and ``hint``); any
other exception reaching the top is a bug.
"""

from __future__ import annotations

__all__ = [
    "GageError",
    "GagefileNotFound",
    "GagefileError",
    "OpNotFound",
    "OpBroken",
    "FlagError",
    "StagingError",
    "StoreError",
    "RunNotFound",
    "RunSelectError",
    "FilterSyntaxError",
    "RunStateError",
    "BatchError",
]


class GageError(Exception):
    """Base of all user-facing errors.

    ``message`` is one line for the user; ``hint`` an optional next step;
    ``exit_code`` what the CLI exits with.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None, *, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class GagefileNotFound(GageError):
    """No Gagefile in the project directory (or the given path is missing)."""


class GagefileError(GageError):
    """A Gagefile cannot be used; ``diagnostics`` says where and why."""

    def __init__(self, message: str, diagnostics=(), hint: str | None = None):
        super().__init__(message, hint)
        self.diagnostics = tuple(diagnostics)


class OpNotFound(GageError):
    """No operation of that name; ``available`` lists the ones that exist."""

    def __init__(self, message: str, available=(), hint: str | None = None):
        super().__init__(message, hint)
        self.available = tuple(available)


class OpBroken(GagefileError):
    """The operation exists but its definition is invalid."""


class FlagError(GageError):
    """A flag assignment is malformed, unknown or of the wrong type."""


class StagingError(GageError):
    """Source code, config or a dependency could not be staged."""


class StoreError(GageError):
    """The runs directory cannot be read or written."""


class RunNotFound(GageError):
    """A run spec matched no run."""


class RunSelectError(GageError):
    """A run spec is ambiguous or malformed; ``candidates`` lists matches."""

    def __init__(self, message: str, candidates=(), hint: str | None = None):
        super().__init__(message, hint)
        self.candidates = tuple(candidates)


class FilterSyntaxError(GageError):
    """A filter expression does not parse; ``column`` is 1-based."""

    def __init__(self, message: str, text: str, column: int, hint: str | None = None):
        super().__init__(message, hint)
        self.text = text
        self.column = column

    def caret_lines(self) -> str:
        """The expression with a caret under the failing column."""
        return f"{self.text}\n{' ' * (self.column - 1)}^"


class RunStateError(GageError):
    """The run is in a state that does not allow the action (e.g. running)."""


class BatchError(GageError):
    """A batch file cannot be read or its rows are invalid."""
