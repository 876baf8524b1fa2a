"""A small HTTP server for tests that answers whatever the test scripts, byte for byte.

The emulator is faithful to Whereby; this server is not. A test gives it a handler that sees each
request and returns the raw answer: well-formed or not, all at once or dripped with pauses, cut
short, or nothing at all. It listens on 127.0.0.1 only, answers one request per connection, and
records what it was sent, so tests can also assert what never reached it.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

# One step of an answer: bytes to send, or a pause in seconds before the next step.
Step = bytes | float
Reply = bytes | Iterable[Step] | None  # None: close the connection without answering

_MAX_HEAD = 64 * 1024
_MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class SeenRequest:
    method: str
    target: str  # the request target as sent, query string included
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def raw_query(self) -> str:
        return urlsplit(self.target).query

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.raw_query, keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def http_answer(
    status: int,
    body: bytes = b"",
    *,
    headers: dict[str, str] | None = None,
    content_length: int | None = None,
) -> bytes:
    """A complete HTTP/1.1 answer. ``content_length`` may lie about ``body`` (a cut answer)."""
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Status"
    lines = [f"HTTP/1.1 {status} {reason}", "Connection: close"]
    names = {name.lower() for name in headers or {}}
    if "content-type" not in names and body:
        lines.append("Content-Type: application/json")
    if "content-length" not in names:
        lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def json_answer(status: int, data: Any, *, headers: dict[str, str] | None = None) -> bytes:
    return http_answer(status, json.dumps(data).encode(), headers=headers)


def http_head(status: int, headers: dict[str, str] | None = None) -> bytes:
    """Only the status line and ``headers``, for a body sent in later steps (or never)."""
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Status"
    lines = [f"HTTP/1.1 {status} {reason}", "Connection: close"]
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    """One chunk of a ``Transfer-Encoding: chunked`` body; ``chunk(b"")`` ends the body."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


@dataclass
class HostileServer:
    """Use as ``with HostileServer(handler) as server:``; ``server.base_url`` ends in ``/v1``."""

    handler: Callable[[SeenRequest], Reply]
    requests: list[SeenRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="hostile-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def seen(self, method: str | None = None) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if method is None or r.method == method]

    def __enter__(self) -> HostileServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        # Pauses wait on this event, so a dripping answer ends at once instead of running on.
        self._closing.set()
        self._acceptor.join(5)
        for thread in list(self._threads):
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = _read_request(conn)
            except (OSError, ValueError):
                return
            with self._lock:
                self.requests.append(request)
            reply = self.handler(request)
            if reply is None:
                return
            steps: Iterable[Step] = [reply] if isinstance(reply, bytes) else reply
            try:
                for step in steps:
                    if isinstance(step, bytes):
                        conn.sendall(step)
                    elif self._closing.wait(step):
                        return
            except OSError:
                return  # the client gave up; that is what some tests are after


def _read_request(conn: socket.socket) -> SeenRequest:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("connection closed before the request's head ended")
        data += chunk
        if len(data) > _MAX_HEAD:
            raise ValueError("request head too long")
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if length > _MAX_BODY:
        raise ValueError("request body too long")
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return SeenRequest(method, target, headers, body)
