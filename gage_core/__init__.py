"""Gage core: Gagefiles, runs, staging and queries, with no UI code.

Nothing in this package imports ``gage_tui``, ``rich`` or ``textual``; both
front ends (the CLI and the Textual workbench) only call into it.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
