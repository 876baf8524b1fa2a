"""A stored room's status over time, its labels and its links."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roomdesk.domain.status import ENDS_SOON_WINDOW, ROOM_GRACE_PERIOD, RoomStatus
from roomdesk.store import LinkKind, RoomSource, StoredRoom

END = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
LIFECYCLE = [RoomStatus.ACTIVE, RoomStatus.ENDS_SOON, RoomStatus.ENDED, RoomStatus.EXPIRED]


def make_room(
    end: datetime = END,
    *,
    deleted_at: datetime | None = None,
    server_missing_at: datetime | None = None,
    host_room_url: str | None = None,
    viewer_room_url: str | None = None,
) -> StoredRoom:
    created = end - timedelta(days=1)
    return StoredRoom(
        id=1,
        meeting_id="m-1",
        room_name="/room-1",
        room_url="https://team.whereby.com/room-1",
        host_room_url=host_room_url,
        viewer_room_url=viewer_room_url,
        start_date=created,
        end_date=end,
        room_mode="normal",
        options=None,
        label="",
        notes="",
        created_at=created,
        source=RoomSource.CREATED,
        deleted_at=deleted_at,
        server_missing_at=server_missing_at,
        updated_at=created,
    )


def test_the_windows_are_one_hour() -> None:
    assert ENDS_SOON_WINDOW.total_seconds() == 3600
    assert ROOM_GRACE_PERIOD.total_seconds() == 3600


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-timedelta(days=3), RoomStatus.ACTIVE),
        (-timedelta(hours=1) - SECOND, RoomStatus.ACTIVE),
        (-timedelta(hours=1) - timedelta(microseconds=1), RoomStatus.ACTIVE),
        (-timedelta(hours=1), RoomStatus.ENDS_SOON),
        (-SECOND, RoomStatus.ENDS_SOON),
        (-timedelta(microseconds=1), RoomStatus.ENDS_SOON),
        (timedelta(0), RoomStatus.ENDED),
        (timedelta(hours=1) - SECOND, RoomStatus.ENDED),
        (timedelta(hours=1) - timedelta(microseconds=1), RoomStatus.ENDED),
        (timedelta(hours=1), RoomStatus.EXPIRED),
        (timedelta(days=30), RoomStatus.EXPIRED),
    ],
)
def test_status_at_the_boundaries(offset: timedelta, expected: RoomStatus) -> None:
    assert make_room().status(END + offset) is expected


def test_status_does_not_depend_on_the_zone_of_now() -> None:
    oslo_summer = timezone(timedelta(hours=2))
    now = (END - timedelta(minutes=30)).astimezone(oslo_summer)
    assert make_room().status(now) is RoomStatus.ENDS_SOON


def test_deleted_wins_at_every_time() -> None:
    room = make_room(deleted_at=END - timedelta(days=2))
    for offset in (-timedelta(days=2), timedelta(0), timedelta(days=2)):
        assert room.status(END + offset) is RoomStatus.DELETED


def test_missing_on_the_server_is_expired_even_before_the_end() -> None:
    room = make_room(server_missing_at=END - timedelta(days=2))
    assert room.status(END - timedelta(days=1)) is RoomStatus.EXPIRED


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        make_room().status(datetime(2030, 6, 1, 12, 0))


def test_labels_and_usability() -> None:
    assert {status: status.label for status in RoomStatus} == {
        RoomStatus.ACTIVE: "Active",
        RoomStatus.ENDS_SOON: "Ends soon",
        RoomStatus.ENDED: "Ended",
        RoomStatus.EXPIRED: "Expired",
        RoomStatus.DELETED: "Deleted",
    }
    assert [status.value for status in RoomStatus] == [
        "active",
        "ends-soon",
        "ended",
        "expired",
        "deleted",
    ]
    usable = {status for status in RoomStatus if status.is_usable}
    assert usable == {RoomStatus.ACTIVE, RoomStatus.ENDS_SOON, RoomStatus.ENDED}


def test_links_lists_only_the_links_present() -> None:
    assert make_room().links == {LinkKind.ROOM: "https://team.whereby.com/room-1"}
    both = make_room(
        host_room_url="https://team.whereby.com/room-1?roomKey=abc",
        viewer_room_url="https://team.whereby.com/room-1?viewer",
    )
    assert list(both.links) == [LinkKind.ROOM, LinkKind.HOST, LinkKind.VIEWER]
    assert both.links[LinkKind.HOST].endswith("roomKey=abc")
    assert LinkKind.HOST.label == "Host link"


def test_stored_room_is_immutable() -> None:
    room = make_room()
    with pytest.raises(dataclasses.FrozenInstanceError):
        room.label = "changed"  # type: ignore[misc]


offsets = st.timedeltas(min_value=-timedelta(days=400), max_value=timedelta(days=400))


@given(first=offsets, second=offsets)
def test_status_only_moves_forward_in_time(first: timedelta, second: timedelta) -> None:
    earlier, later = sorted((first, second))
    room = make_room()
    before = room.status(END + earlier)
    after = room.status(END + later)
    assert LIFECYCLE.index(before) <= LIFECYCLE.index(after)


@given(offset=offsets, deleted_offset=offsets)
def test_deleted_rooms_are_always_deleted(offset: timedelta, deleted_offset: timedelta) -> None:
    room = make_room(deleted_at=END + deleted_offset)
    assert room.status(END + offset) is RoomStatus.DELETED
