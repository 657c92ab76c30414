"""The small part of Ray's Jobs REST API the proxy needs, over plain
HTTP (no Ray install needed to follow a job):

- ``GET  /api/jobs/<id>``: the job's details (404: unknown job);
- ``POST /api/jobs/<id>/stop``;
- ``GET  /api/v0/logs/stream?node_id=...&submission_id=<id>&lines=-1&interval=S``:
  the driver's log from its first line, then live, as a chunked stream
  that stays open after the job ends.
"""

from __future__ import annotations

import http.client
import json
import queue
import threading
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

from gage_core.process.executors.base import ExecutorError

__all__ = ["JobsHTTP", "HTTPLogStream", "JobNotFound"]


class JobNotFound(ExecutorError):
    """The cluster does not know the job (never submitted, or its head
    was restarted)."""


class JobsHTTP:
    """Requests to one dashboard (``http://host:port``)."""

    def __init__(self, address: str, timeout: float = 10.0):
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ExecutorError(f"invalid Ray dashboard address '{address}'")
        self.address = address
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self.timeout = timeout

    def connection(self, timeout: float | None = None) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=timeout if timeout is not None else self.timeout)

    def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        conn = self.connection()
        try:
            data = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json"} if data is not None else {}
            conn.request(method, self._prefix + path, body=data, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        except OSError as e:
            raise ExecutorError(
                f"cannot reach the Ray cluster at {self.address}: {e}",
                hint="is the head running and RAY_ADDRESS its dashboard URL?",
            ) from None
        finally:
            conn.close()

    def _job_json(self, method: str, submission_id: str, suffix: str = "") -> dict:
        """The JSON object a job endpoint answers; ``JobNotFound`` on 404."""
        status, body = self._request(method, f"/api/jobs/{submission_id}{suffix}")
        if status == 404:
            raise JobNotFound(f"the Ray cluster at {self.address} has no job {submission_id}")
        if status != 200:
            raise ExecutorError(f"Ray job {submission_id}{suffix}: HTTP {status}: {body[:200]!r}")
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ExecutorError(f"Ray job {submission_id}{suffix}: the reply is not a JSON object")
        return data

    def job_info(self, submission_id: str) -> dict:
        return self._job_json("GET", submission_id)

    def stop_job(self, submission_id: str) -> bool:
        return bool(self._job_json("POST", submission_id, "/stop").get("stopped"))

    def log_stream(self, submission_id: str, node_id: str, interval: float = 0.1) -> HTTPLogStream:
        query = urlencode(
            {"node_id": node_id, "submission_id": submission_id, "lines": -1, "interval": interval}
        )
        return HTTPLogStream(self, f"{self._prefix}/api/v0/logs/stream?{query}")


class HTTPLogStream:
    """Reads a streamed log in a thread; iterating yields what arrived, or
    ``b""`` every ``heartbeat`` seconds while nothing did. Ends when the
    server closes the stream or ``close()`` is called."""

    def __init__(self, client: JobsHTTP, path: str, heartbeat: float = 0.2):
        self._client = client
        self._path = path
        self._heartbeat = heartbeat
        self._chunks: queue.Queue[bytes | BaseException | None] = queue.Queue()
        self._conn: http.client.HTTPConnection | None = None
        self._closed = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._read, name="ray-log-stream", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            conn = self._conn = self._client.connection(timeout=None)
            conn.request("GET", self._path)
            resp = conn.getresponse()
            if resp.status != 200:
                raise ExecutorError(f"Ray log stream: HTTP {resp.status}: {resp.read(200)!r}")
            while not self._closed.is_set():
                data = resp.read1(1 << 16)
                if not data:
                    break
                self._chunks.put(data)
        except (OSError, http.client.HTTPException, ExecutorError) as e:
            if not self._closed.is_set():
                self._chunks.put(e)
        finally:
            self._chunks.put(None)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            try:
                item = self._chunks.get(timeout=self._heartbeat)
            except queue.Empty:
                if self._closed.is_set():
                    return
                yield b""
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                self.error = item
                return
            yield item

    def close(self) -> None:
        self._closed.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(2)
            except OSError:
                pass
