"""gage ls / gage show on real run files."""

from __future__ import annotations

import json
import os

import pytest

from gage_core.store import layout
from gage_core.store.attribute_log import append_user_attrs
from gage_core.store.ids import new_run_id, run_name
from helpers.meta_runs import make_run, store_of_uuid4_runs


@pytest.fixture
def project(example_project):
    """The example project with four runs: three of its own, one of another project."""
    runs = example_project / ".gage" / "runs"
    runs.mkdir(parents=True)
    ids = {}
    ids["done"] = make_run(runs, {
        "opref": "2 project train", "started": "1795471227100000", "stopped": "1795471228100000",
        "proc/exit": "0", "summary.json": json.dumps({"metrics": {"loss": 0.25, "acc": 0.5}}),
    })
    ids["failed"] = make_run(runs, {
        "opref": "2 project prepare", "started": "1795471229100000", "stopped": "1795471229200000",
        "proc/exit": "2",
    })
    ids["staged"] = make_run(runs, {"opref": "2 project train"})
    ids["other"] = make_run(runs, {"opref": "2 elsewhere train", "proc/exit": "0"})
    for key in ("done", "failed", "staged"):
        (runs / f"{ids[key]}.project").write_text("file:../..")
    (runs / f"{ids['other']}.project").write_text("file:/nonexistent/other-project")
    append_user_attrs(layout.user_dir(runs, ids["done"]), set={"label": "best", "tags": ["keep", "v1"]})
    ids["runs_dir"] = runs
    return example_project, ids


def test_ls_lists_project_runs_newest_first(gage_cli, project):
    path, ids = project
    code, out, err = gage_cli("ls", cwd=path)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["#", "name", "operation", "started", "duration", "status", "label", "tags", "metrics"]
    names = [line.split()[1] for line in lines[1:]]
    assert names == [run_name(ids["staged"]), run_name(ids["failed"]), run_name(ids["done"])]
    assert "elsewhere" not in out
    done = next(line for line in lines if run_name(ids["done"]) in line)
    for text in ("train", "completed", "best", "keep v1", "acc=0.5 loss=0.25", "1.0s"):
        assert text in done
    assert "error" in next(line for line in lines if run_name(ids["failed"]) in line)
    assert "staged" in lines[1]


def test_ls_all_projects_qualifies_foreign_ops(gage_cli, project):
    path, ids = project
    code, out, _ = gage_cli("ls", "--all-projects", cwd=path)
    assert code == 0
    assert "elsewhere:train" in out
    assert run_name(ids["other"]) in out


def test_ls_limit_and_caption(gage_cli, project):
    path, _ids = project
    code, out, _ = gage_cli("ls", "-n", "2", cwd=path)
    assert code == 0
    assert out.splitlines()[-1] == "Showing 2 of 3 runs (use -m to show more)"
    assert len(out.splitlines()) == 4
    code, out, _ = gage_cli("ls", "-n", "2", "-a", cwd=path)
    assert "Showing" not in out and len(out.splitlines()) == 4


def test_ls_more_pages(gage_cli, project):
    path, ids = project
    for _ in range(3):
        rid = make_run(ids["runs_dir"], {"opref": "2 project train"})
        (ids["runs_dir"] / f"{rid}.project").write_text("file:../..")
    code, out, _ = gage_cli("ls", "-n", "2", cwd=path)
    assert out.splitlines()[-1] == "Showing 2 of 6 runs (use -m to show more)"
    code, out, _ = gage_cli("ls", "-n", "2", "-m", cwd=path)
    assert out.splitlines()[-1] == "Showing 4 of 6 runs (use -m to show more)"
    assert [l.split()[0] for l in out.splitlines()[1:-1]] == ["1", "2", "3", "4"]
    code, out, _ = gage_cli("ls", "-n", "2", "-mm", cwd=path)
    assert "Showing" not in out and len(out.splitlines()) == 7
    code, out, _ = gage_cli("ls", "-n", "2", "--more", "--more", "--more", cwd=path)
    assert "Showing" not in out


def test_ls_limit_default_is_20(gage_cli, project):
    path, ids = project
    for _ in range(22):
        rid = make_run(ids["runs_dir"], {"opref": "2 project train"})
        (ids["runs_dir"] / f"{rid}.project").write_text("file:../..")
    code, out, _ = gage_cli("ls", cwd=path)
    assert out.splitlines()[-1] == "Showing 20 of 25 runs (use -m to show more)"


