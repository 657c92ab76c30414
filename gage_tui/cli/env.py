"""What every command gets: resolved settings and an output helper."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from gage_core.settings import Settings, settings_from

if TYPE_CHECKING:
    from gage_tui.cli.output import Output

__all__ = ["CliEnv"]


@dataclass
class CliEnv:
    settings: Settings
    verbose: int = 0
    plain: bool = False
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CliEnv:
        return cls(
            settings=settings_from(cwd=args.cwd, home=args.home, runs=args.runs_dir),
            verbose=args.verbose,
            plain=args.plain,
        )

    @cached_property
    def out(self) -> Output:
        from gage_tui.cli.output import Output

        return Output(plain=self.plain)
