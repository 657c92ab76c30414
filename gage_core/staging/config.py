"""Config (flags): key specs, defaults read from project files, and
application to the staged copy (Python globals as Gage 0.1.2 does, and JSON, YAML, TOML, notebooks).

Public API::

    parse_key_spec(spec: str) -> KeySpec
    read_config_defaults(project_dir, opdef) -> ConfigDefaults
        # a dict flag -> default value, plus .sources {flag: [(file, key), ...]},
        # .files (relative files read), .warnings (files skipped, with why),
        # .source_of(flag) -> "train.py#lr" | "depends: ..." | None.
        # Each run-files dependency adds its pin flag (Dependency.flag, else
        # the op name) with default "" (= newest matching run).
    apply_config(run_dir, opdef, config: Mapping) -> str
        # rewrites the staged files in run_dir, returns unified diff text
        # (empty when nothing changed) for log/patched

Key spec: ``[-]<file-glob>[#<key-pattern>]``. ``train.py`` = its top-level
keys (``*``); ``#x`` (no file) = key x in files selected by other specs;
``-train.py#x`` drops key x; ``-train.py`` drops the file. The last spec
matching a (file, key) decides. Key patterns: ``*`` one dotted level, ``**.``
any levels, ``?`` one char. A literal key missing from a literal file is a
FlagError with a did-you-mean hint. Values are typed from the existing
value (``coerce_flag_value``); config keys that no file has are left to
the caller to record.

Flag names: a key's dotted path (``db.user``), after the config object's
``strip-prefix``, ``prefix`` and ``rename`` (``"FROM TO"`` pairs separated
by commas or new lines; ``FROM`` is the key in the file). A name that
several files provide is ambiguous, so each file's flag is qualified by the
file as a key spec is written: ``conf/db/mysql.yaml#user``. A file is
rewritten only where a flag's value differs from that file's own value.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gage_core.errors import FlagError, StagingError
from gage_core.staging.config_formats import SUPPORTED_SUFFIXES, apply_leaves, read_leaves
from gage_core.staging.flags import coerce_flag_value
from gage_core.staging.patterns import glob_to_regex

__all__ = [
    "KeySpec", "ConfigDefaults", "parse_key_spec", "parse_renames", "config_path_problem", "read_config_defaults", "apply_config",
]

_WILD = re.compile(r"[*?\[]")
_DEPENDS = "<depends>"


@dataclass(frozen=True)
class KeySpec:
    text: str
    include: bool
    file_glob: str  # "" = key-only spec
    key_pattern: str  # "*" when not given
    file_re: re.Pattern | None
    key_re: re.Pattern
    prefix: str = ""
    strip_prefix: str = ""
    renames: tuple[tuple[str, str], ...] = ()

    def matches_file(self, rel: str) -> bool:
        """Whether ``rel`` matches the file glob (False for a key-only spec)."""
        return self.file_re is not None and self.file_re.match(rel) is not None

    @property
    def literal_key(self) -> bool:
        return not _WILD.search(self.key_pattern)

    @property
    def literal_file(self) -> bool:
        return bool(self.file_glob) and not _WILD.search(self.file_glob)


def _key_regex(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**.", i):
            out.append(r"(?:[^.]+\.)*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(r".*")
            i += 2
            continue
        c = pattern[i]
        out.append(r"[^.]*" if c == "*" else r"[^.]" if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def config_path_problem(file_glob: str) -> str | None:
    """Why a config file pattern could select a file outside the project
    (absolute, ``..``), or None."""
    p = file_glob.replace("\\", "/")
    if p.startswith(("/", "~")) or re.match(r"[A-Za-z]:/", p):
        return "an absolute path is outside the project"
    if ".." in p.split("/"):
        return "'..' leads outside the project"
    return None


def parse_renames(text: str | None) -> tuple[tuple[str, str], ...]:
    """``"x train_x, y train_y"`` -> ``(("x", "train_x"), ("y", "train_y"))``.
    Raises FlagError for a rule that is not two words."""
    pairs = []
    for rule in re.split(r"[,\n]", text or ""):
        words = rule.split()
        if not words:
            continue
        if len(words) != 2:
            raise FlagError(
                f"invalid config rename rule '{rule.strip()}'",
                hint="write each rule as 'KEY NEW-NAME', rules separated by commas",
            )
        pairs.append((words[0], words[1]))
    return tuple(pairs)


def parse_key_spec(
    spec: str, prefix: str | None = None, strip_prefix: str | None = None, rename: str | None = None
) -> KeySpec:
    text = spec.strip()
    include = not text.startswith("-")
    body = text[1:].strip() if not include else text
    file_glob, _, key = body.partition("#")
    file_glob, key = file_glob.strip(), key.strip() or "*"
    problem = config_path_problem(file_glob)
    if problem:
        raise FlagError(f"config '{spec}': {problem}", hint="config files must be inside the project")
    return KeySpec(
        text=spec, include=include, file_glob=file_glob, key_pattern=key,
        file_re=glob_to_regex(file_glob) if file_glob else None, key_re=_key_regex(key),
        prefix=prefix or "", strip_prefix=strip_prefix or "", renames=parse_renames(rename),
    )


def _specs(opdef) -> list[KeySpec]:
    return [
        parse_key_spec(k, getattr(c, "prefix", None), getattr(c, "strip_prefix", None),
                       getattr(c, "rename", None))
        for c in opdef.config for k in c.keys
    ]


def _is_run_dir(parent: str, name: str) -> bool:
    """A run directory (it has a ``<id>.meta`` sibling): never config."""
    return os.path.exists(os.path.join(parent, name + ".meta")) or os.path.exists(
        os.path.join(parent, name + ".meta.zip"))


def _walk_files(root: Path, specs: list[KeySpec]) -> list[str]:
    """Relative files matching an include spec's file glob, minus ``-file`` specs."""
    found: dict[str, int] = {}
    for idx, spec in enumerate(specs):
        if not spec.include or not spec.file_glob:
            continue
        if spec.literal_file:
            if (root / spec.file_glob).is_file():
                found.setdefault(spec.file_glob, idx)
            continue
        base = _WILD.split(spec.file_glob, 1)[0].rpartition("/")[0]
        start = root / base if base else root
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(
                d for d in dirnames
                if not d.startswith(".") and d != "__pycache__" and not _is_run_dir(dirpath, d)
            )
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            for name in filenames:
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                if spec.matches_file(rel):
                    found.setdefault(rel, idx)
    out = []
    for rel in sorted(found, key=lambda r: (found[r], r)):
        if not _inside_real(root / rel, root):  # a link out of the project: never config
            continue
        decision = False
        for spec in specs:
            if spec.matches_file(rel) and (spec.include or spec.key_pattern == "*"
                                                               and "#" not in spec.text):
                decision = spec.include
        if decision:
            out.append(rel)
    return out


