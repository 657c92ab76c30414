"""gage copy: copy finished runs to and from storage URLs."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "copy"
HELP = "copy runs to or from a storage URL"
ORDER = 60
DESCRIPTION = """\
Copy finished runs (run dir, meta and user attributes) to a URL with
--dest, or from a URL into the runs directory with --src. URLs are fsspec
URLs: a directory path or file://..., s3://bucket/prefix (pip install
'gage-workbench[s3]'), or any scheme whose fsspec backend is installed.

A copy sends only files the other side lacks or has with another size,
checks every size, and marks a run complete last: an interrupted copy is
resumed by running it again, and a repeated one sends nothing. With --sync
a run's files that the source no longer has are deleted at the
destination. Runs come back with their read-only modes. Runs a Ray
cluster pushed to its store can be pulled with --src as well.

With --src, RUN specs and -w select among the runs at the URL."""


def configure(parser: argparse.ArgumentParser) -> None:
    from gage_tui.cli.runs_support import add_selection_args

    add_selection_args(parser, what="runs to copy")
    parser.add_argument("-d", "--dest", "--to", metavar="URL", help="copy runs to URL")
    parser.add_argument("-s", "--src", "--from", metavar="URL", help="copy runs from URL")
    parser.add_argument("--sync", action="store_true", help="delete files the source run does not have")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args, env) -> int:
    from gage_core.errors import GageError

    if bool(args.dest) == bool(args.src):
        raise GageError("give exactly one of --dest URL and --src URL", exit_code=2)
    if args.dest:
        return _copy_to(args, env)
    return _copy_from(args, env)


class _Progress:
    """One line per run; a live byte count on a terminal."""

    def __init__(self, env):
        import sys

        self.env = env
        self.tty = sys.stderr.isatty() and not env.plain
        self.name = ""

    def __call__(self, p) -> None:
        if not self.tty:
            return
        import sys

        pct = 100 * p.bytes_done // p.bytes_total if p.bytes_total else 100
        sys.stderr.write(f"\r\x1b[K{self.name}: {p.files_done}/{p.files_total} files, {pct}%")
        sys.stderr.flush()

    def done(self, text: str) -> None:
        if self.tty:
            import sys

            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
        self.env.out.line(text)


def _unfinished(runs):
    return [r for r in runs if r.status in ("running", "detached", "pending", "staged")]


def _copy_to(args, env) -> int:
    from gage_core.errors import GageError
    from gage_core.sync.runs import push_run
    from gage_core.sync.transfer import open_url
    from gage_tui.cli.runs_support import count_runs, go_ahead, select_from_args

    project, _store, runs = select_from_args(env, args, default_latest=False)
    busy = _unfinished(runs)
    if busy:
        raise GageError(
            f"run {busy[0].name} is {busy[0].status}; only finished runs can be copied",
            hint="wait for it to end, or leave it out of the selection",
        )
    if not go_ahead(env, args, runs, f"You are about to copy {count_runs(runs)} to {args.dest}\nContinue?", project=project):
        return 1
    fs_root = open_url(args.dest)
    progress = _Progress(env)
    for r in runs:
        progress.name = r.name
        result = push_run(r.runs_dir, r.id, args.dest, sync=args.sync, on_progress=progress, fs_root=fs_root)
        progress.done(_summary(r.name, result, "to", args.dest))
    env.out.line(f"Copied {count_runs(runs)} to {args.dest}")
    return 0


def _summary(name: str, result, direction: str, url: str) -> str:
    if result.up_to_date:
        return f"{name}: up to date at {url}"
    text = f"{name}: {result.sent} of {result.files} files copied {direction} {url} ({result.bytes} bytes checked)"
    if result.deleted:
        text += f", {result.deleted} deleted"
    return text


def _copy_from(args, env) -> int:
    import tempfile
    from pathlib import Path

    from gage_core.errors import RunNotFound
    from gage_core.store.store import RunStore
    from gage_core.sync.runs import list_copied_runs, pull_run
    from gage_core.sync.transfer import open_url
    from gage_tui.cli.runs_support import count_runs, go_ahead, open_store, select_runs

    project, _store = open_store(env)
    fs_root = open_url(args.src)
    ids = list_copied_runs(args.src, fs_root=fs_root)
    if not ids:
        raise RunNotFound(f"no copied runs at {args.src}")
    with tempfile.TemporaryDirectory(prefix="gage-copy-") as tmp:
        # Their metas (without output) are enough to filter and select.
        for run_id in ids:
            pull_run(args.src, run_id, tmp, meta_only=True, fs_root=fs_root)
        remote = RunStore(Path(tmp), use_index=False).list_runs()
        if args.where:
            from gage_core.query.filter import parse_filter

            remote = parse_filter(args.where).filter(remote)
        remote = select_runs(remote, args.run_specs) if args.run_specs else remote
        if not remote:
            raise RunNotFound(f"no runs at {args.src} match the selection")
        if not go_ahead(env, args, remote, f"You are about to copy {count_runs(remote)} from {args.src}\nContinue?"):
            return 1
    runs_dir = project.runs_dir
    runs_dir.mkdir(parents=True, exist_ok=True)
    progress = _Progress(env)
    for r in remote:
        progress.name = r.name
        result = pull_run(args.src, r.id, runs_dir, sync=args.sync, on_progress=progress, fs_root=fs_root)
        progress.done(_summary(r.name, result, "from", args.src))
    env.out.line(f"Copied {count_runs(remote)} from {args.src} to {runs_dir}")
    return 0
