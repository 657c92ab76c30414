"""Gage's file pattern grammar, shared by source code
selection and config key specs.

Public API::

    glob_to_regex(glob: str) -> re.Pattern        # anchored at both ends
    parse_pattern(text: str) -> Rule              # one sourcecode pattern
    parse_patterns(patterns) -> list[Rule]
    DEFAULT_PATTERNS: tuple[str, ...]
    effective_patterns(op_patterns: tuple | None) -> tuple[str, ...]
    is_text_file(path, head: bytes | None = None) -> bool

Glob: ``*`` any chars but ``/``; ``?`` at most one non-``/`` char; ``**`` or
``**/`` zero or more whole path segments (so ``**`` alone matches nothing);
``[abc]``/``[!abc]`` character classes. Pattern: optional leading ``-``
(exclude; ``\\-`` is a literal dash), then shell words: the glob and options
``text`` | ``binary`` | ``dir``, ``size<N`` / ``size>N``, ``max-matches=N``,
``sentinel=GLOB``.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field

from gage_core.errors import StagingError

__all__ = [
    "DEFAULT_PATTERNS",
    "Rule",
    "glob_to_regex",
    "parse_pattern",
    "parse_patterns",
    "effective_patterns",
    "is_text_file",
]

DEFAULT_PATTERNS: tuple[str, ...] = (
    "**/* text size<100000 max-matches=500",
    "-**/.* dir",
    "-**/* dir sentinel=bin/activate",
    "-**/* dir sentinel=.nocopy",
    "-summary.json",
)

_TEXT_EXTS = frozenset(
    ".py .pyi .txt .md .rst .json .jsonc .yaml .yml .toml .cfg .ini .conf .csv .tsv "
    ".sh .bash .zsh .fish .bat .ps1 .r .jl .js .ts .jsx .tsx .mjs .cjs .html .htm .css "
    ".xml .svg .tex .c .h .cc .cpp .hpp .cxx .java .kt .scala .go .rs .rb .pl .lua .sql "
    ".ipynb .env .gitignore .dockerignore .in .lock .proto .m .swift .hcl .tf .mk .cmake "
    ".nim .zig .dart .php .vue .svelte .graphql .gql .properties .log".split()
)
_BINARY_EXTS = frozenset(
    ".pyc .pyo .so .dll .dylib .exe .o .a .lib .bin .dat .pkl .pickle .npy .npz .pt .pth "
    ".ckpt .h5 .hdf5 .onnx .tflite .pb .parquet .feather .arrow .zip .gz .tgz .bz2 .xz .7z "
    ".tar .rar .png .jpg .jpeg .gif .bmp .ico .tif .tiff .webp .pdf .mp3 .mp4 .wav .ogg "
    ".flac .avi .mov .mkv .woff .woff2 .ttf .otf .eot .class .jar .db .sqlite .sqlite3 "
    ".safetensors .whl .egg".split()
)
_CONTROL = bytes(b for b in range(32) if b not in (8, 9, 10, 12, 13, 27))
_HIGH = bytes(range(127, 256))


def glob_to_regex(glob: str) -> re.Pattern:
    """Compile a Gage glob to a regex matched against a whole relative path.
    Raises StagingError for a bad character class (``[z-a]``)."""
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if c == "*":
            if glob.startswith("**", i):
                i += 2
                if i < n and glob[i] == "/":
                    i += 1
                out.append("(?:[^/]+/)*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]?")
        elif c == "[":
            j = glob.find("]", i + 2)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = glob[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                cls = "[" + body.replace("\\", "\\\\") + "]"
                try:
                    re.compile(cls)
                except re.error as e:
                    raise StagingError(
                        f"invalid pattern '{glob}': bad character class '{glob[i:j + 1]}' ({e.msg})",
                        hint="a range goes from low to high, e.g. [a-z]",
                    ) from None
                out.append(cls)
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


@dataclass
class Rule:
    """One parsed pattern. ``matches`` counts for ``max_matches``;
    ``refused`` counts files refused because the limit was reached."""

    text: str
    glob: str
    regex: re.Pattern
    include: bool
    type: str | None = None  # "text" | "binary" | "dir" | None
    size_lt: int | None = None
    size_gt: int | None = None
    max_matches: int | None = None
    sentinel: str | None = None
    matches: int = 0
    refused: int = 0
    _sentinel_re: re.Pattern | None = field(default=None, repr=False)

    @property
    def is_dir(self) -> bool:
        return self.type == "dir"

    def needs_stat(self) -> bool:
        return self.size_lt is not None or self.size_gt is not None


def parse_pattern(text: str) -> Rule:
    """Parse one pattern; raises StagingError with the pattern on bad input."""
    s = text.strip()
    include = True
    if s.startswith("\\-"):
        s = s[1:]
    elif s.startswith("-"):
        include = False
        s = s[1:].lstrip()
    try:
        words = shlex.split(s)
    except ValueError as e:
        raise StagingError(f"invalid source pattern '{text}': {e}") from None
    if not words:
        raise StagingError(f"invalid source pattern '{text}': no path")
    rule = Rule(text=text, glob=words[0], regex=glob_to_regex(words[0]), include=include)
    for opt in words[1:]:
        try:
            if opt in ("text", "binary", "dir"):
                rule.type = opt
            elif opt.startswith("size<"):
                rule.size_lt = int(opt[5:])
            elif opt.startswith("size>"):
                rule.size_gt = int(opt[5:])
            elif opt.startswith("max-matches="):
                rule.max_matches = int(opt[12:])
            elif opt.startswith("sentinel="):
                rule.sentinel = opt[9:]
                rule._sentinel_re = glob_to_regex(rule.sentinel)
            else:
                raise ValueError
        except ValueError:
            raise StagingError(
                f"invalid option '{opt}' in source pattern '{text}'",
                hint="options are text, binary, dir, size<N, size>N, max-matches=N, sentinel=PATH",
            ) from None
    return rule


def parse_patterns(patterns) -> list[Rule]:
    return [parse_pattern(p) for p in patterns]


def effective_patterns(op_patterns: tuple[str, ...] | None) -> tuple[str, ...]:
    """Defaults when ``None``; the op's own when it has an include; else
    the defaults followed by the op's excludes; ``()`` means nothing."""
    if op_patterns is None:
        return DEFAULT_PATTERNS
    pats = tuple(op_patterns)
    if not pats:
        return ()
    if any(not p.strip().startswith("-") or p.strip().startswith("\\-") for p in pats):
        return pats
    return DEFAULT_PATTERNS + pats


def is_text_file(path: str | os.PathLike, head: bytes | None = None) -> bool:
    """Known extensions first, else sniff the first 1024 bytes: a NUL byte
    or many control characters mean binary; UTF-8 or mostly printable
    Latin-1 text means text. Unreadable files count as binary."""
    name = os.fspath(path)
    ext = os.path.splitext(name)[1].lower()
    if ext in _TEXT_EXTS:
        return True
    if ext in _BINARY_EXTS:
        return False
    if head is None:
        try:
            with open(name, "rb") as f:
                head = f.read(1024)
        except OSError:
            return False
    if not head:
        return True
    if b"\x00" in head:
        return False
    control = len(head) - len(head.translate(None, _CONTROL))
    if control / len(head) > 0.1:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        if e.start >= len(head) - 3 and e.reason.startswith("unexpected end"):
            return True
    high = len(head) - len(head.translate(None, _HIGH))
    return control / len(head) < 0.05 and high / len(head) < 0.3
