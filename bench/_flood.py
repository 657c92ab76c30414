"""The flood program of the workbench benchmarks: 100,000 lines a second
for ``sys.argv[1]`` seconds, each line starting with ``T`` and the time it
was written (ns), so a reader of the screen can tell each line's age."""

from __future__ import annotations

__all__ = ["FLOOD", "line_time_ns"]

FLOOD = """\
import sys, time
rate, seconds, batch = 100000, float(sys.argv[1]), 1000
out = sys.stdout
start = time.time()
n = 0
while time.time() - start < seconds:
    t = time.time_ns()
    out.write("".join(f"T{t} line {n + i} of the flood, some payload to look real\\n" for i in range(batch)))
    out.flush()
    n += batch
    ahead = n / rate - (time.time() - start)
    if ahead > 0:
        time.sleep(ahead)
"""


def line_time_ns(word: str | bytes) -> int | None:
    """The time a flood line was written, from its first word (``T<ns>``)."""
    text = word.decode("ascii", "replace") if isinstance(word, bytes) else word
    return int(text[1:]) if text[:1] == "T" and text[1:].isdigit() else None
