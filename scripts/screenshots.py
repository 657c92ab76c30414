"""Regenerate screenshots/*.svg and *.png from the real app.

    .venv/bin/python scripts/screenshots.py

States (``DEMO_SCREENS``) come from tests/helpers/demo_store.py: a copy
of examples/ with the deterministic demo store (a running run included),
and a broken Gagefile for the problems screen. PNGs need rsvg-convert (Debian
librsvg2-bin) and fonts-firacode.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from gage_core.settings import settings_from  # noqa: E402
from gage_tui.app.app import GageApp  # noqa: E402
from helpers.demo_store import DEMO_NOW, DEMO_SCREENS, copy_demo_project  # noqa: E402

OUT = REPO / "screenshots"
SIZE = (120, 36)


async def _shoot(project: Path, name: str, keys: list[str]) -> Path:
    app = GageApp(settings_from(cwd=project), clock=lambda: DEMO_NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.runs_loaded:
                break
        await pilot.pause(0.2)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.05)
        await pilot.pause(0.8)
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(OUT)))


def _png(svg: Path) -> None:
    if shutil.which("rsvg-convert") is None:
        print("rsvg-convert not found (apt-get install librsvg2-bin fonts-firacode): SVG only")
        return
    subprocess.run(["rsvg-convert", "-o", str(svg.with_suffix(".png")), str(svg)], check=True)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (keys, broken) in DEMO_SCREENS.items():
        with tempfile.TemporaryDirectory() as tmp:
            project = copy_demo_project(REPO / "examples", Path(tmp) / "project", broken=broken)
            svg = asyncio.run(_shoot(project, name, keys))
        _png(svg)
        print(svg.relative_to(REPO))


if __name__ == "__main__":
    main()
