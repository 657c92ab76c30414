"""`gage check`, `gage ops` and `gage help gagefile` from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers.paths import FIXTURES, SAMPLES

GAGEFILES = FIXTURES / "gagefiles"


@pytest.fixture
def typos(tmp_path) -> Path:
    shutil.copy(GAGEFILES / "typos.toml", tmp_path / "gage.toml")
    return tmp_path


def test_full_format(gage_cli, typos):
    code, out, err = gage_cli("check", cwd=typos)
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0] == "gage.toml:3:1: error[unknown-key]: unknown key 'exce' in operation 'train'"
    assert lines[1:4] == [
        "  |",
        '3 | exce = "python train.py"',
        "  | ^^^^ did you mean 'exec'?",
    ]
    # Carets under the non-ASCII line land under the 7.
    i = lines.index('4 | sourcecode = ["données/*.py", 7]')
    assert lines[i + 1] == "  | " + " " * 30 + "^"
    assert lines[-1] == "gage.toml: 5 errors"
    headers = [l for l in lines if l.startswith("gage.toml:") and "error[" in l]
    assert len(headers) == 5


def test_concise_and_github_formats(gage_cli, typos):
    code, out, _ = gage_cli("check", "--format", "concise", cwd=typos)
    assert code == 1
    assert out.splitlines() == [
        "gage.toml:3:1: error[unknown-key]: unknown key 'exce' in operation 'train'",
        "gage.toml:4:31: error[type]: train.sourcecode[1]: expected a string, got an integer",
        'gage.toml:7:8: error[enum]: train.depends[0].type: invalid type "run-file"; '
        'expected "dir", "dvcfile", "file", "project-files", "run-files", "runfiles" or "runs-summary"',
        "gage.toml:10:1: error[missing-key]: train.depends[1]: missing required key 'runs-select'",
        "gage.toml:15:15: error[type]: prepare.description: expected a string, got an integer",
    ]
    code, out, _ = gage_cli("check", "--format", "github", cwd=typos)
    first = out.splitlines()[0]
    assert first.startswith("::error file=gage.toml,line=3,col=1,endLine=3,endColumn=5,title=unknown-key::")
    assert first.endswith("(did you mean 'exec'?)")


def test_json_format(gage_cli, typos):
    code, out, _ = gage_cli("check", "--format", "json", "gage.toml", cwd=typos)
    assert code == 1
    data = json.loads(out)
    assert data["file"] == "gage.toml" and data["valid"] is False
    assert [(d["line"], d["col"]) for d in data["diagnostics"]][:2] == [(3, 1), (4, 31)]
    assert data["diagnostics"][0]["hint"] == "did you mean 'exec'?"


def test_valid_file(gage_cli, example_project):
    code, out, _ = gage_cli("check", cwd=example_project)
    assert code == 0
    assert out.strip() == "gage.toml is a valid Gage file"
    code, out, _ = gage_cli("check", str(example_project / "gage.toml"))
    assert code == 0 and "is a valid Gage file" in out


def test_warnings_do_not_fail(gage_cli, tmp_path):
    (tmp_path / "gage.json").write_text('{"a": {"exec": "x", "exec": "y"}}')
    code, out, _ = gage_cli("check", cwd=tmp_path)
    assert code == 0
    assert "warning[duplicate-key]" in out
    assert "gage.json is a valid Gage file" in out


def test_verbose_shows_keyword(gage_cli, typos):
    code, out, _ = gage_cli("check", "-v", cwd=typos)
    assert "= keyword: /patternProperties/" in out
    assert "= pointer: /train/exce" in out


def test_syntax_error(gage_cli, tmp_path):
    (tmp_path / "gage.json").write_text('// c\n{"a": {"exec": "x" /* c */ "b": 1}}\n')
    code, out, _ = gage_cli("check", "--format", "concise", cwd=tmp_path)
    assert code == 1
    assert out.startswith(
        "gage.json:2:28: error[syntax]: missing ',' between this item and the one before it (which ends at column 18)")


def test_no_gagefile_in_dir(gage_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = gage_cli("check", "empty", cwd=tmp_path)
    assert code == 1
    assert "cannot find a Gage file in empty" in err
    assert ".gage/gage.toml" in err and "gage.json" in err
    assert "gage help gagefile" in err


def test_not_a_file_or_dir(gage_cli, tmp_path):
    code, _, err = gage_cli("check", "nothing-here", cwd=tmp_path)
    assert code == 1
    assert "'nothing-here' is not a file or project directory" in err
    code, _, err = gage_cli("check", "missing.toml", cwd=tmp_path)
    assert code == 1 and "does not exist" in err
    assert "Traceback" not in err


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="samples not available")
def test_samples_via_cli(gage_cli):
    code, out, _ = gage_cli("check", "--format", "concise", str(SAMPLES / "invalid-exec.json"))
    assert code == 1 and len(out.splitlines()) == 3
    code, out, _ = gage_cli("check", str(SAMPLES / "jsonc-invalid.json"))
    assert code == 0
    code, out, _ = gage_cli("check", str(SAMPLES / "empty.json"))
    assert code == 1 and ":1:1: error[syntax]" in out


def test_ops_lists_operations(gage_cli, example_project):
    code, out, _ = gage_cli("--plain", "ops", cwd=example_project)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["operation", "description"]
    train = next(l for l in lines if l.startswith("train "))
    assert "(default)" in train and "Train a logistic regression" in train
    code, out2, _ = gage_cli("--plain", "operations", cwd=example_project)
    assert out2 == out


def test_ops_marks_broken(gage_cli, tmp_path):
    shutil.copy(GAGEFILES / "partial.toml", tmp_path / "gage.toml")
    code, out, _ = gage_cli("--plain", "ops", cwd=tmp_path)
    assert code == 0
    lines = out.splitlines()
    assert "[broken: see 'gage check']" in next(l for l in lines if l.startswith("bad-exec"))
    assert "[2 problems: see 'gage check']" in next(l for l in lines if l.split()[0] == "ok")
    assert "[no exec: see 'gage help exec']" in next(l for l in lines if l.startswith("no-exec"))
    assert lines[-1] == "4 operations have problems: run 'gage check' for details"


def test_ops_marks_unknown_key_and_lost_ops(gage_cli, tmp_path):
    (tmp_path / "gage.toml").write_text(
        '[a]\nexec = "echo a"\nexce = "typo"\n\n[b]\nexec = "echo b\n\n[c]\nexec = "echo c"\n'
    )
    code, out, _ = gage_cli("--plain", "ops", cwd=tmp_path)
    assert code == 0
    lines = out.splitlines()
    assert lines[1:4] == [
        "a          [1 problem: see 'gage check']",
        "c",
        "b          [lost: syntax error near line 5]",
    ]
    code, out, _ = gage_cli("check", cwd=tmp_path)
    assert code == 1
    assert 'gage.toml:6:8: error[syntax]: unterminated string: the closing " is missing' in out
    assert "note: operations lost to this error: 'b'" in out
    assert "unknown key 'exce' in operation 'a'" in out


@pytest.mark.parametrize("fmt", ["toml", "json", "yaml"])
def test_run_and_preview_of_unaffected_op_in_broken_file(gage_cli, tmp_path, fmt):
    texts = {
        "toml": '[ok]\nexec = "echo fine"\n\n[bad]\nexec = "echo\n',
        "json": '{\n  // c\n  "ok": {"exec": "echo fine"},\n  "bad": {"exec": "echo" 1}\n}\n',
        "yaml": 'ok:\n  exec: echo fine\nbad:\n  exec: [echo\n',
    }
    (tmp_path / f"gage.{fmt}").write_text(texts[fmt])
    (tmp_path / ".gage" / "runs").mkdir(parents=True)
    code, out, _ = gage_cli("--plain", "ops", cwd=tmp_path)
    assert "[lost: syntax error near line" in next(l for l in out.splitlines() if l.startswith("bad "))
    code, out, err = gage_cli("run", "ok", "--preview", cwd=tmp_path)
    assert code == 0, err
    code, out, err = gage_cli("run", "ok", "-y", cwd=tmp_path)
    assert code == 0, err
    code, out, err = gage_cli("run", "bad", "-y", cwd=tmp_path)
    assert code != 0
    assert "lost" in err and "syntax error" in err


def test_ops_without_project(gage_cli, tmp_path):
    code, _, err = gage_cli("ops", cwd=tmp_path)
    assert code == 1 and "no operations defined" in err


def test_help_gagefile_topic(gage_cli):
    code, out, _ = gage_cli("--plain", "help", "gagefile")
    assert code == 0
    for word in ("$runs-dir", "$project-id", "depends", "runfiles: op=prepare", "output-summary",
                 "sourcecode", "summary", "env"):
        assert word in out


def test_render_diagnostics_for_other_commands(tmp_path):
    import io

    from gage_core.gagefile import load_gagefile
    from gage_tui.cli.diagnostics_view import render_diagnostics
    from gage_tui.cli.output import Output

    shutil.copy(GAGEFILES / "partial.toml", tmp_path / "gage.toml")
    gf = load_gagefile(tmp_path / "gage.toml", shown_as="gage.toml")
    buf = io.StringIO()
    out = Output(plain=True, file=buf)
    op = gf.ops["bad-exec"]
    render_diagnostics(out, op.diagnostics, (tmp_path / "gage.toml").read_text())
    text = buf.getvalue()
    assert text.splitlines()[0].startswith("gage.toml:9:8: error[type]: bad-exec.exec:")
    assert "9 | exec = 123" in text


def test_double_verbose_dumps_jschon_output(gage_cli, typos):
    code, out, _ = gage_cli("check", "-vv", cwd=typos)
    assert code == 1
    assert "jschon basic output:" in out and '"instanceLocation": "/train"' in out
