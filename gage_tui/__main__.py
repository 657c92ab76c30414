"""``python -m gage_tui`` starts the workbench, like ``gage ui``."""

import sys

from gage_tui.cli.main import main

__all__: list[str] = []

if __name__ == "__main__":
    # Global options (-C, -H, --runs) come first, so "ui" goes last.
    sys.exit(main([*sys.argv[1:], "ui"]))
