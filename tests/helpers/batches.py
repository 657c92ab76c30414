"""A project for batch tests: ``nap`` sleeps and prints a metric, ``picky``
fails staging for one flag value; and the parallelism a batch reached,
measured on its runs' recorded timestamps."""

from __future__ import annotations

__all__ = ["NAP", "NAP_GAGEFILE", "max_overlap"]

NAP_GAGEFILE = """\
"$runs-dir" = ".gage/runs"

[nap]
exec = "python -u nap.py"
config = "nap.py"
sourcecode = ["nap.py"]

[picky]
config = "nap.py"
sourcecode = ["nap.py"]

[picky.exec]
run = "python -u nap.py"
stage-runtime = "grep -q 'i = 2' nap.py && exit 1 || exit 0"
"""

NAP = """\
import sys
import time

i = 0
secs = 0.3
fail = -1

time.sleep(secs)
print(f"i={i} step=1 loss={1 / (i + 1)}")
sys.exit(3 if i == fail else 0)
"""


def max_overlap(runs) -> int:
    events = []
    for r in runs:
        events.append((r.started, 1))
        events.append((r.stopped, -1))
    # An end at the same microsecond as a start frees the slot first.
    events.sort(key=lambda e: (e[0], e[1]))
    cur = best = 0
    for _, d in events:
        cur += d
        best = max(best, cur)
    return best
