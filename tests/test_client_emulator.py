"""The client against the emulator over real sockets; every request it sends checked by the spec."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import (
    ConnectFailedError,
    CreateOutcomeUnknownError,
    InvalidApiKeyError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from roomdesk.api.requests import (
    Field,
    MeetingRequest,
    RecordingOptions,
    RecordingType,
    RoomNamePattern,
    StorageDestination,
    StorageProvider,
    StreamingOptions,
    TranscriptionOptions,
)
from roomdesk.api.scheduler import RateLimitScheduler
from roomdesk.domain.rooms import RoomMode
from roomdesk.emulator import EmulatorServer
from tests.spec_contract import spec_or_skip, validate_request

FAST_RETRY = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05, total_seconds=10)


def in_an_hour(**options) -> MeetingRequest:
    return MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=1), **options)


def client_for(server: EmulatorServer, key: str = "test-key", **kwargs) -> WherebyClient:
    kwargs.setdefault("retry", FAST_RETRY)
    return WherebyClient(key, base_url=server.base_url, **kwargs)


def assert_requests_follow_spec(server: EmulatorServer) -> None:
    spec_or_skip()
    origin = server.base_url.removesuffix("/v1")
    for recorded in server.received:
        query = urlencode(recorded.query, doseq=True)
        url = origin + recorded.path + (f"?{query}" if query else "")
        validate_request(recorded.method, url, recorded.headers, recorded.body or None)


@pytest.fixture
def run(aloop):
    return aloop.run


REQUEST_VARIANTS = [
    in_an_hour(),
    in_an_hour(fields=frozenset({Field.HOST_ROOM_URL})),
    in_an_hour(fields=frozenset(Field), room_mode=RoomMode.GROUP, is_locked=True),
    in_an_hour(room_name_prefix="Team Sync", room_name_pattern=RoomNamePattern.HUMAN_SHORT),
    in_an_hour(viewer_mode=True),
    in_an_hour(
        recording=RecordingOptions(type=RecordingType.CLOUD),
        live_transcription=TranscriptionOptions(language="en-GB", live_captions=True),
        streaming=StreamingOptions(url="rtmp://live.example.com/app/key"),
    ),
    in_an_hour(
        recording=RecordingOptions(
            type=RecordingType.CLOUD,
            destination=StorageDestination(
                provider=StorageProvider.S3,
                bucket="recordings/2026",
                region="eu-north-1",
                access_key_id="AKIAEXAMPLE",
                access_key_secret="example-secret",
            ),
        )
    ),
]


@pytest.mark.parametrize("request_", REQUEST_VARIANTS, ids=lambda r: ",".join(r.to_json()))
def test_create_sends_spec_valid_requests_and_gets_the_links_asked_for(emulator, run, request_):
    async def scenario():
        async with client_for(emulator) as client:
            return await client.create_meeting(request_)

    meeting = run(scenario())
    assert meeting.meeting_id in emulator.meeting_ids()
    assert meeting.end_date == request_.end_date.replace(microsecond=0)
    wanted = request_.effective_fields
    assert (meeting.host_room_url is not None) == (Field.HOST_ROOM_URL in wanted)
    assert (meeting.viewer_room_url is not None) == (Field.VIEWER_ROOM_URL in wanted)
    if request_.normalized_prefix:
        assert meeting.room_name.startswith(f"/{request_.normalized_prefix}-")
    sent = emulator.received[-1]
    assert sent.json == request_.to_json()
    assert sent.headers["authorization"] == "Bearer test-key"
    assert sent.headers["user-agent"].startswith("roomdesk/")
    assert_requests_follow_spec(emulator)


def test_list_walks_every_page(emulator, run):
    seeded = emulator.seed(7)

    async def scenario():
        async with client_for(emulator) as client:
            return [m async for m in client.iter_meetings(limit=2, fields=tuple(Field))]

    meetings = run(scenario())
    assert [m.meeting_id for m in meetings] == [m["meetingId"] for m in seeded]
    list_calls = [r for r in emulator.received if r.path == "/v1/meetings"]
    assert len(list_calls) == 4
    assert all(r.query["fields"] == ["hostRoomUrl,viewerRoomUrl"] for r in list_calls)
    assert_requests_follow_spec(emulator)


def test_list_filters_by_room_name_prefix(emulator, run):
    async def scenario():
        async with client_for(emulator) as client:
            await client.create_meeting(in_an_hour(room_name_prefix="maths"))
            await client.create_meeting(in_an_hour(room_name_prefix="art"))
            return [m async for m in client.iter_meetings(room_name_prefix="maths")]

    meetings = run(scenario())
    assert len(meetings) == 1 and meetings[0].room_name.startswith("/maths-")
    assert_requests_follow_spec(emulator)


def test_get_delete_and_idempotent_delete(emulator, run):
    async def scenario():
        async with client_for(emulator) as client:
            created = await client.create_meeting(in_an_hour())
            fetched = await client.get_meeting(created.meeting_id, fields=[Field.HOST_ROOM_URL])
            first = await client.delete_meeting(created.meeting_id)
            second = await client.delete_meeting(created.meeting_id)
            with pytest.raises(NotFoundError):
                await client.get_meeting(created.meeting_id)
            return created, fetched, first, second

    created, fetched, first, second = run(scenario())
    assert fetched.meeting_id == created.meeting_id
    assert fetched.host_room_url is not None
    assert first is True and second is True  # DELETE answers 204 both times
    assert created.meeting_id not in emulator.meeting_ids()
    assert_requests_follow_spec(emulator)


def test_wrong_key_is_invalid_api_key(emulator, run):
    async def scenario():
        async with client_for(emulator, key="not-the-key") as client:
            await client.check_key()

    with pytest.raises(InvalidApiKeyError):
        run(scenario())


def test_rate_limit_budget_is_waited_for_instead_of_hit(run):
    with EmulatorServer(api_key="test-key", rate_limit_points=3, rate_window_seconds=1.0) as server:

        async def scenario():
            scheduler = RateLimitScheduler(window_seconds=1.0)
            async with client_for(server, scheduler=scheduler) as client:
                await client.create_meeting(in_an_hour())
                await client.create_meeting(in_an_hour())
                return client.rate_limit

        status = run(scenario())
        first, second = server.received
        assert [first.status, second.status] == [201, 201]
        # The scheduler held the second create until the first one's points left the window.
        assert (second.time - first.time).total_seconds() >= 0.95
        assert status.limit == 3


def test_rate_limit_waits_as_the_server_asks_then_succeeds(run):
    with EmulatorServer(api_key="test-key", rate_limit_points=3, rate_window_seconds=1.0) as server:

        async def scenario():
            async with client_for(server, scheduler=RateLimitScheduler.disabled()) as client:
                await client.create_meeting(in_an_hour())
                await client.create_meeting(in_an_hour())
                return client.rate_limit

        status = run(scenario())
        statuses = [r.status for r in server.received]
        assert statuses == [201, 429, 201]
        assert status.limit == 3


def test_rate_limit_beyond_the_time_budget_is_reported(run):
    with EmulatorServer(api_key="test-key", rate_limit_points=1, rate_window_seconds=60) as server:

        async def scenario():
            # Another client of the organisation spends the shared budget first.
            async with client_for(server) as other:
                await other.check_key()
            async with client_for(server) as client:
                await client.check_key()

        with pytest.raises(RateLimitedError) as caught:
            run(scenario())
        assert 55 <= caught.value.retry_after <= 60


def test_server_errors_on_reads_are_retried(emulator, run):
    emulator.seed(3)
    emulator.faults.error_rate = 0.5
    emulator.faults.seed = 7

    async def scenario():
        async with client_for(emulator) as client:
            return [m async for m in client.iter_meetings(limit=1)]

    assert len(run(scenario())) == 3
    statuses = [r.status for r in emulator.received]
    assert any(status and status >= 500 for status in statuses)


def test_persistent_outage_ends_in_server_error(emulator, run):
    emulator.faults.force_status = 503

    async def scenario():
        async with client_for(emulator, retry=RetryPolicy(3, 0.01, 0.02, 5)) as client:
            await client.get_meeting("1")

    with pytest.raises(ServerError):
        run(scenario())
    assert len(emulator.received) == 3


@pytest.mark.parametrize("fault", ["drop_rate", "truncate_rate"])
def test_reads_survive_dropped_and_truncated_answers(emulator, run, fault):
    emulator.seed(5)
    setattr(emulator.faults, fault, 0.4)
    emulator.faults.seed = 3

    async def scenario():
        async with client_for(emulator) as client:
            return [m async for m in client.iter_meetings(limit=1)]

    assert len(run(scenario())) == 5


@pytest.mark.parametrize("fault", ["drop_rate", "truncate_rate"])
def test_create_with_lost_answer_is_never_repeated(emulator, run, fault):
    setattr(emulator.faults, fault, 1.0)

    async def scenario():
        async with client_for(emulator) as client:
            await client.create_meeting(in_an_hour())

    with pytest.raises(CreateOutcomeUnknownError):
        run(scenario())
    assert [r.method for r in emulator.received] == ["POST"]


def test_nothing_listening_is_a_connect_failure(run):
    server = EmulatorServer(api_key="test-key")
    server.start()
    url = server.base_url
    server.stop()

    async def scenario():
        async with WherebyClient("test-key", base_url=url, retry=FAST_RETRY) as client:
            await client.check_key()

    with pytest.raises(ConnectFailedError):
        run(scenario())


def test_concurrent_calls_share_one_client(emulator, run):
    async def scenario():
        async with client_for(emulator) as client:
            return await asyncio.gather(*(client.create_meeting(in_an_hour()) for _ in range(20)))

    meetings = run(scenario())
    assert len({m.meeting_id for m in meetings}) == 20
