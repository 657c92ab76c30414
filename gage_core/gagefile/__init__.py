"""Gagefile discovery, parsing, validation and the sanitised model."""

from gage_core.gagefile.model import (
    EXEC_PHASES,
    Command,
    ConfigSpec,
    Dependency,
    Diagnostic,
    GageFile,
    OpDef,
    Severity,
)

__all__ = [
    "EXEC_PHASES",
    "Command",
    "ConfigSpec",
    "Dependency",
    "Diagnostic",
    "GageFile",
    "OpDef",
    "Severity",
]
