"""Looking never runs project code; flag values reach the program
literally; finished run files are read-only; the ``.user`` attribute log
skips and reports malformed records."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from gage_core.gagefile.model import ConfigSpec, OpDef
from gage_core.process.launch import run_foreground
from gage_core.staging.flags import coerce_flag_value
from gage_core.staging.lifecycle import init_run, stage_run
from gage_core.store.attribute_log import append_user_attrs, comments, read_user_attrs
from gage_core.store.store import RunStore
from helpers.marker_project import make_marker_project
from helpers.real_runs import make_run, new_project

# -- looking never executes ---------------------------------------------------

@pytest.fixture
def marker_project(tmp_path):
    return make_marker_project(tmp_path)


def test_check_ops_preview_never_execute_project_code(marker_project, gage_cli):
    proj, markers = marker_project
    for args in (
        ("check",),
        ("check", str(proj / "gage.toml")),
        ("ops",),
        ("run", "train", "--preview"),
        ("run", "train", "--preview", "--json"),
        ("run", "train", "lr=0.5", "--preview"),
        ("run", "evaluate", "--preview"),
        ("run", "--preview"),
    ):
        code, out, err = gage_cli(*args, cwd=proj)
        assert "Traceback" not in out + err, (args, err)
        assert os.listdir(markers) == [], (args, os.listdir(markers))
    # --preview wrote no run either.
    runs_dir = proj / ".gage" / "runs"
    assert not runs_dir.exists() or not any(n.endswith(".meta") for n in os.listdir(runs_dir))
    # And the preview did show the hook it would run, without running it.
    code, out, _err = gage_cli("run", "train", "--preview", cwd=proj)
    assert code == 0 and "hook-sourcecode" in out


def test_marker_project_really_runs_when_asked(marker_project, gage_cli):
    """Control: the markers do appear when the op is actually run."""
    proj, markers = marker_project
    code, _out, err = gage_cli("run", "train", "-y", cwd=proj)
    assert code == 0, err
    assert {"hook-sourcecode", "hook-runtime", "hook-deps", "imported", "hook-finalize"} <= set(os.listdir(markers))


# -- flag values reach the program literally ------------------------------------

ECHO_PROG = """\
msg = "default"
import json, os
with open("got.json", "w") as f:
    json.dump(msg, f)
