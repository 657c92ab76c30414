"""gage run / cat / tail / stop from the command line (in-process CLI,
real runner processes)."""

from __future__ import annotations

import json
from pathlib import Path

from gage_core.store.store import RunStore
from helpers.real_runs import wait_for


def _runs(project: Path):
    return RunStore(project / ".gage" / "runs").list_runs()


def test_run_prepare_full(gage_cli, example_project):
    code, out, err = gage_cli("run", "prepare", "-y", "-l", "first", "--tag", "a", "--tag", "b",
                              "--comment", "hello", cwd=example_project)
    assert code == 0, err
    assert "wrote 300 rows to train.csv" in out
    [run] = _runs(example_project)
    assert run.status == "completed" and run.label == "first" and run.tags == ("a", "b")
    assert run.metrics["samples"] == 400
    meta = Path(f"{run.run_dir}.meta")
    assert not (meta / "label").exists()
    assert json.loads((meta / "proc" / "cmd.json").read_text()) == "python -u prepare.py"
    assert (example_project / ".gage" / "runs" / f"{run.id}.project").read_text() == "file:../.."
    assert (run.run_dir / "train.csv").exists()

    code, out, _ = gage_cli("cat", cwd=example_project)
    assert code == 0 and out.startswith("wrote 300 rows to train.csv")
    code, out, _ = gage_cli("tail", "-n", "1", cwd=example_project)
    assert code == 0 and out == "samples: 400\n"
    code, out, _ = gage_cli("cat", "--timestamps", cwd=example_project)
    assert " out wrote 300 rows to train.csv" in out
    code, out, _ = gage_cli("cat", "-p", "prepare.py", cwd=example_project)
    assert "samples = 400" in out


def test_run_default_op_with_flag_first(gage_cli, example_project):
    assert gage_cli("run", "prepare", "-y", cwd=example_project)[0] == 0
    code, out, err = gage_cli("run", "epochs=2", "-y", cwd=example_project)
    assert code == 0, err
    runs = _runs(example_project)
    assert runs[0].op_name == "train" and runs[0].config["epochs"] == 2
    assert "series" in json.loads((Path(f"{runs[0].run_dir}.meta") / "summary.json").read_text())


def test_run_errors_are_one_line(gage_cli, example_project):
    code, _, err = gage_cli("run", "trian", "-y", cwd=example_project)
    assert code == 1 and "no operation 'trian'" in err and "did you mean 'train'" in err
    assert "evaluate, prepare, train" in err
    code, _, err = gage_cli("run", "prepare", "sampels=3", "-y", cwd=example_project)
    assert code == 1 and "unknown flag 'sampels'" in err and "samples" in err
    code, _, err = gage_cli("run", "prepare", cwd=example_project)
    assert code == 1 and "-y" in err
    assert "Traceback" not in err
    assert _runs(example_project) == []


def test_missing_exec_and_broken_op(gage_cli, tmp_path):
    (tmp_path / "gage.toml").write_text('[noexec]\ndescription = "x"\n\n[bad]\nexce = "echo"\n')
    code, _, err = gage_cli("run", "noexec", "-y", cwd=tmp_path)
    assert code == 1 and "missing an exec command" in err
    code, _, err = gage_cli("run", "bad", "-y", cwd=tmp_path)
    assert code != 0 and "Traceback" not in err
    assert not (tmp_path / ".gage" / "runs").exists() or not list((tmp_path / ".gage" / "runs").iterdir())


