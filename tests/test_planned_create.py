"""Creating a room with a planned start: stored with the room, also when a create is settled by
a sync or sent again after its answer was lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import CreateOutcomeUnknownError, RequestValidationError
from roomdesk.api.requests import MeetingRequest
from roomdesk.domain.sessions import START_FIELD
from roomdesk.services.rooms import RoomService
from roomdesk.services.sync import SyncService
from roomdesk.store import PendingState

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_seconds=5)


def run(emulator, store, body):
    async def main():
        client = WherebyClient("test-key", base_url=emulator.base_url, retry=FAST)
        try:
            rooms = RoomService(client, store)
            return await body(rooms, SyncService(rooms))
        finally:
            await client.aclose()

    return asyncio.run(main())


def end_in(hours: float) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0)


def test_a_room_is_created_with_its_planned_start_and_zone(emulator, store):
    end = end_in(3)
    start = end - timedelta(minutes=90)
    room = run(
        emulator,
        store,
        lambda rooms, _sync: rooms.create_room(
            MeetingRequest(end_date=end), label="Coaching", planned_start=start, time_zone="UTC"
        ),
    )
    assert (room.planned_start, room.time_zone) == (start, "UTC")
    assert store.get(room.meeting_id).planned_start == start
    assert store.pending_creates() == []


def test_a_start_after_the_end_or_an_unknown_zone_is_refused_before_anything_is_sent(
    emulator, store
):
    end = end_in(3)
    with pytest.raises(RequestValidationError) as late:
        run(
            emulator,
            store,
            lambda rooms, _sync: rooms.create_room(
                MeetingRequest(end_date=end),
                planned_start=end + timedelta(minutes=1),
                time_zone="Europe/Oslo",
            ),
        )
    assert late.value.issues[0].field == START_FIELD
    assert "is after the end" in str(late.value)
    with pytest.raises(RequestValidationError, match="not a known IANA time zone"):
        run(
            emulator,
            store,
            lambda rooms, _sync: rooms.create_room(
                MeetingRequest(end_date=end), planned_start=end, time_zone="Mars/Base"
            ),
        )
    assert emulator.received == []
    assert store.pending_creates(states=tuple(PendingState)) == []


def test_a_lost_create_settled_by_a_sync_keeps_its_planned_start(emulator, store):
    end = end_in(3)
    start = end - timedelta(hours=1)
    emulator.faults.drop_rate = 1.0  # no answer reaches roomdesk
    with pytest.raises(CreateOutcomeUnknownError):
        run(
            emulator,
            store,
            lambda rooms, _sync: rooms.create_room(
                MeetingRequest(end_date=end),
                label="Lost",
                planned_start=start,
                time_zone="Asia/Tokyo",
            ),
        )
    emulator.faults.drop_rate = 0.0
    [pending] = store.pending_creates()
    assert (pending.planned_start, pending.time_zone) == (start, "Asia/Tokyo")
    # Whereby did make the room after all.
    made = emulator.add_meeting(end_date=end)
    report = run(emulator, store, lambda _rooms, sync: sync.sync())
    [resolved] = report.resolved
    assert resolved.meeting_id == made["meetingId"]
    room = store.get(resolved.meeting_id)
    assert (room.label, room.planned_start, room.time_zone) == ("Lost", start, "Asia/Tokyo")


def test_a_create_sent_again_keeps_its_planned_start(emulator, store):
    end = end_in(3)
    start = end - timedelta(hours=1)
    pending_id = store.add_pending_create(
        MeetingRequest(end_date=end).to_stored_options(),
        "Retried",
        planned_start=start,
        time_zone="America/New_York",
    )
    store.mark_pending(pending_id, "unknown", "The connection failed after it was sent")
    outcome = run(emulator, store, lambda _rooms, sync: sync.retry_pending(pending_id))
    assert not outcome.found_existing
    assert (outcome.room.planned_start, outcome.room.time_zone) == (start, "America/New_York")
