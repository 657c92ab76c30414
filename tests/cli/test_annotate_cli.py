"""gage label / tag / comment / delete / restore / purge / associate and
gage ls -w / -s, on real run files."""

from __future__ import annotations

import json
import os
import shutil

import psutil
import pytest

from gage_core.store import layout
from gage_core.store.ids import run_name
from gage_core.store.store import RunStore
from helpers.meta_runs import make_run


def _run(runs, op="train", metrics=None, ago_s=60, **files):
    t = layout.now_us() - ago_s * 1_000_000
    base = {
        "opref": f"2 project {op}", "started": str(t), "stopped": str(t + 1_000_000),
        "proc/exit": "0", "summary.json": json.dumps({"metrics": metrics or {}}),
    }
    base.update(files)
    rid = make_run(runs, base)
    (runs / f"{rid}.project").write_text("file:../..")
    return rid


@pytest.fixture
def project(example_project):
    """The example project with runs (newest first): eval, train b, train a, prepare."""
    runs = example_project / ".gage" / "runs"
    runs.mkdir(parents=True)
    ids = {
        "prepare": _run(runs, "prepare", ago_s=4000),
        "a": _run(runs, "train", {"loss": 0.15}, ago_s=3000),
        "b": _run(runs, "train", {"loss": 0.4}, ago_s=2000),
        "eval": _run(runs, "evaluate", ago_s=3 * 86400),
    }
    return example_project, runs, ids


def names(out: str) -> list[str]:
    return [line.split()[1] for line in out.splitlines()[1:] if line.strip() and line.split()[0].isdigit()]


def test_ls_where_acceptance(gage_cli, project):
    path, _runs, ids = project
    where = "op = train and metric.loss < 0.2 and started in last 1 day"
    code, out, err = gage_cli("ls", "-w", where, cwd=path)
    assert code == 0, err
    assert names(out) == [run_name(ids["a"])]
    code, out, _ = gage_cli("ls", "-w", "started in last 2 days", cwd=path)
    assert set(names(out)) == {run_name(ids[k]) for k in ("prepare", "a", "b")}


def test_ls_sort(gage_cli, project):
    path, _runs, ids = project
    code, out, err = gage_cli("ls", "-s", "-metric.loss", cwd=path)
    assert code == 0, err
    assert names(out)[:2] == [run_name(ids["b"]), run_name(ids["a"])]
    code, out, _ = gage_cli("ls", "-s", "op", cwd=path)
    assert names(out)[0] == run_name(ids["eval"])


def test_ls_where_syntax_error_has_caret(gage_cli, project):
    path, _runs, _ids = project
    code, out, err = gage_cli("ls", "-w", "op = train and (", cwd=path)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith("gage: unexpected end of filter")
    assert lines[1] == "  op = train and ("
    assert lines[2] == "  " + " " * 16 + "^"
    assert "Traceback" not in err


def test_label_set_clear_where(gage_cli, project):
    path, runs, ids = project
    code, out, err = gage_cli("label", "-s", "latest one", cwd=path)
    assert (code, out.strip()) == (0, "Set label for 1 run"), err
    store = RunStore(runs)
    assert store.get(ids["b"]).label == "latest one"
    code, out, err = gage_cli("label", "-w", "op = train", "-s", "trained", cwd=path)
    assert code == 1 and "pass -y" in err  # no terminal to confirm on
    code, out, err = gage_cli("label", "-w", "op = train", "-s", "trained", "-y", cwd=path)
    assert out.strip() == "Set label for 2 runs"
    assert [store.get(ids[k]).label for k in ("a", "b", "prepare")] == ["trained", "trained", None]
    code, out, _ = gage_cli("label", "2", "-c", cwd=path)
    assert out.strip() == "Cleared label of 1 run"
    assert store.get(ids["a"]).label is None
    code, out, _ = gage_cli("ls", "-w", "label = trained", cwd=path)
    assert names(out) == [run_name(ids["b"])]
    code, _out, err = gage_cli("label", "zzz", "-s", "x", cwd=path)
    assert code == 1 and "No runs match 'zzz'" in err
    code, _out, err = gage_cli("label", cwd=path)
    assert code == 2  # -s or -c is required


def test_label_on_read_only_run(gage_cli, project):
    path, runs, ids = project
    meta = layout.meta_dir(runs, ids["a"])
    for root, _dirs, files in os.walk(meta):
        for f in files:
            os.chmod(os.path.join(root, f), 0o444)
    code, _out, err = gage_cli("label", run_name(ids["a"]), "-s", "still editable", cwd=path)
    assert code == 0, err
    assert RunStore(runs).get(ids["a"]).label == "still editable"


