"""`gage run` shows the op's diagnostics even when they do not block it:
an unknown key is usually a typo that explains what happens next."""

from __future__ import annotations


def test_missing_exec_explained_by_the_typo(tmp_path, gage_cli):
    (tmp_path / "gage.toml").write_text('[train]\nexce = "python -c pass"\n')
    code, out, err = gage_cli("run", "train", "--preview", cwd=tmp_path)
    assert code == 1
    assert "gage.toml:2:1: error[unknown-key]: unknown key 'exce'" in err
    assert "did you mean 'exec'?" in err
    assert "missing an exec command" in err
