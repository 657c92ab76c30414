"""The coalescing watcher: reading files makes no event, changing them does."""

from __future__ import annotations

import threading
import time

from gage_core.store.watch import ChangeWatcher


def _wait(event: threading.Event, seconds: float) -> bool:
    return event.wait(seconds)


def test_reads_make_no_event_and_writes_do(tmp_path, monkeypatch):
    from gage_core import watch

    dispatched = []
    original = watch._Handler.dispatch

    def counted(self, event) -> None:
        dispatched.append(event.event_type)
        original(self, event)

    # Reads must not even reach Python (the kernel is not asked for them).
    monkeypatch.setattr(watch._Handler, "dispatch", counted)
    target = tmp_path / "summary.json"
    target.write_text("{}")
    seen: list[set] = []
    woke = threading.Event()

    def changed(paths: set) -> None:
        seen.append(paths)
        woke.set()

    watcher = ChangeWatcher(changed, interval=0.01).start()
    try:
        assert watcher.watch(tmp_path)
        time.sleep(0.2)  # let the watch settle
        for _ in range(50):  # what a listing does to every run's files
            target.read_bytes()
            list(tmp_path.iterdir())
        assert not _wait(woke, 0.5), seen
        assert dispatched == []
        target.write_text('{"loss": 1}')
        assert _wait(woke, 5)
        assert str(target) in set().union(*seen)
    finally:
        watcher.stop()
