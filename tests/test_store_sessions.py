"""The store's planned starts, their zones, and the reminders already shown."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roomdesk.api.models import Meeting
from roomdesk.store import RoomStore, StoreWriteError

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
START = NOW + timedelta(hours=2)


def meeting(meeting_id: str, end: datetime = NOW + timedelta(hours=4)) -> Meeting:
    url = f"https://team.whereby.com/{meeting_id}"
    return Meeting(meeting_id=meeting_id, room_url=url, end_date=end, room_name=f"/{meeting_id}")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RoomStore]:
    with RoomStore(tmp_path / "rooms.sqlite3") as opened:
        yield opened


def test_a_created_room_keeps_its_planned_start_and_zone_through_every_read(store):
    store.add_created(
        meeting("m-1"),
        room_mode="normal",
        options={},
        planned_start=START,
        time_zone="Europe/Oslo",
    )
    room = store.get("m-1")
    assert (room.planned_start, room.time_zone) == (START, "Europe/Oslo")
    assert room.planned_start.tzinfo is not None
    assert store.get_many(["m-1"])["m-1"].planned_start == START
    assert store.get_by_id(room.id).time_zone == "Europe/Oslo"
    assert [r.planned_start for r in store.list_rooms(now=NOW)] == [START]
    rows = store.room_rows()
    assert rows.starts == [START.timestamp()]


def test_a_sync_never_clears_a_planned_start_and_found_rooms_have_none(store):
    store.add_created(
        meeting("m-1"), room_mode="normal", options={}, planned_start=START, time_zone="UTC"
    )
    later = meeting("m-1", NOW + timedelta(hours=6))
    _room, new = store.upsert_imported(later)
    assert not new
    store.upsert_many_imported([later, meeting("m-2")])
    kept, found = store.get("m-1"), store.get("m-2")
    assert (kept.planned_start, kept.time_zone) == (START, "UTC")
    assert kept.end_date == NOW + timedelta(hours=6)  # the sync's change did arrive
    assert (found.planned_start, found.time_zone) == (None, None)
    assert store.room_rows().starts.count(None) == 1


def test_a_room_a_sync_found_first_gets_the_planned_start_of_its_create(store):
    store.upsert_imported(meeting("m-1"))
    pending = store.add_pending_create(
        {"endDate": "2030-06-01T16:00:00Z"}, "Coaching", planned_start=START, time_zone="Asia/Tokyo"
    )
    assert store.get_pending_create(pending).planned_start == START
    room = store.complete_create(
        pending, meeting("m-1"), room_mode="normal", options={}, label="Coaching"
    )
    assert (room.planned_start, room.time_zone, room.label) == (START, "Asia/Tokyo", "Coaching")


def test_a_pending_create_without_a_plan_leaves_the_room_without_one(store):
    pending = store.add_pending_create({"endDate": "2030-06-01T16:00:00Z"}, "")
    room = store.complete_create(pending, meeting("m-1"), room_mode="normal", options={}, label="")
    assert (room.planned_start, room.time_zone) == (None, None)


def test_label_notes_start_and_zone_change_together_and_the_start_can_be_cleared(store):
    store.add_created(meeting("m-1"), room_mode="normal", options={}, label="Old", notes="n")
    room = store.set_label("m-1", "New", "notes", planned_start=START, time_zone="America/New_York")
    assert (room.label, room.notes, room.planned_start, room.time_zone) == (
        "New",
        "notes",
        START,
        "America/New_York",
    )
    # Only the label: the plan stays.
    assert store.set_label("m-1", "Newer").planned_start == START
    cleared = store.set_label("m-1", "Newer", planned_start=None, time_zone=None)
    assert (cleared.planned_start, cleared.time_zone, cleared.notes) == (None, None, "notes")
    assert store.set_label("nobody", "x", planned_start=START) is None


def test_a_failed_edit_changes_nothing(tmp_path: Path):
    path = tmp_path / "rooms.sqlite3"
    with RoomStore(path) as store:
        store.add_created(meeting("m-1"), room_mode="normal", options={}, label="L")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with (
            RoomStore(path, busy_timeout=0.05) as store,
            pytest.raises(StoreWriteError, match="nothing stored was lost"),
        ):
            store.set_label("m-1", "new", planned_start=START, time_zone="UTC")
    finally:
        other.execute("ROLLBACK")
        other.close()
    with RoomStore(path) as store:
        room = store.get("m-1")
        assert (room.label, room.planned_start, room.time_zone) == ("L", None, None)


def test_rooms_with_planned_start_lists_live_rooms_from_a_time_in_start_order(store):
    plans = {
        "later": START + timedelta(hours=1),
        "soon": START,
        "past": NOW - timedelta(minutes=1),
        "deleted": START,
        "missing": START,
    }
    for meeting_id, start in plans.items():
        store.add_created(meeting(meeting_id), room_mode="normal", options={}, planned_start=start)
    store.add_created(meeting("no-plan"), room_mode="normal", options={})
    store.mark_deleted(["deleted"], NOW)
    store.mark_server_missing(["missing"], NOW)
    found = store.rooms_with_planned_start(NOW)
    assert [room.meeting_id for room in found] == ["soon", "later"]
    assert [room.meeting_id for room in store.rooms_with_planned_start(START)] == [
        "soon",
        "later",
    ]
    assert store.rooms_with_planned_start(START + timedelta(seconds=1))[0].meeting_id == "later"
    with pytest.raises(ValueError, match="aware"):
        store.rooms_with_planned_start(datetime(2030, 6, 1))


def test_a_reminder_is_marked_shown_only_once_per_room_and_start(store):
    assert not store.reminder_shown("m-1", START)
    assert store.mark_reminder_shown("m-1", START, NOW) is True
    assert store.mark_reminder_shown("m-1", START, NOW + timedelta(minutes=1)) is False
    assert store.reminder_shown("m-1", START)
    # Another start of the same room (moved by an edit) is another reminder.
    assert not store.reminder_shown("m-1", START + timedelta(days=1))
    assert store.mark_reminder_shown("m-1", START + timedelta(days=1), NOW) is True
    assert not store.reminder_shown("m-2", START)
