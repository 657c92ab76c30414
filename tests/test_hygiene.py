"""House rules that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MODULES = sorted(
    p for pkg in ("gage_core", "gage_tui") for p in (REPO / pkg).rglob("*.py")
)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_module_defines_all(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        t.id
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name)
    }
    assert "__all__" in names, f"{path} has no __all__"


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if "gage_core" in p.parts],
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_core_has_no_ui_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mods = [node.module or ""]
        else:
            continue
        for mod in mods:
            top = mod.split(".")[0]
            assert top not in ("rich", "textual", "gage_tui"), f"{path} imports {mod}"


def test_help_imports_no_heavy_modules():
    """`gage --help` must stay fast: no rich, textual, jschon or yaml."""
    code = (
        "import sys\n"
        "from gage_tui.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('rich', 'textual', 'jschon', 'yaml', 'tomlkit', 'watchdog', 'lark')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in res.stderr, res.stderr
    assert "usage: gage" in res.stdout
