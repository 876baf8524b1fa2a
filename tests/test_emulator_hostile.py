"""The emulator against hostile and absurd requests, over real sockets: every request gets a JSON
answer that says what is wrong, nothing breaks the requests that follow, and nothing but an
injected fault answers 5xx."""

from __future__ import annotations

import base64
import http.client
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from roomdesk.domain.times import format_utc
from roomdesk.emulator import EmulatorServer, ManualClock
from roomdesk.emulator.meetings import MAX_END_AHEAD

KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
START = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.base_url, headers=AUTH, timeout=10) as http:
        yield http


def error_text(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"], body
    return body["error"]


def send_raw(
    server: EmulatorServer, data: bytes, *, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """Send ``data`` as it is on a new connection; the answer's status, headers and body."""
    with socket.create_connection((server.host, server.port), timeout=10) as connection:
        connection.sendall(data)
        answer = http.client.HTTPResponse(connection, method=method)
        answer.begin()
        headers = {name.lower(): value for name, value in answer.getheaders()}
        return answer.status, headers, answer.read()


def raw_post(server: EmulatorServer, body: bytes, *, length: str | None = None) -> bytes:
    """A create request with ``body`` and a Content-Length of ``length`` (the body's own)."""
    head = (
        f"POST /v1/meetings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length or len(body)}\r\n\r\n"
    )
    return head.encode() + body


def json_error(headers: dict[str, str], body: bytes) -> str:
    assert headers["content-type"] == "application/json"
    payload = json.loads(body)
    assert set(payload) == {"error"} and isinstance(payload["error"], str), payload
    return payload["error"]


def still_serves(server: EmulatorServer) -> None:
    """A normal list, get and create on a new connection all work."""
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=10) as http:
        assert http.get("/meetings").status_code == 200
        end = format_utc(server.now() + timedelta(hours=1))
        created = http.post("/meetings", json={"endDate": end})
        assert created.status_code == 201, created.text
        assert http.get(f"/meetings/{created.json()['meetingId']}").status_code == 200


# -- end dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "said"),
    [
        ("9999-12-31T23:59:59Z", "too far ahead"),
        ("9999-12-31T23:30:00Z", "too far ahead"),
        ("9999-12-31T23:59:59-01:00", "out of range"),
        ("0001-01-01T00:00:00Z", "in the past"),
        ("0001-01-01T00:00:00+01:00", "out of range"),
        ("+275760-09-13", "four-digit year"),
        ("+275760-09-13T00:00:00Z", "four-digit year"),
        ("10000-01-01T00:00:00Z", "four-digit year"),
        ("-0001-01-01T00:00:00Z", "four-digit year"),
    ],
)
def test_end_dates_out_of_range_are_refused(client, emulator, end: str, said: str) -> None:
    response = client.post("/meetings", json={"endDate": end})
    assert response.status_code == 400
    text = error_text(response)
    assert text.startswith('"endDate"') and said in text, text
    assert emulator.meeting_ids() == set()
    still_serves(emulator)


def test_the_end_date_window_is_ten_years(clock_server: EmulatorServer, clock_client) -> None:
    edge = START + MAX_END_AHEAD
    assert timedelta(days=3652) <= MAX_END_AHEAD
    beyond = clock_client.post("/meetings", json={"endDate": format_utc(edge + timedelta(1))})
    assert beyond.status_code == 400
    assert "10 years" in error_text(beyond)
    at_edge = clock_client.post("/meetings", json={"endDate": format_utc(edge)})
    assert at_edge.status_code == 201
    assert at_edge.json()["endDate"] == format_utc(edge)
    still_serves(clock_server)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def clock_server(clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(api_key=KEY, clock=clock) as server:
        yield server


@pytest.fixture
def clock_client(clock_server: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=clock_server.base_url, headers=AUTH, timeout=10) as http:
        yield http


@pytest.fixture
def last_day_server() -> Iterator[tuple[EmulatorServer, ManualClock]]:
    # Two hours before the end of datetime's range, so the accepted window reaches past it.
    clock = ManualClock(datetime(9999, 12, 31, 21, 59, 59, tzinfo=UTC))
    with EmulatorServer(api_key=KEY, clock=clock) as server:
        yield server, clock


def test_a_meeting_ending_on_the_last_representable_second_breaks_nothing(
    last_day_server: tuple[EmulatorServer, ManualClock],
) -> None:
    server, clock = last_day_server
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=10) as http:
        last = http.post("/meetings", json={"endDate": "9999-12-31T23:59:59Z"})
        assert last.status_code == 201, last.text
        meeting_id = last.json()["meetingId"]
        still_serves(server)
        clock.advance(timedelta(hours=2))  # now 23:59:59, the meeting's end
        assert http.get(f"/meetings/{meeting_id}").status_code == 200
        listed = http.get("/meetings").json()["results"]
        assert meeting_id in [meeting["meetingId"] for meeting in listed]
        # Throttling computes its reset date from now, which is the last second too.
        server.rate_limit_points = 1
        throttled = http.get("/meetings")
        assert throttled.status_code == 429
        assert throttled.headers["x-ratelimit-reset"] == "Fri, 31 Dec 9999 23:59:59 GMT"


