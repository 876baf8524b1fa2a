"""The emulator against hostile and absurd requests, over real sockets: every request gets a JSON
answer that says what is wrong, nothing breaks the requests that follow, and nothing but an
injected fault answers 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from roomdesk.api.models import format_utc
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
