"""The emulator's behaviour: naming, links, validation, pagination, expiry, the point budget,
injected faults, concurrency, its records and its command line."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from roomdesk.domain.times import format_utc
from roomdesk.emulator import EmulatorServer, FaultConfig, ManualClock, RequestOutcome
from roomdesk.emulator.meetings import HUMAN_SHORT_ALPHABET

KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
START = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.base_url, headers=AUTH, timeout=10) as http:
        yield http


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def clocked(clock: ManualClock) -> Iterator[EmulatorServer]:
    """An emulator on a hand-moved clock, with a small budget to make throttling easy to reach."""
    with EmulatorServer(api_key=KEY, clock=clock, rate_limit_points=10) as server:
        yield server


@pytest.fixture
def clocked_client(clocked: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=clocked.base_url, headers=AUTH, timeout=10) as http:
        yield http


def in_hours(server: EmulatorServer, hours: float) -> str:
    return format_utc(server.now() + timedelta(hours=hours))


def create(http: httpx.Client, server: EmulatorServer, **options: Any) -> dict[str, Any]:
    response = http.post("/meetings", json={"endDate": in_hours(server, 1), **options})
    assert response.status_code == 201, response.text
    return response.json()


def list_all(http: httpx.Client, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every meeting over all pages, and how many pages it took."""
    found: list[dict[str, Any]] = []
    pages = 0
    while True:
        page = http.get("/meetings", params=params)
        assert page.status_code == 200, page.text
        pages += 1
        found += page.json()["results"]
        if page.json()["cursor"] is None:
            return found, pages
        params["cursor"] = page.json()["cursor"]


