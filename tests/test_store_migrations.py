"""Opening older, newer, damaged and foreign files, and moving damaged ones aside."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roomdesk.api.models import Meeting
from roomdesk.store import (
    LATEST_VERSION,
    PendingState,
    RoomSource,
    RoomStore,
    StoreCorruptError,
    StoreError,
    StoreVersionError,
    move_aside,
)
from roomdesk.store import db as store_db
from roomdesk.store.media import MediaKind
from roomdesk.store.migrations import (
    MIGRATIONS,
    Migration,
    MigrationOrderError,
    apply_migrations,
    check_sequence,
    schema_version,
)

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")

# Schema version 1 exactly as released; kept here literally so an edit to migration 1 is caught.
V1_SQL = """
CREATE TABLE rooms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id TEXT NOT NULL UNIQUE,
    room_name TEXT,
    room_url TEXT NOT NULL,
    host_room_url TEXT,
    viewer_room_url TEXT,
    start_date TEXT,
    end_date TEXT NOT NULL,
    room_mode TEXT,
    options TEXT,
    label TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('created', 'imported')),
    deleted_at TEXT,
    server_missing_at TEXT,
    updated_at TEXT NOT NULL
);
PRAGMA user_version = 1;
"""

V1_ROWS = [
    (
        "m-created",
        "/m-created",
        "https://team.whereby.com/m-created",
        "https://team.whereby.com/m-created?roomKey=k",
        None,
        "2030-05-31T12:00:00Z",
        "2030-06-02T12:00:00Z",
        "group",
        '{"roomMode":"group"}',
        "Board",
        "Quarterly",
        "2030-05-31T11:00:00Z",
        "created",
        None,
        None,
        "2030-05-31T11:00:00Z",
    ),
    (
        "m-imported",
        None,
        "https://team.whereby.com/m-imported",
        None,
        None,
        None,
        "2030-05-01T12:00:00Z",
        None,
        None,
        "",
        "",
        "2030-04-30T10:00:00Z",
        "imported",
        "2030-05-01T09:00:00Z",
        None,
        "2030-05-01T09:00:00Z",
    ),
]


def insert_v1_rows(conn: sqlite3.Connection) -> None:
    with conn:
        conn.executemany(
            "INSERT INTO rooms (meeting_id, room_name, room_url, host_room_url, viewer_room_url,"
            " start_date, end_date, room_mode, options, label, notes, created_at, source,"
            " deleted_at, server_missing_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            V1_ROWS,
        )


def make_v1_by_migration(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    assert apply_migrations(conn, up_to=1) == 1
    insert_v1_rows(conn)
    conn.close()


def make_v1_by_literal_sql(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(V1_SQL)
    insert_v1_rows(conn)
    conn.close()


def backups(directory: Path) -> list[Path]:
    return sorted(directory.glob("rooms.sqlite3.bak-*"))


def snapshot(directory: Path) -> dict[str, bytes]:
    return {item.name: item.read_bytes() for item in sorted(directory.iterdir())}


def table_shape(path: Path) -> dict[str, object]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                # sqlite_* tables are SQLite's own (sequences, planner statistics).
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            "tables": tables,
            "columns": {
                table: conn.execute(f"PRAGMA table_info({table})").fetchall() for table in tables
            },
            "indexes": sorted(
                conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
            ),
        }
    finally:
        conn.close()


def test_migrations_are_numbered_in_order() -> None:
    check_sequence(MIGRATIONS)
    assert LATEST_VERSION == len(MIGRATIONS) == 7
    with pytest.raises(MigrationOrderError):
        check_sequence([MIGRATIONS[1], MIGRATIONS[0]])


def test_upgrade_to_v3_keeps_pending_creates_and_their_ids_and_allows_created(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rooms.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, up_to=2)
    insert = (
        "INSERT INTO pending_creates (request_json, label, created_at, state, meeting_id, error, "
        "attempt) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    rows = [
        ('{"endDate": "2030-06-02T12:00:00Z"}', "Lost", "2030-06-01T11:00:00Z", "unknown", None,
         "The answer was lost", 1),
        ('{"endDate": "2030-06-03T12:00:00Z"}', "Made", "2030-06-01T11:05:00Z", "resolved", "m1",
         None, 2),
        ('{"endDate": "2030-06-04T12:00:00Z"}', "Gone", "2030-06-01T11:06:00Z", "failed", None,
         "Dismissed", 1),
    ]  # fmt: skip
    conn.executemany(insert, rows)
    conn.execute("DELETE FROM pending_creates WHERE label = 'Gone'")  # id 3 was handed out
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE pending_creates SET state = 'created' WHERE id = 1")
    before = conn.execute("SELECT * FROM pending_creates ORDER BY id").fetchall()
    conn.close()

    with RoomStore(path) as store:
        assert store.schema_version == LATEST_VERSION
        assert [
            (row.id, row.state, row.label)
            for row in store.pending_creates(states=list(PendingState))
        ] == [
            (1, PendingState.UNKNOWN, "Lost"),
            (2, PendingState.RESOLVED, "Made"),
        ]
        store.mark_pending(1, PendingState.CREATED, "details not read")
        assert store.get_pending_create(1).state is PendingState.CREATED
        assert store.add_pending_create({"endDate": "2030-06-05T12:00:00Z"}, "next") == 4
    after = sqlite3.connect(path)
    try:
        kept = after.execute(
            "SELECT id, request_json, label, created_at, state, meeting_id, error, attempt "
            "FROM pending_creates WHERE id < 3 ORDER BY id"
        ).fetchall()
        assert kept[1] == before[1]  # untouched since the upgrade: every column as it was
        assert kept[0][:4] == before[0][:4] and kept[0][4:] == (
            "created",
            None,
            "details not read",
            1,
        )
        index = after.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pending_creates'"
        ).fetchall()
        assert index == [("pending_creates_by_state",)]
    finally:
        after.close()
    assert table_shape(path) == table_shape_of_fresh_store(tmp_path)


def test_upgrade_from_v3_keeps_every_row_and_adds_planned_starts_and_reminders(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rooms.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, up_to=3)
    insert_v1_rows(conn)
    conn.execute(
        "INSERT INTO pending_creates (request_json, label, created_at, state, meeting_id, error, "
        "attempt) VALUES ('{\"endDate\": \"2030-06-02T12:00:00Z\"}', 'Lost', "
        "'2030-06-01T11:00:00Z', 'unknown', NULL, 'The answer was lost', 1)"
    )
    rooms_before = conn.execute("SELECT * FROM rooms ORDER BY id").fetchall()
    pending_before = conn.execute("SELECT * FROM pending_creates ORDER BY id").fetchall()
    conn.close()

    with RoomStore(path) as store:
        assert store.schema_version == LATEST_VERSION
        rooms = {room.meeting_id: room for room in store.list_rooms(include_past=True, now=NOW)}
        assert set(rooms) == {"m-created", "m-imported"}
        assert all(room.planned_start is None and room.time_zone is None for room in rooms.values())
        (pending,) = store.pending_creates()
        assert (pending.label, pending.planned_start, pending.time_zone) == ("Lost", None, None)
        assert store.mark_reminder_shown("m-created", NOW, NOW) is True
    after = sqlite3.connect(path)
    try:
        # Every row as it was, the new columns (a planned start, its zone, a series, a
        # template) empty after the old ones.
        assert after.execute("SELECT * FROM rooms ORDER BY id").fetchall() == [
            (*row, None, None, None, None) for row in rooms_before
        ]
        assert after.execute("SELECT * FROM pending_creates ORDER BY id").fetchall() == [
            (*row, None, None, None, None) for row in pending_before
        ]
        assert after.execute("SELECT meeting_id FROM reminders_shown").fetchall() == [
            ("m-created",)
        ]
    finally:
        after.close()
    assert len(backups(tmp_path)) == 1
    assert table_shape(path) == table_shape_of_fresh_store(tmp_path)


def test_upgrade_from_v4_keeps_every_row_and_adds_the_media_cache(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, up_to=4)
    insert_v1_rows(conn)
    conn.execute("UPDATE rooms SET planned_start = '2030-06-01T13:00:00Z', time_zone = 'UTC'")
    conn.execute(
        "INSERT INTO pending_creates (request_json, label, created_at, state, attempt, "
        "planned_start, time_zone) VALUES ('{}', 'Lost', '2030-06-01T11:00:00Z', 'unknown', 1, "
        "'2030-06-01T13:00:00Z', 'Europe/Oslo')"
    )
    conn.execute(
        "INSERT INTO reminders_shown VALUES ('m-created', '2030-06-01T13:00:00Z', "
        "'2030-06-01T12:50:00Z')"
    )
    before = {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        for table in ("rooms", "pending_creates", "reminders_shown")
    }
    conn.close()

    with RoomStore(path) as store:
        assert store.schema_version == LATEST_VERSION
        assert store.media.recordings("m-created") == []
        assert store.media.last_fetched("m-created", MediaKind.RECORDINGS) is None
        store.media.replace_recordings("m-created", [], NOW)
        assert store.media.last_fetched("m-created", MediaKind.RECORDINGS) == NOW
    after = sqlite3.connect(path)
    try:
        for table, rows in before.items():
            kept = after.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            # Later versions add a series column to these, after the others.
            width = len(rows[0])
            assert [row[:width] for row in kept] == rows
    finally:
        after.close()
    assert len(backups(tmp_path)) == 1
    assert table_shape(path) == table_shape_of_fresh_store(tmp_path)


def test_upgrade_from_v5_keeps_every_row_and_lets_a_room_keep_its_series(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rooms.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, up_to=5)
    insert_v1_rows(conn)
    conn.execute("UPDATE rooms SET planned_start = '2030-06-01T13:00:00Z', time_zone = 'UTC'")
    conn.execute(
        "INSERT INTO pending_creates (request_json, label, created_at, state, attempt, "
        "planned_start, time_zone) VALUES ('{}', 'Lost', '2030-06-01T11:00:00Z', 'unknown', 1, "
        "'2030-06-01T13:00:00Z', 'Europe/Oslo')"
    )
    conn.execute(
        "INSERT INTO reminders_shown VALUES ('m-created', '2030-06-01T13:00:00Z', "
        "'2030-06-01T12:50:00Z')"
    )
    conn.execute(
        "INSERT INTO recordings VALUES ('r-1', 'm-created', 's-1', 'a.mp4', "
        "'2030-06-01T13:00:00.000000Z', '2030-06-01T14:00:00.000000Z', 12.5, '/room', "
        "'2030-06-01T15:00:00.000000Z')"
    )
    conn.execute(
        "INSERT INTO media_fetches VALUES ('m-created', 'recordings', '', "
        "'2030-06-01T15:00:00.000000Z')"
    )
    tables = ("rooms", "pending_creates", "reminders_shown", "recordings", "media_fetches")
    before = {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in tables
    }
    conn.close()

    with RoomStore(path) as store:
        assert store.schema_version == LATEST_VERSION
        # Every room and create so far is no series.
        assert all(room.series is None for room in store.list_rooms(include_past=True))
        assert [p.series for p in store.pending_creates()] == [None]
    after = sqlite3.connect(path)
    try:
        for table, rows in before.items():
            kept = after.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            if table in ("rooms", "pending_creates"):
                # The new columns (a series, then later ones) come after the others, empty.
                width = len(rows[0])
                assert all(set(row[width:]) == {None} for row in kept)
                kept = [row[:width] for row in kept]
            assert kept == rows
    finally:
        after.close()
    assert len(backups(tmp_path)) == 1
    assert table_shape(path) == table_shape_of_fresh_store(tmp_path)


def test_upgrade_from_v6_keeps_every_row_and_lets_a_room_keep_its_template(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rooms.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, up_to=6)
    insert_v1_rows(conn)
    series = (
        '{"firstWall":"2030-06-01T15:00:00","durationSeconds":3600,"zone":"Europe/Oslo",'
        '"frequency":"weekly","interval":1,"times":2,"until":null,'
        '"starts":["2030-06-01T13:00:00+00:00","2030-06-08T13:00:00+00:00"]}'
    )
    conn.execute(
        "UPDATE rooms SET planned_start = '2030-06-01T13:00:00Z', time_zone = 'Europe/Oslo', "
        "series = ? WHERE meeting_id = 'm-created'",
        (series,),
    )
    conn.execute(
        "INSERT INTO pending_creates (request_json, label, created_at, state, attempt, "
        "planned_start, time_zone, series) VALUES ('{}', 'Lost', '2030-06-01T11:00:00Z', "
        "'unknown', 1, '2030-06-01T13:00:00Z', 'Europe/Oslo', ?)",
        (series,),
    )
    conn.execute(
        "INSERT INTO reminders_shown VALUES ('m-created', '2030-06-01T13:00:00Z', "
        "'2030-06-01T12:50:00Z')"
    )
    conn.execute(
        "INSERT INTO recordings VALUES ('r-1', 'm-created', 's-1', 'a.mp4', "
        "'2030-06-01T13:00:00.000000Z', '2030-06-01T14:00:00.000000Z', 12.5, '/room', "
        "'2030-06-01T15:00:00.000000Z')"
    )
    conn.execute(
        "INSERT INTO media_fetches VALUES ('m-created', 'recordings', '', "
        "'2030-06-01T15:00:00.000000Z')"
    )
    tables = ("rooms", "pending_creates", "reminders_shown", "recordings", "media_fetches")
    before = {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in tables
    }
    conn.close()

    with RoomStore(path) as store:
        assert store.schema_version == LATEST_VERSION == 7
        # Every room and create so far keeps its series and has no template of its own.
        rooms = {room.meeting_id: room for room in store.list_rooms(include_past=True)}
        assert rooms["m-created"].series is not None
        assert all(room.invitation_template is None for room in rooms.values())
        (pending,) = store.pending_creates()
        assert pending.series is not None and pending.invitation_template is None
    after = sqlite3.connect(path)
    try:
        for table, rows in before.items():
            kept = after.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            if table in ("rooms", "pending_creates"):
                # The new column comes last, empty.
                assert [row[-1] for row in kept] == [None] * len(rows)
                kept = [row[:-1] for row in kept]
            assert kept == rows
    finally:
        after.close()
    assert len(backups(tmp_path)) == 1
    assert table_shape(path) == table_shape_of_fresh_store(tmp_path)


def test_literal_v1_matches_migration_1(tmp_path: Path) -> None:
    make_v1_by_migration(tmp_path / "a.sqlite3")
    make_v1_by_literal_sql(tmp_path / "b.sqlite3")
    assert table_shape(tmp_path / "a.sqlite3") == table_shape(tmp_path / "b.sqlite3")


def test_a_new_store_makes_no_backup(tmp_path: Path) -> None:
    with RoomStore(tmp_path / "rooms.sqlite3") as store:
        assert store.schema_version == LATEST_VERSION
    assert backups(tmp_path) == []


@pytest.mark.parametrize("make_v1", [make_v1_by_migration, make_v1_by_literal_sql])
def test_upgrade_from_v1_keeps_rooms_and_backs_up_first(make_v1, tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    make_v1(path)
    with RoomStore(path) as store:
        assert store.schema_version == LATEST_VERSION
        created = store.get("m-created")
        imported = store.get("m-imported")
        assert created is not None and imported is not None
        assert created.options == {"roomMode": "group"}
        assert (created.label, created.notes) == ("Board", "Quarterly")
        assert created.end_date == datetime(2030, 6, 2, 12, 0, tzinfo=UTC)
        assert created.source is RoomSource.CREATED
        assert imported.deleted_at == datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
        assert [room.meeting_id for room in store.list_rooms(include_past=True, now=NOW)] == [
            "m-created",
            "m-imported",
        ]
        # The new schema works: the version 2 table is there.
        pending_id = store.add_pending_create({"endDate": "2030-06-02T12:00:00Z"}, "later")
        assert [item.id for item in store.pending_creates()] == [pending_id]
    assert table_shape(path) == table_shape_of_fresh_store(tmp_path)

    (backup,) = backups(tmp_path)
    assert re.fullmatch(r"rooms\.sqlite3\.bak-v1-\d{8}T\d{6}Z", backup.name)
    old = sqlite3.connect(backup)
    try:
        assert schema_version(old) == 1
        assert old.execute("SELECT count(*) FROM rooms").fetchone()[0] == 2
        tables = {name for (name,) in old.execute("SELECT name FROM sqlite_master")}
        assert "pending_creates" not in tables
    finally:
        old.close()
    if sys.platform != "win32":
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def table_shape_of_fresh_store(tmp_path: Path) -> dict[str, object]:
    fresh = tmp_path / "fresh" / "rooms.sqlite3"
    RoomStore(fresh).close()
    return table_shape(fresh)


def test_an_existing_backup_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "_utc_stamp", lambda: "20300601T120000Z")
    earlier = tmp_path / "rooms.sqlite3.bak-v1-20300601T120000Z"
    earlier.write_bytes(b"an earlier backup")
    path = tmp_path / "rooms.sqlite3"
    make_v1_by_migration(path)
    RoomStore(path).close()
    assert earlier.read_bytes() == b"an earlier backup"
    assert backups(tmp_path) == [earlier, tmp_path / "rooms.sqlite3.bak-v1-20300601T120000Z-1"]


def test_backup_includes_rows_still_in_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    apply_migrations(writer, up_to=1)
    insert_v1_rows(writer)
    # The writer stays open, so its rows live only in the -wal file.
    try:
        assert path.with_name(path.name + "-wal").stat().st_size > 0
        with RoomStore(path) as store:
            assert store.get("m-created") is not None
    finally:
        writer.close()
    (backup,) = backups(tmp_path)
    old = sqlite3.connect(backup)
    try:
        assert old.execute("SELECT count(*) FROM rooms").fetchone()[0] == 2
    finally:
        old.close()


@pytest.mark.parametrize("start", range(LATEST_VERSION + 1))
def test_every_version_upgrades_to_the_latest(start: int, tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, up_to=start)
    conn.close()
    with RoomStore(path) as store:
        assert store.schema_version == LATEST_VERSION
        store.add_created(
            Meeting("m-1", "https://team.whereby.com/m-1", NOW), room_mode="normal", options=None
        )
        assert store.get("m-1") is not None
    expect_backup = 0 < start < LATEST_VERSION
    assert len(backups(tmp_path)) == (1 if expect_backup else 0)


def test_a_failing_migration_leaves_the_file_at_its_version(tmp_path: Path) -> None:
    def half_then_crash(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half (x)")
        raise RuntimeError("simulated failure")

    steps = [*MIGRATIONS, Migration(LATEST_VERSION + 1, "broken", half_then_crash)]
    conn = sqlite3.connect(tmp_path / "rooms.sqlite3", isolation_level=None)
    try:
        with pytest.raises(RuntimeError, match="simulated failure"):
            apply_migrations(conn, migrations=steps)
        assert schema_version(conn) == LATEST_VERSION
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        assert "half" not in tables and "rooms" in tables
    finally:
        conn.close()


def test_apply_migrations_needs_an_autocommit_connection(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "rooms.sqlite3")
    try:
        with pytest.raises(ValueError, match="autocommit"):
            apply_migrations(conn)
    finally:
        conn.close()


# -- files this version must not touch -------------------------------------------------------------


@pytest.mark.parametrize("journal_mode", ["DELETE", "WAL"])
def test_a_newer_file_is_refused_and_untouched(journal_mode: str, tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    with RoomStore(path) as store:
        store.add_created(
            Meeting("m-1", "https://team.whereby.com/m-1", NOW), room_mode="normal", options=None
        )
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    newer = LATEST_VERSION + 1
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()
    before = snapshot(tmp_path)

    with pytest.raises(StoreVersionError) as caught:
        RoomStore(path)

    error = caught.value
    assert isinstance(error, StoreError)
    assert (error.found, error.supported, error.path) == (newer, LATEST_VERSION, path)
    message = str(error)
    assert "newer roomdesk" in message
    assert f"schema {newer}; this version understands up to {LATEST_VERSION}" in message
    assert "Update roomdesk" in message
    assert snapshot(tmp_path) == before


def test_a_garbage_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    before = snapshot(tmp_path)

    with pytest.raises(StoreCorruptError) as caught:
        RoomStore(path)

    error = caught.value
    assert isinstance(error, StoreError)
    assert error.path == path
    assert "not a database" in error.detail
    assert "damaged or not a roomdesk database" in str(error)
    assert snapshot(tmp_path) == before


def test_a_damaged_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    with RoomStore(path) as store:
        store.upsert_many_imported(
            Meeting(f"m-{i}", f"https://team.whereby.com/m-{i}", NOW + timedelta(minutes=i))
            for i in range(2_000)
        )
    assert not path.with_name(path.name + "-wal").exists()  # closing checkpointed everything
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # Keep the header page readable, scramble the b-tree pages after it.
    for offset in range(page_size, len(data), 7):
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    before = snapshot(tmp_path)

    with pytest.raises(StoreCorruptError):
        RoomStore(path)
    assert snapshot(tmp_path) == before


def test_another_programs_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    before = snapshot(tmp_path)
    with pytest.raises(StoreCorruptError, match="some other program"):
        RoomStore(path)
    assert snapshot(tmp_path) == before


# -- moving a damaged file aside -------------------------------------------------------------------


def test_move_aside_renames_the_file_and_its_companions(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    path.write_bytes(b"garbage")
    path.with_name("rooms.sqlite3-wal").write_bytes(b"wal")
    path.with_name("rooms.sqlite3-shm").write_bytes(b"shm")

    moved = move_aside(path)

    assert re.fullmatch(r"rooms\.sqlite3\.corrupt-\d{8}T\d{6}Z", moved.name)
    assert moved.parent == tmp_path
    assert moved.read_bytes() == b"garbage"
    assert moved.with_name(moved.name + "-wal").read_bytes() == b"wal"
    assert moved.with_name(moved.name + "-shm").read_bytes() == b"shm"
    assert sorted(item.name for item in tmp_path.iterdir()) == sorted(
        [moved.name, moved.name + "-wal", moved.name + "-shm"]
    )
    # A new store can now be made where the damaged one was.
    with RoomStore(path) as store:
        assert store.list_rooms(include_past=True) == []


def test_move_aside_twice_in_a_second_does_not_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    path.write_bytes(b"first")
    first = move_aside(path)
    path.write_bytes(b"second")
    second = move_aside(path)
    assert first != second
    assert (first.read_bytes(), second.read_bytes()) == (b"first", b"second")


def test_a_moved_database_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    with RoomStore(path) as store:
        store.add_created(
            Meeting("m-1", "https://team.whereby.com/m-1", NOW), room_mode="normal", options=None
        )
    moved = move_aside(path)
    with RoomStore(moved) as store:
        assert store.get("m-1") is not None


def test_move_aside_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        move_aside(tmp_path / "rooms.sqlite3")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_new_parent_directory_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "rooms.sqlite3"
    RoomStore(path).close()
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
