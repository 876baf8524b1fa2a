"""Sync against the emulator: import, update, missing, failures, cancellation, pending creates."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import MalformedResponseError, ServerError
from roomdesk.api.models import Meeting
from roomdesk.api.requests import (
    MeetingRequest,
    RecordingOptions,
    RecordingType,
    S3AuthenticationType,
    StorageDestination,
    StorageProvider,
    StreamingOptions,
)
from roomdesk.domain.status import RoomStatus
from roomdesk.domain.times import format_utc
from roomdesk.services.rooms import CreateActivity, RoomService
from roomdesk.services.sync import (
    PendingCreateError,
    RetryNotPossibleError,
    SyncProgress,
    SyncService,
    match_pending_creates,
)
from roomdesk.store import PendingState, RoomSource

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_seconds=5)


def run(emulator, store, body, *, clock=None, **sync_options):
    """Run ``body(rooms, sync)`` with services on a fresh client; returns what it returns."""

    async def main():
        client = WherebyClient("test-key", base_url=emulator.base_url, retry=FAST)
        try:
            options = {"clock": clock} if clock else {}
            rooms = RoomService(client, store, **options)
            return await body(rooms, SyncService(rooms, **sync_options))
        finally:
            await client.aclose()

    return asyncio.run(main())


def sync_once(emulator, store, **options):
    return run(emulator, store, lambda _rooms, sync: sync.sync(**options))


def snapshot(store):
    return sorted(
        (r.meeting_id, r.label, r.source, r.room_url, r.end_date, r.deleted_at, r.updated_at)
        for r in store.list_rooms(include_past=True)
    )


def end_in(hours: float) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0)


def request_json(end: datetime, prefix: str = "", **extra) -> dict:
    body = {"endDate": format_utc(end), "roomMode": "normal", "isLocked": False}
    body["roomNamePattern"] = "uuid"
    if prefix:
        body["roomNamePrefix"] = prefix
    body.update(extra)
    return body


def lost_create(store, end: datetime, label: str, prefix: str = "", **extra) -> int:
    """A pending create as a lost answer leaves it."""
    pending_id = store.add_pending_create(request_json(end, prefix, **extra), label)
    store.mark_pending(pending_id, "unknown", "The connection failed after it was sent")
    return pending_id


# -- the walk ------------------------------------------------------------------------------------


def test_imports_every_page_with_links_and_reports_progress(emulator, store):
    seeded = emulator.seed(250)
    steps, pages = [], []
    report = sync_once(emulator, store, progress=steps.append, on_page=pages.append)
    assert report.pages == 3 and report.rooms_seen == 250
    assert set(report.imported) == {m["meetingId"] for m in seeded}
    assert report.updated == report.missing == ()
    assert steps == [SyncProgress(1, 100), SyncProgress(2, 200), SyncProgress(3, 250)]
    assert steps[-1].describe() == "Refreshing… 3 pages, 250 rooms"
    assert [len(page) for page in pages] == [100, 100, 50]
    rooms = store.list_rooms()
    assert len(rooms) == 250
    assert all(r.source is RoomSource.IMPORTED and r.label == "" for r in rooms)
    by_id = {r.meeting_id: r for r in rooms}
    first = seeded[0]
    assert by_id[first["meetingId"]].host_room_url == first["hostRoomUrl"]
    assert by_id[first["meetingId"]].viewer_room_url == first["viewerRoomUrl"]
    listed = [r for r in emulator.received if r.method == "GET"]
    assert all(r.query["limit"] == ["100"] for r in listed)
    assert all(r.query["fields"] == ["hostRoomUrl,viewerRoomUrl"] for r in listed)


def test_pages_are_stored_away_from_the_loop_thread(emulator, store, monkeypatch):
    from roomdesk.services import sync as sync_module

    emulator.seed(150)
    writers: set[int] = set()
    store_page = sync_module.store_page

    def recorded(meetings, page_store):
        writers.add(threading.get_ident())
        assert page_store is not store  # a connection of its own
        return store_page(meetings, page_store)

    monkeypatch.setattr(sync_module, "store_page", recorded)
    report = sync_once(emulator, store)
    assert report.pages == 2 and len(report.imported) == 150
    assert writers and threading.get_ident() not in writers
    assert store.count_rooms() == 150


def test_a_cursor_sent_twice_ends_the_walk_with_what_was_stored(emulator, store):
    emulator.seed(150)

    async def body(rooms, sync):
        real_page = rooms.client.list_meetings_page

        async def looping_page(**options):
            page = await real_page(**{**options, "cursor": None})  # the first page each time
            return dataclasses.replace(page, cursor="again")  # pointing at itself

        rooms.client.list_meetings_page = looping_page
        with pytest.raises(MalformedResponseError, match="same page cursor twice"):
            await sync.sync()

    run(emulator, store, body)
    assert store.count_rooms() == 100  # the first page, stored before the second came back


def test_a_changed_room_is_updated_and_keeps_its_label(emulator, store):
    [meeting] = emulator.seed(1)
    stale = Meeting(
        meeting_id=meeting["meetingId"],
        room_url="https://old.whereby.com/old-name",
        end_date=end_in(5),
        room_name="/old-name",
    )
    store.upsert_imported(stale)
    store.set_label(meeting["meetingId"], "Coaching: Sam")
    report = sync_once(emulator, store)
    assert report.updated == (meeting["meetingId"],) and report.imported == ()
    room = store.get(meeting["meetingId"])
    assert room.room_url == meeting["roomUrl"]
    assert room.end_date == datetime.fromisoformat(meeting["endDate"].replace("Z", "+00:00"))
    assert room.label == "Coaching: Sam"


def test_rooms_gone_from_the_server_are_marked_missing_not_expired_ones(emulator, store):
    async def body(rooms, sync):
        request = MeetingRequest(end_date=end_in(2))
        kept = await rooms.create_room(request, label="Kept")
        gone = await rooms.create_room(request, label="Deleted elsewhere")
        deleted_here = await rooms.create_room(request, label="Deleted here")
        await rooms.delete_rooms([deleted_here.meeting_id])
        await rooms.client.delete_meeting(gone.meeting_id)  # as a colleague would
        return kept, gone, deleted_here, await sync.sync()

    long_over = Meeting(
        meeting_id="over-1", room_url="https://x.whereby.com/over", end_date=end_in(-3)
    )
    store.add_created(long_over, room_mode="normal", options=None, label="Over")
    kept, gone, deleted_here, report = run(emulator, store, body)
    assert report.missing == (gone.meeting_id,)
    [marked] = report.missing_rooms  # as stored after the mark, for the window to show
    assert marked.meeting_id == gone.meeting_id and marked.server_missing_at is not None
    assert marked == store.get(gone.meeting_id)
    now = datetime.now(UTC)
    assert store.get(gone.meeting_id).status(now) is RoomStatus.EXPIRED
    assert store.get(gone.meeting_id).server_missing_at is not None
    assert store.get(kept.meeting_id).status(now) is RoomStatus.ACTIVE
    assert store.get(deleted_here.meeting_id).status(now) is RoomStatus.DELETED
    assert store.get("over-1").server_missing_at is None  # expired anyway, not "missing"


def test_a_room_recorded_during_the_walk_is_not_marked_missing(emulator, store):
    emulator.seed(150)
    newcomer = Meeting(
        meeting_id="during-1", room_url="https://x.whereby.com/during", end_date=end_in(1)
    )

    def record_during_walk(_rooms):
        if store.get("during-1") is None:
            store.add_created(newcomer, room_mode="normal", options=None)

    report = sync_once(emulator, store, on_page=record_during_walk)
    assert report.missing == ()
    assert store.get("during-1").server_missing_at is None


def test_a_failure_mid_walk_stores_pages_but_marks_nothing_missing(emulator, store):
    emulator.seed(250)
    orphan = Meeting(meeting_id="orphan-1", room_url="https://x.whereby.com/o", end_date=end_in(1))
    store.add_created(orphan, room_mode="normal", options=None, label="Not on the server")
    lost = lost_create(store, end_in(3), "Lost answer")

    def fail_after_first_page(step):
        if step.pages == 1:
            emulator.faults.force_status = 500

    with pytest.raises(ServerError):
        sync_once(emulator, store, progress=fail_after_first_page)
    assert store.count_rooms() == 101  # the first page and the orphan
    assert store.get("orphan-1").server_missing_at is None
    assert store.get_pending_create(lost).state is PendingState.UNKNOWN

    emulator.faults.force_status = None
    report = sync_once(emulator, store)
    assert report.missing == ("orphan-1",)
    assert len(report.imported) == 150 and store.count_rooms() == 250


def test_cancelling_mid_walk_keeps_what_was_stored(emulator, store):
    emulator.seed(250)
    orphan = Meeting(meeting_id="orphan-2", room_url="https://x.whereby.com/o", end_date=end_in(1))
    store.add_created(orphan, room_mode="normal", options=None)
    first_page = asyncio.Event()

    async def body(_rooms, sync):
        emulator.faults.latency = 0.3
        task = asyncio.ensure_future(sync.sync(progress=lambda _step: first_page.set()))
        await first_page.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(emulator, store, body)
    assert store.count_rooms() == 101
    assert store.get("orphan-2").server_missing_at is None
    emulator.faults.latency = 0.0
    report = sync_once(emulator, store)
    assert len(report.imported) == 150 and report.missing == ("orphan-2",)


def test_a_page_being_written_when_cancelled_is_announced_as_stored(emulator, store, monkeypatch):
    from roomdesk.services import sync as sync_module

    emulator.seed(50)
    writing, release = threading.Event(), threading.Event()
    store_page = sync_module.store_page

    def slow_store_page(meetings, page_store):
        writing.set()
        release.wait(5)
        return store_page(meetings, page_store)

    monkeypatch.setattr(sync_module, "store_page", slow_store_page)
    announced: list[int] = []

    async def body(_rooms, sync):
        task = asyncio.ensure_future(sync.sync(on_page=lambda rooms: announced.append(len(rooms))))
        while not writing.is_set():
            await asyncio.sleep(0.01)
        threading.Timer(0.05, release.set).start()  # the write ends after the cancel
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(emulator, store, body)
    assert store.count_rooms() == 50 and announced == [50]


def test_a_second_sync_changes_nothing(emulator, store):
    emulator.seed(120)
    lost_create(store, end_in(4), "Never arrived")
    first = sync_once(emulator, store)
    before = snapshot(store)
    second = sync_once(emulator, store)
    assert snapshot(store) == before
    assert (second.imported, second.updated, second.missing, second.resolved) == ((),) * 4
    assert [p.id for p in second.unresolved] == [p.id for p in first.unresolved]
    assert second.rooms_seen == 120


# -- pending creates -----------------------------------------------------------------------------


def test_a_lost_create_is_matched_to_its_meeting(emulator, store):
    end = end_in(2)
    pending_id = lost_create(store, end, "Yoga Tuesday", prefix="yoga", fields=["hostRoomUrl"])
    emulator.seed(3)  # others, unprefixed
    meeting = emulator.add_meeting(end_date=end, room_name_prefix="yoga")
    report = sync_once(emulator, store)
    [resolved] = report.resolved
    assert (resolved.pending_id, resolved.meeting_id) == (pending_id, meeting["meetingId"])
    assert meeting["meetingId"] not in report.imported
    assert report.unresolved == ()
    room = store.get(meeting["meetingId"])
    assert room.source is RoomSource.CREATED and room.label == "Yoga Tuesday"
    assert room.options == store.get_pending_create(pending_id).request_json
    assert store.get_pending_create(pending_id).state is PendingState.RESOLVED
    assert store.pending_creates() == []


def test_an_unmatched_create_stays_unknown_and_is_reported(emulator, store):
    end = end_in(2)
    pending_id = lost_create(store, end, "Ghost", prefix="ghost")
    emulator.add_meeting(end_date=end, room_name_prefix="other")  # wrong prefix
    emulator.add_meeting(end_date=end + timedelta(seconds=1), room_name_prefix="ghost")  # wrong end
    emulator.add_meeting(  # started long before the create was sent
        end_date=end, room_name_prefix="ghost", start_date=datetime.now(UTC) - timedelta(hours=1)
    )
    abandoned = store.add_pending_create(request_json(end_in(3)), "Crashed before sending")
    report = sync_once(emulator, store)
    assert report.resolved == ()
    assert [p.id for p in report.unresolved] == [pending_id, abandoned]
    assert store.get_pending_create(pending_id).state is PendingState.UNKNOWN
    # Nobody holds the create lock, so the pending row was abandoned by a crash.
    assert store.get_pending_create(abandoned).state is PendingState.UNKNOWN
    assert "may not have been created" in store.get_pending_create(abandoned).error
    assert len(report.imported) == 3


def test_several_candidates_pick_the_closest_start_and_never_one_meeting_twice(emulator, store):
    end = end_in(2)
    first = lost_create(store, end, "First", prefix="dup")
    second = lost_create(store, end, "Second", prefix="dup")
    created_at = store.get_pending_create(first).created_at
    late = emulator.add_meeting(
        end_date=end, room_name_prefix="dup", start_date=created_at + timedelta(minutes=3)
    )
    close = emulator.add_meeting(
        end_date=end, room_name_prefix="dup", start_date=created_at + timedelta(seconds=1)
    )
    report = sync_once(emulator, store)
    pairs = {item.pending_id: item.meeting_id for item in report.resolved}
    assert pairs == {first: close["meetingId"], second: late["meetingId"]}
    assert store.get(close["meetingId"]).label == "First"
    assert store.get(late["meetingId"]).label == "Second"

    # One meeting and two clicks: one is matched, the other stays unresolved.
    end = end_in(3)
    third = lost_create(store, end, "Third")
    fourth = lost_create(store, end, "Fourth")
    only = emulator.add_meeting(end_date=end)
    report = sync_once(emulator, store)
    assert [item.meeting_id for item in report.resolved] == [only["meetingId"]]
    assert [p.id for p in report.unresolved] == [fourth]
    assert report.resolved[0].pending_id == third


def test_a_meeting_already_linked_to_a_room_is_never_matched_again(emulator, store):
    end = end_in(2)

    async def create_one(rooms, _sync):
        return await rooms.create_room(MeetingRequest(end_date=end), label="Real")

    room = run(emulator, store, create_one)
    twin = lost_create(store, end, "Twin click")
    report = sync_once(emulator, store)
    assert report.resolved == () and [p.id for p in report.unresolved] == [twin]
    assert store.get(room.meeting_id).label == "Real"


def test_matching_is_one_to_one_for_any_input():
    end = end_in(1)
    now = datetime.now(UTC)
    from roomdesk.store import PendingCreate

    rows = [
        PendingCreate(i, request_json(end), "", now, PendingState.UNKNOWN, None, None, 1)
        for i in range(1, 4)
    ]
    meetings = [
        Meeting(f"m{i}", f"https://x.whereby.com/{i}", end, f"/{i}", now + timedelta(seconds=i))
        for i in range(5)
    ]
    matched = match_pending_creates(rows, meetings, linked={"m0"})
    assert set(matched) == {1, 2, 3}
    assert len({m.meeting_id for m in matched.values()}) == 3
    assert "m0" not in {m.meeting_id for m in matched.values()}


def test_a_young_pending_create_of_another_process_is_left_alone(emulator, store):
    end = end_in(2)
    in_flight = store.add_pending_create(request_json(end), "Being sent elsewhere")
    emulator.add_meeting(end_date=end)
    other_process = CreateActivity.beside(store.path)
    with other_process.creating():
        report = sync_once(emulator, store)
        assert report.in_progress == 1 and report.resolved == () and report.unresolved == ()
        assert store.get_pending_create(in_flight).state is PendingState.PENDING
        # Past the grace period it is judged even while someone else is creating.
        later = run(
            emulator,
            store,
            lambda _rooms, sync: sync.sync(),
            pending_grace=timedelta(0),
        )
        assert [item.pending_id for item in later.resolved] == [in_flight]


# -- retry and dismiss ---------------------------------------------------------------------------


def test_retry_sends_the_stored_request_once_and_supersedes_the_old_row(emulator, store):
    pending_id = lost_create(store, end_in(2), "Coaching: Sam", fields=["hostRoomUrl"])
    outcome = run(emulator, store, lambda _rooms, sync: sync.retry_pending(pending_id))
    assert not outcome.found_existing
    assert emulator.meeting_ids() == {outcome.room.meeting_id}
    assert outcome.room.label == "Coaching: Sam" and outcome.room.host_room_url
    [post] = [r for r in emulator.received if r.method == "POST"]
    assert post.json == store.get_pending_create(pending_id).request_json
    old = store.get_pending_create(pending_id)
    assert old.state is PendingState.FAILED and "Sent again" in old.error
    assert store.pending_creates() == []
    with pytest.raises(PendingCreateError, match="nothing to retry"):
        run(emulator, store, lambda _rooms, sync: sync.retry_pending(pending_id))


def test_retry_adopts_the_room_when_the_first_attempt_had_worked(emulator, store):
    end = end_in(2)
    pending_id = lost_create(store, end, "Arrived after all", prefix="late")
    meeting = emulator.add_meeting(end_date=end, room_name_prefix="late")
    emulator.clear_received()
    outcome = run(emulator, store, lambda _rooms, sync: sync.retry_pending(pending_id))
    assert outcome.found_existing and outcome.room.meeting_id == meeting["meetingId"]
    assert [r.method for r in emulator.received] == ["GET"]
    assert emulator.received[0].query["roomName[startsWith]"] == ["/late"]
    assert store.get_pending_create(pending_id).state is PendingState.RESOLVED


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (
            {
                "recording": RecordingOptions(
                    type=RecordingType.CLOUD,
                    destination=StorageDestination(
                        provider=StorageProvider.S3,
                        authentication_type=S3AuthenticationType.ACCESS_KEY,
                        bucket="b",
                        region="eu-west-1",
                        access_key_id="AKIA1",
                        access_key_secret="very-secret",
                    ),
                )
            },
            "Re-enter the storage secret",
        ),
        (
            {"streaming": StreamingOptions(url="rtmp://live.example.com/app/stream-key-1")},
            "Re-enter the stream key",
        ),
    ],
)
def test_retry_refuses_a_request_whose_secret_was_masked(emulator, store, options, words):
    request = MeetingRequest(end_date=end_in(2), **options)
    stored = request.to_stored_options()
    assert "very-secret" not in str(stored) and "stream-key-1" not in str(stored)
    pending_id = store.add_pending_create(stored, "Recorded session")
    store.mark_pending(pending_id, "unknown", "lost")
    with pytest.raises(RetryNotPossibleError, match=words):
        run(emulator, store, lambda _rooms, sync: sync.retry_pending(pending_id))
    assert emulator.received == []
    assert store.get_pending_create(pending_id).state is PendingState.UNKNOWN


def test_retry_refuses_a_request_whose_end_has_passed(emulator, store):
    pending_id = lost_create(store, end_in(-1), "Yesterday")
    with pytest.raises(RetryNotPossibleError, match="Create the room again"):
        run(emulator, store, lambda _rooms, sync: sync.retry_pending(pending_id))
    assert emulator.received == []


def test_dismiss_marks_failed_and_hides_it(emulator, store):
    pending_id = lost_create(store, end_in(2), "Not needed")
    run(emulator, store, lambda _rooms, sync: _dismiss(sync, pending_id))
    assert store.get_pending_create(pending_id).state is PendingState.FAILED
    report = sync_once(emulator, store)
    assert report.unresolved == ()
    with pytest.raises(PendingCreateError, match="no interrupted create"):
        run(emulator, store, lambda _rooms, sync: _dismiss(sync, 999))


async def _dismiss(sync, pending_id):
    return sync.dismiss_pending(pending_id)