def test_tag_add_remove_clear_list(gage_cli, project):
    path, runs, ids = project
    code, out, err = gage_cli("tag", "1", "2", "-t", "keep", "-t", "paper,v2", "-y", cwd=path)
    assert code == 0, err
    store = RunStore(runs)
    assert store.get(ids["b"]).tags == ("keep", "paper", "v2")
    code, out, _ = gage_cli("tag", "1", "-r", "paper", cwd=path)
    assert out.strip() == f"{run_name(ids['b'])}  keep v2"
    code, out, _ = gage_cli("ls", "-w", "tag = paper", cwd=path)
    assert names(out) == [run_name(ids["a"])]
    code, out, _ = gage_cli("tag", "2", "-c", cwd=path)
    assert store.get(ids["a"]).tags == ()
    code, out, _ = gage_cli("tag", "-a", cwd=path)
    assert f"{run_name(ids['b'])}  keep v2" in out.splitlines()
    code, _out, err = gage_cli("tag", "-t", "two words", cwd=path)
    assert code == 1 and "invalid tag" in err


def test_comment_add_list_edit_delete(gage_cli, project):
    path, runs, ids = project
    code, out, err = gage_cli("comment", "-m", "diverged at epoch 3", cwd=path)
    assert (code, out.strip()) == (0, "Added comment to 1 run"), err
    gage_cli("comment", "1", "-m", "second thought", cwd=path)
    code, out, _ = gage_cli("comment", "-l", cwd=path)
    lines = out.splitlines()
    assert lines[1].strip() == "diverged at epoch 3" and lines[3].strip() == "second thought"
    first_id = lines[0].split()[0]
    code, out, err = gage_cli("comment", "-e", first_id, "-m", "diverged at epoch 4", cwd=path)
    assert code == 0, err
    code, out, _ = gage_cli("comment", "-l", cwd=path)
    assert "diverged at epoch 4" in out and "(edited)" in out
    code, out, _ = gage_cli("comment", "-d", first_id, cwd=path)
    assert out.strip() == f"Deleted comment {first_id} of {run_name(ids['b'])}"
    code, out, _ = gage_cli("comment", "-l", cwd=path)
    assert "epoch" not in out and "second thought" in out
    code, _out, err = gage_cli("comment", "-d", "nope", cwd=path)
    assert code == 1 and "no comment 'nope'" in err
    code, _out, err = gage_cli("comment", cwd=path)  # no -m and no terminal for an editor
    assert code == 1 and "-m TEXT" in err


def test_delete_restore_purge(gage_cli, project):
    path, runs, ids = project
    code, _out, err = gage_cli("delete", cwd=path)
    assert code == 2 and "no runs specified" in err
    code, _out, err = gage_cli("rm", "1", cwd=path)
    assert code == 1 and "pass -y" in err
    code, out, err = gage_cli("rm", "1", "-y", cwd=path)
    assert code == 0 and out.startswith("Deleted 1 run"), err
    code, out, _ = gage_cli("ls", cwd=path)
    assert run_name(ids["b"]) not in out
    code, out, _ = gage_cli("ls", "-d", cwd=path)
    assert names(out) == [run_name(ids["b"])]
    code, out, _ = gage_cli("restore", "1", "-y", cwd=path)
    assert out.strip() == "Restored 1 run"
    code, out, _ = gage_cli("del", "-w", "op = train", "-y", cwd=path)
    assert out.startswith("Deleted 2 runs")
    code, out, _ = gage_cli("purge", "-w", "metric.loss > 0.2", "-y", cwd=path)
    assert out.strip() == "Purged 1 run"
    assert not [n for n in os.listdir(runs) if n.startswith(ids["b"])]
    code, out, _ = gage_cli("ls", "-d", cwd=path)
    assert names(out) == [run_name(ids["a"])]
    code, out, _ = gage_cli("delete", "--permanent", run_name(ids["eval"]), "-y", cwd=path)
    assert out.strip() == "Permanently deleted 1 run"
    assert not [n for n in os.listdir(runs) if n.startswith(ids["eval"])]
    code, _out, err = gage_cli("purge", "-a", "-y", cwd=path)
    assert code == 0
    code, _out, err = gage_cli("purge", "-a", "-y", cwd=path)
    assert code == 1 and "No deleted runs" in err


def test_running_run_is_not_deleted(gage_cli, project):
    path, runs, _ids = project
    me = psutil.Process()
    rid = make_run(runs, {"opref": "2 project train", "started": str(layout.now_us()),
                          "proc/lock": f"runner {me.pid} {me.create_time()!r}\n"})
    (runs / f"{rid}.project").write_text("file:../..")
    code, _out, err = gage_cli("delete", "1", "-y", cwd=path)
    assert code == 1 and "still running" in err and "gage stop" in err
    assert RunStore(runs).get(rid).container == "active"


