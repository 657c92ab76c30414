"""The preview of one operation: what a run would do (the same core preview
as ``gage run --preview``): exec phases, flags with defaults, source code,
dependencies. Built in a worker, cached per op until cleared."""

from __future__ import annotations

from rich import filesize
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from gage_tui.app.literal import literal

__all__ = ["OperationPreview", "preview_renderable"]


class _PreviewReady(Message):
    def __init__(self, op_name: str, preview, error: str | None):
        super().__init__()
        self.op_name = op_name
        self.preview = preview
        self.error = error


def _command(cmd) -> str:
    if cmd is None:
        return ""
    if isinstance(cmd, (list, tuple)):
        import shlex

        return shlex.join(cmd)
    return str(cmd)


def _section(title: str) -> Text:
    return Text(f"\n{title}", style="bold")


def preview_renderable(opdef, preview, max_files: int = 30) -> Group:
    """The preview of ``opdef`` as rich renderables (also used by tests)."""
    from gage_core.staging.deps import dependency_file_paths, dependency_source_text
    from gage_core.staging.flags import format_flag_value

    parts: list = []
    head = Text.assemble(literal(opdef.name, "bold"), "  ")
    if opdef.default:
        head.append("(default) ", style="cyan")
    if opdef.broken:
        head.append("broken: see Problems (3)", style="bold red")
    parts.append(head)
    if opdef.description.strip():
        parts.append(literal(opdef.description.strip(), "italic", lines=True))

    parts.append(_section("Exec"))
    phases = Table.grid(padding=(0, 2))
    phases.add_column(style="cyan", no_wrap=True)
    phases.add_column()
    any_cmd = False
    for entry in preview.exec:
        if entry.get("command") is not None:
            any_cmd = True
            phases.add_row(literal(entry["phase"]), literal(_command(entry["command"]), lines=True))
    parts.append(phases if any_cmd else Text("no exec command: this operation cannot run", style="red"))

    parts.append(_section("Flags"))
    if preview.flags:
        flags = Table(box=None, padding=(0, 2), show_edge=False)
        for col in ("flag", "value", "default", "from"):
            flags.add_column(col, style="dim" if col == "from" else None)
        for f in preview.flags:
            value = format_flag_value(f["value"])
            flags.add_row(
                literal(f["name"]),
                literal(value, "bold yellow" if f.get("given") else ""),
                literal(format_flag_value(f["default"])),
                literal(f.get("source") or ""),
            )
        parts.append(flags)
    else:
        parts.append(Text("no flags", style="dim"))

    parts.append(_section("Source code"))
    src = preview.sourcecode or {}
    if "error" in src:
        parts.append(literal(src["error"], "red", lines=True))
    else:
        patterns = src.get("patterns") or []
        parts.append(literal("patterns: " + ("  ".join(patterns) if patterns else "none"), "dim"))
        paths = src.get("paths") or []
        summary = f"{src.get('count', len(paths))} files, {filesize.decimal(int(src.get('total_size', 0)))}"
        if src.get("gitignore"):
            summary += f" ({src.get('gitignored', 0)} ignored by .gitignore)"
        parts.append(Text(summary))
        for path in paths[:max_files]:
            parts.append(literal(f"  {path}"))
        if len(paths) > max_files:
            parts.append(Text(f"  … {len(paths) - max_files} more", style="dim"))

    if preview.dependencies:
        parts.append(_section("Dependencies"))
        for dep in preview.dependencies:
            spec = dep.get("spec") or dep.get("type", "")
            if "error" in dep:
                parts.append(Text.assemble(literal(f"  {spec}: "), literal(dep["error"], "red")))
                continue
            source = dependency_source_text(dep)
            files = dependency_file_paths(dep)
            parts.append(Text.assemble(literal(f"  {spec}"), literal(f"  from {source}" if source else "", "dim")))
            for f in files[:10]:
                parts.append(literal(f"    {f}"))
            if len(files) > 10:
                parts.append(Text(f"    … {len(files) - 10} more", style="dim"))

    shown = {f"dependency {d.get('spec')}: {d['error']}" for d in preview.dependencies if "error" in d}
    problems = [p for p in preview.problems if p not in shown]
    if problems:
        parts.append(_section("Problems"))
        for problem in problems:
            parts.append(literal(f"  {problem}", "yellow", lines=True))
    return Group(*parts)


class OperationPreview(VerticalScroll):
    """Shows the preview of the op given to ``show``; ``message`` shows a
    text instead (no op, or why none loaded)."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.previews: dict[str, object] = {}
        self.op_name: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="ops-preview")

    def clear(self) -> None:
        """Forget every preview (the Gagefile or the files changed)."""
        self.previews.clear()

    def message(self, text: Text) -> None:
        self.op_name = None
        self.query_one("#ops-preview", Static).update(text)

    def show(self, name: str) -> None:
        self.op_name = name
        if name in self.previews:
            self._show_preview(name, self.previews[name], None)
            return
        self.query_one("#ops-preview", Static).update(literal(f"Previewing {name}…", "dim"))
        self._build(name)

    @work(thread=True, exclusive=True, group="ops-preview", exit_on_error=False)
    def _build(self, name: str) -> None:
        from gage_core.errors import GageError
        from gage_core.staging.preview import build_preview

        opdef = self.app.project.gagefile.ops[name]
        try:
            preview = build_preview(self.app.project, opdef, {}, store=self.app.store)
        except GageError as e:
            self.post_message(_PreviewReady(name, None, e.message))
            return
        self.post_message(_PreviewReady(name, preview, None))

    @on(_PreviewReady)
    def _ready(self, message: _PreviewReady) -> None:
        message.stop()
        if message.preview is not None:
            self.previews[message.op_name] = message.preview
        if message.op_name == self.op_name:
            self._show_preview(message.op_name, message.preview, message.error)

    def _show_preview(self, name: str, preview, error: str | None) -> None:
        gagefile = self.app.project.gagefile
        opdef = gagefile.ops.get(name) if gagefile else None
        target = self.query_one("#ops-preview", Static)
        if opdef is None:
            target.update("")
        elif preview is None:
            target.update(literal(error or "no preview", "red", lines=True))
        else:
            target.update(preview_renderable(opdef, preview))
