"""Gagefile discovery, parsing, validation and the sanitised model."""

from gage_core.gagefile.load import (
    GAGEFILE_NAMES,
    find_gagefile,
    load_gagefile,
    load_gagefile_text,
)
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
    "GAGEFILE_NAMES",
    "Command",
    "ConfigSpec",
    "Dependency",
    "Diagnostic",
    "GageFile",
    "OpDef",
    "Severity",
    "find_gagefile",
    "load_gagefile",
    "load_gagefile_text",
]
