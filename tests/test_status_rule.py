"""The store's SQL for each status says the same rule as the domain's status_at."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from roomdesk.api.models import Meeting
from roomdesk.domain.status import ENDS_SOON_WINDOW, ROOM_GRACE_PERIOD, RoomStatus, status_at
from roomdesk.store import RoomStore

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
# Ends within a few seconds of every bound of the rule at NOW, and some far from all of them.
_BOUNDS = (timedelta(0), ENDS_SOON_WINDOW, -ROOM_GRACE_PERIOD)
_ends = st.one_of(
    st.builds(
        lambda bound, seconds: NOW + bound + timedelta(seconds=seconds),
        st.sampled_from(_BOUNDS),
        st.integers(-3, 3),
    ),
    st.integers(-3 * 86400, 3 * 86400).map(lambda seconds: NOW + timedelta(seconds=seconds)),
)
_rooms = st.lists(st.tuples(_ends, st.booleans(), st.booleans()), min_size=1, max_size=12)
# The time asked about: within two seconds of NOW, microseconds included.
_nows = st.integers(-2_000_000, 2_000_000).map(lambda micros: NOW + timedelta(microseconds=micros))


@settings(max_examples=150, deadline=None)
@given(rooms=_rooms, now=_nows)
def test_each_status_query_returns_the_rooms_status_at_gives_that_status(
    rooms: list[tuple[datetime, bool, bool]], now: datetime
) -> None:
    expected: dict[RoomStatus, set[str]] = {status: set() for status in RoomStatus}
    with tempfile.TemporaryDirectory() as folder, RoomStore(Path(folder) / "r.sqlite3") as store:
        for index, (end, deleted, missing) in enumerate(rooms):
            meeting_id = f"m{index}"
            store.add_created(
                Meeting(meeting_id, f"https://team.whereby.com/{meeting_id}", end),
                room_mode="normal",
                options=None,
            )
            if deleted:
                store.mark_deleted([meeting_id], when=NOW)
            if missing:
                store.mark_server_missing([meeting_id], when=NOW)
            status = status_at(end.timestamp(), now.timestamp(), deleted, missing)
            expected[status].add(meeting_id)

        for status in RoomStatus:
            found = store.rooms_with_status(status, now=now, limit=len(rooms))
            assert {room.meeting_id for room in found} == expected[status], status
        usable = {mid for status in RoomStatus if status.is_usable for mid in expected[status]}
        assert {room.meeting_id for room in store.list_rooms(now=now)} == usable
        assert set(store.meeting_ids(now=now)) == usable
        assert store.count_rooms(now=now) == len(usable)