def _flag_name(spec: KeySpec, key: str) -> str:
    for old, new in spec.renames:
        if key == old:
            return new
    if spec.strip_prefix and key.startswith(spec.strip_prefix):
        key = key[len(spec.strip_prefix):]
    return spec.prefix + key


def _select_keys(rel: str, leaves: dict, specs: list[KeySpec]) -> dict[str, str]:
    """key -> flag name for the keys of ``rel`` the specs select."""
    selected: dict[str, str] = {}
    for key in leaves:
        decided = None
        for spec in specs:
            if spec.file_glob and not spec.matches_file(rel):
                continue
            if spec.key_re.match(key):
                decided = spec if spec.include else None
        if decided is not None:
            selected[key] = _flag_name(decided, key)
    for spec in specs:
        if spec.include and spec.literal_key and spec.literal_file and spec.file_glob == rel \
                and spec.key_pattern not in leaves:
            close = difflib.get_close_matches(spec.key_pattern, list(leaves), n=3, cutoff=0.6)
            raise FlagError(
                f"config key '{spec.key_pattern}' not found in {rel}",
                hint=("did you mean " + " or ".join(f"'{c}'" for c in close) + "?") if close
                else f"keys in {rel}: " + (", ".join(sorted(leaves)[:20]) or "none"),
            )
    return selected


class ConfigDefaults(dict):
    """flag -> default; ``sources`` flag -> [(file, key)], ``files`` read,
    ``warnings`` for files that could not be used."""

    def __init__(self):
        super().__init__()
        self.sources: dict[str, list[tuple[str, str]]] = {}
        self.files: list[str] = []
        self.warnings: list[str] = []

    def source_of(self, flag: str) -> str | None:
        src = self.sources.get(flag)
        if not src:
            return None
        if src[0][0] == _DEPENDS:
            return f"depends: {src[0][1]} (run id or name to use)"
        return f"{src[0][0]}#{src[0][1]}"


