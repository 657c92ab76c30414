"""screenshots/browser.png: the workbench served by ``gage ui --serve``,
as headless Chromium (Debian's ``chromium``) shows it.

    .venv/bin/python scripts/browser_screenshot.py

The demo store (tests/fixtures/demo_store.py) is served on a free
loopback port; Chromium loads the page, lets the app connect and draw,
and saves the picture. Needs ``apt-get install chromium``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the helpers package

from helpers.demo_store import copy_demo_project  # noqa: E402

OUT = REPO / "screenshots" / "browser.png"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _shoot(chromium: str, url: str, profile: Path) -> bytes:
    """Load ``url`` in headless Chromium (driven through its DevTools
    protocol), wait until the app has drawn, return a PNG."""
    import aiohttp

    port = _free_port()
    browser = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
         f"--user-data-dir={profile}", "--window-size=1400,900", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/json/list") as resp:
                        pages = [t for t in await resp.json() if t.get("type") == "page"]
                    if pages:
                        break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("chromium did not start")
                await asyncio.sleep(0.2)
            async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                ids = iter(range(1, 1_000_000))

                async def call(method: str, **params):
                    n = next(ids)
                    await ws.send_json({"id": n, "method": method, "params": params})
                    while True:
                        msg = await ws.receive_json(timeout=60)
                        if msg.get("id") == n:
                            return msg.get("result", {})

                await call("Page.navigate", url=url)
                # The page marks its body once the app's first bytes arrived.
                for _ in range(300):
                    result = await call(
                        "Runtime.evaluate",
                        expression="document.body && document.body.classList.contains('-first-byte')",
                    )
                    if result.get("result", {}).get("value"):
                        break
                    await asyncio.sleep(0.1)
                await asyncio.sleep(3)  # the runs table fills in
                shot = await call("Page.captureScreenshot", format="png")
                return base64.b64decode(shot["data"])
    finally:
        os.killpg(browser.pid, signal.SIGTERM)
        browser.wait(30)


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="gage-browser-") as tmp:
        project = copy_demo_project(REPO / "examples", Path(tmp) / "demo")
        port = _free_port()
        gage = str(Path(sys.executable).with_name("gage"))
        server = subprocess.Popen(
            [gage, "-C", str(project), "ui", "--serve", "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(url, timeout=2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("gage ui --serve did not come up") from None
                    time.sleep(0.2)
            OUT.parent.mkdir(exist_ok=True)
            OUT.write_bytes(asyncio.run(_shoot(chromium, url, Path(tmp) / "chromium")))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
