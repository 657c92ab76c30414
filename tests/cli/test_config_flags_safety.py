"""Config flags never corrupt a file: shared keys across files, the user's
text for string flags, YAML block scalars and comments, unencodable values
(real ``gage run`` with real runner processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gage_core.store.store import RunStore

# A stand-in for Hydra's composition (the upstream hydra example's shape):
# ``conf/config.yaml`` lists group defaults; ``GROUP=CHOICE`` picks another
# file of the group and ``GROUP.KEY=VALUE`` overrides a key of the chosen file.
_COMPOSE = '''
import json, sys, yaml
from pathlib import Path

conf = Path("conf")
main = yaml.safe_load((conf / "config.yaml").read_text())
choices = {}
for item in main.get("defaults", []):
    choices.update(item)
overrides = [a.split("=", 1) for a in sys.argv[1:]]
for key, value in overrides:
    if key in choices:
        choices[key] = value
cfg = {g: yaml.safe_load((conf / g / f"{c}.yaml").read_text()) for g, c in choices.items()}
for key, value in overrides:
    if "." in key:
        group, name = key.split(".", 1)
        cfg[group][name] = yaml.safe_load(value)
print("CONFIG " + json.dumps(cfg, sort_keys=True))
'''

_MYSQL = "driver: mysql\npass: secret\nuser: omry\n"
_POSTGRES = "driver: postgresql\npass: drowssap\ntimeout: 20\nuser: postgres_user\n"


def _hydra_project(tmp_path: Path) -> Path:
    project = tmp_path / "hydra"
    (project / "conf" / "db").mkdir(parents=True)
    (project / "conf" / "config.yaml").write_text("defaults:\n  - db: mysql\n")
    (project / "conf" / "db" / "mysql.yaml").write_text(_MYSQL)
    (project / "conf" / "db" / "postgresql.yaml").write_text(_POSTGRES)
    (project / "my_app.py").write_text(_COMPOSE)
    (project / "gage.toml").write_text(
        f'[my_app]\nexec = "{sys.executable} my_app.py"\nconfig = "conf/**/*.yaml#**.*"\n'
    )
    return project


def _last_run(project: Path):
    return RunStore(project / ".gage" / "runs").list_runs()[0]


def _composed(text: str) -> dict:
    [line] = [ln for ln in text.splitlines() if ln.startswith("CONFIG ")]
    return json.loads(line[len("CONFIG "):])


def _direct(project: Path, *overrides: str) -> dict:
    out = subprocess.run([sys.executable, "my_app.py", *overrides], cwd=project,
                         capture_output=True, text=True, check=True).stdout
    return _composed(out)


def test_shared_keys_keep_each_files_values(gage_cli, tmp_path):
    project = _hydra_project(tmp_path)
    code, out, err = gage_cli("run", "my_app", "-y", cwd=project)
    assert code == 0, err
    run = _last_run(project)
    # No flag given: every config file in the run is the project's, byte for byte.
    for rel in ("conf/config.yaml", "conf/db/mysql.yaml", "conf/db/postgresql.yaml"):
        assert (run.run_dir / rel).read_bytes() == (project / rel).read_bytes()
    assert not (Path(f"{run.run_dir}.meta") / "log" / "patched").exists()
    assert _composed(out) == _direct(project)
    assert run.config["conf/db/postgresql.yaml#user"] == "postgres_user"
    assert run.config["conf/db/mysql.yaml#user"] == "omry"
    assert run.config["defaults.0.db"] == "mysql"


def test_hydra_overrides_match_the_program_run_directly(gage_cli, tmp_path):
    project = _hydra_project(tmp_path)
    code, out, err = gage_cli(
        "run", "my_app", "defaults.0.db=postgresql", "conf/db/postgresql.yaml#user=alice",
        "timeout=30", "-y", cwd=project)
    assert code == 0, err
    assert _composed(out) == _direct(project, "db=postgresql", "db.user=alice", "db.timeout=30")
    run = _last_run(project)
    assert (run.run_dir / "conf/db/mysql.yaml").read_text() == _MYSQL
    assert (run.run_dir / "conf/db/postgresql.yaml").read_text() == _POSTGRES.replace(
        "postgres_user", "alice").replace("20", "30")


def test_ambiguous_flag_names_its_qualified_forms_and_preview_shows_them(gage_cli, tmp_path):
    project = _hydra_project(tmp_path)
    code, _, err = gage_cli("run", "my_app", "user=alice", "-y", cwd=project)
    assert code == 1 and "several config files" in err
    assert "conf/db/mysql.yaml#user" in err and "conf/db/postgresql.yaml#user" in err
    assert not (project / ".gage" / "runs").exists() or not list((project / ".gage" / "runs").iterdir())
    code, out, err = gage_cli("run", "my_app", "--preview", "--json", cwd=project)
    names = {f["name"] for f in json.loads(out)["flags"]}
    assert {"conf/db/mysql.yaml#user", "conf/db/postgresql.yaml#user", "defaults.0.db"} <= names
    assert "user" not in names
    code, out, _ = gage_cli("help", "gagefile")
    assert "conf/db/mysql.yaml#user" in out


def test_rename_gives_the_flag_its_new_name(gage_cli, tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "train.py").write_text("x = 1\nlr = 0.1\nprint('x', x, 'lr', lr)\n")
    (project / "gage.toml").write_text(
        f'[train]\nexec = "{sys.executable} train.py"\n'
        '[[train.config]]\nkeys = "train.py"\nrename = "x train_x, lr rate"\n')
    code, out, err = gage_cli("run", "train", "train_x=5", "rate=0.5", "-y", cwd=project)
    assert code == 0, err
    assert "x 5 lr 0.5" in out
    code, _, err = gage_cli("run", "train", "x=5", "-y", cwd=project)
    assert code == 1 and "unknown flag 'x'" in err


def _string_project(tmp_path: Path) -> Path:
    project = tmp_path / "s"
    project.mkdir()
    (project / "train.py").write_text('name = "a"\nn = 1\nf = 0.5\nprint(repr(name), repr(n), repr(f))\n')
    (project / "gage.toml").write_text(f'[train]\nexec = "{sys.executable} train.py"\nconfig = "train.py"\n')
    return project


def test_string_flag_keeps_the_users_text(gage_cli, tmp_path):
    project = _string_project(tmp_path)
    for typed in ("007", "0.10", "1e3", "null", "  padded  ", 'say "hi" and \'bye\'', '"a" or "b"', "true"):
        code, out, err = gage_cli("run", "train", f"name={typed}", "-y", cwd=project)
        assert code == 0, err
        assert out.splitlines()[0].startswith(repr(typed) + " "), (typed, out)
        assert _last_run(project).config["name"] == typed
    code, out, err = gage_cli("run", "train", "name='quoted'", "-y", cwd=project)
    assert code == 0 and out.startswith("'quoted' "), err


def test_numbers_convert_only_to_the_existing_type(gage_cli, tmp_path):
    project = _string_project(tmp_path)
    code, out, err = gage_cli("run", "train", "n=007", "f=1e3", "-y", cwd=project)
    assert code == 0, err
    assert out.startswith("'a' 7 1000.0")
    for bad, flag in (("n=1.5", "n"), ("n=abc", "n"), ("f=x", "f")):
        code, _, err = gage_cli("run", "train", bad, "-y", cwd=project)
        assert code == 1 and f"flag '{flag}'" in err and "Traceback" not in err


def test_yaml_block_scalars_and_trailing_comments(gage_cli, tmp_path):
    project = tmp_path / "y"
    project.mkdir()
    text = ("msg: |\n  first\n  second\nfolded: >-  # folded note\n  one\n  two\n\n"
            "plain: hi  # a comment\nafter: 1\n")
    (project / "c.yaml").write_text(text)
    (project / "show.py").write_text("import json, yaml\nprint(json.dumps(yaml.safe_load(open('c.yaml'))))\n")
    (project / "gage.toml").write_text(f'[show]\nexec = "{sys.executable} show.py"\nconfig = "c.yaml"\n')
    code, out, err = gage_cli("run", "show", "msg=new text", "folded=x: y", "plain=there", "-y", cwd=project)
    assert code == 0, err
    assert json.loads(out.splitlines()[0]) == {"msg": "new text", "folded": "x: y", "plain": "there", "after": 1}
    staged = (_last_run(project).run_dir / "c.yaml").read_text()
    assert "# folded note" in staged and "# a comment" in staged and staged.endswith("after: 1\n")


def test_non_utf8_flag_value_is_refused_before_staging(tmp_path):
    project = _string_project(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from gage_tui.cli.main import main; sys.exit(main())",
         "--runs", str(tmp_path / "runs"), "run", "train", b"name=\xff\xfe".decode("utf-8", "surrogateescape"),
         "-y"], cwd=project, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert "not valid UTF-8" in proc.stderr and "Traceback" not in proc.stderr
    runs = tmp_path / "runs"
    assert not runs.exists() or not list(runs.iterdir())
