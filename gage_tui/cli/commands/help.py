"""gage help TOPIC: the long help topics (gagefile, exec, filters, ...)."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "configure", "run", "topic_names", "topic_text"]

NAME = "help"
HELP = "show a help topic (gagefile, exec, filters, ...)"
ORDER = 90


def _topics_dir():
    from importlib.resources import files

    return files("gage_tui.cli").joinpath("topics")


def topic_names() -> list[str]:
    return sorted(p.name[:-3] for p in _topics_dir().iterdir() if p.name.endswith(".md"))


def topic_text(name: str) -> str:
    from gage_core.errors import GageError

    path = _topics_dir().joinpath(f"{name}.md")
    if not path.is_file():
        raise GageError(
            f"no help topic '{name}'", hint=f"topics: {', '.join(topic_names())}"
        )
    return path.read_text(encoding="utf-8")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topic", nargs="?", help="topic name; omit to list topics")


def run(args, env) -> int:
    if not args.topic:
        env.out.line("Help topics (gage help TOPIC):")
        for name in topic_names():
            first = topic_text(name).splitlines()[0].lstrip("# ").strip()
            env.out.line(f"  {name:<12} {first}")
        return 0
    text = topic_text(args.topic)
    if env.out.plain:
        env.out.line(text.rstrip())
    else:
        from rich.markdown import Markdown

        env.out.console.print(Markdown(text))
    return 0
