"""Properties of the emulator over hostile requests: whatever arrives, the answer is JSON with a
2xx or 4xx status (501 only for a method HTTP does not define), and the server keeps serving.

The bulk runs through the request handling directly (1000 examples in well under a second); a
smaller sample goes over real sockets, through http.server's parsing and the body reading. Both
are derandomized and keep no example database, like tests/test_properties.py.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import logging
import socket
import string
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from roomdesk.domain.times import format_utc
from roomdesk.emulator import EmulatorServer, ManualClock
from roomdesk.emulator.meetings import BadRequest, MeetingBook
from roomdesk.emulator.ratelimit import PointBudget
from roomdesk.emulator.routes import HTTP_METHODS, MeetingsApi, Reply, split_target

PROPERTY = settings(max_examples=1000, deadline=None, derandomize=True, database=None)
SOCKET_SAMPLE = settings(PROPERTY, max_examples=300)
KEY = "test-key"
START = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)

# -- what a hostile client sends ----------------------------------------------------------------


def mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` three times in four, else ``odd`` (one_of would not weigh its branches)."""
    return st.sampled_from([True, True, True, False]).flatmap(lambda plain: usual if plain else odd)


methods = st.sampled_from(sorted(HTTP_METHODS)) | st.text(
    string.ascii_letters + string.digits + "-_!*.", min_size=1, max_size=12
)
odd_ids = st.sampled_from(
    [".", "..", "%2e%2e", "%2E%2E%2F", "%2F", "%00", "a" * 5000, "%", "%zz", "1?x", "-1", " "]
) | st.text(max_size=30).map(lambda text: quote(text, safe=""))
paths = (
    st.just("/v1/meetings")
    | odd_ids.map(lambda meeting_id: f"/v1/meetings/{meeting_id}")
    | st.sampled_from(["/", "/v1", "/v1/meetings/", "/v1/meetings/1/extra", "//v1/meetings"])
    | st.sampled_from(["http://[/v1/meetings", "http://x/v1/meetings", "*", "example.com:443"])
    | st.text(max_size=40).map(lambda text: "/" + quote(text, safe="/%?&=[]"))
)
huge_cursor = base64.urlsafe_b64encode(b"after:" + b"9" * 5000).decode()
query_values = st.sampled_from(
    ["-1", "0", "1", "100", "101", "1e9", "9" * 5000, "", "ten", "%", "\u0665", "hostRoomUrl,x"]
) | st.text(max_size=20)
query_names = st.sampled_from(["limit", "cursor", "fields", "roomName[startsWith]", "x"])
queries = st.lists(st.tuples(query_names, query_values | st.just(huge_cursor)), max_size=4).map(
    lambda pairs: "&".join(f"{quote(name)}={quote(value)}" for name, value in pairs)
)
targets = st.tuples(paths, queries).map(
    lambda parts: f"{parts[0]}?{parts[1]}" if parts[1] else parts[0]
)