def test_ls_json(gage_cli, project):
    path, ids = project
    code, out, _ = gage_cli("ls", "--json", cwd=path)
    assert code == 0
    data = json.loads(out)
    assert [d["id"] for d in data] == [ids["staged"], ids["failed"], ids["done"]]
    assert [d["index"] for d in data] == [1, 2, 3]
    done = data[2]
    assert done["status"] == "completed" and done["label"] == "best" and done["tags"] == ["keep", "v1"]
    assert done["metrics"] == {"acc": 0.5, "loss": 0.25}


def test_ls_where_sort_and_specs(gage_cli, project):
    path, ids = project
    code, out, _ = gage_cli("ls", "-w", "status = error", "--json", cwd=path)
    assert [d["id"] for d in json.loads(out)] == [ids["failed"]]
    code, out, err = gage_cli("ls", "--sort=name", "--json", cwd=path)
    got = [d["name"] for d in json.loads(out)]
    assert got == sorted(got)
    code, out, _ = gage_cli("ls", "2", "--json", cwd=path)
    assert [d["id"] for d in json.loads(out)] == [ids["failed"]]
    code, out, err = gage_cli("ls", "-w", "status = ", cwd=path)
    assert code != 0 and "Traceback" not in err and err.startswith("gage:")


@pytest.mark.parametrize(
    "args",
    [["-w", "train"], ["-w", "status = error or label ~ BEST"], ["-w", "loss < 1"], ["--sort=-started"],
     ["-s", "status", "-s", "-name"], ["-w", "not staged", "--sort=label"], ["-w", "nosuch"]],
)  # fmt: skip
def test_ls_page_from_the_index_is_the_head_of_the_full_listing(gage_cli, project, args):
    """Filters and sorts are answered from the run index: the first page,
    with each run's number, is the one the full listing (-a, which reads
    every run) shows first."""
    path, _ids = project
    code, out, err = gage_cli("ls", *args, "-n", "2", "--json", cwd=path)
    assert code == 0, err
    code, full, err = gage_cli("ls", *args, "-a", "--json", cwd=path)
    assert code == 0, err
    assert [(d["index"], d["id"]) for d in json.loads(out)] == [(d["index"], d["id"]) for d in json.loads(full)][:2]
    code, out, _ = gage_cli("ls", *args, "-n", "1", cwd=path)
    total = len(json.loads(full))
    assert (f"Showing 1 of {total} runs" in out) == (total > 1)


def test_cold_ls_prints_its_page_before_the_index_is_built_and_the_count_after(gage_cli, tmp_path, monkeypatch):
    from gage_tui.cli.commands import ls

    runs = tmp_path / "runs"
    runs.mkdir()
    made = store_of_uuid4_runs(runs, 300)
    totals = []
    print_table = ls._print_table
    monkeypatch.setattr(ls, "_print_table", lambda env, numbered, ns, total: (totals.append(total), print_table(env, numbered, ns, total)))
    code, cold, err = gage_cli("--runs", str(runs), "ls", cwd=tmp_path)
    assert code == 0, err
    assert totals == [None]  # printed once, as soon as it was certain
    code, warm, _ = gage_cli("--runs", str(runs), "ls", cwd=tmp_path)
    assert totals == [None, 300]
    assert cold == warm  # the same table and count line
    newest = sorted(made, key=made.get, reverse=True)[:20]
    assert [line.split()[1] for line in cold.splitlines()[1:21]] == [run_name(rid) for rid in newest]
    assert cold.splitlines()[-1].startswith("Showing 20 of 300 runs")


def test_ls_deleted(gage_cli, project):
    path, ids = project
    move = layout.move_dir(ids["runs_dir"], ids["failed"])
    move.mkdir()
    (move / f"{new_run_id()}-trash").touch()
    code, out, _ = gage_cli("ls", "--json", cwd=path)
    assert ids["failed"] not in out
    code, out, _ = gage_cli("ls", "-d", "--json", cwd=path)
    assert [d["id"] for d in json.loads(out)] == [ids["failed"]]


def test_ls_no_runs(gage_cli, tmp_path):
    (tmp_path / "runs").mkdir()
    code, out, _ = gage_cli("--runs", str(tmp_path / "runs"), "ls", cwd=tmp_path)
    assert code == 0 and out.strip() == "No runs"


def test_ls_aliases(gage_cli, project):
    path, ids = project
    for alias in ("list", "runs"):
        code, out, _ = gage_cli(alias, cwd=path)
        assert code == 0 and run_name(ids["done"]) in out


def test_show_latest_and_by_spec(gage_cli, project):
    path, ids = project
    code, out, err = gage_cli("show", cwd=path)
    assert code == 0, err
    assert out.splitlines()[0].split()[:2] == ["train", "staged"]
    code, out, err = gage_cli("show", run_name(ids["done"])[:7], cwd=path)
    assert code == 0, err
    assert out.splitlines()[0] == "train  completed  best"
    for text in (ids["done"], "Attributes", "exit code  0", "keep v1", "Flags", "lr  0.1",
                 "Summary", "loss  0.25", "duration   1.0s"):
        assert text in out, text
    code, out, _ = gage_cli("show", "2", cwd=path)
    assert "prepare  error" in out and "exit code  2" in out


