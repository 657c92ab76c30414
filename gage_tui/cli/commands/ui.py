"""gage ui: the interactive workbench."""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "ORDER", "DESCRIPTION", "configure", "run"]

NAME = "ui"
HELP = "open the interactive workbench (runs, output, operations, problems)"
ORDER = 1
DESCRIPTION = """\
Open the Gage workbench in this terminal: browse and filter runs, open one,
tail its output live, preview operations, see Gagefile problems at their
line and column, and launch runs. Press ? inside for the keys.

Closing the workbench never stops a run.

With --serve the same workbench is served to web browsers (textual-serve):
each browser tab gets its own session. It listens on 127.0.0.1 unless
--host says otherwise; there is no authentication, so on a cluster's head
node reach it through an SSH tunnel (ssh -L 8000:127.0.0.1:8000 HEAD)."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--screen",
        choices=("runs", "operations", "problems"),
        default="runs",
        help="screen to start on (default: runs)",
    )
    parser.add_argument("--serve", action="store_true", help="serve the workbench to web browsers")
    parser.add_argument(
        "--host", default=None, metavar="HOST", help="with --serve: address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=None, metavar="PORT", help="with --serve: port to listen on (default 8000)"
    )


def run(args, env) -> int:
    if args.serve:
        return _serve(args, env)
    if args.host is not None or args.port is not None:
        from gage_core.errors import GageError

        raise GageError("--host and --port need --serve", exit_code=2)

    import os
    import sys

    from gage_core.errors import GageError

    # Textual needs a terminal on both ends; without one it would sit
    # waiting for keys that never come. A session served to a browser talks
    # through the driver textual-serve names instead.
    served = bool(os.environ.get("TEXTUAL_DRIVER"))
    if not served and (not _is_tty(sys.stdin) or not _is_tty(sys.stdout)):
        raise GageError(
            "gage ui needs a terminal (stdin and stdout must be a terminal)",
            hint="run it in a terminal; for scripts use 'gage ls', 'gage show' or 'gage tail'",
        )
    from gage_tui.app.app import GageApp

    app = GageApp(env.settings, start_screen=args.screen)
    app.run()
    return int(app.return_code or 0)


def _is_tty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def _app_command(args, env) -> str:
    """The shell command textual-serve starts for each browser session:
    this workbench, with the same directories."""
    import shlex
    import sys

    settings = env.settings
    argv = [sys.executable, "-c", "import sys; from gage_tui.cli.main import main; sys.exit(main())"]
    argv += ["-C", str(settings.cwd)]
    if settings.home is not None:
        argv += ["-H", str(settings.home)]
    if settings.runs_dir is not None:
        argv += ["--runs", str(settings.runs_dir)]
    argv += ["ui", "--screen", args.screen]
    return shlex.join(argv)


def _serve(args, env) -> int:
    import ipaddress

    from gage_core.errors import GageError

    host = args.host if args.host is not None else "127.0.0.1"
    port = args.port if args.port is not None else 8000
    if not 1 <= port <= 65535:
        raise GageError(f"--port {port}: not a port number (1-65535)", exit_code=2)
    if not host or any(c.isspace() or c in "/?#" for c in host):
        raise GageError(f"--host {host!r}: not a host name or address", exit_code=2)
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        env.out.err(
            f"gage: warning: serving on {host}: anyone who can reach it can use the workbench "
            "(there is no authentication)"
        )
    from textual_serve.server import Server

    shown_host = f"[{host}]" if ":" in host else host
    server = Server(_app_command(args, env), host=host, port=port, title="Gage workbench",
                    public_url=f"http://{shown_host}:{port}")
    env.out.err(f"gage: serving the workbench on http://{shown_host}:{port} (Ctrl-C to stop)")
    try:
        server.serve()
    except OSError as e:
        raise GageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    return 0