def error_text(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    assert response.headers["content-type"] == "application/json"
    return body["error"]


# -- creating rooms -------------------------------------------------------------------------


def test_room_with_prefix_and_short_pattern(clocked: EmulatorServer, clocked_client) -> None:
    end = START + timedelta(hours=2, microseconds=123456)
    meeting = create(
        clocked_client,
        clocked,
        endDate=end.astimezone(timezone(timedelta(hours=2))).isoformat(),  # 13:30:00.123456+02:00
        roomNamePrefix="My Team ",
        roomNamePattern="human-short",
    )
    assert re.fullmatch(rf"/myteam-[{HUMAN_SHORT_ALPHABET}]{{6}}", meeting["roomName"])
    assert meeting["roomUrl"] == f"https://roomdesk-demo.whereby.com{meeting['roomName']}"
    assert meeting["meetingId"].isdigit()
    assert meeting["startDate"] == "2030-03-01T09:30:00Z"
    assert meeting["endDate"] == "2030-03-01T11:30:00Z"


def test_room_without_prefix_is_a_uuid(client: httpx.Client, emulator: EmulatorServer) -> None:
    meeting = create(client, emulator)
    assert uuid.UUID(meeting["roomName"].removeprefix("/")).version == 4
    other = create(client, emulator)
    assert other["meetingId"] != meeting["meetingId"]
    assert other["roomName"] != meeting["roomName"]


def test_room_links_only_when_requested(client: httpx.Client, emulator: EmulatorServer) -> None:
    plain = create(client, emulator)
    assert "hostRoomUrl" not in plain and "viewerRoomUrl" not in plain
    host_only = create(client, emulator, fields=["hostRoomUrl"])
    assert host_only["hostRoomUrl"].startswith(f"{host_only['roomUrl']}?roomKey=")
    assert "viewerRoomUrl" not in host_only

    meeting_id = plain["meetingId"]
    assert "hostRoomUrl" not in client.get(f"/meetings/{meeting_id}").json()
    both = client.get(f"/meetings/{meeting_id}", params={"fields": "hostRoomUrl,viewerRoomUrl"})
    links = both.json()
    assert links["hostRoomUrl"].startswith(f"{plain['roomUrl']}?roomKey=")
    assert links["viewerRoomUrl"].startswith(f"{plain['roomUrl']}?roomKey=")
    assert links["hostRoomUrl"] != links["viewerRoomUrl"]
    listed = client.get("/meetings").json()["results"]
    assert all("hostRoomUrl" not in item for item in listed)
    repeated = client.get(
        "/meetings", params=[("fields", "hostRoomUrl"), ("fields", "viewerRoomUrl")]
    )
    assert all({"hostRoomUrl", "viewerRoomUrl"} <= set(item) for item in repeated.json()["results"])


def test_viewer_mode_forces_group_locked_and_both_links(client, emulator) -> None:
    meeting = create(client, emulator, templateType="viewerMode", roomMode="normal", isLocked=False)
    assert {"hostRoomUrl", "viewerRoomUrl"} <= set(meeting)
    stored = emulator.meeting(meeting["meetingId"])
    assert stored is not None
    assert (stored["roomMode"], stored["isLocked"], stored["templateType"]) == (
        "group",
        True,
        "viewerMode",
    )


def test_room_settings_and_options_are_stored(client, emulator) -> None:
    recording = {"type": "cloud", "destination": {"provider": "whereby"}, "startTrigger": "prompt"}
    meeting = create(client, emulator, roomMode="group", isLocked=True, recording=recording)
    stored = emulator.meeting(meeting["meetingId"])
    assert stored is not None
    assert stored["roomMode"] == "group" and stored["isLocked"] is True
    assert stored["recording"] == recording
    assert stored["hostRoomUrl"] != stored["viewerRoomUrl"]


def test_end_date_now_is_accepted_and_past_refused(clocked, clocked_client) -> None:
    now = clocked_client.post("/meetings", json={"endDate": format_utc(START)})
    assert now.status_code == 201
    past = clocked_client.post(
        "/meetings", json={"endDate": format_utc(START - timedelta(seconds=1))}
    )
    assert past.status_code == 400
    assert "endDate" in error_text(past) and "past" in error_text(past)
    assert len(clocked.meeting_ids()) == 1


@pytest.mark.parametrize(
    ("prefix", "accepted"),
    [("a" * 39, True), ("Ab C" + "d" * 36, True), ("a" * 40, False), ("no_underscore", False)],
)
def test_prefix_limits(client, emulator, prefix: str, accepted: bool) -> None:
    response = client.post(
        "/meetings", json={"endDate": in_hours(emulator, 1), "roomNamePrefix": prefix}
    )
    if accepted:
        assert response.status_code == 201
        assert response.json()["roomName"].startswith(f"/{''.join(prefix.split()).lower()}-")
    else:
        assert response.status_code == 400
        assert "roomNamePrefix" in error_text(response)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"roomMode": "huge"}, "roomMode"),
        ({"isLocked": "yes"}, "isLocked"),
        ({"roomNamePattern": "short"}, "roomNamePattern"),
        ({"templateType": "webinar"}, "templateType"),
        ({"fields": "hostRoomUrl"}, "fields"),
        ({"recording": {"type": "cloud", "startTrigger": "none"}}, "recording.destination"),
        ({"recording": {"type": "tape", "destination": {"provider": "whereby"},
                        "startTrigger": "none"}}, "recording.type"),
        ({"recording": {"type": "cloud", "startTrigger": "none",
                        "destination": {"provider": "s3", "bucket": "b", "region": "r",
                                        "accessKeyId": "id"}}},
         "recording.destination.accessKeySecret"),
        ({"recording": {"type": "cloud", "startTrigger": "none",
                        "destination": {"provider": "s3", "authenticationType": "roleBased",
                                        "bucket": "b"}}}, "recording.destination.oidcRoleArn"),
        ({"recording": {"type": "cloud", "startTrigger": "none",
                        "destination": {"provider": "whereby", "fileFormat": "avi"}}},
         "recording.destination.fileFormat"),
        ({"liveTranscription": {"destination": {"provider": "whereby"}, "startTrigger": "manual",
                                "language": "en,"}}, "liveTranscription.language"),
        ({"liveTranscription": {"destination": {"provider": "s3", "bucket": "b",
                                                "accessKeyId": "i", "accessKeySecret": "s"},
                                "startTrigger": "manual"}}, "liveTranscription.destination.region"),
        ({"liveTranscription": {"destination": {"provider": "whereby"},
                                "startTrigger": "prompt"}}, "liveTranscription.startTrigger"),
        ({"streaming": {"destination": {"url": "http://example.com"}, "startTrigger": "none"}},
         "streaming.destination.url"),
        ({"streaming": {"destination": {"url": "rtmp://host/app"}}}, "streaming.startTrigger"),
    ],
)  # fmt: skip
def test_invalid_options_are_refused_naming_the_field(client, emulator, extra, named) -> None:
    response = client.post("/meetings", json={"endDate": in_hours(emulator, 1), **extra})
    assert response.status_code == 400
    assert f'"{named}"' in error_text(response)
    assert emulator.meeting_ids() == set()


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"endDate": "2999-01-01T00:00:00Z"}', "text/plain", 415),
        (b"{not json", "application/json", 400),
        (b'["a list"]', "application/json", 400),
        (b'{"endDate": "31/12/2999"}', "application/json; charset=utf-8", 400),
    ],
)
def test_unusable_bodies(client, content: bytes, content_type: str, status: int) -> None:
    response = client.post("/meetings", content=content, headers={"Content-Type": content_type})
    assert response.status_code == status
    error_text(response)


