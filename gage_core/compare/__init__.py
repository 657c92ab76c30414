"""Comparing runs: the compare table (columns of attributes, flags and
metrics), metric series per step for plots, and the two-run diff.

``table`` builds sortable compare tables, ``series`` reads summaries and
live metric series, ``diff`` compares two runs (flags, files, output,
metrics) and formats diff values and deltas for both front ends.
"""

__all__: list[str] = []
