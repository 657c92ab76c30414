"""Read a run's meta, stored as a directory or (Gage 0.1.2 finalised runs)
as a ``.meta.zip``, through one interface.

Readers never raise for missing files (they return ``None``); unreadable
or corrupt content raises ``MetaError`` from the ``*_json``/``*_int``
helpers so callers can record it and carry on.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gage_core.errors import StoreError
from gage_core.store import layout

if TYPE_CHECKING:
    from gage_core.process.output import OutputReader

__all__ = ["MetaReader", "MetaError", "open_meta"]


class MetaError(StoreError):
    """A meta file exists but cannot be read or decoded."""


class MetaReader:
    """Files of one run's meta: ``<id>.meta/`` or ``<id>.meta.zip``.

    ``path`` is the dir or the zip. Use as a context manager or call
    ``close()`` to release an open zip. With ``snapshot=True`` a dir meta's
    listings are read once and reused (fast for one-shot loads; later
    changes are not seen by this reader)."""

    def __init__(self, path: str | os.PathLike, snapshot: bool = False):
        self.path = Path(path)
        self._dir = str(self.path)  # string paths: pathlib is slow in bulk loads
        self._snapshot: dict[str, frozenset[str]] | None = {} if snapshot else None
        self.is_zip = self.path.name.endswith(layout.META_ZIP_SUFFIX) or (
            self.path.is_file() and zipfile.is_zipfile(self.path)
        )
        self._zip: zipfile.ZipFile | None = None
        self._names: dict[str, zipfile.ZipInfo] | None = None

    @classmethod
    def for_run(cls, runs_dir: str | os.PathLike, run_id: str) -> MetaReader:
        return cls(layout.meta_path(runs_dir, run_id))

    # -- zip plumbing -------------------------------------------------

    def _zip_names(self) -> dict[str, zipfile.ZipInfo]:
        if self._names is None:
            try:
                self._zip = zipfile.ZipFile(self.path)
                self._names = {i.filename: i for i in self._zip.infolist()}
            except (OSError, zipfile.BadZipFile) as e:
                raise MetaError(f"cannot read {self.path.name}: {e}") from None
        return self._names

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
            self._names = None

    def __enter__(self) -> MetaReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- access -------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def _listed(self, relpath: str) -> bool:
        """Snapshot check for dir meta: False when surely absent."""
        assert self._snapshot is not None
        parent, _, name = relpath.rpartition("/")
        names = self._snapshot.get(parent)
        if names is None:
            try:
                names = frozenset(os.listdir(os.path.join(self._dir, parent) if parent else self._dir))
            except OSError:
                names = frozenset()
            self._snapshot[parent] = names
        return name in names

    def has(self, relpath: str) -> bool:
        if self.is_zip:
            try:
                return relpath in self._zip_names()
            except MetaError:
                return False
        if self._snapshot is not None and not self._listed(relpath):
            return False
        return (self.path / relpath).is_file()

    def read_bytes(self, relpath: str) -> bytes | None:
        """File content, or None when absent. Raises ``MetaError`` when the
        file (or the zip) exists but cannot be read."""
        if self.is_zip:
            info = self._zip_names().get(relpath)
            if info is None or info.is_dir():
                return None
            try:
                assert self._zip is not None
                return self._zip.read(info)
            except (OSError, zipfile.BadZipFile, ValueError) as e:
                raise MetaError(f"cannot read {relpath} in {self.path.name}: {e}") from None
        if self._snapshot is not None and not self._listed(relpath):
            return None
        try:
            with open(os.path.join(self._dir, relpath), "rb") as f:
                return f.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        except OSError as e:
            raise MetaError(f"cannot read meta {relpath}: {e}") from None

    def read_text(self, relpath: str) -> str | None:
        data = self.read_bytes(relpath)
        return None if data is None else data.decode("utf-8", errors="replace")

    def read_json(self, relpath: str) -> Any:
        """Decoded JSON or None when absent; ``MetaError`` when invalid."""
        data = self.read_bytes(relpath)
        if data is None:
            return None
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as e:  # RecursionError: absurd nesting
            raise MetaError(f"meta {relpath} is not valid JSON: {e}") from None

    def read_int(self, relpath: str) -> int | None:
        """An integer file (timestamps, exit code); ``MetaError`` when not one."""
        data = self.read_bytes(relpath)
        if data is None:
            return None
        try:
            return int(data.strip())
        except ValueError:
            raise MetaError(f"meta {relpath} is not an integer: {data[:40]!r}") from None

    def mtime(self, relpath: str = "") -> float | None:
        """Modification time of a meta file (dir meta) or of the zip itself."""
        try:
            if self.is_zip:
                return self.path.stat().st_mtime
            return (self.path / relpath).stat().st_mtime if relpath else self.path.stat().st_mtime
        except OSError:
            return None

    def list_files(self, prefix: str = "") -> list[str]:
        """Relative paths of all files (not dirs) under ``prefix``, sorted."""
        if self.is_zip:
            try:
                names = self._zip_names()
            except MetaError:
                return []
            return sorted(n for n, i in names.items() if not i.is_dir() and n.startswith(prefix))
        base = self.path
        out = []
        for root, _dirs, files in os.walk(base / prefix if prefix else base):
            rel_root = Path(root).relative_to(base)
            for f in files:
                rel = (rel_root / f).as_posix()
                out.append(rel[2:] if rel.startswith("./") else rel)
        return sorted(out)

    def output_names(self) -> list[str]:
        """Phase output files present (e.g. ``10_sourcecode``, ``40_run``),
        in phase order; index files excluded. Every phase is found for dir
        and zip meta alike (Gage 0.1.2's ``name[:6]`` bug is not copied)."""
        names = [
            n[len("output/"):]
            for n in self.list_files("output/")
            if not n.endswith(".index") and "/" not in n[len("output/"):]
        ]
        return sorted(names)

    def output_path(self, name: str) -> Path | None:
        """Filesystem path of ``output/<name>`` for dir meta (None for zip)."""
        if self.is_zip:
            return None
        p = self.path / "output" / name
        return p if p.is_file() else None

    def open_output(self, name: str) -> OutputReader:
        """A reader of phase output ``name`` with its index: the file itself
        for a dir meta (so a live run can be followed), the bytes for a
        ``.meta.zip``. An output that is missing reads as empty."""
        from gage_core.process.output import OutputReader

        path = self.output_path(name)
        if path is not None:
            return OutputReader(path)
        data = self.read_bytes(f"output/{name}") or b""
        index = self.read_bytes(f"output/{name}.index") or b""
        return OutputReader(data=data, index_data=index)


def open_meta(runs_dir: str | os.PathLike, run_id: str) -> MetaReader:
    return MetaReader.for_run(runs_dir, run_id)
