"""Regenerate screenshots/*.svg and *.png from the real app.

    .venv/bin/python scripts/screenshots.py

States come from a copy of examples/ with the deterministic demo store of
tests/fixtures/demo_store.py (a running run included) and a broken
Gagefile for the problems screen. PNGs need rsvg-convert (Debian
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
sys.path.insert(0, str(REPO / "tests" / "fixtures"))
sys.path.insert(0, str(REPO))

from demo_store import DEMO_NOW, write_demo_store  # noqa: E402

from gage_core.settings import settings_from  # noqa: E402
from gage_tui.app.app import GageApp  # noqa: E402

OUT = REPO / "screenshots"
SIZE = (120, 36)

BROKEN_TOML = """\
"$runs-dir" = ".gage/runs"

[prepare]
description = "Generate a synthetic two-class data set"
exec = "python -u prepare.py"
config = "prepare.py"

[train]
description = "Train a logistic regression on prepare's data"
default = true
exce = "python -u train.py"
config = "train.py"
output-summary = 123

[evaluate]
exec = "python -u evaluate.py"
depends = { type = "run-file", operation = "train" }
"""

# name -> (keys to press, extra setup)
STATES = {
    "runs": [],
    "runs-filtered": ["slash", *"op = train and metric.loss < 0.2", "enter"],
    "runs-filter-error": ["slash", *"op = train and (", ],
    "run": ["down", "down", "down", "down", "down", "enter"],
    "output": ["o", "T"],
    "output-search": ["down", "down", "down", "down", "down", "o", "slash", *"loss=0.2", "enter"],
    "help": ["question_mark"],
    "operations": ["2"],
    "launch": ["2", "down", "down", "enter"],
    "trash": ["z"],
    # COMPARE engineer: compare (with the loss plot) and diff screens.
    "compare": ["slash", *"op = train", "enter", "C"],
    "compare-sorted": ["slash", *"op = train", "enter", "C", "slash", *"name status lr epochs metric.*", "enter",
                       "right", "right", "right", "right", "right", "s", "m"],
    "diff": ["slash", *"op = train and status = completed", "enter", "space", "space", "D"],
}


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
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(REPO / "examples", project, ignore=shutil.ignore_patterns(".gage", "__pycache__"))
        write_demo_store(project)
        for name, keys in STATES.items():
            svg = asyncio.run(_shoot(project, name, keys))
            _png(svg)
            print(svg.relative_to(REPO))
        (project / "gage.toml").write_text(BROKEN_TOML)
        for name, keys in {"problems": ["3"], "problems-next": ["3", "down", "down"]}.items():
            svg = asyncio.run(_shoot(project, name, keys))
            _png(svg)
            print(svg.relative_to(REPO))


if __name__ == "__main__":
    main()
