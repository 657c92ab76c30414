"""``gage check RUN``: is a run's record whole and its files untouched?

``check_run(run) -> RunCheck`` (``run`` is a ``gage_core.store.run.Run``)
derives the run's state from its meta and checks:

* a **staged** run: ``opref``, ``initialized``, ``staged`` and ``manifest``
  present; every file in the run dir hashes to its manifest entry, no file
  missing or unrecorded; each file recorded in ``deps.json`` present (links
  resolve);
* a **finished** run (``proc/exit`` written, or a stale lock): meta complete
  (``opref``, ``initialized``, ``staged``, ``started``, ``stopped``,
  ``proc/exit``, ``summary.json``; timestamps in order), no stale
  ``proc/lock``, run files read-only, manifest consistent with the files,
  dependencies present. Files the runner logged as modified during the run
  (``File "x" was modified during the run`` in ``log/runner``) are reported
  as such (a note), not as tampering;
* a run that ended during staging only needs the meta staging wrote;
* a **running** or **pending** run: only what is final so far.

Findings are ``ok`` (a check passed), ``note`` (worth knowing, not a
problem) or ``problem``; the verdict is ``ok`` when there is no problem.
Symlinks are entries of their own (hashed by their target text), never
followed.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Finding", "RunCheck", "check_run", "FINISHED_META", "STAGED_META"]

STAGED_META = ("opref", "initialized", "staged", "manifest")
FINISHED_META = ("opref", "initialized", "staged", "started", "stopped", "proc/exit", "summary.json")
_TIMESTAMPS = ("initialized", "staged", "started", "stopped")
_MODIFIED_RE = re.compile(r'File "(.+)" was modified during the run\s*$')
_STAGING_FAILED = ("Staging failed", "Error initializing run")
_SHOW = 5  # paths named in one finding


@dataclass(frozen=True)
class Finding:
    level: str  # "ok" | "note" | "problem"
    topic: str  # "status", "meta", "lock", "read-only", "manifest", "dependencies"
    message: str
    paths: tuple[str, ...] = ()

    @property
    def is_problem(self) -> bool:
        return self.level == "problem"

    def to_json(self) -> dict:
        return {"level": self.level, "topic": self.topic, "message": self.message,
                "paths": list(self.paths)}


@dataclass
class RunCheck:
    run_id: str
    run_name: str
    operation: str
    status: str
    kind: str  # "staged" | "finished" | "running" | "pending" | "unknown"
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.is_problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        return "ok" if self.ok else "problems"

    def to_json(self) -> dict:
        return {
            "run": self.run_id, "name": self.run_name, "operation": self.operation,
            "status": self.status, "kind": self.kind, "verdict": self.verdict,
            "findings": [f.to_json() for f in self.findings],
        }


def _some(paths: list[str]) -> str:
    shown = ", ".join(paths[:_SHOW])
    return shown + (f" and {len(paths) - _SHOW} more" if len(paths) > _SHOW else "")


class _Checker:
    def __init__(self, run):
        from gage_core.store.meta import MetaReader

        self.run = run
        self.run_dir = Path(run.run_dir)
        self.meta = MetaReader(run.meta_dir)
        self.findings: list[Finding] = []

    def add(self, level: str, topic: str, message: str, paths=()) -> None:
        self.findings.append(Finding(level, topic, message, tuple(paths)))

    def add_paths(self, level: str, topic: str, paths: list[str], what: str) -> None:
        """A finding ``N <what>: a, b and 3 more`` for ``paths``; none when
        ``paths`` is empty."""
        if paths:
            self.add(level, topic, f"{len(paths)} {what}: {_some(paths)}", paths)

    # -- meta ---------------------------------------------------------

    def read(self, relpath: str, kind: str = "bytes"):
        """(value, error message); value None when absent or invalid."""
        from gage_core.store.meta import MetaError

        try:
            if kind == "int":
                return self.meta.read_int(relpath), None
            if kind == "json":
                return self.meta.read_json(relpath), None
            return self.meta.read_bytes(relpath), None
        except MetaError as e:
            return None, e.message

    def check_meta(self, required: tuple[str, ...]) -> None:
        from gage_core.store.opref import OpRef, OpRefError

        missing, invalid = [], []
        for name in required:
            kind = "int" if name in _TIMESTAMPS or name == "proc/exit" else (
                "json" if name.endswith(".json") else "bytes")
            value, err = self.read(name, kind)
            if err:
                invalid.append(err)
            elif value is None:
                missing.append(name)
            elif name == "opref":
                try:
                    OpRef.decode(value)
                except OpRefError:
                    invalid.append(f"meta opref is not a valid operation reference: {value[:60]!r}")
            elif name == "summary.json" and not isinstance(value, dict):
                invalid.append("meta summary.json is not a JSON object")
        if missing:
            self.add("problem", "meta", f"missing meta file(s): {', '.join(missing)}", missing)
        for err in invalid:
            self.add("problem", "meta", err)
        stamps = [(n, self.read(n, "int")[0]) for n in _TIMESTAMPS]
        present = [(n, v) for n, v in stamps if v is not None]
        for (a, va), (b, vb) in zip(present, present[1:]):
            if vb < va:
                self.add("problem", "meta", f"timestamps out of order: {b} is before {a}", (a, b))
        if not missing and not invalid:
            self.add("ok", "meta", f"meta complete ({', '.join(required)})")

    def staging_failed(self) -> bool:
        log = (self.read("log/runner")[0] or b"").decode("utf-8", "replace")
        return any(marker in log for marker in _STAGING_FAILED)

    # -- run files ------------------------------------------------------

    def scan(self) -> dict[str, os.stat_result]:
        """relpath -> lstat of every file and symlink in the run dir."""
        out: dict[str, os.stat_result] = {}
        if not self.run_dir.is_dir():
            return out
        base = str(self.run_dir)
        for root, dirs, files in os.walk(base):
            rel_root = os.path.relpath(root, base)
            links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
            for name in files + links:
                full = os.path.join(root, name)
                rel = name if rel_root == "." else f"{rel_root}/{name}".replace(os.sep, "/")
                try:
                    out[rel] = os.lstat(full)
                except OSError:
                    continue
        return out

    def manifest(self) -> dict[str, tuple[str, str]] | None:
        from gage_core.process.files import parse_manifest

        data = self.read("manifest")[0]
        return None if data is None else parse_manifest(data)

    def logged_modified(self) -> list[str]:
        log = (self.read("log/runner")[0] or b"").decode("utf-8", "replace")
        found = []
        for line in log.splitlines():
            m = _MODIFIED_RE.search(line)
            if m and m.group(1) not in found:
                found.append(m.group(1))
        return found

    def check_manifest(self, files: dict[str, os.stat_result], finished: bool) -> None:
        from gage_core.process.files import file_sha256

        manifest = self.manifest()
        if manifest is None:
            self.add("problem", "manifest", "meta manifest is missing: the run's files cannot be verified")
            return
        missing, changed, unreadable = [], [], []
        for path, (_ftype, sha) in sorted(manifest.items()):
            if path not in files:
                missing.append(path)
                continue
            try:
                actual = file_sha256(self.run_dir / path)
            except OSError:
                unreadable.append(path)
                continue
            if actual != sha:
                changed.append(path)
        extra = sorted(p for p in files if p not in manifest)
        when = "after the run finished" if finished else "after staging"
        self.add_paths("problem", "manifest", changed,
                       f"file(s) changed {when} (sha256 differs from the manifest)")
        self.add_paths("problem", "manifest", missing, "file(s) in the manifest are missing")
        self.add_paths("problem", "manifest", extra, f"file(s) not in the manifest (added {when})")
        if unreadable:
            self.add("problem", "manifest", f"cannot read {_some(unreadable)}", unreadable)
        if finished:
            modified = [p for p in self.logged_modified() if p not in changed]
            self.add_paths("note", "manifest", modified,
                           "staged file(s) were modified during the run (logged by the runner)")
        if not (changed or missing or extra or unreadable):
            self.add("ok", "manifest", f"all {len(manifest)} file(s) match the manifest")

    def check_readonly(self, files: dict[str, os.stat_result]) -> None:
        writable = sorted(p for p, st in files.items()
                          if stat.S_ISREG(st.st_mode) and st.st_mode & 0o222)
        self.add_paths("problem", "read-only", writable, "run file(s) are writable")
        if not writable:
            self.add("ok", "read-only", "run files are read-only")

    def check_deps(self) -> None:
        data, err = self.read("deps.json", "json")
        if err:
            self.add("problem", "dependencies", err)
            return
        if data is None:
            opdef = self.read("opdef.json", "json")[0]
            ours = self.meta.has("project.json")
            if ours and isinstance(opdef, dict) and opdef.get("depends"):
                self.add("problem", "dependencies",
                         "the operation declares dependencies but deps.json was not written")
            return
        entries = data.get("dependencies") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            self.add("problem", "dependencies", "meta deps.json has no dependency list")
            return
        missing, broken, count = [], [], 0
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if entry.get("error"):
                self.add("problem", "dependencies",
                         f"dependency {entry.get('spec') or entry.get('type')}: {entry['error']}")
            for f in entry.get("files") or ():
                path = f.get("path") if isinstance(f, dict) else None
                if not path:
                    continue
                count += 1
                full = self.run_dir / path
                if not os.path.lexists(full):
                    missing.append(path)
                elif f.get("link") and not full.exists():
                    broken.append(path)
        self.add_paths("problem", "dependencies", missing, "dependency file(s) missing from the run")
        self.add_paths("problem", "dependencies", broken, "linked dependency(ies) point to nothing")
        if not missing and not broken:
            self.add("ok", "dependencies",
                     f"{count} dependency file(s) from {len(entries)} dependency(ies) present")

    def check_lock(self, exit_code: int | None) -> None:
        from gage_core.store.status import lock_alive, parse_lock

        lock = self.read("proc/lock")[0]
        if lock is None:
            if exit_code is not None:
                self.add("ok", "lock", "no lock left behind")
            return
        if lock_alive(parse_lock(lock, self.meta.mtime("proc/lock"))):
            self.add("note", "lock", "the runner is still finishing the run (live proc/lock)")
        elif exit_code is None:
            self.add("problem", "lock",
                     "stale proc/lock and no proc/exit: the run's processes died without "
                     "recording how the run ended")
        else:
            self.add("problem", "lock", "stale proc/lock left behind after the run ended")

    # -- per kind -------------------------------------------------------

    def finished(self, exit_code: int | None) -> None:
        files = self.scan()
        if self.read("started")[0] is None and self.staging_failed():
            self.add("note", "status", "the run ended during staging (see log/runner)")
            self.check_meta(("opref", "initialized", "stopped", "proc/exit"))
            self.check_lock(exit_code)
            return
        self.check_meta(FINISHED_META)
        self.check_lock(exit_code)
        if self.run_dir.is_dir():
            self.check_readonly(files)
        else:
            self.add("problem", "manifest", "the run directory is missing")
            return
        self.check_manifest(files, finished=True)
        self.check_deps()

    def staged(self) -> None:
        self.check_meta(STAGED_META)
        if not self.run_dir.is_dir():
            self.add("problem", "manifest", "the run directory is missing")
            return
        self.check_manifest(self.scan(), finished=False)
        self.check_deps()


def check_run(run) -> RunCheck:
    """Check one run (see the module doc). Never raises for what it finds
    on disk: unreadable or corrupt files are findings."""
    from gage_core.store.status import derive_status

    checker = _Checker(run)
    try:
        info = derive_status(checker.meta)
        status = info.status
        for err in info.errors:
            checker.add("problem", "meta", err)
        exit_code = checker.read("proc/exit", "int")[0]
        lock = checker.read("proc/lock")[0]
        if status == "running":
            kind = "running"
            checker.add("note", "status", "the run is running: only its staged record was checked")
            checker.check_meta(("opref", "initialized", "staged", "started"))
        elif exit_code is not None or lock is not None or status in ("completed", "error", "terminated"):
            kind = "finished"
            checker.finished(exit_code)
        elif status == "staged":
            kind = "staged"
            checker.staged()
        elif status == "pending":
            kind = "pending"
            checker.add("problem", "status",
                        "the run was initialized but never staged (staging interrupted or in progress)")
        else:
            kind = "unknown"
            checker.add("problem", "status", "not a run: meta opref/initialized missing")
    finally:
        checker.meta.close()
    return RunCheck(
        run_id=run.id, run_name=run.name, operation=getattr(run, "op_name", "") or "",
        status=status, kind=kind, findings=checker.findings,
    )
