"""Run ids and run names.

Ids are UUID version 7 (RFC 9562) as 36 characters with dashes: the first
48 bits are the Unix time in milliseconds, so ids sort by creation time.
Within one process ids are strictly increasing: the 12-bit ``rand_a``
field is used as a counter for ids made in the same millisecond.

Names are proquints (two five-letter words). For our UUIDv7 ids the name
comes from the last 32 random bits, so runs made in the same millisecond
get different names. Gage 0.1.2 ids (UUIDv4) keep Gage's rule: the
proquint of the first 8 hex characters.
"""

from __future__ import annotations

import os
import threading
import time

__all__ = [
    "new_run_id",
    "run_name",
    "proquint",
    "is_run_id",
    "uuid_version",
    "id_time_ms",
]

_CONSONANTS = "bdfghjklmnprstvz"
_VOWELS = "aiou"
_HEX = set("0123456789abcdef")

_lock = threading.Lock()
_last_ms = -1
_last_seq = 0
_last_name = ""


def new_run_id() -> str:
    """A new UUIDv7 string, strictly greater than the previous one made by
    this process."""
    global _last_ms, _last_seq, _last_name
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            # Leave headroom in the 12-bit counter for ids in the same ms.
            seq = int.from_bytes(os.urandom(2), "big") & 0x3FF
        else:
            ms = _last_ms
            seq = _last_seq + 1
            if seq > 0xFFF:
                ms += 1
                seq = 0
        while True:
            rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
            value = (ms & ((1 << 48) - 1)) << 80
            value |= 0x7 << 76
            value |= seq << 64
            value |= 0b10 << 62
            value |= rand_b
            h = f"{value:032x}"
            run_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
            name = run_name(run_id)
            if name != _last_name:  # never two equal names in a row
                break
        _last_ms, _last_seq, _last_name = ms, seq, name
        return run_id


def proquint(value: int, words: int = 2) -> str:
    """Proquint of an unsigned integer of ``16 * words`` bits, words joined by '-'."""
    out = []
    for i in reversed(range(words)):
        w = (value >> (16 * i)) & 0xFFFF
        out.append(
            _CONSONANTS[(w >> 12) & 0xF]
            + _VOWELS[(w >> 10) & 0x3]
            + _CONSONANTS[(w >> 6) & 0xF]
            + _VOWELS[(w >> 4) & 0x3]
            + _CONSONANTS[w & 0xF]
        )
    return "-".join(out)


def uuid_version(run_id: str) -> int | None:
    """The version nibble of a dashed UUID string, or None if it is not one."""
    if not is_run_id(run_id):
        return None
    return int(run_id[14], 16)


def is_run_id(text: str) -> bool:
    """True for a 36-char dashed UUID string (lower or upper case hex)."""
    if len(text) != 36:
        return False
    for i, ch in enumerate(text.lower()):
        if i in (8, 13, 18, 23):
            if ch != "-":
                return False
        elif ch not in _HEX:
            return False
    return True


def run_name(run_id: str) -> str:
    """The run's name: proquint of the last 32 bits for UUIDv7 ids, of the
    first 8 hex chars otherwise (Gage 0.1.2's rule)."""
    hex_only = run_id.replace("-", "").lower()
    try:
        if uuid_version(run_id) == 7:
            return proquint(int(hex_only[-8:], 16))
        return proquint(int(hex_only[:8], 16))
    except ValueError:
        return run_id[:11]


def id_time_ms(run_id: str) -> int | None:
    """Creation time (ms since epoch) encoded in a UUIDv7 id, else None."""
    if uuid_version(run_id) != 7:
        return None
    return int(run_id.replace("-", "")[:12], 16)
