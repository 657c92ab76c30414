"""Coalescing file-system watcher over watchdog.

watchdog events arrive in bursts (one append can yield several, a flood of
writes very few), so they are treated as wake-ups: changed paths collect
in a set and ``on_change(paths)`` is called from one delivery thread at
most every ``interval`` seconds. Callers re-read state; they never count
events.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["ChangeWatcher"]

_log = logging.getLogger(__name__)


class ChangeWatcher:
    """Watch directories; call ``on_change(changed_paths)`` after changes."""

    def __init__(self, on_change: Callable[[set[str]], None], interval: float = 0.05):
        from watchdog.observers import Observer

        self._on_change = on_change
        self._interval = interval
        self._observer = Observer()
        self._observer.daemon = True
        self._handler = _Handler(self._note)
        self._watches: dict[str, Any] = {}  # path -> watchdog's ObservedWatch
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._deliver, name="gage-watch", daemon=True)

    def start(self) -> ChangeWatcher:
        self._observer.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        try:
            self._observer.stop()
            self._observer.join(timeout=2)
        except RuntimeError:
            pass  # never started

    def watch(self, path: str | os.PathLike, recursive: bool = False) -> bool:
        """Start watching ``path``; False when it does not exist (yet)."""
        key = str(path)
        if key in self._watches:
            return True
        if not os.path.isdir(key):
            return False
        try:
            # Any: watchdog types its handler as its own base class; ours
            # needs only ``dispatch``.
            handler: Any = self._handler
            self._watches[key] = self._observer.schedule(
                handler, key, recursive=recursive, event_filter=list(_change_events())
            )
        except (OSError, KeyError):
            return False
        return True

    def unwatch(self, path: str | os.PathLike) -> None:
        watch = self._watches.pop(str(path), None)
        if watch is not None:
            try:
                self._observer.unschedule(watch)
            except (KeyError, OSError):
                pass

    def watched(self) -> Iterable[str]:
        return list(self._watches)

    def _note(self, path: str) -> None:
        with self._lock:
            self._pending.add(path)
        self._wake.set()

    def _deliver(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait()
            if self._stopped.is_set():
                return
            # Let a burst finish before re-reading state.
            self._stopped.wait(self._interval)
            with self._lock:
                paths, self._pending = self._pending, set()
                self._wake.clear()
            if paths:
                try:
                    self._on_change(paths)
                except Exception:  # a failing callback must not kill the watcher
                    _log.exception("change callback failed")


@functools.lru_cache(maxsize=1)
def _change_events() -> tuple:
    """The watchdog events that mean a change: opening and reading files
    (our own listings do it for every run) make no event at all (the
    kernel is not asked for them)."""
    from watchdog import events as ev

    return (
        ev.FileCreatedEvent, ev.FileDeletedEvent, ev.FileModifiedEvent, ev.FileMovedEvent, ev.FileClosedEvent,
        ev.DirCreatedEvent, ev.DirDeletedEvent, ev.DirModifiedEvent, ev.DirMovedEvent,
    )


class _Handler:
    """Minimal watchdog handler: every event is a wake-up for its path."""

    def __init__(self, note: Callable[[str], None]):
        self._note = note

    def dispatch(self, event) -> None:
        if getattr(event, "event_type", "") in ("opened", "closed_no_write"):
            return
        self._note(os.fsdecode(event.src_path))
        dest = getattr(event, "dest_path", "")
        if dest:
            self._note(os.fsdecode(dest))
