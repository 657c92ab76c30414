"""Sanitised Gagefile model shared by the loader, the runner and the UIs.

The loader (``gage_core.gagefile.load``) is the only code that sees raw
parsed data; everything else works on these frozen records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, Union

__all__ = [
    "Severity",
    "Diagnostic",
    "Command",
    "EXEC_PHASES",
    "ConfigSpec",
    "Dependency",
    "OpDef",
    "GageFile",
]

# A phase command: a shell string, or an argument list run without a shell.
Command = Union[str, tuple[str, ...]]  # noqa: UP007 - a runtime alias: `|` needs 3.10 types at import

# Exec phases in the order a run goes through them, with their output names.
EXEC_PHASES: tuple[tuple[str, str], ...] = (
    ("stage-sourcecode", "10_sourcecode"),
    ("stage-runtime", "20_runtime"),
    ("stage-dependencies", "30_dependencies"),
    ("run", "40_run"),
    ("finalize", "50_finalize"),
)


class Severity(IntEnum):
    """LSP numbering, so an editor integration can pass it through."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a file, at a 1-based line and column (code points).

    ``end_col`` is exclusive. Positions are ``None`` when unknown; the
    message must make sense without them.
    """

    path: str
    line: int | None
    col: int | None
    end_line: int | None
    end_col: int | None
    pointer: str
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR
    code: str = "schema"
    notes: tuple[str, ...] = ()
    op: str | None = None
    keyword_location: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    def location(self) -> str:
        """``path:line:col`` (or just ``path``), as editors parse it."""
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}:{self.col or 1}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "pointer": self.pointer,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity.name.lower(),
            "code": self.code,
            "notes": list(self.notes),
            "op": self.op,
        }


@dataclass(frozen=True)
class ConfigSpec:
    """One ``config`` entry: key patterns (``file#key`` specs, ``-`` excludes)."""

    keys: tuple[str, ...]
    description: str | None = None
    prefix: str | None = None
    strip_prefix: str | None = None
    rename: str | None = None


@dataclass(frozen=True)
class Dependency:
    """A normalised ``depends`` entry.

    ``type`` is one of ``project-files``, ``run-files``, ``runs-summary``,
    ``dvcfile`` (the aliases ``file``/``dir`` and the string shorthands are
    resolved by the loader).
    """

    type: str
    files: tuple[str, ...] = ()
    run_select: str | None = None
    operation: str | None = None
    link: bool = False
    description: str | None = None
    summary_filename: str | None = None
    sha256: str | None = None
    flag: str | None = None


@dataclass(frozen=True)
class OpDef:
    """A sanitised operation.

    ``sourcecode`` is ``None`` for the default patterns, ``()`` for no
    source code, else the op's patterns. ``output_summary`` is ``True``
    (default pattern), ``False`` (disabled) or a custom regex.
    ``broken`` operations are listed but must not run; their
    ``diagnostics`` say why.
    """

    name: str
    description: str = ""
    default: bool = False
    version: str | None = None
    exec: dict[str, Command] = field(default_factory=dict)
    progress: dict[str, str] = field(default_factory=dict)
    sourcecode: tuple[str, ...] | None = None
    config: tuple[ConfigSpec, ...] = ()
    depends: tuple[Dependency, ...] = ()
    output_summary: bool | str = True
    listing_description: tuple[str, ...] = ()
    summary_filename: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    broken: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def first_line(self) -> str:
        return self.description.strip().splitlines()[0] if self.description.strip() else ""


@dataclass
class GageFile:
    """A loaded Gagefile: usable ops plus every diagnostic found.

    ``ops`` holds broken ops too (``OpDef.broken``); ``lost_ops`` names the
    ops lost to a syntax error. ``namespace`` defaults to the project
    directory's name.
    """

    path: Path
    project_dir: Path
    format: str
    namespace: str
    project_id: str | None = None
    runs_dir: str | None = None
    # "executor", "ray-address", "ray-store" as the Gagefile gives them.
    executor: dict[str, str] = field(default_factory=dict)
    ops: dict[str, OpDef] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Ops in a region that does not parse: name -> line where it is broken.
    lost_ops: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors

    def default_op(self) -> OpDef | None:
        """The op to run when none is named: the only one, else ``default = true``."""
        if len(self.ops) == 1:
            return next(iter(self.ops.values()))
        for name in sorted(self.ops):
            if self.ops[name].default:
                return self.ops[name]
        return None
