"""A create that Whereby answered 2xx but whose answer could not be read.

The room exists, so the create is kept open as "created" (never offered for a retry) and the next
sync adds the room with the label it was asked with, once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import CreatedUnreadableError
from roomdesk.api.requests import MeetingRequest
from roomdesk.domain.times import format_utc
from roomdesk.services.rooms import RoomService
from roomdesk.services.sync import PendingCreateError, SyncService
from roomdesk.store import PendingState, RoomSource
from tests.hostile_server import HostileServer, SeenRequest, http_answer, json_answer

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_seconds=5)


def run(base_url, store, body):
    async def main():
        async with WherebyClient("test-key", base_url=base_url, retry=FAST) as client:
            rooms = RoomService(client, store)
            return await body(rooms, SyncService(rooms))

    return asyncio.run(main())


def request_ending_in(hours: float) -> MeetingRequest:
    return MeetingRequest(
        end_date=(datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0)
    )


def test_a_cut_2xx_answer_is_kept_as_created_and_the_next_sync_adds_it_with_its_label(
    emulator, store
):
    emulator.faults.truncate_rate = 1.0  # the room is made, then its answer is cut short

    async def create(rooms, _sync):
        return await rooms.create_room(request_ending_in(2), label="Coaching: Sam")

    with pytest.raises(CreatedUnreadableError):
        run(emulator.base_url, store, create)
    [meeting_id] = emulator.meeting_ids()
    [row] = store.pending_creates()
    assert row.state is PendingState.CREATED
    assert row.label == "Coaching: Sam"
    assert store.get(meeting_id) is None

    # Never sent again: a retry is refused before anything reaches the server.
    emulator.faults.truncate_rate = 0.0
    emulator.clear_received()

    async def retry(_rooms, sync):
        return await sync.retry_pending(row.id)

    with pytest.raises(PendingCreateError, match="never sent again"):
        run(emulator.base_url, store, retry)
    assert emulator.received == []

    async def sync_once(_rooms, sync):
        return await sync.sync()

    report = run(emulator.base_url, store, sync_once)
    assert [item.meeting_id for item in report.resolved] == [meeting_id]
    assert report.imported == () and report.unresolved == ()
    room = store.get(meeting_id)
    assert room.label == "Coaching: Sam" and room.source is RoomSource.CREATED
    assert store.get_pending_create(row.id).state is PendingState.RESOLVED
    assert emulator.meeting_ids() == {meeting_id}


@pytest.mark.parametrize(
    "body",
    [
        b"<html>created</html>",
        b'{"meetingId": 12.5, "roomUrl": 7}',
        b'{"meetingId": "..", "roomUrl": "https://a.whereby.com/x", "endDate": "2030-01-01"}',
        b"[" * 100_000,
    ],
    ids=["not-json", "wrong-types", "bad-id", "deeply-nested"],
)
def test_an_unreadable_2xx_body_is_created_not_failed_and_a_sync_settles_it(store, body):
    end = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    created_at: list[datetime] = []

    def answer(request: SeenRequest) -> bytes:
        if request.method == "POST":
            created_at.append(datetime.now(UTC).replace(microsecond=0))
            return http_answer(201, body)
        meeting = {
            "meetingId": "4242",
            "roomName": "/c0ffee",
            "roomUrl": "https://demo.whereby.com/c0ffee",
            "startDate": format_utc(created_at[0]),
            "endDate": format_utc(end),
        }
        return json_answer(200, {"results": [meeting], "cursor": None})

    with HostileServer(answer) as server:

        async def create(rooms, _sync):
            return await rooms.create_room(MeetingRequest(end_date=end), label="Workshop")

        with pytest.raises(CreatedUnreadableError):
            run(server.base_url, store, create)
        assert len(server.seen("POST")) == 1  # never repeated
        [row] = store.pending_creates()
        assert row.state is PendingState.CREATED

        async def sync_once(_rooms, sync):
            return await sync.sync()

        report = run(server.base_url, store, sync_once)
    assert [item.meeting_id for item in report.resolved] == ["4242"]
    assert store.get("4242").label == "Workshop"
    assert store.pending_creates() == []


def test_a_created_row_that_no_sync_finds_stays_created_and_is_said_apart(emulator, store):
    pending_id = store.add_pending_create(
        {"endDate": format_utc(datetime.now(UTC) + timedelta(hours=3)), "roomMode": "normal"},
        "Lagging list",
    )
    store.mark_pending(pending_id, PendingState.CREATED, "details not read")

    async def sync_once(_rooms, sync):
        return await sync.sync()

    report = run(emulator.base_url, store, sync_once)
    [row] = report.unresolved
    assert row.state is PendingState.CREATED  # not downgraded to "may not have been created"
    assert "1 room created earlier is not listed yet." in report.summary()
    assert "may not have been created" not in report.summary()


def test_the_cli_lists_a_created_row_apart_and_refuses_to_retry_it(store, data_dir):
    from tests.test_cli import cli

    pending_id = store.add_pending_create(
        {"endDate": format_utc(datetime.now(UTC) + timedelta(hours=3)), "roomMode": "normal"},
        "Made, unread",
    )
    store.mark_pending(pending_id, PendingState.CREATED, "details not read")
    listed = cli(["pending"], server=None, data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    assert "1 room created on Whereby, but not listed yet" in listed.stdout
    assert "may not have been created" not in listed.stdout
    rooms = cli(["list"], server=None, data_dir=data_dir)
    assert "1 room created earlier not listed yet" in rooms.stderr
    retried = cli(["pending", "retry", str(pending_id)], server=None, data_dir=data_dir)
    assert retried.returncode == 2 and "never sent again" in retried.stderr
