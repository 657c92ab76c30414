"""gage copy against file:// and against S3 served by moto on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

GAGEFILE = '"$runs-dir" = "runs"\n[train]\nexec = "python3 train.py"\nconfig = "train.py"\n'
TRAIN = "lr = 0.1\nprint(f'loss: {lr * 2}')\nopen('model.txt', 'w').write(str(lr))\n"


def gage(env, *args, cwd, check=True):
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("gage")), *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"gage {' '.join(args)}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def two_projects(tmp_path):
    made = []
    for name in ("a", "b"):
        d = tmp_path / name
        d.mkdir()
        (d / "gage.toml").write_text(GAGEFILE)
        (d / "train.py").write_text(TRAIN)
        made.append(d)
    env = dict(os.environ, TERM="dumb")
    for lr in ("0.1", "0.5"):
        gage(env, "run", "train", f"lr={lr}", "-y", "-q", cwd=made[0])
    return made[0], made[1], env


def _copy_round_trip(src, dst, env, url):
    out = gage(env, "copy", "-a", "--dest", url, "-y", cwd=src).stdout
    assert "Copied 2 runs" in out
    again = gage(env, "copy", "-a", "--dest", url, "-y", cwd=src).stdout
    assert again.count("up to date") == 2
    pulled = gage(env, "copy", "--src", url, "-w", "lr = 0.5", "-y", cwd=dst).stdout
    assert "Copied 1 run from" in pulled
    # The runs still belong to the project they were made in.
    listed = gage(env, "ls", "--all-projects", "--plain", cwd=dst).stdout
    assert "completed" in listed and listed.count("train") == 1
    run_id = next((dst / "runs").glob("*.meta")).name[: -len(".meta")]
    shown = gage(env, "show", run_id, cwd=dst).stdout
    assert "lr" in shown and "0.5" in shown and "loss" in shown
    model = next((dst / "runs").glob("*/model.txt"))
    assert model.read_text() == "0.5"
    assert oct(model.stat().st_mode & 0o777) == oct(0o444)
    everything = gage(env, "copy", "--src", url, "-y", cwd=dst).stdout
    assert "Copied 2 runs" in everything and "up to date" not in everything
    assert len(list((dst / "runs").glob("*.meta"))) == 2


def test_copy_through_a_file_url(two_projects, tmp_path):
    src, dst, env = two_projects
    _copy_round_trip(src, dst, env, (tmp_path / "bucket").as_uri())


def test_copy_refuses_unfinished_runs_and_bad_arguments(two_projects, tmp_path):
    src, _dst, env = two_projects
    gage(env, "run", "train", "--stage", "-y", cwd=src)
    proc = gage(env, "copy", "1", "--dest", str(tmp_path / "b"), "-y", cwd=src, check=False)
    assert proc.returncode != 0 and "only finished runs can be copied" in proc.stderr
    proc = gage(env, "copy", "2", cwd=src, check=False)
    assert proc.returncode != 0 and "--dest URL and --src URL" in proc.stderr
    proc = gage(env, "copy", "--src", (tmp_path / "empty").as_uri(), "-y", cwd=src, check=False)
    assert proc.returncode != 0 and "no copied runs" in proc.stderr
    proc = gage(env, "copy", "2", "--dest", "nosuchscheme://x/y", "-y", cwd=src, check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_server():
    pytest.importorskip("s3fs")
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_copy_through_s3(two_projects, s3_server):
    import boto3

    src, dst, env = two_projects
    creds = dict(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
    )
    boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1").create_bucket(Bucket="runs")
    env = dict(env, FSSPEC_S3_ENDPOINT_URL=s3_server, **creds)
    _copy_round_trip(src, dst, env, "s3://runs/team")