def test_chunked_body_is_refused_and_connection_closed(client: httpx.Client) -> None:
    response = client.post(
        "/meetings", content=iter([b"{}"]), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 411
    assert response.headers["connection"] == "close"


# -- listing, pagination and expiry ---------------------------------------------------------


def test_pages_cover_everything_once_in_creation_order(client, emulator) -> None:
    seeded = [meeting["meetingId"] for meeting in emulator.seed(25)]
    found, pages = list_all(client, limit=10)
    assert [meeting["meetingId"] for meeting in found] == seeded
    assert pages == 3


def test_deleting_between_pages_neither_repeats_nor_skips(client, emulator) -> None:
    seeded = [meeting["meetingId"] for meeting in emulator.seed(9)]
    first = client.get("/meetings", params={"limit": 3}).json()
    client.delete(f"/meetings/{seeded[1]}")  # already seen
    client.delete(f"/meetings/{seeded[4]}")  # not yet seen
    rest, _ = list_all(client, limit=3, cursor=first["cursor"])
    ids = [meeting["meetingId"] for meeting in first["results"] + rest]
    assert ids == [meeting_id for meeting_id in seeded if meeting_id != seeded[4]]


def test_default_and_bounds_of_limit(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.seed(120)
    assert len(client.get("/meetings").json()["results"]) == 50
    assert len(client.get("/meetings", params={"limit": 1}).json()["results"]) == 1
    assert len(client.get("/meetings", params={"limit": 100}).json()["results"]) == 100
    for bad in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, [("limit", "5"), ("limit", "6")]):
        response = client.get("/meetings", params=bad)
        assert response.status_code == 400, bad
        assert "limit" in error_text(response)


def test_unknown_cursor_and_fields_are_refused(client: httpx.Client, emulator) -> None:
    emulator.seed(2)
    assert client.get("/meetings", params={"cursor": "nonsense"}).status_code == 400
    assert client.get("/meetings", params={"cursor": ""}).status_code == 400
    assert client.get("/meetings", params={"fields": "roomKey"}).status_code == 400


def test_name_filter_with_pagination(client: httpx.Client, emulator: EmulatorServer) -> None:
    wanted = [meeting["meetingId"] for meeting in emulator.seed(5, room_name_prefix="sales")]
    emulator.seed(5, room_name_prefix="support")
    found, pages = list_all(client, limit=2, **{"roomName[startsWith]": "/sales-"})
    assert [meeting["meetingId"] for meeting in found] == wanted
    assert pages == 3


def test_name_filter_can_be_ignored(client: httpx.Client, emulator: EmulatorServer) -> None:
    seeded = [meeting["meetingId"] for meeting in emulator.seed(3, room_name_prefix="sales")]
    seeded += [meeting["meetingId"] for meeting in emulator.seed(2, room_name_prefix="support")]
    emulator.ignore_room_name_filter = True
    found, pages = list_all(client, limit=2, **{"roomName[startsWith]": "/sales-"})
    assert [meeting["meetingId"] for meeting in found] == seeded
    assert pages == 3
    emulator.ignore_room_name_filter = False
    found, _ = list_all(client, limit=2, **{"roomName[startsWith]": "/sales-"})
    assert [meeting["meetingId"] for meeting in found] == seeded[:3]


def test_meetings_disappear_an_hour_after_their_end(clocked, clocked_client, clock) -> None:
    meeting = create(clocked_client, clocked)  # ends in an hour
    ended_earlier = clocked.add_meeting(end_date=START - timedelta(minutes=59))
    clock.advance(timedelta(minutes=1, seconds=-1))
    assert ended_earlier["meetingId"] in clocked.meeting_ids()
    clock.advance(1)
    assert ended_earlier["meetingId"] not in clocked.meeting_ids()
    meeting_id = meeting["meetingId"]
    clock.advance(timedelta(hours=2) - timedelta(minutes=1, seconds=1))
    assert clocked_client.get(f"/meetings/{meeting_id}").status_code == 200
    clock.advance(1)
    assert clocked_client.get(f"/meetings/{meeting_id}").status_code == 404
    assert clocked_client.get("/meetings").json()["results"] == []
    assert clocked.meeting(meeting_id) is None


def test_delete_is_idempotent(client: httpx.Client, emulator: EmulatorServer) -> None:
    meeting_id = create(client, emulator)["meetingId"]
    for _ in range(2):
        response = client.delete(f"/meetings/{meeting_id}")
        assert response.status_code == 204 and response.content == b""
    assert client.delete("/meetings/does-not-exist").status_code == 204
    assert client.get(f"/meetings/{meeting_id}").status_code == 404
    assert emulator.meeting_ids() == set()


# -- authentication and routing -------------------------------------------------------------


def test_key_checks_and_rotation(client: httpx.Client, emulator: EmulatorServer) -> None:
    assert client.get("/meetings").status_code == 200
    assert client.get("/meetings", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/meetings", headers={"Authorization": KEY}).status_code == 401
    emulator.api_key = "rotated-key"  # revoked mid-session
    refused = client.get("/meetings")
    assert refused.status_code == 401
    assert "x-ratelimit-remaining" not in refused.headers
    error_text(refused)
    assert (
        client.get("/meetings", headers={"Authorization": "bearer rotated-key"}).status_code == 200
    )


def test_unknown_paths_and_methods(client: httpx.Client) -> None:
    assert client.get("/rooms").status_code == 404
    assert client.get("/meetings/").status_code == 404
    put = client.put("/meetings/1", json={})
    assert put.status_code == 405 and put.headers["allow"] == "GET, DELETE"
    head = client.head("/meetings")
    assert head.status_code == 405 and head.content == b""
    assert client.options("/meetings").headers["allow"] == "GET, POST"


# -- the point budget -----------------------------------------------------------------------


def test_every_answer_reports_the_budget(client: httpx.Client, emulator: EmulatorServer) -> None:
    first = client.get("/meetings")
    assert first.headers["x-ratelimit-limit"] == "1000"
    assert first.headers["x-ratelimit-remaining"] == "999"
    not_found = client.get("/meetings/missing")
    assert not_found.headers["x-ratelimit-remaining"] == "998"
    emulator.reset_rate_limit()
    assert client.get("/meetings").headers["x-ratelimit-remaining"] == "999"


def test_points_per_method_and_throttling(clocked, clocked_client, clock) -> None:
    def remaining(response: httpx.Response) -> int:
        return int(response.headers["x-ratelimit-remaining"])

    assert remaining(clocked_client.get("/meetings")) == 9  # GET costs 1
    assert remaining(clocked_client.delete("/meetings/1")) == 7  # DELETE costs 2
    clock.advance(20)
    assert remaining(clocked_client.post("/meetings", json={"endDate": in_hours(clocked, 1)})) == 4
    assert remaining(clocked_client.post("/meetings", json={"endDate": in_hours(clocked, 1)})) == 1

    refused = clocked_client.post("/meetings", json={"endDate": in_hours(clocked, 1)})
    assert refused.status_code == 429
    # The first 3 points (spent at START) come back at START + 60 s, 40 s from now.
    assert refused.json() == {
        "error": "Rate limit active for throttle key: organization:1",
        "data": {"msLeft": 40_000},
    }
    assert refused.headers["retry-after"] == "40"
    assert refused.headers["x-ratelimit-limit"] == "10"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    reset = email.utils.parsedate_to_datetime(refused.headers["x-ratelimit-reset"])
    assert reset == START + timedelta(seconds=60)
    assert refused.headers["content-type"] == "application/json"

    # A refused request cost nothing: the last point still buys a GET.
    assert remaining(clocked_client.get("/meetings")) == 0
    assert clocked_client.get("/meetings").status_code == 429
    assert len(clocked.meeting_ids()) == 2

    clock.advance(40)
    assert (
        clocked_client.post("/meetings", json={"endDate": in_hours(clocked, 1)}).status_code == 201
    )


def test_wait_is_rounded_up_to_whole_seconds(clocked, clocked_client, clock) -> None:
    clocked.rate_limit_points = 1
    clocked_client.get("/meetings")
    clock.advance(59.2)
    refused = clocked_client.get("/meetings")
    assert refused.json()["data"]["msLeft"] == 800
    assert refused.headers["retry-after"] == "1"
    reset = email.utils.parsedate_to_datetime(refused.headers["x-ratelimit-reset"])
    assert reset == START + timedelta(seconds=60)


def test_unauthorised_requests_cost_nothing(clocked, clocked_client) -> None:
    for _ in range(20):
        clocked_client.get("/meetings", headers={"Authorization": "Bearer wrong"})
    assert clocked_client.get("/meetings").headers["x-ratelimit-remaining"] == "9"


def test_budget_without_an_injected_clock(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.rate_limit_points = 4
    assert client.post("/meetings", json={"endDate": in_hours(emulator, 1)}).status_code == 201
    assert client.delete("/meetings/x").status_code == 429
    last_point = client.get("/meetings/x")
    assert last_point.status_code == 404
    throttled = client.get("/meetings")
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 60


# -- injected faults ------------------------------------------------------------------------


def test_latency_is_added_before_answering(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.faults.latency = 0.2
    assert client.get("/meetings").status_code == 200
    record = emulator.received[-1]
    assert record.injected_delay == pytest.approx(0.2)
    assert record.duration is not None and record.duration >= 0.2


def test_jitter_is_reproducible_with_a_seed() -> None:
    def delays() -> list[float]:
        with EmulatorServer(api_key=KEY) as server:
            server.faults = FaultConfig(latency=0.01, latency_jitter=0.02, seed=11)
            with httpx.Client(base_url=server.base_url, headers=AUTH) as http:
                for _ in range(5):
                    http.get("/meetings")
            return [record.injected_delay for record in server.received]

    first = delays()
    assert first == delays()
    assert all(0.01 <= delay <= 0.03 for delay in first)
    assert len(set(first)) == 5


def test_server_errors_at_a_rate_are_reproducible() -> None:
    def statuses() -> list[int]:
        with EmulatorServer(api_key=KEY) as server:
            server.faults = FaultConfig(error_rate=0.5, seed=3)
            with httpx.Client(base_url=server.base_url, headers=AUTH) as http:
                return [http.get("/meetings").status_code for _ in range(40)]

    first = statuses()
    assert first == statuses()
    assert set(first) - {200} <= {500, 502, 503}
    assert 5 < first.count(200) < 35


def test_server_errors_have_json_bodies(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.faults.error_rate = 1.0
    response = client.post("/meetings", json={"endDate": in_hours(emulator, 1)})
    assert response.status_code in (500, 502, 503)
    error_text(response)
    assert emulator.meeting_ids() == set()  # the request never reached the service


def test_dropped_connection(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.faults.drop_rate = 1.0
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post("/meetings", json={"endDate": in_hours(emulator, 1)})
    record = emulator.received[-1]
    assert record.status is None and record.outcome is RequestOutcome.DROPPED
    assert emulator.meeting_ids() == set()
    emulator.faults.drop_rate = 0.0
    assert client.get("/meetings").status_code == 200  # a new connection works


def test_truncated_answer_after_the_work_was_done(client, emulator) -> None:
    emulator.faults.truncate_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/meetings", json={"endDate": in_hours(emulator, 1)})
    record = emulator.received[-1]
    assert record.status == 201 and record.outcome is RequestOutcome.TRUNCATED
    assert len(emulator.meeting_ids()) == 1  # created, but the client never heard


@pytest.mark.parametrize("status", [503, 429, 401])
def test_forced_status(client: httpx.Client, emulator: EmulatorServer, status: int) -> None:
    emulator.faults.force_status = status
    emulator.faults.forced_retry_after = 2
    for _ in range(3):
        response = client.get("/meetings")
        assert response.status_code == status
        assert isinstance(response.json()["error"], str)
    if status == 429:
        assert response.headers["retry-after"] == "2"
        assert response.json()["data"]["msLeft"] == 2000


def test_an_emulator_bug_is_answered_with_500(client, emulator, monkeypatch, caplog) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("bookkeeping broke")

    monkeypatch.setattr(emulator._book, "page", broken)
    with caplog.at_level(logging.ERROR, logger="roomdesk.emulator"):
        response = client.get("/meetings")
    assert response.status_code == 500
    error_text(response)
    assert "bookkeeping broke" in caplog.text
    assert client.get("/meetings/1").status_code == 404  # the connection still serves


def test_fault_settings_are_checked() -> None:
    for bad in ({"error_rate": 1.5}, {"drop_rate": -0.1}, {"latency": -1}, {"force_status": 42}):
        with pytest.raises(ValueError):
            FaultConfig(**bad)


# -- concurrency, records, logs, life cycle -------------------------------------------------


def test_two_hundred_concurrent_connections(emulator: EmulatorServer) -> None:
    emulator.seed(3)
    # Each answer waits, so all 200 requests are in flight at once on their own connections.
    emulator.faults.latency = 1.0

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(
            base_url=emulator.base_url, headers=AUTH, limits=limits, timeout=30
        ) as http:
            answers = await asyncio.gather(*(http.get("/meetings") for _ in range(200)))
        return [answer.status_code for answer in answers]

    assert asyncio.run(burst()) == [200] * 200
    records = emulator.received
    assert len(records) == 200
    assert len({record.client for record in records}) == 200


def test_requests_are_recorded(clocked: EmulatorServer, clocked_client) -> None:
    clocked_client.post(
        "/meetings",
        params={"trace": "1"},
        json={"endDate": in_hours(clocked, 1)},
        headers={"X-Custom": "yes"},
    )
    clocked_client.get("/meetings", params={"fields": "hostRoomUrl", "limit": "5"})
    post, listing = clocked.received
    assert (post.method, post.path, post.status) == ("POST", "/v1/meetings", 201)
    assert post.query == {"trace": ["1"]}
    assert post.headers["x-custom"] == "yes"
    assert post.headers["authorization"] == f"Bearer {KEY}"
    assert post.json == {"endDate": in_hours(clocked, 1)}
    assert json.loads(post.body) == post.json
    assert post.time == START
    assert post.outcome is RequestOutcome.ANSWERED
    assert listing.query == {"fields": ["hostRoomUrl"], "limit": ["5"]}
    assert listing.body == b"" and listing.json is None
    assert KEY not in repr(post)
    clocked.clear_received()
    assert clocked.received == []


def test_logs_name_paths_only(client, emulator, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="roomdesk.emulator"):
        meeting = create(client, emulator, fields=["hostRoomUrl", "viewerRoomUrl"])
        client.get(f"/meetings/{meeting['meetingId']}", params={"fields": "hostRoomUrl"})
    emulator_log = "\n".join(
        record.getMessage() for record in caplog.records if record.name == "roomdesk.emulator"
    )
    assert f"GET /v1/meetings/{meeting['meetingId']} -> 200" in emulator_log
    room_keys = [meeting[name].split("roomKey=")[1] for name in ("hostRoomUrl", "viewerRoomUrl")]
    for secret in (KEY, *room_keys, "fields="):
        assert secret not in emulator_log


def test_stop_is_idempotent_and_closes_kept_alive_connections() -> None:
    server = EmulatorServer(api_key=KEY)
    server.start()
    with httpx.Client(base_url=server.base_url, headers=AUTH) as http:
        assert http.get("/meetings").status_code == 200
        server.stop()
        server.stop()
        with pytest.raises(httpx.TransportError):
            http.get("/meetings")
    assert not server.running
    with pytest.raises(RuntimeError):
        _ = server.base_url


def test_stop_cuts_injected_latency_short(emulator: EmulatorServer) -> None:
    emulator.faults.latency = 600
    outcome: queue.Queue[BaseException | int] = queue.Queue()

    def slow_request() -> None:
        with httpx.Client(base_url=emulator.base_url, headers=AUTH) as http:
            try:
                outcome.put(http.get("/meetings").status_code)
            except httpx.TransportError as problem:
                outcome.put(problem)

    worker = threading.Thread(target=slow_request)
    worker.start()
    deadline = time.monotonic() + 30

    def waiting() -> bool:
        # Recorded first, then its delay chosen: waiting once the delay is on the record.
        return bool(emulator.received) and emulator.received[0].injected_delay > 0

    while not waiting() and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    assert emulator.received[0].injected_delay == 600
    emulator.stop()
    worker.join(timeout=30)
    assert not worker.is_alive()
    # Answered just before its connection was closed, or cut off: either way, not in 600 s.
    result = outcome.get_nowait()
    assert result == 200 or isinstance(result, httpx.TransportError)


def test_only_loopback_addresses() -> None:
    with pytest.raises(ValueError, match="loopback"):
        EmulatorServer(host="0.0.0.0")
    with EmulatorServer(api_key=KEY, host="localhost") as server:
        assert server.base_url == f"http://localhost:{server.port}/v1"


# -- command line ---------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "roomdesk.emulator", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@contextlib.contextmanager
def cli_server(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m roomdesk.emulator --port 0 ARGS`` and the base URL it says it listens on."""
    process = subprocess.Popen(
        [sys.executable, "-m", "roomdesk.emulator", "--port", "0", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
        first_line = lines.get(timeout=30)
        match = re.fullmatch(
            r"roomdesk emulator listening on (http://127\.0\.0\.1:\d+/v1)\n", first_line
        )
        assert match, first_line
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


@pytest.mark.skipif(os.name != "posix", reason="sends SIGTERM, which Windows does not deliver")
def test_cli_serves_until_sigterm() -> None:
    with cli_server("--key", "cli-key") as (process, base_url):
        with httpx.Client(base_url=base_url) as http:
            answer = http.get("/meetings", headers={"Authorization": "Bearer cli-key"})
        assert answer.json() == {"results": [], "cursor": None}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_cli_can_ignore_the_name_filter() -> None:
    with (
        cli_server("--key", "cli-key", "--ignore-room-name-filter") as (_, base_url),
        httpx.Client(base_url=base_url, headers={"Authorization": "Bearer cli-key"}) as http,
    ):
        end = format_utc(datetime.now(UTC) + timedelta(hours=1))
        for prefix in ("sales", "support"):
            created = http.post("/meetings", json={"endDate": end, "roomNamePrefix": prefix})
            assert created.status_code == 201
        listed = http.get("/meetings", params={"roomName[startsWith]": "/sales-"}).json()
        assert [meeting["roomName"].split("-")[0] for meeting in listed["results"]] == [
            "/sales",
            "/support",
        ]


@pytest.mark.parametrize(
    "args",
    [
        ["--key", "k", "--host", "0.0.0.0"],
        ["--key", "k", "--host", "192.168.1.10"],
        ["--key", "k", "--error-rate", "1.5"],
        ["--key", "k", "--port", "70000"],
        ["--key", "k", "--latency", "soon"],
        ["--port", "0"],
        ["--key", "k", "--unknown"],
    ],
)
def test_cli_refuses_bad_arguments(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


def test_cli_reports_a_busy_port(emulator: EmulatorServer) -> None:
    result = run_cli("--key", "k", "--port", str(emulator.port))
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot listen on 127.0.0.1:")
