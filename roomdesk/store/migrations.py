"""The room store's schema, as an ordered list of migrations from an empty file upwards.

The schema version lives in ``PRAGMA user_version``: 0 is an empty file, and migration *n* turns
version *n - 1* into version *n*. Each migration runs in its own transaction together with the
version bump, so a file is always at exactly one known version. Never edit a released migration;
append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int  # the schema version this step produces
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _sql(*statements: str) -> Callable[[sqlite3.Connection], None]:
    # One execute() per statement: executescript() would commit the surrounding transaction.
    def apply(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return apply


# Dates are UTC ISO 8601 text ending in Z with whole seconds, so text order is time order.
_V1_ROOMS = _sql(
    """
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
    )
    """,
)

_V2_PENDING_CREATES_AND_INDEXES = _sql(
    """
    CREATE TABLE pending_creates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_json TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'unknown', 'resolved', 'failed')),
        meeting_id TEXT,
        error TEXT,
        attempt INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX pending_creates_by_state ON pending_creates (state)",
    # The default room list: only rooms neither deleted nor missing, in end-date order. A partial
    # index keeps that list an index range scan however many past rooms pile up.
    """
    CREATE INDEX rooms_current_by_end ON rooms (end_date)
        WHERE deleted_at IS NULL AND server_missing_at IS NULL
    """,
    # The list with past rooms, newest end first.
    "CREATE INDEX rooms_by_end ON rooms (end_date)",
)


def _v3_pending_state_created(conn: sqlite3.Connection) -> None:
    """Allow the state 'created' (a 2xx answer that could not be read).

    SQLite cannot change a CHECK constraint in place, so the table is rebuilt: made anew, filled
    from the old one with the same ids, then renamed into place. The AUTOINCREMENT counter is
    carried over so no id is ever handed out twice.
    """
    sequence = conn.execute(
        "SELECT seq FROM sqlite_sequence WHERE name = 'pending_creates'"
    ).fetchone()
    conn.execute(
        """
        CREATE TABLE pending_creates_v3 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            request_json TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'unknown', 'resolved', 'failed', 'created')),
            meeting_id TEXT,
            error TEXT,
            attempt INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    conn.execute("INSERT INTO pending_creates_v3 SELECT * FROM pending_creates")
    conn.execute("DROP TABLE pending_creates")
    conn.execute("ALTER TABLE pending_creates_v3 RENAME TO pending_creates")
    if sequence is not None:
        conn.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'pending_creates'",
            (sequence[0],),
        )
    conn.execute("CREATE INDEX pending_creates_by_state ON pending_creates (state)")


# A session's planned start and the zone it was planned in are roomdesk's own (Whereby knows only
# the end), on the room and on the create written down before it is sent, so a create settled
# later keeps them. Reminders already shown are remembered per room and start, so a restart
# does not show them again.
_V4_PLANNED_STARTS = _sql(
    "ALTER TABLE rooms ADD COLUMN planned_start TEXT",
    "ALTER TABLE rooms ADD COLUMN time_zone TEXT",
    "ALTER TABLE pending_creates ADD COLUMN planned_start TEXT",
    "ALTER TABLE pending_creates ADD COLUMN time_zone TEXT",
    # The rooms a reminder may be due for: live ones with a planned start, in start order.
    """
    CREATE INDEX rooms_by_planned_start ON rooms (planned_start)
        WHERE planned_start IS NOT NULL AND deleted_at IS NULL AND server_missing_at IS NULL
    """,
    """
    CREATE TABLE reminders_shown (
        meeting_id TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        shown_at TEXT NOT NULL,
        PRIMARY KEY (meeting_id, starts_at)
    )
    """,
)


# What Whereby said about a room's sessions, kept so the lists show at once and offline: each row
# with the time it was fetched. Dates here keep their microseconds (fixed width, so text order is
# still time order), as attendance is counted from them. Access links are never stored: each
# works without the API key until it expires.
_V5_MEDIA_CACHE = _sql(
    """
    CREATE TABLE recordings (
        recording_id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL,
        room_session_id TEXT NOT NULL,
        filename TEXT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        size_in_megabytes REAL NOT NULL,
        room_name TEXT,
        fetched_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX recordings_by_meeting ON recordings (meeting_id, start_date)",
    """
    CREATE TABLE transcriptions (
        transcription_id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL,
        room_session_id TEXT NOT NULL,
        room_name TEXT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        type TEXT NOT NULL,
        filename TEXT,
        duration_in_seconds REAL,
        storage_type TEXT,
        fetched_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX transcriptions_by_meeting ON transcriptions (meeting_id, start_date)",
    """
    CREATE TABLE room_sessions (
        room_session_id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL,
        room_name TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        total_participant_minutes INTEGER NOT NULL,
        total_recorder_minutes INTEGER NOT NULL,
        total_streamer_minutes INTEGER NOT NULL,
        total_unique_participants INTEGER NOT NULL,
        total_unique_recorders INTEGER NOT NULL,
        total_unique_streamers INTEGER NOT NULL,
        rating REAL,
        total_ratings REAL,
        fetched_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX room_sessions_by_meeting ON room_sessions (meeting_id, started_at)",
    """
    CREATE TABLE participants (
        room_session_id TEXT NOT NULL,
        participant_id TEXT NOT NULL,
        meeting_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        role_name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        joined_at TEXT NOT NULL,
        left_at TEXT,
        external_id TEXT,
        rating REAL,
        tags TEXT NOT NULL DEFAULT '[]',
        comment TEXT,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (room_session_id, participant_id)
    )
    """,
    # When each list was last fetched, so an empty list fetched is told from one never fetched.
    # scope is the room session for participants, empty for a meeting's own lists.
    """
    CREATE TABLE media_fetches (
        meeting_id TEXT NOT NULL,
        kind TEXT NOT NULL
            CHECK (kind IN ('recordings', 'transcriptions', 'room_sessions', 'participants')),
        scope TEXT NOT NULL DEFAULT '',
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (meeting_id, kind, scope)
    )
    """,
)


# A room made for a whole series of sessions keeps the series (its rule and each session's
# start, as JSON) so every session is reminded of and its calendar event repeats; the create
# written down before it is sent keeps it too, for a create settled later. The series rooms a
# reminder may be due for are found by their end without reading every planned room.
_V6_SERIES = _sql(
    "ALTER TABLE rooms ADD COLUMN series TEXT",
    "ALTER TABLE pending_creates ADD COLUMN series TEXT",
    """
    CREATE INDEX rooms_series_by_end ON rooms (end_date)
        WHERE series IS NOT NULL AND deleted_at IS NULL AND server_missing_at IS NULL
    """,
)


# A room made from a preset with its own invitation template keeps that template, so what is
# handed out for the room reads as the preset meant; the create written down before it is sent
# keeps it too, for a create settled later.
_V7_INVITATION_TEMPLATE = _sql(
    "ALTER TABLE rooms ADD COLUMN invitation_template TEXT",
    "ALTER TABLE pending_creates ADD COLUMN invitation_template TEXT",
)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "rooms table", _V1_ROOMS),
    Migration(2, "pending creates table and room list indexes", _V2_PENDING_CREATES_AND_INDEXES),
    Migration(3, "pending creates may be 'created' (answer unreadable)", _v3_pending_state_created),
    Migration(4, "planned starts, their zones and reminders shown", _V4_PLANNED_STARTS),
    Migration(5, "recordings, transcripts, sessions and participants as fetched", _V5_MEDIA_CACHE),
    Migration(6, "a one-room series kept with its room", _V6_SERIES),
    Migration(7, "a room's own invitation template", _V7_INVITATION_TEMPLATE),
)