def test_stored_dates_at_the_ends_of_the_range_break_nothing(emulator: EmulatorServer) -> None:
    # Meetings "created elsewhere" skip the API's window; expiry must cope with any of them.
    latest = emulator.add_meeting(end_date=datetime.max.replace(tzinfo=UTC))
    emulator.add_meeting(end_date=datetime.min.replace(tzinfo=UTC))
    with httpx.Client(base_url=emulator.base_url, headers=AUTH, timeout=10) as http:
        listed = http.get("/meetings")
        assert listed.status_code == 200, listed.text
        assert [meeting["meetingId"] for meeting in listed.json()["results"]] == [
            latest["meetingId"]
        ]
        assert http.get(f"/meetings/{latest['meetingId']}").json()["endDate"] == (
            "9999-12-31T23:59:59Z"
        )
    still_serves(emulator)


# -- bodies ---------------------------------------------------------------------------------


def soon(server: EmulatorServer) -> str:
    return format_utc(server.now() + timedelta(hours=1))


def recording_with(extra: object) -> dict[str, object]:
    """Valid recording options with one more, unchecked, key: the emulator keeps it as sent."""
    destination = {"provider": "whereby"}
    return {"type": "cloud", "destination": destination, "startTrigger": "none", "extra": extra}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"[" * 100_000, "nests more than 32 levels"),
        (b'{"a":' * 100_000, "nests more than 32 levels"),
        (b"[" * 500 + b"]" * 500, "nests more than 32 levels"),
        (b'{"endDate": "\xff"}', "not UTF-8"),
        ('{"endDate": "2030-01-01T00:00:00Z"}'.encode("utf-16"), "not UTF-8"),
        (b"", "not valid JSON"),
        (b'{"endDate": "2030-01-01T00:00:00Z"', "not valid JSON"),
        (b'{"endDate": NaN}', "NaN is not a JSON value"),
        (b'{"isLocked": -Infinity}', "Infinity is not a JSON value"),
        (b'{"isLocked": 1e999}', "number too large"),
        (b'{"isLocked": ' + b"9" * 5000 + b"}", "number too large"),
        (b"[]", "must be a JSON object"),
        (b'"endDate"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
    ],
    ids=[
        "deep-list",
        "deep-object",
        "deep-but-parsable",
        "latin-1",
        "utf-16",
        "empty",
        "cut-short",
        "nan",
        "infinity",
        "1e999",
        "5000-digits",
        "list",
        "string",
        "null",
    ],
)
def test_unusable_bodies_get_a_json_400(emulator: EmulatorServer, body: bytes, said: str) -> None:
    status, headers, answer = send_raw(emulator, raw_post(emulator, body))
    assert status == 400
    assert said in json_error(headers, answer)
    assert emulator.meeting_ids() == set()
    still_serves(emulator)


def test_deep_options_inside_a_valid_body_are_refused(client, emulator) -> None:
    deep: object = "bottom"
    for _ in range(600):  # too shallow for the parser to mind, too deep to copy
        deep = [deep]
    response = client.post(
        "/meetings", json={"endDate": soon(emulator), "recording": recording_with(deep)}
    )
    assert response.status_code == 400
    assert "nests more than 32 levels" in error_text(response)
    kept = recording_with([[["three levels down are kept"]]])
    assert (
        client.post("/meetings", json={"endDate": soon(emulator), "recording": kept}).status_code
        == 201
    )
    still_serves(emulator)


