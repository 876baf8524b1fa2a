"""The client against a scripted hostile server over real sockets: garbled, cut, huge and dripping
answers, the query string as sent, and proxies from the environment."""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.client import RetryPolicy, TransportLimits, WherebyClient
from roomdesk.api.errors import (
    ConnectFailedError,
    CreatedUnreadableError,
    CreateOutcomeUnknownError,
    MalformedResponseError,
    NetworkError,
    ResponseTooLargeError,
    ServerError,
)
from roomdesk.api.requests import Field, MeetingRequest
from tests.hostile_server import (
    HostileServer,
    Reply,
    SeenRequest,
    chunk,
    http_answer,
    http_head,
    json_answer,
)
from tests.samples import MEETING

KEY = "hostile-test-key-5c1d"
MEETING_BYTES = json.dumps(MEETING).encode()
PAGE_BYTES = json.dumps({"results": [MEETING], "cursor": None}).encode()
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.02, total_seconds=10)
SMALL = TransportLimits(max_answer_bytes=64 * 1024, attempt_seconds=1.0)

Handler = Callable[[SeenRequest], Reply]


@pytest.fixture
def run(aloop):
    return aloop.run


def client_for(server: HostileServer, **options) -> WherebyClient:
    options.setdefault("retry", FAST)
    options.setdefault("limits", SMALL)
    return WherebyClient(KEY, base_url=server.base_url, **options)


def in_an_hour() -> MeetingRequest:
    return MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=1))


class Script:
    """Answers the first ``count`` requests with ``bad``, every later one with ``good``."""

    def __init__(self, bad: Handler, count: int, good: Handler | None = None) -> None:
        self.bad, self.count, self.good = bad, count, good or bad
        self.calls = 0

    def __call__(self, request: SeenRequest) -> Reply:
        self.calls += 1
        return (self.bad if self.calls <= self.count else self.good)(request)


def page(_request: SeenRequest) -> Reply:
    return http_answer(200, PAGE_BYTES)


def not_json(_request: SeenRequest) -> Reply:
    return http_answer(200, b"<html>Bad gateway</html>", headers={"Content-Type": "text/html"})


def cut(_request: SeenRequest) -> Reply:
    # Content-Length promises the whole page; 20 bytes come, then the connection closes.
    return http_answer(200, PAGE_BYTES[:20], content_length=len(PAGE_BYTES))


def dripping(status: int, body: bytes) -> Handler:
    """The head at once, then one byte of ``body`` every 0.2 s (much longer than any deadline)."""

    def handler(_request: SeenRequest) -> Reply:
        head = http_head(status, {"Content-Length": str(len(body) * 20)})
        return [head, *(step for byte in body * 20 for step in (bytes([byte]), 0.2))]

    return handler


def endless_chunks(sent: list[int], limit: int = 64 << 20) -> Handler:
    """A chunked body of 16 KiB chunks that goes on up to ``limit`` bytes; ``sent`` counts."""

    def handler(_request: SeenRequest) -> Reply:
        def steps():
            yield http_head(200, {"Transfer-Encoding": "chunked"})
            piece = chunk(b"[" * 16384)
            while sent[0] < limit:
                sent[0] += len(piece)
                yield piece
            yield 5.0

        return steps()

    return handler


def list_page(server: HostileServer, run, **options):
    async def scenario():
        async with client_for(server, **options) as client:
            return await client.list_meetings_page()

    return run(scenario())


def create(server: HostileServer, run, **options):
    async def scenario():
        async with client_for(server, **options) as client:
            return await client.create_meeting(in_an_hour())

    return run(scenario())


# -- a read's answer that is not JSON, or is cut short ---------------------------------------------


@pytest.mark.parametrize("bad", [not_json, cut], ids=["not JSON", "cut short"])
def test_a_read_answered_badly_is_retried_until_a_good_answer(run, bad):
    with HostileServer(Script(bad, 3, page)) as server:
        result = list_page(server, run)
    assert [meeting.meeting_id for meeting in result.meetings] == ["42"]
    assert len(server.seen("GET")) == 4


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [(not_json, MalformedResponseError, "not JSON"), (cut, NetworkError, "mid-answer")],
    ids=["not JSON", "cut short"],
)
def test_a_read_answered_badly_every_time_ends_in_its_typed_error(run, bad, error, words):
    with HostileServer(bad) as server, pytest.raises(error, match=words) as caught:
        list_page(server, run, retry=RetryPolicy(3, 0.01, 0.02, 10))
    assert not isinstance(caught.value, CreateOutcomeUnknownError)
    assert len(server.seen("GET")) == 3


def test_a_delete_answered_2xx_is_done_whatever_its_body(run):
    def handler(_request: SeenRequest) -> Reply:
        return http_answer(200, b'{"del', content_length=500)

    async def scenario():
        async with client_for(server) as client:
            return await client.delete_meeting("42")

    with HostileServer(handler) as server:
        assert run(scenario()) is True
    assert len(server.seen("DELETE")) == 1


