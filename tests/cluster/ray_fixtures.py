"""Fixtures and helpers for the tests that run operations on a real Ray
head. A module of its own, not a conftest: the app tests import their
conftest by name, and a second one would shadow it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from ray_head import start_head  # noqa: E402


OPS = '''
[hello]
exec = "python3 hello.py"

[wait]
exec = "python3 wait.py"
config = "wait.py"

[fail]
exec = "python3 -c 'import sys; print(\\"failing\\"); sys.exit(3)'"

[many]
exec = "python3 many.py"
'''

HELLO = '''\
import pathlib, sys
print("out 1", flush=True)
print("err 1", file=sys.stderr, flush=True)
print("out 2", flush=True)
print("err 2", file=sys.stderr, flush=True)
pathlib.Path("model.txt").write_text("weights\\n")
print("loss: 0.25", flush=True)
'''

# Prints, then waits for a file the test creates: the test sees the
# output while the job runs, whatever the machine's speed.
WAIT = '''\
import pathlib, time
go_file = "go"
print("ready", flush=True)
go = pathlib.Path(go_file)
while not go.exists():
    time.sleep(0.05)
print("done", flush=True)
'''

MANY = '''\
import sys
out = sys.stdout
for i in range(1_000_000):
    out.write(f"{i}\\n")
'''


@pytest.fixture(scope="session")
def ray_head():
    head = start_head()
    yield head
    head.stop()


@pytest.fixture
def ray_project(tmp_path, ray_head):
    project = tmp_path / "project"
    project.mkdir()
    (project / "gage.toml").write_text(OPS)
    (project / "hello.py").write_text(HELLO)
    (project / "wait.py").write_text(WAIT)
    (project / "many.py").write_text(MANY)
    return project


@pytest.fixture
def gage_env(tmp_path, ray_head):
    env = dict(os.environ)
    env.update(
        RAY_ADDRESS=ray_head.address,
        GAGE_RAY_PYTHON=sys.executable,
        GAGE_RUNS=str(tmp_path / "runs"),
        TERM="dumb",
    )
    env.pop("GAGE_EXECUTOR", None)
    return env


def gage(env, *args, cwd=None, timeout=180, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("gage")), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"gage {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def wait_for(predicate, timeout: float = 180.0, what: str = "condition", meta: Path | None = None):
    """Poll ``predicate``; on timeout the run's ``log/runner`` (``meta``)
    goes into the failure message."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            log = ""
            if meta is not None and (meta / "log" / "runner").exists():
                log = (meta / "log" / "runner").read_text(errors="replace")
            raise AssertionError(f"timed out waiting for {what}\n{log}")
        time.sleep(0.1)


def only_run(runs_dir: Path) -> tuple[Path, Path]:
    metas = sorted(runs_dir.glob("*.meta"))
    assert len(metas) == 1, metas
    meta = metas[0]
    return meta.with_name(meta.name[: -len(".meta")]), meta
