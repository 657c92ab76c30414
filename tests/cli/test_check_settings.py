"""gage check's settings table (-v), --version SPEC, and the version spec
matcher."""

from __future__ import annotations

import json

import pytest

from gage_core import __version__
from gage_core.query.version_spec import VersionSpecError, version_matches

KEYS = ["gage_version", "gage_install_location", "python_version", "python_exe", "platform"]
VERBOSE = ["command_directory", "project_directory", "gagefile", "runs_directory"]


def _table(out: str) -> dict[str, str]:
    return {line.split()[0]: line.split(None, 1)[1] if len(line.split()) > 1 else "" for line in out.splitlines() if line}


def test_check_outside_a_project_shows_settings(gage_cli, tmp_path):
    code, out, _ = gage_cli("check", cwd=tmp_path)
    assert code == 0
    table = _table(out)
    assert list(table) == KEYS and table["gage_version"] == __version__


def test_check_v_shows_directories(gage_cli, tmp_path):
    project = tmp_path / "p"
    (project / ".gage" / "runs").mkdir(parents=True)
    (project / "gage.toml").write_text('[a]\nexec = "echo"\n')
    code, out, _ = gage_cli("check", "-v", cwd=project)
    assert code == 0
    settings, verdict = out.split("\n\n")
    table = _table(settings)
    assert list(table) == KEYS + VERBOSE
    assert table["command_directory"] == str(project)
    assert table["project_directory"] == str(project)
    assert table["gagefile"] == str(project / "gage.toml")
    assert table["runs_directory"] == str(project / ".gage" / "runs")
    assert verdict.strip() == "gage.toml is a valid Gage file"
    code, out, _ = gage_cli("check", "-v", "--format", "json", cwd=tmp_path)
    assert json.loads(out)["command_directory"] == str(tmp_path)


@pytest.mark.parametrize("spec", [__version__, f"=={__version__}", f"<={__version__}", f">={__version__}", "==0.*", ">0.0.9,<1"])
def test_version_matches(gage_cli, spec):
    code, out, err = gage_cli("check", "--version", spec)
    assert (code, out, err) == (0, "", "")


@pytest.mark.parametrize("spec", [f"<{__version__}", f">{__version__}", "999", "!=0.1.*", "~=0.2"])
def test_version_mismatch(gage_cli, spec):
    code, _out, err = gage_cli("check", "--version", spec)
    assert code == 1
    assert err.strip() == f"gage: Version mismatch: current version '{__version__}' does not match '{spec}'"


@pytest.mark.parametrize("spec", ["foobar", "", ">=", ">=1,", "=>1", ">=1.*"])
def test_invalid_version_spec(gage_cli, spec):
    code, _out, err = gage_cli("check", "--version", spec)
    assert code == 1 and "invalid version spec" in err or "'.*' only goes" in err
    assert "Traceback" not in err


def test_version_with_path_refused(gage_cli, tmp_path):
    code, _out, err = gage_cli("check", "x.toml", "--version", "1")
    assert code == 1 and "--version cannot be used with PATH" in err


@pytest.mark.parametrize(
    "version,spec,expected",
    [("1.2.3", "~=1.2", True), ("1.3", "~=1.2", True), ("2.0", "~=1.2", False), ("1.2", "==1.2.0", True),
     ("1.2.3", "==1.2.*", True), ("1.3.0", "==1.2.*", False), ("1.0", ">=0.9, <1.0", False)],
)
def test_version_matcher(version, spec, expected):
    assert version_matches(version, spec) is expected


def test_version_matcher_refuses_words():
    with pytest.raises(VersionSpecError):
        version_matches("1.0", ">=one")


def test_check_json_flag(gage_cli, tmp_path):
    code, out, _ = gage_cli("check", "--json", cwd=tmp_path)
    assert code == 0 and json.loads(out)["gage_version"] == __version__
    (tmp_path / "gage.toml").write_text('[a]\nexce = "x"\n')
    code, out, _ = gage_cli("check", "--json", "gage.toml", cwd=tmp_path)
    data = json.loads(out)
    assert code == 1 and data["valid"] is False