# -- a create answered 2xx whose body cannot be read -----------------------------------------------


def chunked_over_the_cap(_request: SeenRequest) -> Reply:
    return [http_head(201, {"Transfer-Encoding": "chunked"}), chunk(b" " * 70_000), chunk(b"")]


CREATED_BUT_UNREADABLE: dict[str, Handler] = {
    "not JSON": lambda _r: http_answer(201, b"Created!", headers={"Content-Type": "text/plain"}),
    "empty": lambda _r: http_answer(201),
    "cut short": lambda _r: http_answer(201, MEETING_BYTES[:30], content_length=500),
    "over the cap by its length": lambda _r: http_head(201, {"Content-Length": str(1 << 40)}),
    "over the cap, chunked": chunked_over_the_cap,
    "wrong types": lambda _r: json_answer(201, dict(MEETING, roomUrl=5)),
    "missing fields": lambda _r: json_answer(201, {"meetingId": "42"}),
    "a list": lambda _r: json_answer(201, [MEETING]),
    "past the deadline": dripping(201, MEETING_BYTES),
}


@pytest.mark.parametrize("handler", CREATED_BUT_UNREADABLE.values(), ids=CREATED_BUT_UNREADABLE)
def test_a_create_answered_2xx_that_cannot_be_read_was_created_and_is_not_sent_again(run, handler):
    with HostileServer(handler) as server, pytest.raises(CreatedUnreadableError) as caught:
        create(server, run)
    message = str(caught.value)
    assert "room was created" in message and "next refresh will add it" in message
    assert KEY not in message
    assert len(server.seen("POST")) == 1


@pytest.mark.parametrize(
    "handler",
    [
        lambda _r: None,  # closed before any answer
        lambda _r: [b"HTTP/1.1 2", *([1.0] * 10)],  # a status line that never ends
    ],
    ids=["closed", "status never complete"],
)
def test_a_create_without_a_status_is_unknown_not_created(run, handler):
    with HostileServer(handler) as server, pytest.raises(CreateOutcomeUnknownError) as caught:
        create(server, run)
    assert not isinstance(caught.value, CreatedUnreadableError)
    assert "may have been created" in str(caught.value)
    assert len(server.seen("POST")) == 1


def test_a_create_answered_5xx_with_a_cut_body_is_a_server_error(run):
    def handler(_request: SeenRequest) -> Reply:
        return http_answer(503, b'{"error": "overlo', content_length=400)

    with HostileServer(handler) as server, pytest.raises(ServerError, match="503"):
        create(server, run)
    assert len(server.seen("POST")) == 1


# -- the size cap ----------------------------------------------------------------------------------


def test_an_endless_chunked_answer_is_cut_at_the_cap(run):
    sent = [0]
    started = time.monotonic()
    with HostileServer(endless_chunks(sent)) as server:
        with pytest.raises(ResponseTooLargeError, match="64 KiB"):
            list_page(server, run)
        took = time.monotonic() - started
    assert took < 10
    assert sent[0] < 16 << 20  # the client stopped reading long before the 64 MiB on offer
    assert len(server.seen("GET")) == 1  # an answer that large is not asked for again


def test_a_declared_length_over_the_cap_is_refused_without_reading(run):
    def handler(_request: SeenRequest) -> Reply:
        # 1 KiB of a promised 1 GiB, then nothing: reading on would wait out the deadline.
        return [http_head(200, {"Content-Length": str(1 << 30)}), b" " * 1024, 30.0]

    started = time.monotonic()
    with HostileServer(handler) as server, pytest.raises(ResponseTooLargeError, match="64 KiB"):
        list_page(server, run, limits=TransportLimits(64 * 1024, attempt_seconds=20))
    assert time.monotonic() - started < 10  # reading on would wait out the 20 s deadline


def test_a_compressed_answer_is_capped_as_it_is_decoded(run):
    # 64 KiB on the wire that would unfold into 64 MiB.
    packer = zlib.compressobj(wbits=31)
    bomb = packer.compress(bytes(64 << 20)) + packer.flush()

    def handler(_request: SeenRequest) -> Reply:
        return http_answer(200, bomb, headers={"Content-Encoding": "gzip"})

    with HostileServer(handler) as server:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError):
                list_page(server, run)
            _now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8 << 20


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("identity", bytes)],
)
def test_compressed_answers_within_the_cap_are_read(run, encoding, pack):
    def handler(request: SeenRequest) -> Reply:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        return http_answer(200, pack(PAGE_BYTES), headers={"Content-Encoding": encoding})

    with HostileServer(handler) as server:
        assert list_page(server, run).meetings[0].meeting_id == "42"