odd_end_dates = st.sampled_from(
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "+275760-09-13",
        "10000-01-01T00:00:00Z",
        "2030-02-30T10:00:00Z",
        "2030-03-01T09:30:00+25:00",
        "20300301T103000Z",
        "",
        " ",
    ]
) | st.datetimes(timezones=st.timezones() | st.none()).map(lambda moment: moment.isoformat())
good_end_dates = st.integers(0, 3652 * 86400).map(
    lambda seconds: format_utc(START + timedelta(seconds=seconds))
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
option_values = json_values | st.fixed_dictionaries(
    {"destination": st.fixed_dictionaries({"url": st.text(max_size=12).map("rtmp://".__add__)})},
    optional={"startTrigger": st.sampled_from(["none", "later"]), "language": json_values},
)
create_bodies = st.fixed_dictionaries(
    {"endDate": mostly(good_end_dates, odd_end_dates | json_values)},
    optional={
        "roomNamePrefix": mostly(
            st.text(string.ascii_letters + string.digits + " -", max_size=45),
            st.text(max_size=45) | json_values,
        ),
        "roomMode": mostly(st.sampled_from(["normal", "group"]), st.just("huge") | json_values),
        "fields": mostly(
            st.lists(st.sampled_from(["hostRoomUrl", "viewerRoomUrl"])),
            st.lists(st.sampled_from(["hostRoomUrl", "x"])) | json_values,
        ),
        "templateType": st.sampled_from(["viewerMode", "x"]),
        "recording": option_values,
        "liveTranscription": option_values,
        "streaming": option_values,
    },
).map(lambda body: json.dumps(body).encode())


def nested(depth: int, opener: bytes) -> bytes:
    return opener * depth


bodies = st.one_of(
    create_bodies,
    create_bodies.flatmap(lambda body: st.integers(0, len(body)).map(lambda cut: body[:cut])),
    st.binary(max_size=64),
    st.tuples(st.integers(1, 5000), st.sampled_from([b"[", b'{"a":', b"[{"])).map(
        lambda spec: nested(*spec)
    ),
    st.sampled_from([b"1e999", b"-1e999", b"9" * 5000, b"NaN", b'{"endDate": Infinity}']),
    json_values.map(lambda value: json.dumps(value).encode()),
)
# http.server hands the handler header values decoded as Latin-1, so any of those characters.
header_text = st.text(st.characters(max_codepoint=0xFF, blacklist_characters="\r\n"), max_size=30)
JSON_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON"]
# Mostly the right key and media type, so that most requests get past them to the handlers.
header_sets = st.fixed_dictionaries(
    {
        "authorization": mostly(st.just(f"Bearer {KEY}"), header_text),
        "content-type": mostly(st.sampled_from(JSON_TYPES), st.just("text/plain") | header_text),
    },
    optional={"x-odd": header_text},
)
meeting_paths = odd_ids.map(lambda meeting_id: f"/v1/meetings/{meeting_id}")
KINDS = {
    "create": st.tuples(
        st.just("POST"), st.just("/v1/meetings"), header_sets, mostly(create_bodies, bodies)
    ),
    "list": st.tuples(
        st.just("GET"), queries.map("/v1/meetings?".__add__), header_sets, st.just(b"")
    ),
    "item": st.tuples(
        st.sampled_from(["GET", "DELETE"]),
        st.tuples(meeting_paths, queries).map("?".join),
        header_sets,
        st.just(b""),
    ),
    "anything": st.tuples(methods, targets, header_sets, bodies),
}
# Creates most often: they have the most to validate.
requests = st.sampled_from(
    [*["create"] * 4, "list", "list", "item", "item", "anything", "anything"]
).flatmap(KINDS.__getitem__)

# -- what the answer must be --------------------------------------------------------------------


def check_answer(method: str, status: int, headers: dict[str, str], body: bytes) -> None:
    """JSON, and no 5xx but a 501 for a method HTTP does not define."""
    assert 200 <= status < 500 or (status == 501 and method not in HTTP_METHODS), status
    if status == 204 or method == "HEAD":
        assert status != 204 or body == b""
        return
    assert headers["content-type"] == "application/json"
    payload = json.loads(body)
    assert isinstance(payload, dict)
    if status >= 400:
        assert isinstance(payload["error"], str) and payload["error"]
    elif status == 200 and "results" in payload:
        assert isinstance(payload["results"], list) and "cursor" in payload
    else:
        assert isinstance(payload["meetingId"], str)


def handle(
    api: MeetingsApi, method: str, target: str, headers: dict[str, str], body: bytes
) -> Reply:
    """What the server's request handling does after reading a request, without the socket."""
    try:
        path, query = split_target(target)
    except BadRequest:
        return Reply(400, b'{"error":"bad target"}', (("Content-Type", "application/json"),))
    return api.handle(method, path, query, headers, body)


JSON_AUTH = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}
Request = tuple[str, str, dict[str, str], bytes]


def fresh_api() -> MeetingsApi:
    """An emulated service with a plain meeting and one ending on the last second there is."""
    clock = ManualClock(START)
    book = MeetingBook(subdomain="roomdesk-demo", clock=clock)
    book.add(end_date=START + timedelta(hours=2), room_name_prefix="kept")
    book.add(end_date=datetime.max.replace(tzinfo=UTC))
    budget = PointBudget(10**9, 60.0, lambda: 0.0)
    return MeetingsApi(book=book, budget=budget, api_key=KEY, clock=clock)


