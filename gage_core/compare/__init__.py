"""Comparing runs: the compare table (columns of attributes, flags and
metrics), metric series per step for plots, the two-run diff, and boards.

``table`` builds sortable compare tables, ``series`` reads summaries and
live metric series, ``diff`` compares two runs (flags, files, output,
metrics) and formats diff values and deltas for both front ends,
``board`` builds Gage 0.1.2's board data (``gage board``).
"""

__all__: list[str] = []
