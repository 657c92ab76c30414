"""The gage command line (argparse, rich output)."""

__all__: list[str] = []
