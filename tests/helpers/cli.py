"""The gage CLI called in-process, and the environment every test runs in
(its own Gage home, none of the developer's settings)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

__all__ = ["in_process_cli", "isolate_gage_env"]

# Variables that would point gage at the developer's runs or change how
# output is laid out (pytest-xdist workers set COLUMNS and LINES).
_CLEARED = ("GAGE_HOME", "GAGE_RUNS", "RUNS_DIR", "PROJECT_DIR", "NO_COLOR", "COLUMNS", "LINES")


def isolate_gage_env(mp: pytest.MonkeyPatch, home: Path) -> None:
    """Give the process ``home`` as HOME and clear gage's own variables."""
    mp.setenv("HOME", str(home))
    for var in _CLEARED:
        mp.delenv(var, raising=False)
    mp.setenv("TEXTUAL_ANIMATIONS", "none")


def in_process_cli(mp: pytest.MonkeyPatch):
    """A function ``run(*argv, cwd=None) -> (exit_code, stdout, stderr)``
    calling the gage CLI's ``main`` in this process."""
    from gage_tui.cli.main import main

    def run(*argv: str, cwd: Path | None = None):
        out, err = io.StringIO(), io.StringIO()
        mp.setattr(sys, "stdout", out)
        mp.setattr(sys, "stderr", err)
        if cwd is not None:
            argv = ("-C", str(cwd), *argv)
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse errors and --help
            code = e.code if isinstance(e.code, int) else 2
        finally:
            mp.setattr(sys, "stdout", sys.__stdout__)
            mp.setattr(sys, "stderr", sys.__stderr__)
        return code, out.getvalue(), err.getvalue()

    return run