LATEST_VERSION = MIGRATIONS[-1].version


class MigrationOrderError(RuntimeError):
    """The migration list or the file's version does not allow a step-by-step upgrade."""


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_sequence(migrations: Sequence[Migration]) -> None:
    """Raise unless the migrations produce versions 1, 2, 3, … in order."""
    versions = [migration.version for migration in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationOrderError(f"migrations must produce versions 1..n in order, not {versions}")


def apply_migrations(
    conn: sqlite3.Connection,
    *,
    up_to: int | None = None,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> int:
    """Upgrade ``conn``'s schema to version ``up_to`` (default: the latest) and return it.

    ``conn`` must be in autocommit mode (``isolation_level=None``) and outside a transaction: each
    step opens its own ``BEGIN IMMEDIATE`` and either commits entirely or leaves the file as it was.
    """
    check_sequence(migrations)
    target = len(migrations) if up_to is None else up_to
    if not 0 <= target <= len(migrations):
        raise ValueError(f"up_to must be between 0 and {len(migrations)}, not {target}")
    if conn.isolation_level is not None or conn.in_transaction:
        raise ValueError("apply_migrations needs an autocommit connection outside a transaction")
    for migration in migrations[:target]:
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            # Read inside the write lock: another process may have migrated meanwhile.
            current = schema_version(conn)
            if current >= migration.version:
                continue
            if current != migration.version - 1:
                raise MigrationOrderError(
                    f"cannot apply migration {migration.version} to schema version {current}"
                )
            migration.apply(conn)
            # PRAGMA takes no bound parameters; the value is an int from our own list.
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
    return schema_version(conn)
