"""Room use cases against the emulator: the store follows what the server did."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import (
    CreateOutcomeUnknownError,
    InvalidApiKeyError,
    RequestValidationError,
    ServerError,
)
from roomdesk.api.requests import Field, MeetingRequest
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.status import RoomStatus
from roomdesk.services.rooms import CREATE_CONCURRENCY, RoomService
from roomdesk.store.records import PendingState, RoomSource

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, total_seconds=5)


def service_for(emulator, store) -> RoomService:
    client = WherebyClient("test-key", base_url=emulator.base_url, retry=FAST)
    return RoomService(client, store)


def request_in(hours: float = 1, **options) -> MeetingRequest:
    return MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=hours), **options)


def test_create_stores_the_room_with_its_options(emulator, store, aloop):
    service = service_for(emulator, store)
    request = request_in(
        room_mode=RoomMode.GROUP, fields=frozenset({Field.HOST_ROOM_URL}), room_name_prefix="yoga"
    )
    room = aloop.run(service.create_room(request, label="  Yoga Tuesday "))
    aloop.run(service.client.aclose())
    assert room.meeting_id in emulator.meeting_ids()
    assert room.label == "Yoga Tuesday"
    assert room.room_mode == "group"
    assert room.source is RoomSource.CREATED
    assert room.host_room_url and room.room_name.startswith("/yoga-")
    assert room.options == request.to_stored_options()
    assert store.pending_creates() == []
    assert [r.meeting_id for r in store.list_rooms()] == [room.meeting_id]


def test_invalid_request_leaves_no_trace(emulator, store, aloop):
    service = service_for(emulator, store)
    with pytest.raises(RequestValidationError):
        aloop.run(service.create_room(request_in(-1)))
    aloop.run(service.client.aclose())
    assert emulator.received == []
    assert store.pending_creates(states=tuple(PendingState)) == []


def test_lost_create_answer_is_recorded_as_unknown(emulator, store, aloop):
    service = service_for(emulator, store)
    emulator.faults.drop_rate = 1.0
    with pytest.raises(CreateOutcomeUnknownError):
        aloop.run(service.create_room(request_in(), label="Lost"))
    aloop.run(service.client.aclose())
    [pending] = store.pending_creates()
    assert pending.state is PendingState.UNKNOWN
    assert pending.label == "Lost"
    assert store.list_rooms() == []


def test_server_error_on_create_is_recorded_as_unknown(emulator, store, aloop):
    # A 5xx may come after Whereby made the room: a sync must be able to match it.
    service = service_for(emulator, store)
    emulator.faults.force_status = 500
    with pytest.raises(ServerError, match="problem of its own"):
        aloop.run(service.create_room(request_in()))
    aloop.run(service.client.aclose())
    [unknown] = store.pending_creates(states=(PendingState.UNKNOWN,))
    assert "500" in unknown.error


def test_refused_create_is_recorded_as_failed(emulator, store, aloop):
    service = service_for(emulator, store)
    emulator.api_key = "rotated"
    with pytest.raises(InvalidApiKeyError):
        aloop.run(service.create_room(request_in()))
    aloop.run(service.client.aclose())
    [failed] = store.pending_creates(states=(PendingState.FAILED,))
    assert "401" in failed.error
    assert store.pending_creates() == []


def test_delete_many_reports_each_and_marks_the_store(emulator, store, aloop):
    service = service_for(emulator, store)
    rooms = [aloop.run(service.create_room(request_in(), label=f"Room {i}")) for i in range(3)]
    outcomes = aloop.run(
        service.delete_rooms([rooms[0].meeting_id, rooms[1].meeting_id, "gone-already"])
    )
    aloop.run(service.client.aclose())
    assert [o.ok for o in outcomes] == [True, True, True]
    assert emulator.meeting_ids() == {rooms[2].meeting_id}
    now = datetime.now(UTC)
    assert store.get(rooms[0].meeting_id).status(now) is RoomStatus.DELETED
    assert [r.meeting_id for r in store.list_rooms(now=now)] == [rooms[2].meeting_id]


def test_delete_failure_is_reported_by_name_and_store_untouched(emulator, store, aloop):
    service = service_for(emulator, store)
    room = aloop.run(service.create_room(request_in(), label="Keep"))
    emulator.api_key = "rotated-key"
    [outcome] = aloop.run(service.delete_rooms([room.meeting_id]))
    aloop.run(service.client.aclose())
    assert not outcome.ok
    assert room.room_name in outcome.describe()
    assert "refused" in outcome.describe()
    assert store.get(room.meeting_id).deleted_at is None


def test_a_big_batch_of_creates_is_sent_a_few_at_a_time(emulator, store, aloop):
    """Each create's start runs on the GUI thread: a batch must not start all at once."""
    service = service_for(emulator, store)
    emulator.faults.latency = 0.05
    on_their_way: list[int] = []
    real_create = service.client.create_meeting

    async def watched_create(request, **options):
        on_their_way.append(len(service.creates_in_flight))
        return await real_create(request, **options)

    service.client.create_meeting = watched_create

    async def batch():
        return await asyncio.gather(
            *(service.create_room(request_in(), label=f"Batch {n}") for n in range(3 * 8))
        )

    rooms = aloop.run(batch())
    aloop.run(service.client.aclose())
    assert len({room.meeting_id for room in rooms}) == 24
    assert max(on_their_way) == CREATE_CONCURRENCY
    assert store.pending_creates(states=(PendingState.PENDING,)) == []
