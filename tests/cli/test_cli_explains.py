"""The CLI explains itself: usage of the command at fault, suggestions
for mistyped commands, bad option values refused, and plain words when
something the user named does not exist."""

from __future__ import annotations

import subprocess
import sys

import pytest

GAGEFILE = '[ok]\nexec = "echo fine"\n'


@pytest.fixture
def project(tmp_path):
    (tmp_path / "gage.toml").write_text(GAGEFILE)
    (tmp_path / ".gage" / "runs").mkdir(parents=True)
    return tmp_path


def test_unknown_option_shows_the_commands_usage(gage_cli, project):
    code, out, err = gage_cli("run", "--bogus", cwd=project)
    assert code == 2 and out == ""
    assert err.startswith("usage: gage run ")
    assert err.rstrip().endswith("gage run: error: unrecognized arguments: --bogus")


def test_unknown_option_after_flags(gage_cli, project):
    code, _out, err = gage_cli("run", "ok", "x=1", "--nope", cwd=project)
    assert code == 2 and "usage: gage run" in err and "--nope" in err


@pytest.mark.parametrize("typed,meant", [("rn", "run"), ("sho", "show"), ("chekc", "check"), ("lst", "list")])
def test_mistyped_command_suggests(gage_cli, typed, meant):
    code, out, err = gage_cli(typed)
    assert code == 2
    assert err.splitlines() == [
        f"gage: unknown command '{typed}'",
        f"did you mean '{meant}'?",
        "Run 'gage --help' for the list of commands.",
    ]


def test_unknown_command_without_a_close_match(gage_cli):
    code, _out, err = gage_cli("zzzzzz")
    assert code == 2 and "did you mean" not in err and "unknown command 'zzzzzz'" in err


@pytest.mark.parametrize(
    "argv,words",
    [
        (("run", "ok", "--max-parallel", "0"), "argument --max-parallel: must be 1 or more, not 0"),
        (("run", "ok", "-m", "0"), "argument -m/--max-runs: must be 1 or more, not 0"),
        (("ls", "-n", "-1"), "argument -n/--limit: must be 1 or more, not -1"),
        (("ls", "-n", "many"), "argument -n/--limit: 'many' is not a whole number"),
        (("cat", "--phase", "nosuch"), "argument --phase: unknown phase 'nosuch'"),
        (("cat", "--phase", "rn"), "did you mean 'run'?"),
    ],
)
def test_bad_option_values_refused(gage_cli, project, argv, words):
    code, _out, err = gage_cli(*argv, cwd=project)
    assert code == 2
    assert f"usage: gage {argv[0]}" in err and words in err


def test_unknown_sort_key(gage_cli, project):
    assert gage_cli("run", "ok", "-y", "-q", cwd=project)[0] == 0
    code, _out, err = gage_cli("ls", "-s", "nosuch", cwd=project)
    assert code == 1 and "unknown sort key 'nosuch'" in err
    code, _out, err = gage_cli("ls", "-s", "statsu", cwd=project)
    assert code == 1 and "did you mean 'status'?" in err
    code, out, _err = gage_cli("ls", "-s", "-started", cwd=project)
    assert code == 0 and "ok" in out


@pytest.mark.parametrize("word", ["and", "or", "AND"])
def test_lone_keyword_is_a_filter_syntax_error(gage_cli, project, word):
    code, _out, err = gage_cli("ls", "-w", word, cwd=project)
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == f"gage: '{word}' needs a term on each side"
    assert lines[1:3] == [f"  {word}", "  ^"]
    assert f'quote it: "{word}"' in lines[3]


def test_quoted_keyword_still_searches(gage_cli, project):
    code, out, _err = gage_cli("ls", "-w", '"and"', cwd=project)
    assert code == 0 and out.strip() == "No runs"


def test_missing_runs_dir_is_said(gage_cli, project, tmp_path):
    missing = tmp_path / "nope"
    for cmd in ("ls", "show", "cat"):
        code, _out, err = gage_cli("--runs", str(missing), cmd, cwd=project)
        assert code == 1
        assert f"runs directory {missing} does not exist" in err


def test_restore_on_empty_trash_points_at_ls_d(gage_cli, project):
    code, _out, err = gage_cli("restore", "1", cwd=project)
    assert code == 1
    assert "The trash is empty. Use 'gage ls -d' to show deleted runs." in err
    code, _out, err = gage_cli("restore", "-a", cwd=project)
    assert code == 1 and "gage ls -d" in err


def test_ui_without_a_terminal_says_so(project):
    proc = subprocess.run(
        [sys.executable, "-m", "gage_tui.cli.main", "-C", str(project), "ui"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    assert "gage ui needs a terminal" in proc.stderr