def _scan(root: Path, opdef, strict: bool) -> tuple[ConfigDefaults, dict[str, tuple[str, dict, dict]]]:
    specs = _specs(opdef)
    result = ConfigDefaults()
    per_file: dict[str, tuple[str, dict, dict]] = {}
    if not specs:
        return result, per_file
    for rel in _walk_files(root, specs):
        suffix = os.path.splitext(rel)[1].lower()
        if suffix not in SUPPORTED_SUFFIXES:
            result.warnings.append(f"{rel}: unsupported config file type '{suffix or rel}'")
            continue
        try:
            with open(root / rel, encoding="utf-8", newline="") as f:
                text = f.read()
            leaves = read_leaves(text, suffix)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            msg = f"cannot read config from {rel}: {e}"
            if strict:
                raise StagingError(msg) from None
            result.warnings.append(msg)
            continue
        keys = _select_keys(rel, leaves, specs)
        result.files.append(rel)
        per_file[rel] = (text, leaves, keys)
    owners: dict[str, set[str]] = {}
    for rel, (_text, _leaves, keys) in per_file.items():
        for flag in keys.values():
            owners.setdefault(flag, set()).add(rel)
    for rel, (_text, leaves, keys) in per_file.items():
        for key, flag in list(keys.items()):
            if len(owners[flag]) > 1:
                flag = keys[key] = f"{rel}#{flag}"
            result.sources.setdefault(flag, []).append((rel, key))
            result.setdefault(flag, leaves[key])
    return result, per_file


def read_config_defaults(project_dir: str | os.PathLike, opdef) -> ConfigDefaults:
    """Flag defaults for ``opdef`` read from the project's files."""
    result = _scan(Path(project_dir), opdef, strict=False)[0]
    for dep in getattr(opdef, "depends", ()):
        flag = _pin_flag(dep)
        if flag and flag not in result:
            result[flag] = ""
            result.sources[flag] = [(_DEPENDS, dep.run_select or f"op = {dep.operation}")]
    return result


def _pin_flag(dep) -> str | None:
    """A run-files dependency's flag that can pin the run (default "": newest)."""
    if getattr(dep, "type", None) not in ("run-files", "runfiles"):
        return None
    from gage_core.staging.deps_runs import pinned_flag

    return pinned_flag(dep)


def _inside_real(path: Path, root: Path) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _same_value(a: Any, b: Any) -> bool:
    """Equal and of one type; floats by their text (``-0.0``, ``nan``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return repr(a) == repr(b)
    return a == b


def apply_config(run_dir: str | os.PathLike, opdef, config: Mapping[str, Any]) -> str:
    """Write ``config`` values into the staged files; returns the diff text.

    Raises FlagError when a value does not fit the existing value's type,
    StagingError when a file cannot be parsed or written.
    """
    root = Path(run_dir)
    _defaults, per_file = _scan(root, opdef, strict=True)
    diffs: list[str] = []
    for rel, (text, leaves, keys) in per_file.items():
        changes = {}
        for key, flag in keys.items():
            if flag not in config:
                continue
            old = leaves[key]
            value = config[flag]
            # Config values are already typed: one of the file's type (or
            # any value for a null) is used as is; coercing text again would
            # unquote it or turn it into a number.
            new = value if old is None or type(value) is type(old) else coerce_flag_value(value, old, flag)
            if not _same_value(new, old):
                changes[key] = new
        if not changes:
            continue
        suffix = os.path.splitext(rel)[1].lower()
        try:
            new_text = apply_leaves(text, suffix, changes)
        except (ValueError, KeyError, IndexError) as e:
            raise StagingError(f"cannot apply config to {rel}: {e}") from None
        if new_text == text:
            continue
        path = root / rel
        if not _inside_real(path, root):
            raise StagingError(f"cannot apply config to {rel}: it leads outside the run directory (a symlink)")
        try:
            mode = path.stat().st_mode
            if not os.access(path, os.W_OK):
                os.chmod(path, mode | 0o200)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(new_text)
        except OSError as e:
            raise StagingError(f"cannot write config to {rel}: {e.strerror or e}") from None
        diffs.append("".join(difflib.unified_diff(
            text.splitlines(keepends=True), new_text.splitlines(keepends=True),
            fromfile=f"a/{rel}", tofile=f"b/{rel}",
        )))
    return "".join(d if d.endswith("\n") else d + "\n" for d in diffs)
