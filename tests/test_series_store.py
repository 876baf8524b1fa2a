"""One room for a whole series of sessions keeps the series: in the store, through the
crash-safe create (settled by a sync or sent again), and for the reminders' query."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import CreateOutcomeUnknownError
from roomdesk.api.models import Meeting
from roomdesk.api.requests import MeetingRequest
from roomdesk.domain.series import Frequency, RoomSeries, SeriesRule, expand_series
from roomdesk.services.batch import plan_from_series
from roomdesk.services.batch_run import BatchRun, RowState
from roomdesk.services.rooms import RoomService
from roomdesk.services.sync import SyncService

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_seconds=5)


def weekly(now: datetime, times: int = 4, *, days_ahead: int = 1) -> RoomSeries:
    """A weekly series planned at ``now``, its first session ``days_ahead`` days later at
    14:00 in Oslo."""
    first = (now + timedelta(days=days_ahead)).astimezone(UTC).replace(tzinfo=None)
    rule = SeriesRule(
        first.replace(hour=14, minute=0, second=0, microsecond=0),
        timedelta(minutes=90),
        "Europe/Oslo",
        Frequency.WEEKLY,
        times=times,
    )
    return RoomSeries.of(rule, expand_series(rule, now=now - timedelta(days=1)))


def meeting(meeting_id: str, end: datetime) -> Meeting:
    url = f"https://team.whereby.com/{meeting_id}"
    return Meeting(meeting_id=meeting_id, room_url=url, end_date=end, room_name=f"/{meeting_id}")


def run(emulator, store, body):
    async def main():
        async with WherebyClient("test-key", base_url=emulator.base_url, retry=FAST) as client:
            rooms = RoomService(client, store)
            return await body(rooms, SyncService(rooms))

    return asyncio.run(main())


def test_a_series_reads_back_as_it_was_written():
    series = weekly(datetime.now(UTC), 3)
    again = RoomSeries.from_data(series.to_data())
    assert again == series
    assert [start.astimezone(UTC) for start in again.starts] == list(series.starts)
    with pytest.raises(ValueError, match="no starts"):
        RoomSeries.from_data({k: v for k, v in series.to_data().items() if k != "starts"})


def test_a_room_keeps_its_series_through_every_read_and_other_rooms_have_none(store):
    now = datetime.now(UTC)
    series = weekly(now)
    store.add_created(
        meeting("m-series", series.last_end),
        room_mode="normal",
        options={},
        planned_start=series.starts[0],
        time_zone="Europe/Oslo",
        series=series,
    )
    store.add_created(meeting("m-one", now + timedelta(hours=3)), room_mode="normal", options={})
    assert store.get("m-series").series == series
    assert store.get("m-one").series is None
    assert {room.meeting_id: room.series for room in store.list_rooms()} == {
        "m-series": series,
        "m-one": None,
    }
    # A sync's refresh of the room leaves its series.
    store.upsert_many_imported([meeting("m-series", series.last_end + timedelta(hours=1))])
    assert store.get("m-series").series == series


def test_an_unreadable_series_leaves_its_room_readable_with_its_first_session(store):
    now = datetime.now(UTC)
    series = weekly(now)
    store.add_created(
        meeting("m-1", series.last_end),
        room_mode="normal",
        options={},
        planned_start=series.starts[0],
        series=series,
    )
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE rooms SET series = '{\"starts\": 3}'")
    conn.commit()
    conn.close()
    room = store.get("m-1")
    assert room.series is None
    assert room.planned_start == series.starts[0]


def test_the_reminders_query_finds_a_series_whose_first_session_is_past(store):
    now = datetime.now(UTC)
    running = weekly(now - timedelta(days=8), days_ahead=0)  # sessions 1 and 2 are past
    ended = weekly(now - timedelta(days=40), 2, days_ahead=0)
    for meeting_id, series in (("running", running), ("ended", ended), ("deleted", running)):
        store.add_created(
            meeting(meeting_id, series.last_end),
            room_mode="normal",
            options={},
            planned_start=series.starts[0],
            series=series,
        )
    store.add_created(
        meeting("single", now + timedelta(hours=3)),
        room_mode="normal",
        options={},
        planned_start=now + timedelta(hours=2),
    )
    store.mark_deleted(["deleted"], now)
    assert running.starts[0] < now < running.starts[-1]
    found = store.rooms_with_planned_start(now)
    assert [room.meeting_id for room in found] == ["running", "single"]


def test_one_room_for_a_series_is_created_with_its_series(emulator, store):
    now = datetime.now(UTC)
    series = weekly(now)
    plan = plan_from_series(
        series.rule, expand_series(series.rule, now=now - timedelta(days=1)), one_room=True
    )
    (row,) = plan.rows

    async def go(rooms, _sync):
        batch = BatchRun(rooms, plan, MeetingRequest(end_date=row.end))
        await batch.run()
        return batch

    batch = run(emulator, store, go)
    (outcome,) = batch.outcomes
    assert outcome.state is RowState.CREATED
    assert outcome.room.series == series
    assert store.get(outcome.room.meeting_id).series == series


def test_a_lost_create_of_a_series_settled_by_a_sync_keeps_the_series(emulator, store):
    series = weekly(datetime.now(UTC))
    end = series.last_end
    emulator.faults.drop_rate = 1.0  # no answer reaches roomdesk
    with pytest.raises(CreateOutcomeUnknownError):
        run(
            emulator,
            store,
            lambda rooms, _sync: rooms.create_room(
                MeetingRequest(end_date=end),
                label="Lost",
                planned_start=series.starts[0],
                time_zone="Europe/Oslo",
                series=series,
            ),
        )
    emulator.faults.drop_rate = 0.0
    [pending] = store.pending_creates()
    assert pending.series == series
    made = emulator.add_meeting(end_date=end)
    report = run(emulator, store, lambda _rooms, sync: sync.sync())
    [resolved] = report.resolved
    assert resolved.meeting_id == made["meetingId"]
    assert store.get(resolved.meeting_id).series == series


def test_a_create_of_a_series_sent_again_keeps_the_series(emulator, store):
    series = weekly(datetime.now(UTC))
    pending_id = store.add_pending_create(
        MeetingRequest(end_date=series.last_end).to_stored_options(),
        "Retried",
        planned_start=series.starts[0],
        time_zone="Europe/Oslo",
        series=series,
    )
    store.mark_pending(pending_id, "unknown", "The connection failed after it was sent")
    outcome = run(emulator, store, lambda _rooms, sync: sync.retry_pending(pending_id))
    assert outcome.room.series == series


def test_a_series_that_does_not_fit_its_room_is_refused_before_anything_is_sent(emulator, store):
    series = weekly(datetime.now(UTC))
    with pytest.raises(ValueError, match="ends no earlier than its last session"):
        run(
            emulator,
            store,
            lambda rooms, _sync: rooms.create_room(
                MeetingRequest(end_date=series.first_end),
                planned_start=series.starts[0],
                series=series,
            ),
        )
    assert emulator.received == []
