"""Paths never leave the project or the run: symlinks in source code,
config targets, the runs directory as source, ``$project_dir`` quoting,
located check errors for bad patterns and names, escaped control
characters, bounded YAML alias expansion (real ``gage`` commands)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from gage_core.gagefile import load_gagefile
from gage_core.store.store import RunStore


def _project(root: Path, gagefile: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "gage.toml").write_text(gagefile)
    for rel, text in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _runs(runs_dir: Path):
    return RunStore(runs_dir).list_runs()


def test_symlink_out_of_the_project_is_not_copied(gage_cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    project = _project(tmp_path / "p", f'[t]\nexec = "{sys.executable} t.py"\n', {"t.py": "print('ok')\n"})
    os.symlink(outside, project / "etc")
    os.symlink(outside / "secret.txt", project / "leak.txt")
    os.symlink(project / "t.py", project / "inner.py")
    code, out, _ = gage_cli("run", "t", "--preview", "--json", cwd=project)
    sc = json.loads(out)["sourcecode"]
    assert sorted(sc["skipped_links"]) == ["etc", "leak.txt"]
    assert "inner.py" in sc["paths"] and "leak.txt" not in sc["paths"]
    code, _, err = gage_cli("run", "t", "-y", cwd=project)
    assert code == 0, err
    [run] = _runs(project / ".gage" / "runs")
    assert sorted(p.name for p in run.run_dir.iterdir()) == ["gage.toml", "inner.py", "t.py"]


def test_config_outside_the_project_is_refused(gage_cli, tmp_path):
    victim = tmp_path / "victim.py"
    victim.write_text("x = 1\n")
    for spec in (str(victim), "../victim.py"):
        project = _project(tmp_path / f"p{len(spec)}", f'[t]\nexec = "true"\nconfig = "{spec}"\n')
        code, out, err = gage_cli("check", ".", cwd=project)
        assert code == 1 and "outside the project" in out and "gage.toml:3:10" in out
        code, _, err = gage_cli("run", "t", "x=2", "-y", cwd=project)
        assert code == 1 and "Traceback" not in err
        assert victim.read_text() == "x = 1\n"
        assert not (project / ".gage" / "runs").exists() or not list((project / ".gage" / "runs").iterdir())


def test_runs_dir_is_never_source_code(gage_cli, tmp_path):
    project = _project(tmp_path / "p", f'"$runs-dir" = "."\n[t]\nexec = "{sys.executable} t.py"\n',
                       {"t.py": "print('ok')\n"})
    for _ in range(2):
        code, _, err = gage_cli("run", "t", "-y", cwd=project)
        assert code == 0, err
    runs = _runs(project)
    assert len(runs) == 2
    for run in runs:
        assert sorted(p.name for p in run.run_dir.iterdir()) == ["gage.toml", "t.py"]


def test_project_dir_is_shell_quoted(gage_cli, tmp_path):
    for name in ("x;touch PWNED;", "my project", "it's \"$HOME\""):
        project = _project(tmp_path / name, '[t]\nexec = "cat $project_dir/data.txt"\n', {"data.txt": "DATA\n"})
        code, out, err = gage_cli("run", "t", "-y", cwd=project)
        assert code == 0, (name, err)
        assert out.startswith("DATA")
        assert not any(p.name == "PWNED" for p in tmp_path.rglob("PWNED"))


def test_bad_patterns_nul_and_op_names_are_located_check_errors(gage_cli, tmp_path):
    project = _project(tmp_path / "p", (
        '[a]\nexec = "true"\nsourcecode = ["*.py", "x[z-a]"]\n'
        '[b]\nexec = "true"\nconfig = "c[z-a].py"\n'
        '[c]\nexec = "true"\ndepends = {files = "d[z-a]"}\n'
        '[d]\nexec = "echo \\u0000"\n'
        '[e]\nexec = "true"\nenv = {X = "a\\u0000"}\n'
        '["bad op"]\nexec = "true"\n'))
    code, err, _ = gage_cli("check", ".", cwd=project)
    assert code == 1 and "Traceback" not in err
    for where in ("gage.toml:3:23", "gage.toml:6:10", "gage.toml:9:20", "gage.toml:11:8",
                  "gage.toml:14:12", "gage.toml:15:1"):
        assert where in err, (where, err)
    for op in ("a", "b", "c", "d", "e"):
        code, _, err = gage_cli("run", op, "-y", cwd=project)
        assert code == 1 and "Traceback" not in err
    assert not (project / ".gage" / "runs").exists() or not list((project / ".gage" / "runs").iterdir())


def test_control_characters_are_shown_escaped(gage_cli, tmp_path):
    esc = "\x1b]0;owned\x07\x1b[2J"
    project = _project(tmp_path / "p", (
        f'[t]\nexec = "true"\ndescription = "{esc.encode("unicode_escape").decode().replace(chr(92), chr(92) * 2)}"\n'
        .replace("\\\\x", "\\u00")))
    assert gage_cli("run", "t", "-y", "-l", f"lab{esc}", "--tag", f"tg{esc}",
                    "--comment", f"c{esc}", cwd=project)[0] == 0
    for argv in (("ls",), ("show",), ("ops",), ("comment", "--list"), ("ls", "--plain")):
        code, out, err = gage_cli(*argv, cwd=project)
        assert "\x1b" not in out and "\x07" not in out and "\x1b" not in err, (argv, out)
    code, out, _ = gage_cli("show", cwd=project)
    assert "\\x1b" in out


def _bomb(levels: int, width: int, leaf: str) -> str:
    lines = [f'a0: &a0 ["{leaf}"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + f"\nt:\n  exec: echo hi\n  description: *a{levels - 1}\n"


def test_yaml_aliases_are_bounded_by_cost(tmp_path):
    # ~1.3 KB: 9**5 strings of 1000 characters, fewer values than a count
    # limit allows, 59 MB of text once expanded (and validated, and indexed).
    for text in (_bomb(6, 9, "x" * 1000), _bomb(10, 9, "x" * 20)):
        assert len(text.encode()) < 2000
        path = tmp_path / "gage.yaml"
        path.write_text(text)
        gf = load_gagefile(path)
        assert not gf.ops
        assert any("aliases expand" in d.message for d in gf.diagnostics)