def test_show_sections_files_output_comments_deps(gage_cli, project):
    path, ids = project
    runs = ids["runs_dir"]
    rid = ids["done"]
    meta = layout.meta_dir(runs, rid)
    (meta / "manifest").write_text("s 00 train.py\ng 11 model.json\n")
    run_dir = layout.run_dir(runs, rid)
    run_dir.mkdir()
    (run_dir / "train.py").write_text("print(1)\n")
    (run_dir / "model.json").write_text("{}\n")
    (meta / "output").mkdir()
    (meta / "output" / "40_run").write_text("".join(f"line {i}\n" for i in range(30)))
    (meta / "output" / "10_sourcecode").write_text("copied\n")
    (meta / "deps.json").write_text(json.dumps({"dependencies": [{
        "type": "run-files", "spec": "runfiles: op=prepare", "files": ["data.csv"],
        "source": {"run": "01a2b000-0000-7000-8000-00000000a001", "run_name": "abc", "operation": "prepare"},
    }]}))
    append_user_attrs(layout.user_dir(runs, rid), set={"comment:01a2-x": {"msg": "looks good", "timestamp": 1795471227000}})
    code, out, err = gage_cli("show", rid, cwd=path)
    assert code == 0, err
    assert "model.json  generated" in out and "train.py    source code" in out
    assert "Output (run, last 20 lines)" in out
    assert "line 29" in out and "line 10" in out and "line 9\n" not in out
    assert "looks good" in out
    assert "data.csv (from prepare run abc)" in out
    code, out, _ = gage_cli("show", rid, "--json", cwd=path)
    data = json.loads(out)
    assert data["outputs"] == ["10_sourcecode", "40_run"]
    assert data["output_tail"][-1] == "line 29\n"
    assert {"path": "train.py", "type": "source code", "size": 9} in data["files"]
    assert data["comments"][0]["msg"] == "looks good"


def test_show_errors(gage_cli, project, tmp_path):
    path, ids = project
    code, out, err = gage_cli("show", "zzzz", cwd=path)
    assert code != 0 and err.startswith("gage: ") and "Traceback" not in err
    code, out, err = gage_cli("--runs", str(tmp_path / "empty"), "show", cwd=tmp_path)
    assert code != 0 and err.startswith("gage: ")


def test_show_corrupt_run_warns(gage_cli, project):
    path, ids = project
    (layout.meta_dir(ids["runs_dir"], ids["done"]) / "summary.json").write_text("{broken")
    code, out, err = gage_cli("show", ids["done"], cwd=path)
    assert code == 0
    assert "warning:" in out and "summary.json" in out
    code, out, _ = gage_cli("ls", cwd=path)
    assert "completed !" in out


def test_ls_outside_the_runs_project_says_why_nothing_shows(gage_cli, project, tmp_path):
    _path, ids = project
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "gage.toml").write_text('[x]\nexec = "true"\n')
    code, out, _ = gage_cli("--runs", str(ids["runs_dir"]), "ls", cwd=elsewhere)
    assert code == 0 and "use --all-projects" in out and "4 of other projects" in out
    # RUN specs next to the global --runs option (both named "runs").
    code, out, err = gage_cli("--runs", str(ids["runs_dir"]), "ls", "--all-projects", "1", "--json", cwd=elsewhere)
    assert code == 0, err
    assert len(json.loads(out)) == 1


def test_text_the_terminal_cannot_write_is_shown_escaped(tmp_path):
    """A label and a tag holding lone surrogates (JSON escapes of no UTF-8
    character, in a hand-written .user file): ls, ls -w and show print
    them escaped instead of failing mid-table."""
    import subprocess
    import sys

    runs = tmp_path / "runs"
    runs.mkdir()
    run_id = make_run(runs, {"proc/exit": "0"})
    append_user_attrs(layout.user_dir(runs, run_id), set={"label": "bad \ud800 x", "tags": ["t\udc80"]})
    for args in (["ls"], ["ls", "-w", "bad"], ["ls", "-w", "tag ~ t"], ["show", "1"]):
        res = subprocess.run(
            [sys.executable, "-m", "gage_tui.cli.main", "--runs", str(runs), *args],
            cwd=tmp_path, capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        assert res.returncode == 0, (args, res.stderr.decode(errors="replace"))
        assert b"bad \\ud800 x" in res.stdout and b"Traceback" not in res.stderr, args
