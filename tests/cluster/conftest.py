"""Fixtures for the tests that run operations on a real Ray head: one
private head for the module (on one xdist worker: the tests share the
``ray`` group), a project with quick, waiting, failing and chatty ops, and
an environment pointing gage at the head."""

from __future__ import annotations

import os
import sys

import pytest

from helpers.ray_head import start_head

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


# Module scoped, not session: an idle head costs about a tenth of a core,
# and the worker that ran the ray group goes on with other tests.
@pytest.fixture(scope="module")
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
