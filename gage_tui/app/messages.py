"""Messages workers post to the app; handlers on the app own the state."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

__all__ = ["RunsLoaded", "LoadProgress", "StoreChanged", "ProjectChanged"]


@dataclass
class RunsLoaded(Message):
    """A fresh list of runs (newest first) from the store."""

    runs: list
    elapsed: float
    from_cache: bool = False
    partial: bool = False  # the first part of a long listing, more to come

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunsLoaded)


@dataclass
class LoadProgress(Message):
    """Runs read so far by a listing that reads many runs from disk."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)


@dataclass
class StoreChanged(Message):
    """Something under the runs directory changed (from the watcher thread)."""

    paths: set

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreChanged)


@dataclass
class ProjectChanged(Message):
    """The Gagefile changed on disk and was reloaded."""

    project: object
