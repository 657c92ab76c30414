"""A stand-in for a Ray head's Jobs REST API (the subset the proxy uses),
with jobs that are real local processes running the cluster-side entry
point: ``GET /api/jobs/<id>``, ``POST /api/jobs/<id>/stop`` and the
chunked ``GET /api/v0/logs/stream``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

NODE_ID = "stub-node-0001"
PREAMBLE = b"Runtime env is setting up.\nRunning entrypoint for job stub\n"


class StubJob:
    def __init__(self, proc: subprocess.Popen | None):
        self.proc = proc
        self.log = bytearray(PREAMBLE)
        self.stopped = False
        self.lock = threading.Lock()
        if proc is not None:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            data = self.proc.stdout.read1(65536)
            if not data:
                break
            with self.lock:
                self.log += data
        self.proc.wait()

    def status(self) -> tuple[str, int | None]:
        code = self.proc.poll() if self.proc is not None else 0
        if code is None:
            return "RUNNING", None
        if self.stopped:
            return "STOPPED", None
        return ("SUCCEEDED" if code == 0 else "FAILED"), code


class JobsStub:
    def __init__(self):
        self.jobs: dict[str, StubJob] = {}
        self.stop_requests: list[str] = []
        # Cut the first log stream after this many bytes (a lost connection).
        self.break_stream_after: int | None = None
        self.streams_opened = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _json(self, code: int, obj) -> None:
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                parts = urlsplit(self.path)
                if parts.path.startswith("/api/jobs/"):
                    job = stub.jobs.get(parts.path[len("/api/jobs/"):])
                    if job is None:
                        return self._json(404, {"error": "not found"})
                    status, code = job.status()
                    return self._json(200, {
                        "status": status, "driver_exit_code": code, "message": "",
                        "driver_node_id": NODE_ID,
                    })
                if parts.path == "/api/v0/logs/stream":
                    query = parse_qs(parts.query)
                    job = stub.jobs.get(query.get("submission_id", [""])[0])
                    if job is None or query.get("node_id") != [NODE_ID]:
                        return self._json(500, {"error": "no such log"})
                    return self._stream(job)
                self._json(404, {})

            def _stream(self, job: StubJob) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                sent = 0
                stub.streams_opened += 1
                limit = stub.break_stream_after if stub.streams_opened == 1 else None
                try:
                    # Like Ray's, the stream stays open after the job ends.
                    while not stub.closing:
                        with job.lock:
                            data = bytes(job.log[sent:])
                        if limit is not None and sent + len(data) > limit:
                            data = data[: limit - sent]
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                            self.wfile.flush()
                            self.connection.shutdown(socket.SHUT_RDWR)
                            return
                        if data:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                            self.wfile.flush()
                            sent += len(data)
                        else:
                            time.sleep(0.02)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):
                parts = urlsplit(self.path)
                if parts.path.startswith("/api/jobs/") and parts.path.endswith("/stop"):
                    job_id = parts.path[len("/api/jobs/"):-len("/stop")]
                    job = stub.jobs.get(job_id)
                    if job is None:
                        return self._json(404, {})
                    stub.stop_requests.append(job_id)
                    if job.proc is not None and job.proc.poll() is None:
                        job.stopped = True
                        os.killpg(job.proc.pid, signal.SIGTERM)  # the job's own group
                    return self._json(200, {"stopped": True})
                self._json(404, {})

        self.closing = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def start_job(self, run_dir: Path, store: str, bundle: Path) -> StubJob:
        """Run the staged run like a cluster would: its run dir and meta
        shipped as ``run/`` and ``meta/``, the entry point in it."""
        meta = run_dir.with_name(run_dir.name + ".meta")
        shutil.copytree(run_dir, bundle / "run", symlinks=False)
        shutil.copytree(meta, bundle / "meta", ignore=shutil.ignore_patterns("lock", ".reserve"))
        repo = Path(__file__).resolve().parents[2]
        env = dict(os.environ, PYTHONPATH=str(repo), TMPDIR=str(bundle.parent))
        proc = subprocess.Popen(
            [sys.executable, "-m", "gage_core.process.executors.remote", run_dir.name,
             "--store", store, "--grace", "5"],
            cwd=bundle, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, start_new_session=True,
        )
        job = self.jobs[run_dir.name] = StubJob(proc)
        return job

    def close(self) -> None:
        self.closing = True
        for job in self.jobs.values():
            if job.proc is not None and job.proc.poll() is None:
                os.killpg(job.proc.pid, signal.SIGKILL)
                job.proc.wait()
        self.server.shutdown()
        self.server.server_close()
