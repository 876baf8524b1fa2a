"""Properties of the client's transport over hostile answers: any status, headers and body, whole,
streamed in pieces, compressed or cut, end in a result or a typed error that keeps the key secret.

The bulk runs through an in-memory transport, 1000 examples each; a smaller sample goes over real
sockets to the scripted hostile server. Derandomized and without an example database, as in
test_properties.py.
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from roomdesk.api.client import RetryPolicy, TransportLimits, WherebyClient
from roomdesk.api.errors import (
    CreatedUnreadableError,
    MalformedResponseError,
    NetworkError,
    WherebyError,
)
from roomdesk.api.models import Meeting, MeetingsPage
from roomdesk.api.requests import Field, MeetingRequest
from tests.hostile_server import HostileServer, SeenRequest
from tests.samples import MEETING

PROPERTY = settings(max_examples=1000, deadline=None, derandomize=True, database=None)
KEY = "property-secret-key-9b1e"
CAP = 4096  # small, so that answers over the cap cost little to make
LIMITS = TransportLimits(max_answer_bytes=CAP, attempt_seconds=5.0)
ONE_ATTEMPT = RetryPolicy(max_attempts=1, base_delay=0, max_delay=0, total_seconds=1)
OPERATIONS = ("create", "get", "list", "delete")
EXPECTED = {"create": Meeting, "get": Meeting, "list": MeetingsPage, "delete": bool}

# -- answers --------------------------------------------------------------------------------------

valid_json = st.sampled_from(
    [
        json.dumps(MEETING).encode(),
        json.dumps({"results": [MEETING], "cursor": None}).encode(),
        json.dumps({"error": f"bad key Bearer {KEY}"}).encode(),
        json.dumps({"message": KEY, "data": {"msLeft": 1500}}).encode(),
        f"denied for {KEY}".encode(),
    ]
)
hostile_json = st.sampled_from(
    [
        b"[" * 100_000,  # deeper than json.loads can go: RecursionError
        b"[" * 100_000 + b"]" * 100_000,
        b'{"meetingId": ' + b"9" * 5000 + b"}",  # more digits than int() takes: ValueError
        b'{"data": {"msLeft": ' + b"9" * 4000 + b"}}",
        b'{"data": {"msLeft": 1e999}}',
        b'{"data": {"msLeft": -1e999}}',
        b'{"data": {"msLeft": NaN}}',
        b'{"meetingId": 1e999, "roomUrl": Infinity, "endDate": -Infinity}',
        b'{"results": [' + b"{}," * 2000 + b"{}]}",  # over the cap
        b" " * (CAP + 1),
        json.dumps({"results": [MEETING] * 20, "cursor": None}).encode(),  # within the cap
        b"\xef\xbb\xbf{}",
        b"\xff\xfe{\x00}\x00",
        b"",
    ]
)


@st.composite
def truncated_json(draw: st.DrawFn) -> bytes:
    whole = draw(valid_json)
    return whole[: draw(st.integers(min_value=0, max_value=max(0, len(whole) - 1)))]


bodies = st.one_of(
    valid_json, hostile_json, truncated_json(), st.binary(max_size=200), st.binary(max_size=6000)
)
header_names = st.sampled_from(
    [
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Content-Type",
        "Content-Length",
        "Content-Encoding",
    ]
)
HOSTILE_HEADER_TEXTS = [
    "0", "1", "-1", "1.5", "inf", "-inf", "nan", "NaN", "1e308", "1e400", "-1e308",
    "9" * 30, "9" * 5000, "1e12", "1e13", "Fri, 31 Dec 9999 23:59:59 GMT",
    "Wed, 21 Oct 2015 07:28:00 GMT", "2030-01-01T00:00:00Z", "gzip", "deflate", "br",
    "gzip, gzip", "identity", "application/json", KEY,
]  # fmt: skip
header_texts = st.one_of(
    st.sampled_from(HOSTILE_HEADER_TEXTS),
    st.integers().map(str),
    st.floats().map(str),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=30),
)
header_values = st.one_of(
    header_texts.map(lambda text: text.encode("latin-1")),
    st.text(max_size=10).map(lambda text: text.encode("utf-8", "surrogatepass")),  # not latin-1
    st.binary(max_size=12).filter(lambda raw: b"\r" not in raw and b"\n" not in raw),
)
headers = st.lists(st.tuples(header_names, header_values), max_size=4)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 400, 401, 403, 404, 429, 500, 503]),
    st.integers(min_value=100, max_value=599),
)


class Pieces(httpx.AsyncByteStream):
    """A body that arrives in pieces, and is cut (the connection fails) after them if asked."""

    def __init__(self, pieces: list[bytes], cut: bool) -> None:
        self.pieces = pieces
        self.cut = cut

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece
        if self.cut:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


@st.composite
def streamed(draw: st.DrawFn, body: bytes) -> Pieces:
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=len(body)), max_size=4)))
    edges = [0, *cuts, len(body)]
    return Pieces([body[a:b] for a, b in itertools.pairwise(edges)], draw(st.booleans()))


def assert_outcome(operation: str, status: int, outcome: Any) -> None:
    if isinstance(outcome, WherebyError):
        assert str(outcome)  # always words for a person
        assert KEY not in str(outcome)
        if operation == "create" and 200 <= status < 300:
            # A 2xx created the room: unreadable, never malformed or lost.
            assert isinstance(outcome, CreatedUnreadableError), repr(outcome)
        return
    assert isinstance(outcome, EXPECTED[operation]), repr(outcome)
    assert 200 <= status < 300 or (operation == "delete" and status == 404)


async def call_once(operation: str, client: WherebyClient) -> Any:
    if operation == "create":
        end = datetime.now(UTC) + timedelta(days=30)
        return await client.create_meeting(MeetingRequest(end_date=end))
    if operation == "get":
        return await client.get_meeting("m-1", fields=tuple(Field))
    if operation == "list":
        return await client.list_meetings_page(cursor="c/1,2", fields=tuple(Field))
    return await client.delete_meeting("m-1")


async def no_wait(_seconds: float) -> None:
    return None


async def answered_by(operation: str, answer: httpx.Response) -> Any:
    client = WherebyClient(
        KEY,
        base_url="http://127.0.0.1:9/v1",
        transport=httpx.MockTransport(lambda _request: answer),
        retry=ONE_ATTEMPT,
        sleep=no_wait,
        limits=LIMITS,
    )
    async with client:
        try:
            return await call_once(operation, client)
        except WherebyError as error:
            return error


# -- through an in-memory transport ---------------------------------------------------------------


@PROPERTY
@given(st.sampled_from(OPERATIONS), statuses, headers, bodies)
@example("create", 201, [], b"[" * 100_000)
@example("get", 200, [("Content-Length", b"9" * 5000)], b"{}")
@example("list", 429, [("Retry-After", b"1e308")], b"{}")
def test_any_whole_answer_is_a_result_or_a_typed_error(
    operation: str, status: int, raw_headers: list[tuple[str, bytes]], body: bytes
) -> None:
    # An answer made from whole content is decoded as it is made: compression is for the
    # streamed answers below.
    encoded = [(name.encode(), value) for name, value in raw_headers if name != "Content-Encoding"]
    answer = httpx.Response(status, headers=encoded, content=body)
    assert_outcome(operation, status, asyncio.run(answered_by(operation, answer)))


@PROPERTY
@given(st.data(), st.sampled_from(OPERATIONS), statuses, headers, bodies, st.booleans())
def test_any_streamed_answer_is_a_result_or_a_typed_error(
    data: st.DataObject,
    operation: str,
    status: int,
    raw_headers: list[tuple[str, bytes]],
    body: bytes,
    compress: bool,
) -> None:
    encoded = [(name.encode(), value) for name, value in raw_headers]
    if compress:
        body = gzip.compress(body)
        encoded = [*encoded, (b"Content-Encoding", b"gzip")]
    answer = httpx.Response(status, headers=encoded, stream=data.draw(streamed(body)))
    assert_outcome(operation, status, asyncio.run(answered_by(operation, answer)))


# -- over real sockets ----------------------------------------------------------------------------

status_lines = st.one_of(
    statuses.map(lambda status: f"HTTP/1.1 {status} X".encode()),
    st.sampled_from([b"HTTP/1.1 200", b"HTTP/1.0 201 Created", b"HTTP/9 200 OK", b"garbage"]),
    st.binary(max_size=20).filter(lambda raw: b"\r" not in raw and b"\n" not in raw),
)


@pytest.fixture(scope="module")
def hostile() -> Any:
    with HostileServer(lambda _request: None) as server:
        yield server


@settings(PROPERTY, max_examples=150)
@given(st.sampled_from(OPERATIONS), status_lines, headers, bodies, st.booleans())
def test_any_raw_answer_over_a_socket_is_a_result_or_a_typed_error(
    hostile: HostileServer,
    operation: str,
    status_line: bytes,
    raw_headers: list[tuple[str, bytes]],
    body: bytes,
    chunked: bool,
) -> None:
    head = [status_line, b"Connection: close"]
    head += [name.encode() + b": " + value for name, value in raw_headers]
    if chunked:
        head.append(b"Transfer-Encoding: chunked")
        body = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n" if body else b"0\r\n\r\n"
    raw = b"\r\n".join(head) + b"\r\n\r\n" + body

    def handler(_request: SeenRequest) -> bytes:
        return raw

    hostile.handler = handler

    async def scenario() -> Any:
        client = WherebyClient(
            KEY, base_url=hostile.base_url, retry=ONE_ATTEMPT, sleep=no_wait, limits=LIMITS
        )
        async with client:
            try:
                return await call_once(operation, client)
            except WherebyError as error:
                return error

    outcome = asyncio.run(scenario())
    if isinstance(outcome, WherebyError):
        assert str(outcome) and KEY not in str(outcome)
        assert not (operation == "create" and isinstance(outcome, MalformedResponseError))
    else:
        assert isinstance(outcome, EXPECTED[operation])
    if isinstance(outcome, NetworkError):
        assert KEY not in repr(outcome.__cause__ or outcome.__context__ or "")
