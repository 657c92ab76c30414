"""The workbench's per-user files: a keymap the user writes, and the state
the workbench remembers between starts (the theme).

- ``$XDG_CONFIG_HOME/gage/keymap.toml`` (default ``~/.config/gage``):
  binding id = keys, e.g. ``runs-stop = "x,ctrl+k"``. Read, never written.
- ``$XDG_STATE_HOME/gage/workbench.json`` (default ``~/.local/state/gage``):
  written by the workbench only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["config_dir", "state_file", "load_keymap", "load_theme", "save_theme", "KeymapError"]


class KeymapError(Exception):
    """The keymap file cannot be used; the message names file:line:col."""


def _xdg(var: str, default: str) -> Path:
    base = os.environ.get(var) or os.path.join(os.path.expanduser("~"), default)
    return Path(base) / "gage"


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def state_file() -> Path:
    return _xdg("XDG_STATE_HOME", os.path.join(".local", "state")) / "workbench.json"


def load_keymap(known_ids: set[str], path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """(binding id -> keys, warnings) from the user's keymap; an absent file
    is an empty keymap. Raises ``KeymapError`` for a file that does not
    parse or a value that is not a key string."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    path = path or config_dir() / "keymap.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as e:
        raise KeymapError(f"{path}: cannot read: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise KeymapError(_toml_error(path, e)) from e
    keymap: dict[str, str] = {}
    warnings: list[str] = []
    for binding_id, keys in data.items():
        if not isinstance(keys, str) or not keys.strip():
            raise KeymapError(f"{path}: '{binding_id}' must be keys as a string, like \"x\" or \"ctrl+k,f6\"")
        if binding_id not in known_ids:
            warnings.append(f"{path}: no binding with id '{binding_id}' (gage ui: ? lists the keys)")
            continue
        keymap[binding_id] = keys.replace(" ", "")
    return keymap, warnings


def _toml_error(path: Path, error: Exception) -> str:
    """``path:line:col: message`` from a TOML error ("... (at line 2,
    column 19)" on the Pythons whose error has no position attributes)."""
    import re

    text = str(error)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", text)
    if found:
        return f"{path}:{found.group(1)}:{found.group(2)}: {text[: found.start()]}"
    return f"{path}: {text}"


def load_theme() -> str | None:
    try:
        data = json.loads(state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    theme = data.get("theme") if isinstance(data, dict) else None
    return theme if isinstance(theme, str) else None


def save_theme(theme: str) -> None:
    """Remember ``theme`` (atomically: a crash never leaves half a file)."""
    path = state_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data["theme"] = theme
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