def test_unwritable_runs_dir(gage_cli, example_project, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = gage_cli("--runs", str(blocker / "runs"), "run", "prepare", "-y", cwd=example_project)
    assert code == 1 and "cannot write runs directory" in err
    assert len(err.strip().splitlines()) <= 2


def test_failing_run_exit_code(gage_cli, tmp_path):
    (tmp_path / "gage.toml").write_text('"$runs-dir" = ".gage/runs"\n[fail]\nexec = "echo oops >&2; exit 3"\nsourcecode = []\n')
    code, out, err = gage_cli("run", "fail", "-y", cwd=tmp_path)
    assert code == 3 and "oops" in err and "exit code 3" in err
    [run] = RunStore(tmp_path / ".gage" / "runs").list_runs()
    assert run.status == "error"


def test_stage_then_start(gage_cli, example_project):
    code, out, _ = gage_cli("run", "prepare", "--stage", "-y", cwd=example_project)
    assert code == 0 and "is staged" in out
    [run] = _runs(example_project)
    assert run.status == "staged"
    code, out, err = gage_cli("run", "--start", run.name, "-y", cwd=example_project)
    assert code == 0, err
    assert _runs(example_project)[0].status == "completed"
    code, _, err = gage_cli("run", "--start", run.name, "-y", cwd=example_project)
    assert code == 1 and "only staged runs" in err


def test_background_tail_follow_and_stop(gage_cli, tmp_path):
    (tmp_path / "gage.toml").write_text(
        '"$runs-dir" = ".gage/runs"\n[slow]\nexec = "for i in 1 2 3; do echo tick $i; sleep 0.2; done"\nsourcecode = []\n'
        '[forever]\nexec = "echo up; sleep 60"\nsourcecode = []\n'
    )
    code, out, err = gage_cli("run", "slow", "--background", "-y", cwd=tmp_path)
    assert code == 0 and "started in the background" in out, err
    code, out, _ = gage_cli("tail", "-f", cwd=tmp_path)
    assert code == 0 and out == "tick 1\ntick 2\ntick 3\n"
    assert gage_cli("run", "forever", "--background", "-y", cwd=tmp_path)[0] == 0
    wait_for(lambda: RunStore(tmp_path / ".gage" / "runs").list_runs()[0].status == "running", 10, "a running run")
    code, out, err = gage_cli("stop", "-y", "-g", "5", cwd=tmp_path)
    assert code == 0 and "exit -15" in out, err
    runs = RunStore(tmp_path / ".gage" / "runs").list_runs()
    assert [r.status for r in runs] == ["terminated", "completed"]
    code, _, err = gage_cli("stop", "-y", cwd=tmp_path)
    assert code == 1 and "no running run" in err


def test_hook_output_echoed_and_captured(gage_cli, tmp_path):
    (tmp_path / "gage.toml").write_text(
        '"$runs-dir" = ".gage/runs"\n[phased]\nsourcecode = []\n'
        '[phased.exec]\nstage-runtime = "echo building runtime"\nrun = "echo running"\n'
        'finalize = "echo finalizing"\n'
    )
    code, out, err = gage_cli("run", "phased", "-y", cwd=tmp_path)
    assert code == 0, err
    assert out == "building runtime\nrunning\nfinalizing\n"
    [run] = RunStore(tmp_path / ".gage" / "runs").list_runs()
    code, out, _ = gage_cli("cat", "--phase", "runtime", cwd=tmp_path)
    assert out == "building runtime\n"


def test_cat_and_tail_read_gage_012_zip_runs(gage_cli, tmp_path):
    import struct
    import zipfile

    runs = tmp_path / "runs"
    runs.mkdir()
    run_id = "60a825b1-1111-4222-8333-444455556666"
    (runs / run_id).mkdir()
    with zipfile.ZipFile(runs / f"{run_id}.meta.zip", "w") as z:
        z.writestr("opref", "2 proj op")
        z.writestr("__schema__", "1")
        z.writestr("id", run_id)
        z.writestr("initialized", "1795471227007732")
        z.writestr("started", "1795471227007800")
        z.writestr("stopped", "1795471227107800")
        z.writestr("proc/exit", "0")
        z.writestr("output/40_run", b"one\ntwo\nthree\n")
        z.writestr("output/40_run.index", struct.pack("!QB", 1795471227099, 0) * 3)
    code, out, err = gage_cli("--runs", str(runs), "cat", cwd=tmp_path)
    assert code == 0 and out == "one\ntwo\nthree\n", err
    code, out, _ = gage_cli("--runs", str(runs), "tail", "-n", "2", cwd=tmp_path)
    assert out == "two\nthree\n"