def test_an_answer_compressed_in_a_way_not_asked_for_is_malformed(run):
    def handler(_request: SeenRequest) -> Reply:
        return http_answer(200, PAGE_BYTES, headers={"Content-Encoding": "br"})

    with HostileServer(handler) as server, pytest.raises(MalformedResponseError, match="br"):
        list_page(server, run, retry=RetryPolicy(max_attempts=1))


# -- the deadline of one attempt -------------------------------------------------------------------


def test_a_dripping_answer_to_a_read_ends_at_the_deadline(run):
    started = time.monotonic()
    with HostileServer(dripping(200, PAGE_BYTES)) as server:
        with pytest.raises(NetworkError, match="no complete answer within 1 s"):
            list_page(server, run, retry=RetryPolicy(2, 0.01, 0.02, 10))
        took = time.monotonic() - started
    # Two attempts of a second each (Qt's coarse timers may fire up to 5 % early), not the
    # many minutes the drip would last.
    assert 1.8 <= took < 10
    assert len(server.seen("GET")) == 2


def test_a_dripping_head_ends_at_the_deadline(run):
    def handler(_request: SeenRequest) -> Reply:
        return [step for byte in b"HTTP/1.1 200 OK\r\n" for step in (bytes([byte]), 0.2)]

    with HostileServer(handler) as server, pytest.raises(NetworkError, match="within 1 s"):
        list_page(server, run, retry=RetryPolicy(max_attempts=1))


# -- the query string ------------------------------------------------------------------------------


def test_fields_are_comma_separated_and_everything_else_fully_encoded(run):
    cursor = "a/b&c=d %,é+?#"

    async def scenario():
        async with client_for(server) as client:
            await client.list_meetings_page(
                cursor=cursor,
                fields=[Field.VIEWER_ROOM_URL, Field.HOST_ROOM_URL],
                room_name_prefix="team x",
            )
            await client.get_meeting("42", fields=[Field.HOST_ROOM_URL, Field.VIEWER_ROOM_URL])

    # The get's answer, a page, is no meeting: only the queries count here.
    with HostileServer(page) as server, pytest.raises(MalformedResponseError):
        run(scenario())
    listed, got = server.seen("GET")
    assert {
        "fields=hostRoomUrl,viewerRoomUrl",
        "cursor=a%2Fb%26c%3Dd%20%25%2C%C3%A9%2B%3F%23",
        "roomName%5BstartsWith%5D=%2Fteam%20x",
    } <= set(listed.raw_query.split("&"))
    assert listed.query["cursor"] == [cursor]
    assert got.raw_query == "fields=hostRoomUrl,viewerRoomUrl"


# -- proxies ---------------------------------------------------------------------------------------

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def set_proxy(monkeypatch: pytest.MonkeyPatch, proxy: HostileServer) -> None:
    for name in PROXY_VARIABLES:
        for spelling in (name, name.lower()):
            monkeypatch.setenv(spelling, f"http://127.0.0.1:{proxy.port}")
    for spelling in ("NO_PROXY", "no_proxy", "REQUEST_METHOD"):
        monkeypatch.delenv(spelling, raising=False)


def test_a_loopback_api_is_never_reached_through_a_proxy(emulator, run, monkeypatch):
    with HostileServer(lambda _r: http_answer(502)) as proxy:
        set_proxy(monkeypatch, proxy)

        async def scenario():
            async with WherebyClient("test-key", base_url=emulator.base_url, retry=FAST) as c:
                return await c.check_key()

        run(scenario())
    assert proxy.seen() == []
    assert [record.method for record in emulator.received] == ["GET"]


def test_an_https_api_goes_through_an_http_proxy_only_as_a_tunnel(run, monkeypatch):
    with HostileServer(lambda _r: http_answer(403)) as proxy:
        set_proxy(monkeypatch, proxy)

        async def scenario():
            url = "https://api.example.test/v1"
            async with WherebyClient(KEY, base_url=url, retry=RetryPolicy(max_attempts=1)) as c:
                return await c.check_key()

        with pytest.raises(ConnectFailedError, match="proxy"):
            run(scenario())
    (tunnel,) = proxy.seen()
    assert (tunnel.method, tunnel.target) == ("CONNECT", "api.example.test:443")
    assert "authorization" not in tunnel.headers
    assert KEY.encode() not in tunnel.body


@pytest.mark.parametrize("proxy", ["socks5://user:s3cret@127.0.0.1:1", "ftp://user:s3cret@proxy"])
def test_a_proxy_the_client_cannot_use_is_a_connect_failure_that_hides_its_password(
    run, monkeypatch, proxy
):
    monkeypatch.setenv("ALL_PROXY", proxy)
    monkeypatch.setenv("HTTPS_PROXY", proxy)

    async def scenario():
        url = "https://api.example.test/v1"
        async with WherebyClient(KEY, base_url=url, retry=RetryPolicy(max_attempts=1)) as client:
            return await client.check_key()

    with pytest.raises(ConnectFailedError, match="not an http or https proxy") as caught:
        run(scenario())
    assert "s3cret" not in str(caught.value)