"""

NASTY_VALUES = [
    "$(touch pwned); rm -rf x",
    "`touch pwned`",
    "a; touch pwned && echo $HOME | cat > pwned",
    "'; import os; os.system(\"touch pwned\"); x = '",
    '"; import os; os.system("touch pwned"); x = "',
    "\\' + __import__('os').system('touch pwned') + '",
    'x"""; open("pwned", "w"); """',
    "line one\nimport os; os.system('touch pwned')",
    "$HOME ${PATH} %s {lr} \\n \\x00 \t tab",
    "ünïcødé ☃ \u2028 sep",
]


@pytest.mark.parametrize("exec_", ["python echo.py", ["python", "echo.py"]], ids=["shell", "args"])
def test_flag_values_with_shell_metacharacters_are_literal(tmp_path, exec_):
    project = new_project(tmp_path)
    (project.dir / "echo.py").write_text(ECHO_PROG)
    for value in NASTY_VALUES:
        config = {"msg": coerce_flag_value(value, "default", "msg")}
        opdef = OpDef(name="echo", exec={"run": exec_}, config=(ConfigSpec(keys=("echo.py",)),))
        run_id = init_run(project, opdef, config)
        stage_run(project, run_id, opdef, config)
        run_dir = Path(project.runs_dir) / run_id
        assert run_foreground(run_dir, echo=False) == 0, (run_dir / ".." / f"{run_id}.meta").resolve()
        assert json.loads((run_dir / "got.json").read_text()) == config["msg"], value
        for where in (run_dir, project.dir, tmp_path):
            assert not (where / "pwned").exists(), value


def test_flag_value_from_the_cli_is_literal(tmp_path, gage_cli):
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "gage.toml").write_text('"$runs-dir" = ".gage/runs"\n[echo]\nexec = "python echo.py"\nconfig = "echo.py"\n')
    (proj / "echo.py").write_text(ECHO_PROG)
    value = "$(touch pwned); rm -rf x"
    code, _out, err = gage_cli("run", "echo", f"msg={value}", "-y", cwd=proj)
    assert code == 0, err
    run = RunStore(proj / ".gage" / "runs").list_runs()[0]
    assert json.loads((run.run_dir / "got.json").read_text()) == value
    assert not (run.run_dir / "pwned").exists() and not (proj / "pwned").exists()


# -- finished runs are read-only -----------------------------------------------------


def test_finished_run_files_are_read_only(tmp_path):
    project = new_project(tmp_path)
    (project.dir / "tool.sh").write_text("#!/bin/sh\necho tool\n")
    os.chmod(project.dir / "tool.sh", 0o755)
    (project.dir / "pkg").mkdir()
    (project.dir / "pkg" / "mod.py").write_text("x = 1\n")
    for code in (0, 3):
        run_dir = make_run(
            project,
            f"mkdir -p out/deep && echo hi > out/deep/gen.txt && touch made && ln -s made link; exit {code}",
            sourcecode=("*.sh", "pkg/*.py"),
        )
        assert run_foreground(run_dir, echo=False) == code
        seen = set()
        for dirpath, _dirs, files in os.walk(run_dir):
            for f in files:
                p = Path(dirpath) / f
                st = os.lstat(p)
                if stat.S_ISLNK(st.st_mode):
                    continue
                seen.add(p.relative_to(run_dir).as_posix())
                assert stat.S_IMODE(st.st_mode) & 0o222 == 0, p
        assert {"tool.sh", "pkg/mod.py", "out/deep/gen.txt", "made"} <= seen
        assert os.stat(run_dir / "tool.sh").st_mode & 0o111  # executables keep x
        assert os.stat(run_dir / "made").st_mode & 0o111 == 0


# -- the .user log --------------------------------------------------------------------

MALFORMED = {
    "01900000-0000-7000-8000-000000000001.json": b"not json",
    "01900000-0000-7000-8000-000000000002.json": b"[1, 2, 3]",
    "01900000-0000-7000-8000-000000000003.json": b'{"set": [], "delete": []}',
    "01900000-0000-7000-8000-000000000004.json": b'{"set": {}, "delete": "label"}',
    "01900000-0000-7000-8000-000000000005.json": b"\xff\xfe\x00 bad utf-8",
    "01900000-0000-7000-8000-000000000006.json": b"",
    "01900000-0000-7000-8000-000000000007.json": b"[" * 50_000 + b"]" * 50_000,
    "01900000-0000-7000-8000-000000000008.json": b'{"set": {"label": 5, "tags": "notalist"}}',
    "01900000-0000-7000-8000-000000000009.json": b'{"set": {"tags": [1, null, {"a": 1}], "comment:x": "str"}}',
    "01900000-0000-7000-8000-00000000000a.json": b'{"set": {"comment:y": {"msg": 5, "timestamp": "x"}}}',
    "01900000-0000-7000-8000-00000000000b.json": b'{"set": {"comment:z": {"msg": "ok", "timestamp": 1e400}}}',
    "01900000-0000-7000-8000-00000000000c.json": b'{"set": {"label": "\\ud800 lone surrogate"}}',
    "01900000-0000-7000-8000-00000000000d.json": b"null",
    "01900000-0000-7000-8000-00000000000e.json": b'{"set": null, "delete": null}',
    "01900000-0000-7000-8000-00000000000f.json": b'{"set": {"label": "x"}, "delete": [1, null, ["label"]]}',
}


def _malformed_user_dir(user_dir: Path) -> None:
    user_dir.mkdir(parents=True, exist_ok=True)
    for name, data in MALFORMED.items():
        (user_dir / name).write_bytes(data)
    (user_dir / "01900000-0000-7000-8000-0000000000ff.json").mkdir()  # a dir, not a file


def test_user_log_skips_and_reports_malformed_records(tmp_path):
    user_dir = tmp_path / "r.user"
    append_user_attrs(user_dir, set={"label": "good", "tags": ["a"]})
    _malformed_user_dir(user_dir)
    errors: list[str] = []
    attrs = read_user_attrs(user_dir, errors)
    assert errors, "malformed records were not reported"
    reported = " ".join(errors)
    for bad in ("01900000-0000-7000-8000-000000000001.json", "01900000-0000-7000-8000-000000000002.json",
                "01900000-0000-7000-8000-000000000007.json", "01900000-0000-7000-8000-0000000000ff.json"):
        assert bad in reported
    comments(attrs)  # never raises on odd values
    # The log still takes new entries and they win.
    append_user_attrs(user_dir, set={"label": "later"})
    assert read_user_attrs(user_dir)["label"] == "later"


def test_user_log_malformed_records_through_the_cli(tmp_path, gage_cli):
    project = new_project(tmp_path)
    run_dir = make_run(project, "echo hi")
    assert run_foreground(run_dir, echo=False) == 0
    _malformed_user_dir(Path(f"{run_dir}.user"))
    run = RunStore(project.runs_dir).get(run_dir.name)
    assert run.meta_error and "user attrs" in run.meta_error
    for args in (("ls", "-a"), ("show", run_dir.name), ("label", run_dir.name, "-s", "fine now", "-y"),
                 ("tag", run_dir.name, "-t", "t1", "-y"), ("comment", run_dir.name, "-m", "hello", "-y"),
                 ("comment", run_dir.name, "-l")):
        code, out, err = gage_cli("--runs", str(project.runs_dir), *args, cwd=project.dir)
        assert "Traceback" not in out + err, (args, err)
        assert code == 0, (args, out, err)
    run = RunStore(project.runs_dir).get(run_dir.name)
    assert run.label == "fine now"
