"""``gage check``: validate a Gagefile given as a file or a project directory.

A run spec argument is handled by a later extension; here anything that is
neither a file nor a directory is a user error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gage_core.errors import GageError, GagefileNotFound
from gage_core.gagefile import GAGEFILE_NAMES, Diagnostic, GageFile, find_gagefile, load_gagefile
from gage_core.settings import Settings

__all__ = [
    "CheckResult",
    "check_path",
    "resolve_check_target",
    "read_source_text",
    "raw_schema_output",
]


@dataclass
class CheckResult:
    """The loaded Gagefile, how it is shown to the user, and its text
    (for excerpts)."""

    path: Path
    shown: str
    text: str
    gagefile: GageFile

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.gagefile.diagnostics

    @property
    def errors(self) -> list[Diagnostic]:
        return self.gagefile.errors

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.gagefile.diagnostics if not d.is_error]

    @property
    def valid(self) -> bool:
        return self.gagefile.valid


def read_source_text(path: Path) -> str:
    """The file's text as the loader saw it (UTF-8, BOM dropped)."""
    try:
        text = Path(path).read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""
    return text[1:] if text.startswith("\ufeff") else text


def resolve_check_target(target: str | None, settings: Settings) -> tuple[Path, str]:
    """(Gagefile path, name shown in messages) for ``gage check [target]``."""
    if target is None:
        from gage_core.project import find_project_dir

        project_dir = find_project_dir(settings.cwd) or settings.cwd
        return _in_dir(project_dir, settings.cwd)
    path = Path(target).expanduser()
    full = path if path.is_absolute() else settings.cwd / path
    if full.is_file():
        return full, target
    if full.is_dir():
        return _in_dir(full, settings.cwd, shown_dir=target)
    if not full.exists() and any(sep in target for sep in "/\\") or path.suffix in (
        ".toml", ".json", ".yaml", ".yml"
    ):
        raise GagefileNotFound(f"file '{target}' does not exist")
    raise GageError(
        f"'{target}' is not a file or project directory",
        hint="give a Gagefile (gage.toml, gage.json, gage.yaml) or the directory holding it",
    )


def _in_dir(directory: Path, cwd: Path, shown_dir: str | None = None) -> tuple[Path, str]:
    found = find_gagefile(directory)
    if found is None:
        shown_dir = shown_dir or _rel(directory, cwd)
        names = "\n".join(f"  {name}" for name in GAGEFILE_NAMES)
        raise GagefileNotFound(
            f"cannot find a Gage file in {shown_dir}\nlooked for:\n{names}",
            hint="run 'gage help gagefile' to learn how to write one",
        )
    return found, _rel(found, cwd)


def _rel(path: Path, cwd: Path) -> str:
    import os

    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("../..") else rel


def check_path(target: str | None, settings: Settings) -> CheckResult:
    """Load and validate the Gagefile named by ``target`` (file or dir;
    default: the project around ``settings.cwd``)."""
    path, shown = resolve_check_target(target, settings)
    gagefile = load_gagefile(path, shown_as=shown)
    return CheckResult(path=path, shown=shown, text=read_source_text(path), gagefile=gagefile)


def raw_schema_output(result: CheckResult) -> dict | None:
    """jschon's unreduced "basic" output for the checked file (None when it
    does not parse)."""
    from gage_core.gagefile.parse import parse_text
    from gage_core.gagefile.schema import jschon_basic_output

    parsed = parse_text(result.text, result.gagefile.format, result.shown)
    if parsed.data is None:
        return None
    return jschon_basic_output(parsed.data)
