"""A private Ray head for tests and benchmarks: bound to 127.0.0.1 on
free ports, with its own temp dir, stopped through its own PID (never
``ray stop``, which would stop every Ray on the machine)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RayHead", "start_head", "free_port"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RayHead:
    proc: subprocess.Popen
    address: str
    temp_dir: Path
    log_path: Path

    def stop(self, timeout: float = 8.0) -> None:
        """SIGTERM to the head's own process group, SIGKILL if it stays."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # Ray's own children (raylet, GCS, dashboard) share the group.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def start_head(num_cpus: int = 2, timeout: float = 90.0) -> RayHead:
    ray = Path(sys.executable).with_name("ray")
    # Short: Ray puts socket paths (max 107 bytes) under it.
    temp_dir = Path(tempfile.mkdtemp(prefix="gray-", dir="/tmp"))
    dashboard = free_port()
    ports = {
        "--port": free_port(),
        "--dashboard-port": dashboard,
        "--node-manager-port": free_port(),
        "--object-manager-port": free_port(),
        "--ray-client-server-port": free_port(),
        "--dashboard-agent-listen-port": free_port(),
        "--dashboard-agent-grpc-port": free_port(),
        "--runtime-env-agent-port": free_port(),
        "--metrics-export-port": free_port(),
    }
    args = [
        str(ray), "start", "--head", "--block", f"--num-cpus={num_cpus}", "--disable-usage-stats",
        "--include-dashboard=true", "--dashboard-host=127.0.0.1", "--node-ip-address=127.0.0.1",
        f"--temp-dir={temp_dir}", *(f"{k}={v}" for k, v in ports.items()),
    ]
    env = dict(os.environ)
    env.update(
        RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0",
        TMPDIR=str(temp_dir),
        # The jobs' interpreter is this venv's, whatever PATH says.
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("RAY_ADDRESS", None)
    log_path = temp_dir / "head.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, start_new_session=True,
        )
    head = RayHead(proc, f"http://127.0.0.1:{dashboard}", temp_dir, log_path)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            text = log_path.read_text(errors="replace")[-3000:]
            head.stop()
            raise RuntimeError(f"ray head exited with {proc.returncode}:\n{text}")
        try:
            with urllib.request.urlopen(f"{head.address}/api/jobs/", timeout=2) as resp:
                if resp.status == 200:
                    return head
        except OSError:
            pass
        if time.monotonic() > deadline:
            head.stop()
            raise RuntimeError(f"ray head not up after {timeout}s: {log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
