"""Regenerate screenshots/*.svg and *.png from the real app.

    .venv/bin/python scripts/screenshots.py
    .venv/bin/python scripts/screenshots.py --sweep-app OTHER_CHECKOUT --prefix before-

The second form shoots only the 300-run sweep (``runs-sweep-*``), with the
app of another checkout (an older commit, for a before/after picture); the
store is still written by this checkout.

States (``DEMO_SCREENS``) come from tests/helpers/demo_store.py: a copy
of examples/ with the deterministic demo store (a running run included),
and a broken Gagefile for the problems screen. PNGs need rsvg-convert (Debian
librsvg2-bin) and fonts-firacode.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if "--shoot-sweep" not in sys.argv:  # that child takes the app from PYTHONPATH
    sys.path.insert(0, str(REPO / "tests"))
    sys.path.insert(0, str(REPO))

OUT = REPO / "screenshots"
SIZE = (120, 36)
SWEEP_SIZES = ((80, 24), (200, 50))
DEMO_NOW = 1795608000.0  # the demo store's clock (helpers.demo_store)


async def _shoot(project: Path, name: str, keys: list[str], size: tuple[int, int] = SIZE) -> Path:
    # Imported here: a --sweep-app child imports another checkout's app.
    from gage_core.settings import settings_from
    from gage_tui.app.app import GageApp

    app = GageApp(settings_from(cwd=project), clock=lambda: DEMO_NOW, watch=False)
    async with app.run_test(size=size) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if app.runs_loaded:
                break
        await pilot.pause(0.2)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.05)
        await pilot.pause(0.8)
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(OUT)))


# Textual's SVG places every run of text at its cell and relies on
# textLength to fit the run to its cells; rsvg-convert ignores textLength,
# so the text is laid out with the font's own advance instead. Fira Code's
# advance is 0.6 em where the SVG's cell is 0.61 em: the font is scaled to
# the cell (letter spacing would leave gaps between box glyphs), ligatures
# are turned off (one glyph per cell), and a font with the symbol glyphs
# Fira Code lacks comes next.
_FIRA_ADVANCE = 0.6
_NBSP = "&#160;"


def _svg_for_rsvg(svg_text: str) -> str:
    """The SVG with the font settings above, and leading no-break spaces of
    a text run turned into an offset (rsvg-convert drops them, which glues
    a word to the one before)."""
    matrix = re.search(r"(\.terminal-[\w-]*matrix \{)(.*?)(\})", svg_text, re.S)
    size = float(re.search(r"font-size: ([\d.]+)px;", matrix.group(2)).group(1))
    cell = size * 0.61
    rule = (
        f'\n        font-family: "Fira Code", "DejaVu Sans Mono", monospace;'
        f"\n        font-size: {cell / _FIRA_ADVANCE:.3f}px;"
        f"\n        line-height: {size * 1.22:g}px;"
        "\n        font-variant-ligatures: none;"
        '\n        font-feature-settings: "liga" 0, "calt" 0;\n    '
    )
    svg_text = svg_text[: matrix.start(2)] + rule + svg_text[matrix.end(2) :]

    def shift(match: re.Match) -> str:
        head, x, rest, body = match.groups()
        spaces = 0
        while body.startswith(_NBSP, spaces * len(_NBSP)):
            spaces += 1
        if not spaces:
            return match.group(0)
        return f"{head}{float(x) + spaces * cell:g}{rest}{body[spaces * len(_NBSP):]}</text>"

    return re.sub(r'(<text [^>]*?x=")([\d.]+)("[^>]*>)(.*?)</text>', shift, svg_text)


def _png(svg: Path) -> None:
    if shutil.which("rsvg-convert") is None:
        print("rsvg-convert not found (apt-get install librsvg2-bin fonts-firacode): SVG only")
        return
    with tempfile.TemporaryDirectory() as tmp:
        render = Path(tmp) / svg.name
        render.write_text(_svg_for_rsvg(svg.read_text(encoding="utf-8")), encoding="utf-8")
        subprocess.run(["rsvg-convert", "-o", str(svg.with_suffix(".png")), str(render)], check=True)


def _shoot_sweep(project: Path, prefix: str) -> None:
    for width, height in SWEEP_SIZES:
        svg = asyncio.run(_shoot(project, f"{prefix}runs-sweep-{width}x{height}", [], (width, height)))
        print(svg.name)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--shoot-sweep"]:  # the child of --sweep-app
        _shoot_sweep(Path(argv[1]), argv[2])
        return
    from helpers.demo_store import DEMO_SCREENS, copy_demo_project, write_sweep_store

    app_repo = Path(argv[argv.index("--sweep-app") + 1]).resolve() if "--sweep-app" in argv else None
    prefix = argv[argv.index("--prefix") + 1] if "--prefix" in argv else ""
    OUT.mkdir(exist_ok=True)
    # The user's keymap and remembered theme stay out of the pictures.
    state = tempfile.mkdtemp()
    os.environ["XDG_CONFIG_HOME"] = os.environ["XDG_STATE_HOME"] = state
    shots = [] if app_repo else [*DEMO_SCREENS.items()]
    for name, (keys, broken) in shots:
        with tempfile.TemporaryDirectory() as tmp:
            project = copy_demo_project(REPO / "examples", Path(tmp) / "project", broken=broken)
            svg = asyncio.run(_shoot(project, name, keys))
        _png(svg)
        print(svg.relative_to(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_demo_project(REPO / "examples", Path(tmp) / "project")
        shutil.rmtree(project / ".gage")
        write_sweep_store(project)
        env = {**os.environ, "PYTHONPATH": str(app_repo or REPO)}
        subprocess.run([sys.executable, __file__, "--shoot-sweep", str(project), prefix], env=env, check=True)
    for width, height in SWEEP_SIZES:
        _png(OUT / f"{prefix}runs-sweep-{width}x{height}.svg")


if __name__ == "__main__":
    main(sys.argv[1:])