STREAMING_TO_A_BROKEN_HOST = (
    b'{"endDate": "2030-03-01T12:00:00Z", "streaming": {"startTrigger": "none", '
    b'"destination": {"url": "rtmp://["}}}'
)


@PROPERTY
@given(requests)
@example(("POST", "/v1/meetings", JSON_AUTH, STREAMING_TO_A_BROKEN_HOST))
@example(("GET", f"/v1/meetings?cursor={huge_cursor}", JSON_AUTH, b""))
@example(("POST", "/v1/meetings", JSON_AUTH, b'{"endDate": "9999-12-31T23:59:59-01:00"}'))
@example(("POST", "/v1/meetings", JSON_AUTH, b"[" * 100_000))
@example(("TRACE", "/v1/meetings/..", JSON_AUTH, b""))
def test_any_request_is_answered_in_json_without_a_5xx(request: Request) -> None:
    method, target, headers, body = request
    api = fresh_api()
    reply = handle(api, method, target, headers, body)
    event(f"answered {reply.status}")  # shown by --hypothesis-show-statistics
    answer_headers = {name.lower(): value for name, value in reply.headers}
    check_answer(method, reply.status, answer_headers, reply.body)
    # Whatever that was, the service still answers a plain list and a plain create.
    assert handle(api, "GET", "/v1/meetings", JSON_AUTH, b"").status == 200
    create = json.dumps({"endDate": format_utc(START + timedelta(hours=1))}).encode()
    assert handle(api, "POST", "/v1/meetings", JSON_AUTH, create).status == 201


# -- the same over real sockets -----------------------------------------------------------------

content_lengths = st.sampled_from(["exact", "exact", "exact", "none", "short", "long", "huge"]) | (
    st.text(string.printable.strip(), max_size=8)
)


def raw_request(request: Request, length: str) -> bytes:
    """``request`` as bytes on the wire, its Content-Length as ``length`` says."""
    method, target, headers, body = request
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sizes = {"exact": len(body), "short": max(0, len(body) - 3), "long": len(body) + 3}
    if length == "huge":
        lines.append(f"Content-Length: {2**21}")
    elif length in sizes:
        lines.append(f"Content-Length: {sizes[length]}")
    elif length != "none":
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange_raw(server: EmulatorServer, method: str, data: bytes) -> None:
    with socket.create_connection((server.host, server.port), timeout=10) as connection:
        with contextlib.suppress(OSError):  # the server may answer and close before all is sent
            connection.sendall(data)
            # A Content-Length longer than the body would keep the server waiting for the rest.
            connection.shutdown(socket.SHUT_WR)
        answer = http.client.HTTPResponse(connection, method=method)
        answer.begin()
        headers = {name.lower(): value for name, value in answer.getheaders()}
        check_answer(method, answer.status, headers, answer.read())


def test_any_request_over_a_socket_is_answered_in_json(
    emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.add_meeting(end_date=datetime.max.replace(tzinfo=UTC))

    @SOCKET_SAMPLE
    @given(requests, content_lengths)
    @example(("POST", "/v1/meetings", JSON_AUTH, b"[" * 100_000), "exact")
    @example(("FOO", "/v1/meetings", JSON_AUTH, b"{}"), "exact")
    @example(("GET", f"/v1/meetings?cursor={huge_cursor}", JSON_AUTH, b""), "none")
    @example(("POST", "/v1/meetings", JSON_AUTH, STREAMING_TO_A_BROKEN_HOST), "exact")
    def check(request: Request, length: str) -> None:
        method = request[0]
        exchange_raw(emulator, method, raw_request(request, length))

    with caplog.at_level(logging.ERROR, logger="roomdesk.emulator"):
        check()
    assert not caplog.records, [record.getMessage() for record in caplog.records]
    with httpx.Client(
        base_url=emulator.base_url, headers={"Authorization": f"Bearer {KEY}"}
    ) as http:
        assert http.get("/meetings").status_code == 200
