"""Messages of the workbench: what workers post to the app (runs listed,
read or changed on disk), what the app tells screens (``RunsDelta`` in its
``runs_delta`` reactive), and what widgets tell their screen."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

__all__ = [
    "RunsLoaded",
    "RunsRead",
    "LoadProgress",
    "StoreChanged",
    "ProjectChanged",
    "RunsDelta",
    "LiveMetrics",
    "FilterChanged",
]


@dataclass
class RunsLoaded(Message):
    """A whole listing of the store (newest first)."""

    runs: list
    elapsed: float
    from_cache: bool = False
    partial: bool = False  # the first part of a long listing, more to come

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunsLoaded)


@dataclass
class RunsRead(Message):
    """Some runs re-read from disk: ``runs`` found, ``gone`` ids vanished."""

    runs: list
    gone: set


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


@dataclass
class ProjectChanged(Message):
    """The Gagefile changed on disk and was reloaded."""

    project: object


@dataclass
class LiveMetrics(Message):
    """Metrics parsed so far from the output of running runs, by run id."""

    metrics: dict

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LiveMetrics)


@dataclass(frozen=True)
class RunsDelta:
    """What changed in the app's runs: ``changed`` ids were added or
    updated, ``removed`` ids vanished; ``full`` when the whole set was
    replaced (a listing), ``partial`` while a first listing goes on."""

    changed: frozenset = field(default_factory=frozenset)
    removed: frozenset = field(default_factory=frozenset)
    full: bool = False
    partial: bool = False


class FilterChanged(Message):
    """The filter in force changed (``run_filter`` None: every run);
    ``submitted`` when the user pressed enter on it."""

    def __init__(self, text: str, run_filter, submitted: bool = False):
        super().__init__()
        self.text = text
        self.run_filter = run_filter
        self.submitted = submitted
