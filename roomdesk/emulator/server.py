"""A local HTTP server that behaves like Whereby's meetings API, with injectable faults.

It runs in a background thread (tests, the app's demo mode) or in the foreground through
``python -m roomdesk.emulator``. It only listens on loopback addresses.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import selectors
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from roomdesk.emulator.clock import system_clock
from roomdesk.emulator.faults import NO_FAULTS, FaultAction, FaultConfig, FaultPlan
from roomdesk.emulator.library import (
    DEFAULT_RECORDING_BYTES,
    DEMO_CAST,
    DEMO_MINUTES,
    Person,
    SessionLibrary,
)
from roomdesk.emulator.media_routes import MediaApi
from roomdesk.emulator.meetings import BadRequest, MeetingBook
from roomdesk.emulator.ratelimit import PointBudget
from roomdesk.emulator.routes import (
    API_PREFIX,
    MeetingsApi,
    Reply,
    error_reply,
    parse_json_body,
    split_target,
    status_error_reply,
    throttle_reply,
)
from roomdesk.emulator.storage import Storage

logger = logging.getLogger("roomdesk.emulator")

MAX_BODY_BYTES = 1024 * 1024
# Idle keep-alive connections are closed after this long, so their threads do not pile up.
IDLE_CONNECTION_TIMEOUT = 120.0
_BODILESS_STATUSES = frozenset({HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED})


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RequestOutcome(StrEnum):
    PENDING = "pending"  # still being answered
    ANSWERED = "answered"
    TRUNCATED = "truncated"  # headers and part of the body, then the connection was closed
    DROPPED = "dropped"  # the connection was closed without a response


@dataclass(repr=False)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    json: Any  # the parsed body, or None
    status: int | None  # what it was answered with; None while pending or when dropped
    time: datetime  # arrival, by the emulator's clock
    client: str = ""  # "host:port" of the connection it came on
    outcome: RequestOutcome = RequestOutcome.PENDING
    injected_delay: float = 0.0  # seconds of FaultConfig latency it waited
    duration: float | None = None  # seconds from arrival until the answer (or drop) began

    def __repr__(self) -> str:
        # Deliberately leaves out headers and body: they hold the API key and storage secrets.
        return f"RecordedRequest({self.method} {self.path} -> {self.status}, {self.outcome})"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # room for bursts of a few hundred simultaneous connects

    def __init__(self, address: tuple[str, int], emulator: EmulatorServer) -> None:
        self.emulator = emulator
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._wake_reader: socket.socket | None = None
        self._wake_writer: socket.socket | None = None
        super().__init__(address, _Handler)
        # serve_forever only notices shutdown() at its next poll; a wake-up socket stops the
        # loop at once, which keeps stop() (once per test) fast without a busy poll.
        self._wake_reader, self._wake_writer = socket.socketpair()

    def serve_until_woken(self) -> None:
        assert self._wake_reader is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ, "connection")
            selector.register(self._wake_reader, selectors.EVENT_READ, "wake")
            while True:
                for key, _ in selector.select():
                    if key.data == "wake":
                        return
                    # serve_forever's own step; typeshed leaves socketserver's private methods out.
                    self._handle_request_noblock()  # type: ignore[attr-defined]

    def wake(self) -> None:
        """Make serve_until_woken return; it accepts no connection after this."""
        assert self._wake_writer is not None
        self._wake_writer.send(b"!")

    def server_close(self) -> None:
        super().server_close()  # also joins the handler threads
        for end in (self._wake_reader, self._wake_writer):
            if end is not None:
                end.close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup we do not need (slow when DNS is).
        socketserver.TCPServer.server_bind(self)
        host, self.server_port = self.server_address[:2]
        self.server_name = str(host)  # an IPv4 or IPv6 address: its host is already text

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Wake every handler blocked on a kept-alive connection so it can finish."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            # Clients hanging up mid-answer is normal here (and provoked by the fault tests, and
            # by a demo quit while it is still making its sample rooms): a line, no traceback.
            logger.debug("connection closed by the client: %r", error)
        else:
            logger.exception("emulator connection handler failed")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "roomdesk-emulator"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm holds
    # the body back until the client's delayed ACK arrives.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD> and answers an HTML 501 page when there is none. Every
        # method goes to _serve instead, which answers in JSON: 405, 404, or 501 for a method
        # HTTP does not define.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, headers too long, ...) in the
        JSON form of every other error, on a connection that is then closed."""
        try:
            text = message or HTTPStatus(code).phrase
        except ValueError:
            text = "Error"
        self.close_connection = True  # what follows on the connection cannot be trusted
        # A request line that failed to parse leaves the version at HTTP/0.9, which would send
        # the body without a status line or headers.
        self.request_version = self.protocol_version
        logger.debug("refused a malformed request -> %s", code)
        # http.server's messages may quote the whole request line; its start says what is wrong.
        self._write(error_reply(code, text[:200]), truncate=False)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The path only: no query string, and never headers (they carry the API key). Not
        # urlsplit: this also logs refusals of targets it cannot split.
        path = getattr(self, "path", "").partition("?")[0]
        logger.debug("%s %s -> %s", self.command, path, code)

    def log_message(self, format: str, *args: Any) -> None:
        # The base class's other messages quote raw request lines; log_request covers each answer.
        pass

    def _read_body(self) -> tuple[bytes, Reply | None]:
        """The request body, or an answer refusing it (the connection is then closed)."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return b"", error_reply(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        # Digits only: int() would also take "+5", "1_0" or "٣", which no HTTP client sends.
        if not (raw_length.isascii() and raw_length.isdigit()):
            self.close_connection = True
            return b"", error_reply(
                HTTPStatus.BAD_REQUEST, "Content-Length must be a number of bytes"
            )
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return b"", error_reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        return self.rfile.read(length), None

    def _serve(self) -> None:
        emulator = self.server.emulator
        started = time.monotonic()
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        body, refusal = self._read_body()
        try:
            path, query = split_target(self.path)
        except BadRequest as problem:
            path, query = self.path, {}
            refusal = refusal or error_reply(HTTPStatus.BAD_REQUEST, problem.message)
        record = RecordedRequest(
            method=self.command,
            path=path,
            query=query,
            headers=headers,
            body=body,
            json=_parse_json(body),
            status=None,
            time=emulator.now(),
            client=f"{self.client_address[0]}:{self.client_address[1]}",
        )
        emulator._record(record)
        plan = emulator.faults.plan() if refusal is None else NO_FAULTS
        if plan.delay > 0:
            record.injected_delay = plan.delay
            emulator._stopping.wait(plan.delay)  # a stop cuts the wait short
        if plan.action is FaultAction.DROP:
            record.outcome = RequestOutcome.DROPPED
            record.duration = time.monotonic() - started
            self.close_connection = True
            logger.debug("%s %s -> dropped", self.command, path)
            return
        reply = refusal or _fault_reply(plan, emulator)
        if reply is None:
            try:
                reply = emulator._api.handle(self.command, path, query, headers, body)
            except Exception:
                # A bug in the emulator: answer like a server would, and say where it broke.
                logger.exception("emulator failed on %s %s", self.command, path)
                reply = error_reply(HTTPStatus.INTERNAL_SERVER_ERROR, "emulator error")
        has_body = bool(reply.body) or (reply.stream is not None and reply.stream.length > 0)
        truncate = plan.truncate and has_body and self.command != "HEAD"
        # Finish the record before answering: a client may look at it as soon as it has the answer.
        record.status = int(reply.status)
        record.outcome = RequestOutcome.TRUNCATED if truncate else RequestOutcome.ANSWERED
        record.duration = time.monotonic() - started
        self._write(reply, truncate=truncate)

    def _write(self, reply: Reply, *, truncate: bool) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        length = reply.stream.length if reply.stream is not None else len(reply.body)
        if reply.status not in _BODILESS_STATUSES:
            self.send_header("Content-Length", str(length))
        if truncate:
            self.close_connection = True
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if reply.stream is None:
            self.wfile.write(reply.body[: len(reply.body) // 2] if truncate else reply.body)
            return
        # Made and sent a chunk at a time, so a file of any size takes little memory.
        left = length // 2 if truncate else length
        for chunk in reply.stream.chunks():
            self.wfile.write(chunk[:left])
            left -= min(left, len(chunk))
            if not left:
                break


def _parse_json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return parse_json_body(body)
    except BadRequest:
        return None


def _fault_reply(plan: FaultPlan, emulator: EmulatorServer) -> Reply | None:
    """The answer an injected fault puts in place of the real one, if any."""
    if plan.action not in (FaultAction.FORCED_STATUS, FaultAction.SERVER_ERROR):
        return None
    assert plan.status is not None
    if plan.status == HTTPStatus.TOO_MANY_REQUESTS:
        return throttle_reply(
            emulator.rate_limit_points, emulator.faults.forced_retry_after, emulator.now()
        )
    return status_error_reply(plan.status)


class EmulatorServer:
    """Whereby's meetings API on ``http://127.0.0.1:<port>/v1``, served from a background thread.

    ``clock`` (returning aware datetimes) drives start dates, expiry and, when given, the
    rate-limit window; without it the window runs on ``time.monotonic``. With
    ``ignore_room_name_filter`` the meetings list ignores ``roomName[startsWith]``, as a service
    that does not have that (unpublished) filter would.
    """

    def __init__(
        self,
        *,
        api_key: str = "demo-key",
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit_points: int = 1000,
        rate_window_seconds: float = 60.0,
        subdomain: str = "roomdesk-demo",
        clock: Callable[[], datetime] | None = None,
        ignore_room_name_filter: bool = False,
    ) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"the emulator only listens on loopback addresses, not {host!r}")
        if not 0 <= port <= 65535:
            raise ValueError(f"port {port} is out of range")
        self.host = host
        self._requested_port = port
        self._clock = clock or system_clock
        window_clock = time.monotonic if clock is None else lambda: clock().timestamp()
        self.faults = FaultConfig()
        self._book = MeetingBook(subdomain=subdomain, clock=self.now)
        self._api = MeetingsApi(
            book=self._book,
            budget=PointBudget(rate_limit_points, rate_window_seconds, window_clock),
            api_key=api_key,
            clock=self.now,
        )
        self._api.ignore_room_name_filter = ignore_room_name_filter
        self._library = SessionLibrary(clock=self.now)
        storage = Storage(
            clock=self.now,
            origin=lambda: self.base_url.removesuffix(API_PREFIX),
            find=lambda kind, item_id: self._media.find_file(kind, item_id),
        )
        self._media = MediaApi(self._library, storage)
        self._api.media, self._api.storage = self._media, storage
        self._received: list[RecordedRequest] = []
        self._received_lock = threading.Lock()
        self._lifecycle_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving; returns :attr:`base_url`."""
        with self._lifecycle_lock:
            if self._httpd is not None:
                raise RuntimeError("the emulator is already running")
            self._stopping.clear()
            httpd = _HTTPServer((self.host, self._requested_port), self)
            thread = threading.Thread(
                target=httpd.serve_until_woken,
                name=f"roomdesk-emulator:{httpd.server_port}",
                daemon=True,
            )
            thread.start()
            self._httpd, self._thread = httpd, thread
        logger.debug("listening on %s", self.base_url)
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close every connection; does nothing when not running."""
        with self._lifecycle_lock:
            httpd, thread = self._httpd, self._thread
            self._httpd = self._thread = None
        if httpd is None or thread is None:
            return
        self._stopping.set()  # cuts injected latency short
        httpd.wake()
        thread.join()  # no new connections from here on
        httpd.close_open_connections()
        httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        httpd = self._httpd
        return httpd.server_port if httpd is not None else self._requested_port

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{API_PREFIX}"

    # -- settings --------------------------------------------------------------------------

    @property
    def api_key(self) -> str:
        return self._api.api_key

    @api_key.setter
    def api_key(self, value: str) -> None:
        self._api.api_key = value

    @property
    def rate_limit_points(self) -> int:
        return self._api.budget.points

    @rate_limit_points.setter
    def rate_limit_points(self, value: int) -> None:
        if value < 1:
            raise ValueError("the rate-limit budget must be at least 1 point")
        self._api.budget.points = value

    @property
    def ignore_room_name_filter(self) -> bool:
        return self._api.ignore_room_name_filter

    @ignore_room_name_filter.setter
    def ignore_room_name_filter(self, value: bool) -> None:
        self._api.ignore_room_name_filter = value

    def reset_rate_limit(self) -> None:
        """Forget the points spent so far: the whole budget is available again."""
        self._api.budget.reset()

    def now(self) -> datetime:
        """The emulator's current time, in UTC."""
        return self._clock().astimezone(UTC)

    # -- what happened ---------------------------------------------------------------------

    @property
    def received(self) -> list[RecordedRequest]:
        """Every request seen so far, in arrival order (a copy)."""
        with self._received_lock:
            return list(self._received)

    def clear_received(self) -> None:
        with self._received_lock:
            self._received.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._received_lock:
            self._received.append(request)

    # -- meetings --------------------------------------------------------------------------

    def meeting_ids(self) -> set[str]:
        """The ids of the meetings that exist now (expired ones are gone)."""
        return self._book.ids()

    def meeting(self, meeting_id: str) -> dict[str, Any] | None:
        """Everything stored about one meeting: its API form with both links, plus its room
        settings (roomMode, isLocked, roomNamePattern, templateType and any recording,
        liveTranscription or streaming options as sent). None when it does not exist."""
        stored = self._book.get(meeting_id)
        return stored.snapshot() if stored is not None else None

    def add_meeting(
        self,
        *,
        end_date: datetime | None = None,
        start_date: datetime | None = None,
        room_name_prefix: str = "",
        room_name_pattern: str = "uuid",
        room_mode: str = "normal",
        is_locked: bool = False,
    ) -> dict[str, Any]:
        """Store a meeting as if made elsewhere (no API checks, so it may already be over).

        ``end_date`` defaults to an hour from now. Returns it as :meth:`meeting` does.
        """
        stored = self._book.add(
            end_date=end_date,
            start_date=start_date,
            room_name_prefix=room_name_prefix,
            room_name_pattern=room_name_pattern,
            room_mode=room_mode,
            is_locked=is_locked,
        )
        return stored.snapshot()

    def seed(self, count: int, **options: Any) -> list[dict[str, Any]]:
        """Add ``count`` meetings with :meth:`add_meeting`'s ``options``; in creation order."""
        return [self.add_meeting(**options) for _ in range(count)]

    # -- room sessions, recordings, transcriptions, summaries -----------------------------

    @property
    def summaries_enabled(self) -> bool:
        """Whether the account is in Whereby's summaries beta; off, as for most accounts, so
        every /summaries call is refused with 403."""
        return self._media.summaries_enabled

    @summaries_enabled.setter
    def summaries_enabled(self, value: bool) -> None:
        self._media.summaries_enabled = value

    @property
    def processing_time(self) -> timedelta:
        """How long, on the emulator's clock, a transcription or summary asked for through the
        API stays ``in_progress``."""
        return self._library.processing

    @processing_time.setter
    def processing_time(self, value: timedelta) -> None:
        if value < timedelta(0):
            raise ValueError("a processing time cannot be negative")
        self._library.processing = value

    def _room_name(self, meeting_id: str) -> str:
        stored = self._book.get(meeting_id)
        if stored is None:
            raise ValueError(f"the emulator has no meeting {meeting_id!r}")
        return stored.room_name

    def add_room_session(
        self,
        meeting_id: str,
        *,
        started_at: datetime | None = None,
        minutes: float = DEMO_MINUTES,
        cast: tuple[Person, ...] = DEMO_CAST,
        ongoing: bool = False,
    ) -> dict[str, Any]:
        """A session held in the meeting's room, with ``cast`` joining, leaving and rejoining
        as their stays say; by default one that ended now. Returns it as the insights call
        does, with its ``participants`` as that call lists them."""
        session = self._library.add_session(
            self._room_name(meeting_id),
            started_at=started_at,
            minutes=minutes,
            cast=cast,
            ongoing=ongoing,
        )
        body = session.to_api_json(self.now())
        body["participants"] = [
            participant.to_api_json(session.room_session_id) for participant in session.participants
        ]
        return body

    def add_recording(
        self,
        room_session_id: str,
        *,
        size_bytes: int = DEFAULT_RECORDING_BYTES,
        file_format: str = "mp4",
        self_hosted: bool = False,
    ) -> dict[str, Any]:
        """A recording of the session whose file has ``size_bytes`` bytes (made as it is sent,
        so a gigabyte costs no memory); ``self_hosted`` keeps it in the organisation's own
        storage, which has no access link. Returns it as the API does."""
        return self._library.add_recording(
            room_session_id, size_bytes=size_bytes, file_format=file_format, self_hosted=self_hosted
        ).to_api_json()

    def add_transcription(
        self,
        room_session_id: str,
        *,
        ready_in: timedelta = timedelta(0),
        failed: bool = False,
        recording_id: str | None = None,
    ) -> dict[str, Any]:
        """A transcription of the session (live, or of ``recording_id``), ``in_progress`` until
        ``ready_in`` from now on the emulator's clock; then ready, or failed. Returns it as the
        API does."""
        made = self._library.add_transcription(
            room_session_id, ready_in=ready_in, failed=failed, recording_id=recording_id
        )
        return made.to_api_json(self.now())

    def add_demo_history(self, meeting_id: str) -> list[dict[str, Any]]:
        """What the demo shows for a room: a session a week ago, recorded and transcribed, and
        one that ended now, recorded, its transcription in progress. Returns the sessions as
        :meth:`add_room_session` does, each with its ``recording`` and ``transcription``."""
        sessions = []
        for days_ago, ready_in in ((7, timedelta(0)), (0, self.processing_time)):
            start = self.now() - timedelta(days=days_ago, minutes=DEMO_MINUTES)
            session = self.add_room_session(meeting_id, started_at=start)
            recording = self.add_recording(session["roomSessionId"])
            session["recording"] = recording
            session["transcription"] = self.add_transcription(
                session["roomSessionId"],
                ready_in=ready_in,
                recording_id=recording["recordingId"],
            )
            sessions.append(session)
        return sessions

    def recording_ids(self) -> set[str]:
        with self._library.lock:
            return set(self._library.recordings)

    def transcription_ids(self) -> set[str]:
        with self._library.lock:
            return set(self._library.transcriptions)
