"""gage ui --serve: the workbench over HTTP and a websocket, as a browser
would use it, without a browser."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

GAGE = str(Path(sys.executable).with_name("gage"))
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "gage.toml").write_text('"$runs-dir" = "runs"\n[hello]\nexec = "python3 -c \\"print(1)\\""\n')
    env = dict(os.environ, TERM="dumb")
    subprocess.run([GAGE, "run", "hello", "-y", "-q"], cwd=project, env=env, check=True, timeout=60)
    listed = subprocess.run([GAGE, "ls", "--plain"], cwd=project, env=env, capture_output=True, text=True, check=True)
    name = listed.stdout.splitlines()[1].split()[1]
    port = _free_port()
    proc = subprocess.Popen(
        [GAGE, "-C", str(project), "ui", "--serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as resp:
                page = resp.read().decode()
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"server did not come up: {proc.stderr.read().decode()}") from None
            time.sleep(0.2)
    yield url, page, name
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


async def test_served_runs_screen_shows_the_run(served):
    import aiohttp

    url, page, name = served
    assert "Gage workbench" in page
    assert f"ws://127.0.0.1:{url.rsplit(':', 1)[1]}/ws" in page
    seen = b""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url.replace("http", "ws") + "/ws?width=120&height=40") as ws:
            deadline = time.monotonic() + 90
            while name.encode() not in _ANSI.sub(b"", seen):
                assert time.monotonic() < deadline, f"run {name} never shown: {_ANSI.sub(b'', seen)[-2000:]!r}"
                msg = await ws.receive(timeout=max(1.0, deadline - time.monotonic()))
                if msg.type == aiohttp.WSMsgType.BINARY:
                    seen += msg.data
                elif msg.type == aiohttp.WSMsgType.TEXT:
                    seen += msg.data.encode()
                else:
                    break
    assert name.encode() in _ANSI.sub(b"", seen)


def test_serve_options_are_checked(tmp_path):
    env = dict(os.environ, TERM="dumb")
    for args, text in (
        (["--serve", "--port", "0"], "not a port number"),
        (["--port", "8001"], "--host and --port need --serve"),
        (["--serve", "--host", "bad host"], "not a host name"),
    ):
        proc = subprocess.run([GAGE, "-C", str(tmp_path), "ui", *args], env=env, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert proc.returncode != 0 and text in proc.stderr and "Traceback" not in proc.stderr


def test_a_busy_port_is_a_clear_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([GAGE, "-C", str(tmp_path), "ui", "--serve", "--port", str(port)],
                              env=dict(os.environ, TERM="dumb"), capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0 and "cannot listen on 127.0.0.1" in proc.stderr
    assert "Traceback" not in proc.stderr