def test_a_streaming_address_with_a_broken_host_is_refused(client, emulator) -> None:
    streaming = {"destination": {"url": "rtmp://["}, "startTrigger": "none"}
    response = client.post("/meetings", json={"endDate": soon(emulator), "streaming": streaming})
    assert response.status_code == 400
    assert '"streaming.destination.url"' in error_text(response)
    still_serves(emulator)


def test_a_cursor_with_a_huge_number_is_refused(client, emulator) -> None:
    cursor = base64.urlsafe_b64encode(b"after:" + b"9" * 5000).decode()
    response = client.get("/meetings", params={"cursor": cursor})
    assert response.status_code == 400
    assert '"cursor"' in error_text(response)
    still_serves(emulator)


def test_a_body_over_the_cap_gets_a_json_413(emulator: EmulatorServer) -> None:
    # Only the head is sent: the emulator answers without reading a body it will not take.
    status, headers, answer = send_raw(emulator, raw_post(emulator, b"", length=str(2**21)))
    assert status == 413
    assert headers["connection"] == "close"
    assert "too large" in json_error(headers, answer)
    still_serves(emulator)


@pytest.mark.parametrize("length", ["-1", "ten", "+35", "3_5", "0x23", "35.0"])
def test_content_length_must_be_plain_digits(emulator: EmulatorServer, length: str) -> None:
    body = json.dumps({"endDate": soon(emulator)}).encode()
    assert len(body) == 35  # what "+35" or "3_5" would read as with int()
    status, headers, answer = send_raw(emulator, raw_post(emulator, b"", length=length) + body)
    assert status == 400
    assert "Content-Length" in json_error(headers, answer)
    assert emulator.meeting_ids() == set()
    still_serves(emulator)


# -- methods and malformed requests ---------------------------------------------------------


def request_head(method: str, target: str, *extra: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: x", f"Authorization: Bearer {KEY}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@pytest.mark.parametrize(
    ("method", "target", "status", "allow"),
    [
        ("TRACE", "/v1/meetings", 405, "GET, POST"),
        ("PATCH", "/v1/meetings/1", 405, "GET, DELETE"),
        ("OPTIONS", "/v1/meetings/1", 405, "GET, DELETE"),
        ("CONNECT", "/v1/meetings", 405, "GET, POST"),
        ("PUT", "/v1/meetings", 405, "GET, POST"),
        ("TRACE", "/v1/rooms", 404, None),
        ("CONNECT", "127.0.0.1:443", 404, None),
        ("FOO", "/v1/meetings", 501, None),
        ("FOO", "/nowhere", 501, None),
        ("get", "/v1/meetings", 501, None),  # methods are case-sensitive
        ("M" * 5000, "/v1/meetings", 501, None),
    ],
)
def test_every_method_gets_a_json_answer(
    emulator: EmulatorServer, method: str, target: str, status: int, allow: str | None
) -> None:
    answer_status, headers, body = send_raw(emulator, request_head(method, target))
    assert answer_status == status
    text = json_error(headers, body)
    assert headers.get("allow") == allow
    if status == 501:
        assert "does not implement the method" in text and len(text) < 100
    still_serves(emulator)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /v1/meetings HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET /v1/meetings HTTP/9.9\r\nHost: x\r\n\r\n", 505),
        (b"GET /v1/meetings HTTP/one\r\nHost: x\r\n\r\n", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /v1/meetings HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (b"GET /v1/meetings HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 120 + b"\r\n", 431),
        (request_head("GET", "http://[/v1/meetings"), 400),  # [ starts an IPv6 address
        (request_head("GET", "/v1/meetings", "Host: x\x00\x7f\xff"), 200),
    ],
    ids=[
        "one-word",
        "four-words",
        "version-9.9",
        "version-text",
        "long-line",
        "long-header",
        "many-headers",
        "bad-host-in-target",
        "control-bytes-in-a-header",
    ],
)
def test_malformed_requests_get_a_json_answer(
    emulator: EmulatorServer, data: bytes, status: int
) -> None:
    answer_status, headers, body = send_raw(emulator, data)
    assert answer_status == status
    assert headers["content-type"] == "application/json"
    if status != 200:
        json_error(headers, body)
    still_serves(emulator)


def test_a_head_request_for_a_malformed_header_gets_no_body(emulator: EmulatorServer) -> None:
    data = b"HEAD /v1/meetings HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n"
    status, headers, body = send_raw(emulator, data, method="HEAD")
    assert status == 431 and body == b""
    assert headers["content-type"] == "application/json"
