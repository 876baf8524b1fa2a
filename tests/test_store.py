"""The local room store: files, rooms, listing, syncing and pending creates."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from roomdesk.api.models import Meeting
from roomdesk.domain.status import RoomStatus
from roomdesk.store import LATEST_VERSION, PendingState, RoomSource, RoomStore, StoredRoom
from roomdesk.store import db as store_db
from roomdesk.store import rows as store_rows

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def meeting(
    meeting_id: str,
    end: datetime,
    *,
    host: bool = False,
    viewer: bool = False,
    room_url: str | None = None,
) -> Meeting:
    url = room_url or f"https://team.whereby.com/{meeting_id}"
    return Meeting(
        meeting_id=meeting_id,
        room_url=url,
        end_date=end,
        room_name=f"/{meeting_id}",
        start_date=end - timedelta(days=1),
        host_room_url=f"{url}?roomKey=secret-{meeting_id}" if host else None,
        viewer_room_url=f"{url}?viewer" if viewer else None,
    )


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "rooms.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[RoomStore]:
    with RoomStore(store_path) as opened:
        yield opened


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the file ------------------------------------------------------------------------------------


def test_new_store_is_created_at_the_latest_version(store: RoomStore, store_path: Path) -> None:
    assert store.path == store_path
    assert store_path.is_file()
    assert store.schema_version == LATEST_VERSION
    assert store.list_rooms(include_past=True) == []
    assert store.pending_creates() == []


@posix_only
def test_files_are_private(store: RoomStore, store_path: Path) -> None:
    store.add_created(meeting("m-1", NOW), room_mode="normal", options=None)
    wal = store_path.with_name(store_path.name + "-wal")
    shm = store_path.with_name(store_path.name + "-shm")
    assert wal.exists() and shm.exists()
    for path in (store_path, wal, shm):
        assert file_mode(path) == 0o600, path
    assert file_mode(store_path.parent) == 0o700


@posix_only
def test_an_existing_loose_file_is_made_private(store_path: Path) -> None:
    with RoomStore(store_path):
        pass
    os.chmod(store_path, 0o644)
    with RoomStore(store_path):
        assert file_mode(store_path) == 0o600


def test_wal_and_connection_settings(store: RoomStore, store_path: Path) -> None:
    with sqlite3.connect(store_path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()
    conn = store._conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -store_db.PAGE_CACHE_KIB


def test_rooms_survive_closing_and_reopening(store_path: Path) -> None:
    with RoomStore(store_path) as first:
        first.add_created(meeting("m-1", NOW), room_mode="group", options={"a": 1}, label="x")
    with RoomStore(store_path) as second:
        room = second.get("m-1")
        assert room is not None
        assert (room.room_mode, room.options, room.label) == ("group", {"a": 1}, "x")


def test_close_is_idempotent_and_the_store_is_unusable_after(store_path: Path) -> None:
    store = RoomStore(store_path)
    store.close()
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.get("m-1")


def test_unopenable_path_raises_store_unavailable(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory"
    directory.mkdir()
    with pytest.raises(store_db.StoreUnavailableError, match="could not be opened"):
        RoomStore(directory)


# -- adding and reading rooms ----------------------------------------------------------------------


def test_add_created_round_trip(store: RoomStore) -> None:
    oslo = timezone(timedelta(hours=2))
    created_at = datetime(2030, 5, 31, 14, 0, 30, 999, tzinfo=oslo)
    options = {"roomMode": "group", "fields": ["hostRoomUrl"], "note": "æøå"}
    room = store.add_created(
        meeting("m-1", NOW, host=True, viewer=True),
        room_mode="group",
        options=options,
        label="Board",
        notes="Quarterly",
        created_at=created_at,
    )
    assert isinstance(room, StoredRoom)
    assert room == store.get("m-1") == store.get_by_id(room.id)
    assert room.meeting_id == "m-1"
    assert room.room_name == "/m-1"
    assert room.room_url == "https://team.whereby.com/m-1"
    assert room.host_room_url == "https://team.whereby.com/m-1?roomKey=secret-m-1"
    assert room.viewer_room_url == "https://team.whereby.com/m-1?viewer"
    assert room.start_date == NOW - timedelta(days=1)
    assert room.end_date == NOW
    assert room.end_date.tzinfo == UTC
    assert room.created_at == datetime(2030, 5, 31, 12, 0, 30, tzinfo=UTC)
    assert room.room_mode == "group"
    assert room.options == options
    assert (room.label, room.notes, room.source) == ("Board", "Quarterly", RoomSource.CREATED)
    assert room.deleted_at is None and room.server_missing_at is None
    assert room.updated_at.tzinfo == UTC


def test_dates_are_stored_as_utc_text_with_z(store: RoomStore, store_path: Path) -> None:
    end = datetime(2030, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    store.add_created(meeting("m-1", end), room_mode="normal", options=None)
    with sqlite3.connect(store_path) as other:
        (text,) = other.execute("SELECT end_date FROM rooms").fetchone()
    other.close()
    assert text == "2030-06-01T12:00:00Z"


def test_get_unknown_room_is_none(store: RoomStore) -> None:
    assert store.get("nope") is None
    assert store.get_by_id(12345) is None


def test_get_many_finds_the_stored_rooms_among_many_ids(store: RoomStore) -> None:
    # More ids than one query takes, given twice, with unknown ones among them.
    stored = [meeting(f"m-{number}", NOW + timedelta(minutes=number)) for number in range(1200)]
    store.upsert_many_imported(stored)
    asked = [f"m-{number}" for number in range(0, 1300, 2)] + ["m-4", "nope"]
    found = store.get_many(asked)
    assert set(found) == {f"m-{number}" for number in range(0, 1200, 2)}
    assert found["m-10"] == store.get("m-10")
    assert store.get_many([]) == {}


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.add_created(meeting("m-1", NOW.replace(tzinfo=None)), room_mode="normal",
                                options=None),
        lambda s: s.add_created(meeting("m-1", NOW), room_mode="normal", options=None,
                                created_at=datetime(2030, 1, 1)),
        lambda s: s.upsert_imported(meeting("m-1", NOW.replace(tzinfo=None))),
        lambda s: s.upsert_many_imported([meeting("m-1", NOW.replace(tzinfo=None))]),
        lambda s: s.list_rooms(now=datetime(2030, 1, 1)),
        lambda s: s.count_rooms(now=datetime(2030, 1, 1)),
        lambda s: s.mark_deleted(["m-0"], when=datetime(2030, 1, 1)),
        lambda s: s.mark_server_missing(["m-0"], when=datetime(2030, 1, 1)),
    ],
)  # fmt: skip
def test_naive_datetimes_are_refused_and_nothing_is_written(call, store: RoomStore) -> None:
    store.add_created(meeting("m-0", NOW), room_mode="normal", options=None)
    before = store.list_rooms(include_past=True, now=NOW)
    with pytest.raises(ValueError, match="aware"):
        call(store)
    assert store.list_rooms(include_past=True, now=NOW) == before


def test_unknown_room_mode_is_refused(store: RoomStore) -> None:
    with pytest.raises(ValueError):
        store.add_created(meeting("m-1", NOW), room_mode="huge", options=None)
    assert store.get("m-1") is None


def test_options_must_be_a_dict(store: RoomStore) -> None:
    with pytest.raises(TypeError, match="options"):
        store.add_created(meeting("m-1", NOW), room_mode="normal", options=["x"])  # type: ignore[arg-type]


# -- listing -------------------------------------------------------------------------------------


@pytest.fixture
def mixed_store(store: RoomStore) -> RoomStore:
    """One room of each status at NOW, added in scrambled order."""
    hours = timedelta(hours=1)
    store.add_created(meeting("ended", NOW - 0.5 * hours), room_mode="normal", options=None)
    store.add_created(meeting("active-late", NOW + 48 * hours), room_mode="normal", options=None)
    store.add_created(meeting("expired", NOW - 3 * hours), room_mode="normal", options=None)
    store.add_created(meeting("ends-soon", NOW + 0.5 * hours), room_mode="normal", options=None)
    store.add_created(meeting("active", NOW + 5 * hours), room_mode="normal", options=None)
    store.add_created(meeting("deleted", NOW + 10 * hours), room_mode="normal", options=None)
    store.add_created(meeting("missing", NOW + 20 * hours), room_mode="normal", options=None)
    store.add_created(meeting("expired-long", NOW - 300 * hours), room_mode="normal", options=None)
    store.mark_deleted(["deleted"], when=NOW - hours)
    store.mark_server_missing(["missing"], when=NOW - hours)
    return store


def test_list_rooms_shows_usable_rooms_soonest_end_first(mixed_store: RoomStore) -> None:
    rooms = mixed_store.list_rooms(now=NOW)
    assert [room.meeting_id for room in rooms] == ["ended", "ends-soon", "active", "active-late"]
    assert [room.status(NOW) for room in rooms] == [
        RoomStatus.ENDED,
        RoomStatus.ENDS_SOON,
        RoomStatus.ACTIVE,
        RoomStatus.ACTIVE,
    ]
    assert mixed_store.count_rooms(now=NOW) == 4


def test_list_rooms_with_past_puts_past_rooms_after_latest_end_first(
    mixed_store: RoomStore,
) -> None:
    rooms = mixed_store.list_rooms(include_past=True, now=NOW)
    assert [room.meeting_id for room in rooms] == [
        "ended",
        "ends-soon",
        "active",
        "active-late",
        "missing",
        "deleted",
        "expired",
        "expired-long",
    ]
    assert [room.status(NOW) for room in rooms[4:]] == [
        RoomStatus.EXPIRED,
        RoomStatus.DELETED,
        RoomStatus.EXPIRED,
        RoomStatus.EXPIRED,
    ]
    assert mixed_store.count_rooms(include_past=True, now=NOW) == 8


@pytest.mark.parametrize("minutes", range(-24 * 60, 24 * 60, 7))
def test_list_membership_agrees_with_status(mixed_store: RoomStore, minutes: int) -> None:
    now = NOW + timedelta(minutes=minutes, microseconds=500)
    everything = mixed_store.list_rooms(include_past=True, now=now)
    listed = {room.meeting_id for room in mixed_store.list_rooms(now=now)}
    assert listed == {room.meeting_id for room in everything if room.status(now).is_usable}
    assert mixed_store.count_rooms(now=now) == len(listed)


@pytest.mark.parametrize("minutes", range(-24 * 60, 24 * 60, 7))
def test_rooms_with_a_status_agree_with_status(mixed_store: RoomStore, minutes: int) -> None:
    now = NOW + timedelta(minutes=minutes, microseconds=500)
    everything = mixed_store.list_rooms(include_past=True, now=now)
    for status in RoomStatus:
        for latest_first in (False, True):
            found = mixed_store.rooms_with_status(
                status, now=now, limit=100, latest_first=latest_first
            )
            wanted = sorted(
                (room for room in everything if room.status(now) is status),
                key=lambda room: (room.end_date, room.meeting_id),
            )
            if latest_first:  # the latest end first; equal ends still by meeting id
                wanted.sort(key=lambda room: room.end_date, reverse=True)
            assert [room.meeting_id for room in found] == [room.meeting_id for room in wanted]


def test_rooms_with_a_status_stop_at_the_limit_and_need_an_aware_time(
    mixed_store: RoomStore,
) -> None:
    assert len(mixed_store.rooms_with_status(RoomStatus.EXPIRED, now=NOW, limit=2)) == 2
    assert mixed_store.rooms_with_status(RoomStatus.EXPIRED, now=NOW, limit=0) == []
    with pytest.raises(ValueError, match="now"):
        mixed_store.rooms_with_status(RoomStatus.ACTIVE, now=datetime(2026, 1, 1), limit=5)


def test_list_rooms_defaults_to_the_current_time(store: RoomStore) -> None:
    now = datetime.now(UTC)
    store.add_created(meeting("future", now + timedelta(days=1)), room_mode="normal", options=None)
    store.add_created(meeting("past", now - timedelta(days=1)), room_mode="normal", options=None)
    assert [room.meeting_id for room in store.list_rooms()] == ["future"]
    assert store.count_rooms() == 1


def test_list_queries_use_indexes(store: RoomStore) -> None:
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    store.list_rooms(include_past=True, now=NOW)
    store.count_rooms(now=NOW)
    store._conn.set_trace_callback(None)
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3
    for sql in selects:
        # The traced text has the parameter filled in; planning it again needs no binding.
        plan = " ".join(row[3] for row in store._conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, (sql, plan)
        assert "TEMP B-TREE" not in plan, (sql, plan)


# -- syncing -------------------------------------------------------------------------------------


def test_upsert_imported_inserts_then_updates_keeping_local_fields(store: RoomStore) -> None:
    room, inserted = store.upsert_imported(meeting("m-1", NOW, host=True))
    assert inserted
    assert room.source is RoomSource.IMPORTED
    assert (room.options, room.room_mode, room.label) == (None, None, "")
    store.set_label("m-1", "Standup", notes="daily")
    store.mark_server_missing(["m-1"], when=NOW)

    newer = meeting("m-1", NOW + timedelta(days=1), room_url="https://team.whereby.com/moved")
    room, inserted = store.upsert_imported(newer, room_mode="group")
    assert not inserted
    assert (room.label, room.notes, room.source) == ("Standup", "daily", RoomSource.IMPORTED)
    assert room.end_date == NOW + timedelta(days=1)
    assert room.room_url == "https://team.whereby.com/moved"
    assert room.room_mode == "group"
    assert room.server_missing_at is None
    # The list call left the host link out; the one we knew is kept.
    assert room.host_room_url == "https://team.whereby.com/m-1?roomKey=secret-m-1"


def test_upsert_imported_keeps_a_created_rooms_source_and_options(store: RoomStore) -> None:
    store.add_created(meeting("m-1", NOW), room_mode="group", options={"x": 1}, label="Mine")
    room, inserted = store.upsert_imported(meeting("m-1", NOW + timedelta(hours=2)))
    assert not inserted
    assert (room.source, room.options, room.room_mode, room.label) == (
        RoomSource.CREATED,
        {"x": 1},
        "group",
        "Mine",
    )
    assert room.end_date == NOW + timedelta(hours=2)


def test_upsert_imported_leaves_a_deleted_room_deleted(store: RoomStore) -> None:
    store.add_created(meeting("m-1", NOW), room_mode="normal", options=None)
    store.mark_deleted(["m-1"], when=NOW)
    room, _ = store.upsert_imported(meeting("m-1", NOW))
    assert room.deleted_at == NOW


def test_add_created_adopts_a_room_a_sync_imported_first(store: RoomStore) -> None:
    imported, _ = store.upsert_imported(meeting("m-1", NOW))
    store.set_label("m-1", "", notes="from sync")
    room = store.add_created(
        meeting("m-1", NOW, host=True), room_mode="normal", options={"a": 1}, label="New"
    )
    assert room.id == imported.id
    assert (room.source, room.options, room.label, room.notes) == (
        RoomSource.CREATED,
        {"a": 1},
        "New",
        "from sync",
    )
    assert room.host_room_url is not None


def test_upsert_many_imported_handles_ten_thousand_rooms(store: RoomStore) -> None:
    store.add_created(meeting("m-5", NOW), room_mode="normal", options=None, label="Kept")
    meetings = [meeting(f"m-{i}", NOW + timedelta(minutes=i)) for i in range(10_000)]
    assert store.upsert_many_imported(iter(meetings)) == 9_999
    assert store.count_rooms(include_past=True, now=NOW) == 10_000
    assert store.upsert_many_imported(meetings) == 0
    assert store.count_rooms(include_past=True, now=NOW) == 10_000
    kept = store.get("m-5")
    assert kept is not None and kept.label == "Kept" and kept.source is RoomSource.CREATED
    rooms = store.list_rooms(now=NOW)
    ends = [room.end_date for room in rooms]
    assert ends == sorted(ends)
    assert rooms[-1].meeting_id == "m-9999"


def test_upsert_many_imported_writes_nothing_when_one_meeting_is_bad(store: RoomStore) -> None:
    good = meeting("good", NOW)
    bad = meeting("bad", NOW.replace(tzinfo=None))
    with pytest.raises(ValueError):
        store.upsert_many_imported([good, bad])
    assert store.get("good") is None


def test_upsert_many_imported_clears_missing_marks(store: RoomStore) -> None:
    store.upsert_many_imported([meeting("a", NOW), meeting("b", NOW)])
    assert store.mark_server_missing(["a", "b"], when=NOW) == 2
    assert store.upsert_many_imported([meeting("a", NOW)]) == 0
    a, b = store.get("a"), store.get("b")
    assert a is not None and a.server_missing_at is None
    assert b is not None and b.server_missing_at == NOW


# -- changing and forgetting rooms -----------------------------------------------------------------


def test_set_label(store: RoomStore) -> None:
    store.add_created(meeting("m-1", NOW), room_mode="normal", options=None, notes="keep")
    room = store.set_label("m-1", "Renamed")
    assert room is not None and (room.label, room.notes) == ("Renamed", "keep")
    room = store.set_label("m-1", "Again", notes="")
    assert room is not None and (room.label, room.notes) == ("Again", "")
    assert store.set_label("nope", "x") is None


def test_mark_deleted(store: RoomStore) -> None:
    for name in ("a", "b", "c"):
        store.add_created(meeting(name, NOW + timedelta(days=1)), room_mode="normal", options=None)
    when = NOW - timedelta(minutes=5)
    assert store.mark_deleted(["a", "b", "unknown"], when=when) == 2
    assert store.mark_deleted(["a"]) == 0  # already deleted: the first time stays
    room = store.get("a")
    assert room is not None and room.deleted_at == when
    assert room.status(NOW) is RoomStatus.DELETED
    assert [room.meeting_id for room in store.list_rooms(now=NOW)] == ["c"]
    assert store.mark_deleted([]) == 0


def test_mark_deleted_refuses_a_bare_string(store: RoomStore) -> None:
    with pytest.raises(TypeError, match="collection"):
        store.mark_deleted("m-1")


def test_mark_server_missing(store: RoomStore) -> None:
    store.add_created(meeting("a", NOW + timedelta(days=1)), room_mode="normal", options=None)
    assert store.mark_server_missing(["a"], when=NOW) == 1
    assert store.mark_server_missing(["a"], when=NOW + timedelta(hours=1)) == 0
    room = store.get("a")
    assert room is not None and room.server_missing_at == NOW
    assert room.status(NOW) is RoomStatus.EXPIRED
    assert store.list_rooms(now=NOW) == []


def test_delete_local_forgets_rooms(store: RoomStore) -> None:
    first = store.add_created(meeting("a", NOW), room_mode="normal", options=None)
    store.add_created(meeting("b", NOW), room_mode="normal", options=None)
    assert store.delete_local(["a", "zzz"]) == 1
    assert store.get("a") is None and store.get("b") is not None
    again = store.add_created(meeting("a", NOW), room_mode="normal", options=None)
    assert again.id != first.id  # local ids are never reused


# -- pending creates -------------------------------------------------------------------------------


REQUEST = {"endDate": "2030-06-01T12:00:00Z", "roomMode": "normal", "isLocked": False}


def test_pending_create_lifecycle(store: RoomStore) -> None:
    pending_id = store.add_pending_create(REQUEST, "Board")
    (pending,) = store.pending_creates()
    assert pending.id == pending_id
    assert pending.request_json == REQUEST
    assert (pending.label, pending.state, pending.attempt) == ("Board", PendingState.PENDING, 1)
    assert pending.meeting_id is None and pending.error is None
    assert pending.created_at.tzinfo == UTC

    store.mark_pending(pending_id, "unknown", error="connection reset")
    (pending,) = store.pending_creates()
    assert (pending.state, pending.error, pending.attempt) == ("unknown", "connection reset", 1)

    store.mark_pending(pending_id, PendingState.PENDING)  # a retry goes out
    (pending,) = store.pending_creates()
    assert (pending.state, pending.error, pending.attempt) == ("pending", None, 2)

    store.resolve_pending_create(pending_id, "m-1")
    assert store.pending_creates() == []
    (resolved,) = store.pending_creates(states=["resolved"])
    assert (resolved.state, resolved.meeting_id) == (PendingState.RESOLVED, "m-1")
    assert store.get_pending_create(pending_id) == resolved


def test_failed_pending_creates_are_not_listed_by_default(store: RoomStore) -> None:
    failed = store.add_pending_create(REQUEST, "a")
    waiting = store.add_pending_create(REQUEST, "b")
    store.mark_pending(failed, "failed", error="400: bad end date")
    assert [item.id for item in store.pending_creates()] == [waiting]
    (item,) = store.pending_creates(states="failed")
    assert item.error == "400: bad end date"
    assert store.pending_creates(states=()) == []


def test_mark_pending_refuses_bad_states_and_unknown_ids(store: RoomStore) -> None:
    pending_id = store.add_pending_create(REQUEST, "a")
    with pytest.raises(ValueError, match="resolve"):
        store.mark_pending(pending_id, "resolved")
    with pytest.raises(ValueError):
        store.mark_pending(pending_id, "exploded")
    with pytest.raises(KeyError):
        store.mark_pending(pending_id + 1, "failed")
    with pytest.raises(KeyError):
        store.resolve_pending_create(pending_id + 1, "m-1")


def test_complete_create_records_the_room_and_resolves(store: RoomStore) -> None:
    pending_id = store.add_pending_create(REQUEST, "Board")
    room = store.complete_create(
        pending_id, meeting("m-1", NOW), room_mode="normal", options=REQUEST, label="Board"
    )
    assert (room.meeting_id, room.label, room.options) == ("m-1", "Board", REQUEST)
    assert room.source is RoomSource.CREATED
    pending = store.get_pending_create(pending_id)
    assert pending is not None
    assert (pending.state, pending.meeting_id) == (PendingState.RESOLVED, "m-1")


def test_complete_create_with_unknown_pending_id_writes_nothing(store: RoomStore) -> None:
    with pytest.raises(KeyError):
        store.complete_create(99, meeting("m-1", NOW), room_mode="normal", options=None, label="x")
    assert store.get("m-1") is None


def test_complete_create_is_all_or_nothing_when_resolving_fails(
    store: RoomStore, store_path: Path
) -> None:
    pending_id = store.add_pending_create(REQUEST, "Board")
    # The room insert runs first; make the pending update after it fail inside SQLite.
    with sqlite3.connect(store_path) as other:
        other.execute(
            "CREATE TRIGGER crash BEFORE UPDATE ON pending_creates "
            "BEGIN SELECT RAISE(ABORT, 'simulated crash'); END"
        )
    other.close()
    with pytest.raises(sqlite3.DatabaseError, match="simulated crash"):
        store.complete_create(
            pending_id, meeting("m-1", NOW), room_mode="normal", options=None, label="x"
        )
    assert store.get("m-1") is None
    (pending,) = store.pending_creates()
    assert (pending.state, pending.meeting_id) == (PendingState.PENDING, None)


def test_complete_create_is_all_or_nothing_when_it_fails_after_both_writes(
    store: RoomStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending_id = store.add_pending_create(REQUEST, "Board")

    def crash(row: object) -> StoredRoom:
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(store_db, "_room_from_row", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.complete_create(
            pending_id, meeting("m-1", NOW), room_mode="normal", options=None, label="x"
        )
    monkeypatch.undo()
    assert store.get("m-1") is None
    (pending,) = store.pending_creates()
    assert pending.state is PendingState.PENDING


def test_room_rows_columns_line_up_with_the_stored_rooms(store: RoomStore) -> None:
    meetings = [
        meeting(f"m-{number}", NOW + timedelta(minutes=number), host=number % 2 == 0)
        for number in range(2500)
    ]
    store.upsert_many_imported(reversed(meetings))  # ids and row order differ
    store.set_label("m-7", "Seven")
    store.mark_deleted(["m-8"], NOW)
    store.mark_server_missing(["m-9"], NOW)
    rows = store.room_rows()
    assert len(rows) == 2500
    for index, meeting_id in enumerate(rows.meeting_ids):
        room = store.get(meeting_id)
        assert room is not None
        assert rows.room_urls[index] == room.room_url
        assert rows.host_room_urls[index] == room.host_room_url
        assert rows.room_names[index] == room.room_name
        assert rows.ends[index] == room.end_date.timestamp()
        assert rows.labels[index] == room.label
    states = dict(zip(rows.meeting_ids, rows.states, strict=True))
    assert (states["m-8"], states["m-9"], states["m-10"]) == (
        store_rows.ROW_DELETED,
        store_rows.ROW_MISSING,
        0,
    )
    # Read through a connection of its own, the same rows.
    own = store.room_rows(own_connection=True)
    assert own.meeting_ids == rows.meeting_ids and own.room_urls == rows.room_urls