def test_associate_after_project_moved(gage_cli, tmp_path, example_project):
    pid = "0b9c3c1e-5a8e-4f57-a1a2-3d4e5f607182"
    gagefile = example_project / "gage.toml"
    gagefile.write_text(f'"$project-id" = "{pid}"\n' + gagefile.read_text().replace('"$runs-dir" = ".gage/runs"\n', ""))
    runs = tmp_path / "shared-runs"
    info = json.dumps({"project_dir": str(example_project), "project_id": pid, "namespace": "project"})
    mine = [make_run(runs, {"opref": "2 project train", "project.json": info}) for _ in range(2)]
    other = make_run(runs, {"opref": "2 other train", "project.json": json.dumps(
        {"project_dir": "/elsewhere", "project_id": "11111111-2222-4333-8444-555555555555"})})
    for rid in mine:
        (runs / f"{rid}.project").write_text(f"file:{example_project}")
    moved = tmp_path / "moved" / "project"
    moved.parent.mkdir()
    shutil.move(example_project, moved)

    code, out, err = gage_cli("--runs", str(runs), "associate", "-y", cwd=moved)
    assert (code, out.strip()) == (0, f"Associated 2 runs with {moved}"), err
    store = RunStore(runs)
    assert [store.get(r).project_dir for r in mine] == [str(moved)] * 2
    assert store.get(other).project_dir == "/elsewhere"
    code, out, _ = gage_cli("--runs", str(runs), "associate", "-y", cwd=moved)
    assert out.startswith("Nothing to do")
    code, _out, err = gage_cli("--runs", str(runs), "associate", run_name(other), "-y", cwd=moved)
    assert code == 1 and "different project id" in err
    code, out, err = gage_cli("--runs", str(runs), "associate", run_name(other), "--force", "-y", cwd=moved)
    assert code == 0, err
    assert store.get(other).project_dir == str(moved)


_MAIN = "import sys; from gage_tui.cli.main import main; sys.exit(main(sys.argv[1:]))"


def _answer_on_terminal(args: list[str], answer: str) -> str:
    """Run gage in a real process whose stdin is a terminal; type ``answer``."""
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _MAIN, "--plain", *args],
            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        os.write(master, (answer + "\n").encode())
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(master)
        os.close(slave)
    return out.decode()


def test_delete_asks_on_a_terminal(project):
    path, runs, ids = project
    out = _answer_on_terminal(["-C", str(path), "delete", "1"], "n")
    assert run_name(ids["b"]) in out  # the runs are listed before the question
    assert "You are about to delete 1 run. Continue? (Y/n)" in out
    assert "Nothing deleted" in out
    assert RunStore(runs).get(ids["b"]).container == "active"
    out = _answer_on_terminal(["-C", str(path), "delete", "1", "--permanent"], "")
    assert "PERMANENTLY" in out and "(y/N)" in out and "Nothing deleted" in out
    out = _answer_on_terminal(["-C", str(path), "delete", "1"], "")
    assert "Deleted 1 run" in out
    assert RunStore(runs).get(ids["b"]).container == "trash"


def test_help_filters_topic(gage_cli):
    code, out, _ = gage_cli("--plain", "help", "filters")
    assert code == 0
    assert out.startswith("# Filters") and "started in last 3 days" in out


def test_associate_run_project_and_remove(gage_cli, tmp_path, monkeypatch):
    """Gage 0.1.2's form: ``associate RUN PROJECT`` and ``associate RUN --remove``."""
    monkeypatch.setenv("TERM", "unknown")
    project = tmp_path / "hello"
    (project / ".gage" / "runs").mkdir(parents=True)
    (project / "gage.toml").write_text('[hello]\nexec = "echo hi"\n')
    assert gage_cli("run", "-y", "-q", cwd=project)[0] == 0
    run_id = gage_cli("select", cwd=project)[1].strip()
    assert gage_cli("select", "--project-dir", cwd=project)[1].strip() == str(project)
    code, out, _ = gage_cli("associate", "1", "--remove", cwd=project)
    assert (code, out) == (0, f'Removed project association for "{run_id}"\n')
    assert gage_cli("select", "--project-dir", run_id, cwd=project)[1] == "\n"
    code, out, _ = gage_cli("associate", run_id, ".", cwd=project)
    assert (code, out) == (0, f'Associated "{run_id}" with {project}\n')
    assert gage_cli("select", "--project-dir", cwd=project)[1].strip() == str(project)
    other = tmp_path / "other"
    other.mkdir()
    code, out, _ = gage_cli("associate", "1", str(other), cwd=project)
    assert code == 0 and str(other) in out
    assert gage_cli("select", "--project-dir", "--all-projects", run_id, cwd=project)[1].strip() == str(other)
    code, _out, err = gage_cli("associate", "1", "./missing", cwd=project)
    assert code == 1 and "project directory ./missing does not exist" in err
    code, _out, err = gage_cli("associate", "--remove", cwd=project)
    assert code == 1 and "name the runs" in err
