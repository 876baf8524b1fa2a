"""The local room store: one SQLite file holding every room roomdesk created or found.

Its errors are in :mod:`roomdesk.store.errors` and what its queries read in
:mod:`roomdesk.store.rows`; both are available from here as they always were.

Threads: a :class:`RoomStore` owns one connection, made with ``check_same_thread=True``, so use it
from the thread that opened it (the GUI thread). Another thread or process wanting the store opens
its own :class:`RoomStore`; WAL mode and a busy timeout let them share the file.

Secrets: the store keeps room links (host links included) in a file only its owner can read
(mode 0600), but never API keys or storage credentials. Callers pass request options already
stripped of secrets (``MeetingRequest.to_stored_options()``); the store saves what it is given.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.status import ENDS_SOON_WINDOW, ROOM_GRACE_PERIOD, RoomStatus
from roomdesk.domain.times import format_utc, require_aware, utc_now
from roomdesk.store import migrations
from roomdesk.store.errors import (
    NOT_STORAGE,
    StoreCorruptError,
    StoreError,
    StoreFolderError,
    StoreUnavailableError,
    StoreVersionError,
    StoreWriteError,
    storage_problem,
)
from roomdesk.store.records import PendingCreate, PendingState, RoomSource, StoredRoom
from roomdesk.store.rows import (
    PENDING_COLUMNS,
    PLAN_COLUMNS,
    SELECT_ROOMS,
    RoomRows,
    read_room_rows,
    series_text,
)
from roomdesk.store.rows import meeting_params as _meeting_params
from roomdesk.store.rows import pending_from_row as _pending_from_row
from roomdesk.store.rows import room_from_row as _room_from_row

if TYPE_CHECKING:
    # Only named in annotations: the API's models stay out of the window's first frame.
    from roomdesk.api.models import Meeting
    from roomdesk.domain.series import RoomSeries
    from roomdesk.store.media import MediaCache

# What the store keeps per meeting beside its room: forgotten with it.
_MEDIA_TABLES = ("recordings", "transcriptions", "room_sessions", "participants", "media_fetches")

__all__ = [
    "RoomStore",
    "StoreCorruptError",
    "StoreError",
    "StoreFolderError",
    "StoreUnavailableError",
    "StoreVersionError",
    "StoreWriteError",
    "move_aside",
]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 5.0
# SQLite's page cache per connection (its default is 2 MB). The file's pages stay in the
# system's cache anyway, and a count or a scan of a large list would otherwise leave the
# window's connection holding 2 MB of pages it rarely reads again.
PAGE_CACHE_KIB = 512
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")
_CORRUPT_ERRORS = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})


def _utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _free_name(directory: Path, stem: str) -> Path:
    """``directory / stem``, or with -1, -2, … appended, so neither it nor a companion exists."""
    for counter in range(1000):
        name = stem if counter == 0 else f"{stem}-{counter}"
        candidate = directory / name
        taken = [candidate, *(directory / f"{name}{suffix}" for suffix in COMPANION_SUFFIXES)]
        if not any(os.path.lexists(item) for item in taken):
            return candidate
    raise FileExistsError(f"no free name for {stem} in {directory}")


def move_aside(path: Path) -> Path:
    """Rename the database at ``path`` and its -wal/-shm/-journal to ``<name>.corrupt-<UTC time>``.

    The companions keep their suffixes, so SQLite still pairs them with the moved file. Call it only
    while no store has the file open. Returns the new path of the main file.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no room list at {path}")
    target = _free_name(path.parent, f"{path.name}.corrupt-{_utc_stamp()}")
    os.rename(path, target)
    for suffix in COMPANION_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.rename(companion, target.with_name(target.name + suffix))
    return target


def _create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists, so SQLite never widens its mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _make_private(path: Path) -> None:
    for item in (path, *(path.with_name(path.name + suffix) for suffix in COMPANION_SUFFIXES)):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(item, 0o600)


def _utc_text(moment: datetime, name: str) -> str:
    return format_utc(require_aware(moment, name))


def _optional_utc_text(moment: datetime | None, name: str) -> str | None:
    return None if moment is None else _utc_text(moment, name)


def _json_text(value: dict[str, Any] | None, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict or None, not {type(value).__name__}")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _ids(meeting_ids: Iterable[str]) -> list[tuple[str]]:
    # A lone string would silently become one id per character.
    if isinstance(meeting_ids, str):
        raise TypeError("pass a collection of meeting ids, not a single string")
    return [(str(meeting_id),) for meeting_id in meeting_ids]


def _room_mode_value(room_mode: str | None) -> str | None:
    return None if room_mode is None else RoomMode(room_mode).value


class Unchanged(Enum):
    """What :meth:`RoomStore.set_label` is given for a value it is to leave as it is."""

    UNCHANGED = 0


UNCHANGED = Unchanged.UNCHANGED


# The domain's status rule (roomdesk.domain.status.status_at) as conditions on the stored
# columns, compared with the bounds _status_bounds makes of a time; tests/test_status_rule.py
# checks that both give every room the same status. Current rooms are the usable ones (active,
# ending soon or ended); _CURRENT and _PAST take the cutoff as their one parameter.
_CURRENT = "deleted_at IS NULL AND server_missing_at IS NULL AND end_date > ?"
_PAST = "(deleted_at IS NOT NULL OR server_missing_at IS NOT NULL OR end_date <= ?)"
# Each status with :now, :soon (now + the "ends soon" window) and :cutoff (now - the grace
# period). Dates are whole seconds, so comparing them with bounds cut to whole seconds gives the
# same answer as status_at.
_LISTED = "deleted_at IS NULL AND server_missing_at IS NULL"  # as rooms_current_by_end's
_STATUS_CONDITIONS = {
    RoomStatus.ACTIVE: f"{_LISTED} AND end_date > :soon",
    RoomStatus.ENDS_SOON: f"{_LISTED} AND end_date > :now AND end_date <= :soon",
    RoomStatus.ENDED: f"{_LISTED} AND end_date > :cutoff AND end_date <= :now",
    RoomStatus.EXPIRED: "deleted_at IS NULL AND (server_missing_at IS NOT NULL "
    "OR end_date <= :cutoff)",
    RoomStatus.DELETED: "deleted_at IS NOT NULL",
}


def _status_bounds(now: datetime) -> dict[str, str]:
    """What the status conditions compare end dates with at ``now`` (aware)."""
    moment = require_aware(now, "now")
    # A room is current while end + grace > now, that is while end > now - grace.
    return {
        "now": format_utc(moment),
        "soon": format_utc(moment + ENDS_SOON_WINDOW),
        "cutoff": format_utc(moment - ROOM_GRACE_PERIOD),
    }


# New values from the server replace the stored ones, but a link or name the answer left out
# (the list call only returns links it was asked for) does not erase one we already know.
_REFRESH_FROM_SERVER = """
    room_name = COALESCE(excluded.room_name, rooms.room_name),
    room_url = excluded.room_url,
    host_room_url = COALESCE(excluded.host_room_url, rooms.host_room_url),
    viewer_room_url = COALESCE(excluded.viewer_room_url, rooms.viewer_room_url),
    start_date = COALESCE(excluded.start_date, rooms.start_date),
    end_date = excluded.end_date,
    room_mode = COALESCE(excluded.room_mode, rooms.room_mode),
    server_missing_at = NULL,
    updated_at = excluded.updated_at
"""
_INSERT_ROOM = """
    INSERT INTO rooms (meeting_id, room_name, room_url, host_room_url, viewer_room_url,
        start_date, end_date, room_mode, options, label, notes, created_at, source, updated_at,
        planned_start, time_zone, series, invitation_template)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_UPSERT_IMPORTED = f"""
    {_INSERT_ROOM}
    ON CONFLICT (meeting_id) DO UPDATE SET {_REFRESH_FROM_SERVER}
    WHERE rooms.room_url IS NOT excluded.room_url
        OR rooms.end_date IS NOT excluded.end_date
        OR rooms.server_missing_at IS NOT NULL
        OR (excluded.room_name IS NOT NULL AND rooms.room_name IS NOT excluded.room_name)
        OR (excluded.host_room_url IS NOT NULL
            AND rooms.host_room_url IS NOT excluded.host_room_url)
        OR (excluded.viewer_room_url IS NOT NULL
            AND rooms.viewer_room_url IS NOT excluded.viewer_room_url)
        OR (excluded.start_date IS NOT NULL AND rooms.start_date IS NOT excluded.start_date)
        OR (excluded.room_mode IS NOT NULL AND rooms.room_mode IS NOT excluded.room_mode)
"""
# A room we created that a sync imported first (its create answer was lost) becomes ours, with
# the session planned for it (a sync never sets or clears one: _REFRESH_FROM_SERVER leaves it).
_UPSERT_CREATED = f"""
    {_INSERT_ROOM}
    ON CONFLICT (meeting_id) DO UPDATE SET {_REFRESH_FROM_SERVER},
        options = excluded.options,
        label = CASE WHEN excluded.label <> '' THEN excluded.label ELSE rooms.label END,
        notes = CASE WHEN excluded.notes <> '' THEN excluded.notes ELSE rooms.notes END,
        planned_start = COALESCE(excluded.planned_start, rooms.planned_start),
        time_zone = COALESCE(excluded.time_zone, rooms.time_zone),
        series = COALESCE(excluded.series, rooms.series),
        invitation_template = COALESCE(excluded.invitation_template, rooms.invitation_template),
        source = excluded.source
"""

# Bound parameters per query: below SQLite's old limit of 999.
_IDS_PER_QUERY = 500


def _in_batches(ids: list[str]) -> Iterator[tuple[list[str], str]]:
    """``ids`` in pieces a query can bind, each with its ``?, ?, …`` placeholders."""
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        yield chunk, ", ".join("?" * len(chunk))


class _Checkpointer:
    """Copies the write-ahead log into the database file from a thread of its own.

    A commit only appends to the log. After every ``CHECKPOINT_ROWS`` rows written, the thread
    runs a passive checkpoint through a connection of its own, which neither waits for nor blocks
    the store's readers and writers, and leaves the log to be reused from its start. The thread
    starts with the first checkpoint and ends when the store closes.
    """

    # Rows changed between checkpoints: some megabytes of log, as with SQLite's own default.
    CHECKPOINT_ROWS = 1000

    def __init__(self, path: Path) -> None:
        self._path = path
        self._wanted = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._changes_seen = 0

    def after_commit(self, total_changes: int) -> None:
        """Called after each commit with the connection's ``total_changes``."""
        if total_changes - self._changes_seen < self.CHECKPOINT_ROWS:
            return
        self._changes_seen = total_changes
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"room store checkpoints: {self._path.name}", daemon=True
            )
            self._thread.start()
        self._wanted.set()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error:
            log.warning("cannot open the room store for checkpoints", exc_info=True)
            return
        try:
            while True:
                self._wanted.wait()
                self._wanted.clear()
                if self._closing:
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error:
                    log.debug("checkpoint failed; the next commit asks again", exc_info=True)
        finally:
            conn.close()

    def close(self) -> None:
        """Stop the thread (after a checkpoint under way); closing the store checkpoints."""
        self._closing = True
        self._wanted.set()
        if self._thread is not None:
            self._thread.join()


class RoomStore:
    """The rooms roomdesk knows about, in the SQLite file at ``path``.

    Opening creates the file (mode 0600) or upgrades an older one, after copying it aside to
    ``<name>.bak-v<old>-<UTC time>``. A file from a newer roomdesk raises
    :class:`StoreVersionError`, a damaged or foreign one :class:`StoreCorruptError`; neither is
    changed.

    ``structure_checked`` says the caller has just run SQLite's quick check on this file and it
    passed, so opening skips its own (a full read of the file).

    ``busy_timeout`` is how long a write waits for another program's lock before it fails;
    ``max_page_count``, when given, caps the file's size in pages, as a full disk would (tests
    use it).
    """

    def __init__(
        self,
        path: Path,
        *,
        structure_checked: bool = False,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        max_page_count: int | None = None,
    ) -> None:
        self._path = Path(path)
        self._structure_checked = structure_checked
        self._busy_timeout = busy_timeout
        self._max_page_count = max_page_count
        self._checkpointer: _Checkpointer | None = None
        self._conn = self._open()
        self._closed = False

    # -- opening ---------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        path = self._path
        parent = path.parent
        try:
            if not parent.exists():
                parent.mkdir(parents=True, mode=0o700)
                os.chmod(parent, 0o700)  # mkdir's mode is filtered by the umask
        except OSError as exc:
            raise StoreFolderError(parent, exc) from exc
        try:
            _create_private_file(path)
            # Autocommit: every write below opens its own transaction explicitly.
            conn = sqlite3.connect(path, timeout=self._busy_timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(path, "{}. {}".format(*storage_problem(exc))) from exc
        try:
            self._check(conn)
            self._configure(conn)
            self._upgrade(conn)
        except (sqlite3.Error, OSError) as exc:
            conn.close()
            if getattr(exc, "sqlite_errorname", None) in _CORRUPT_ERRORS:
                raise StoreCorruptError(path, str(exc)) from exc
            raise StoreUnavailableError(path, "{}. {}".format(*storage_problem(exc))) from exc
        except BaseException:
            conn.close()
            raise
        _make_private(path)
        return conn

    def _check(self, conn: sqlite3.Connection) -> None:
        """Refuse a newer, foreign or damaged file. Only reads, so a refused file is unchanged."""
        version = migrations.schema_version(conn)
        if version > migrations.LATEST_VERSION:
            raise StoreVersionError(self._path, version, migrations.LATEST_VERSION)
        if version == 0:
            (tables,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if tables:
                raise StoreCorruptError(self._path, "it is a SQLite database of some other program")
            return
        if self._structure_checked:
            return
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise StoreCorruptError(self._path, "; ".join(problems))

    def _configure(self, conn: sqlite3.Connection) -> None:
        (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode.lower() != "wal":
            # Some network file systems cannot share memory; the store still works, just slower.
            log.warning("room store runs in %s journal mode, not WAL", mode)
        else:
            # SQLite would copy the log into the file (and fsync) inside whichever commit makes
            # the log long: tens of milliseconds on the GUI thread. A thread does it instead.
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            self._checkpointer = _Checkpointer(self._path)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = {-PAGE_CACHE_KIB}")  # negative: in KiB
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        if self._max_page_count is not None:
            conn.execute(f"PRAGMA max_page_count = {int(self._max_page_count)}").fetchone()

    def _upgrade(self, conn: sqlite3.Connection) -> None:
        version = migrations.schema_version(conn)
        if version == migrations.LATEST_VERSION:
            return
        if version > 0:
            self._backup(conn, version)
        migrations.apply_migrations(conn)

    def _backup(self, conn: sqlite3.Connection, version: int) -> Path:
        """Copy the file aside before changing its schema; the backup API includes the WAL."""
        stem = f"{self._path.name}.bak-v{version}-{_utc_stamp()}"
        while True:
            target = _free_name(self._path.parent, stem)
            try:
                # Exclusive, so two roomdesks upgrading at once never share a backup file.
                os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                break
            except FileExistsError:
                continue
        copy = sqlite3.connect(target)
        try:
            conn.backup(copy)
        finally:
            copy.close()
        log.info("copied the room store to %s before upgrading it from schema %d", target, version)
        return target

    # -- lifetime --------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def media(self) -> MediaCache:
        """The rooms' recordings, transcriptions, sessions and participants as last fetched."""
        # Loaded when first asked for: it needs the API's models, which the window's first
        # frame does without.
        from roomdesk.store.media import MediaCache

        return MediaCache(self._conn, self._write)

    @property
    def schema_version(self) -> int:
        return migrations.schema_version(self._conn)

    def close(self) -> None:
        """Close the file; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        if self._checkpointer is not None:
            self._checkpointer.close()
        try:
            self._conn.execute("PRAGMA optimize")
        except sqlite3.Error:
            log.debug("PRAGMA optimize failed on close", exc_info=True)
        # Later calls then raise sqlite3.ProgrammingError ("closed database").
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        conn = self._conn
        try:
            with conn:
                # IMMEDIATE takes the write lock up front, so reads inside see what we will change.
                conn.execute("BEGIN IMMEDIATE")
                yield conn
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, NOT_STORAGE):
                raise
            # Rolled back by the block above (or by SQLite itself): nothing was half written.
            raise StoreWriteError.from_sqlite(self._path, exc) from exc
        if self._checkpointer is not None:
            self._checkpointer.after_commit(conn.total_changes)

    # -- rooms -----------------------------------------------------------------------------------

    def _room_row(self, conn: sqlite3.Connection, meeting_id: str) -> StoredRoom | None:
        row = conn.execute(f"{SELECT_ROOMS} WHERE meeting_id = ?", (meeting_id,)).fetchone()
        return None if row is None else _room_from_row(row)

    def _created_params(
        self,
        meeting: Meeting,
        *,
        room_mode: str,
        options: dict[str, Any] | None,
        label: str,
        notes: str,
        created_at: datetime | None,
        planned_start: datetime | None = None,
        time_zone: str | None = None,
        series: RoomSeries | None = None,
        invitation_template: str | None = None,
    ) -> tuple[Any, ...]:
        now = format_utc(datetime.now(UTC))
        return _meeting_params(
            meeting,
            room_mode=_room_mode_value(room_mode),
            options=_json_text(options, "options"),
            label=label,
            notes=notes,
            created_at=now if created_at is None else _utc_text(created_at, "created_at"),
            source=RoomSource.CREATED,
            now=now,
            planned_start=_optional_utc_text(planned_start, "planned_start"),
            time_zone=time_zone,
            series=series_text(series),
            invitation_template=invitation_template,
        )

    def add_created(
        self,
        meeting: Meeting,
        *,
        room_mode: str,
        options: dict[str, Any] | None,
        label: str = "",
        notes: str = "",
        created_at: datetime | None = None,
        planned_start: datetime | None = None,
        time_zone: str | None = None,
        series: RoomSeries | None = None,
        invitation_template: str | None = None,
    ) -> StoredRoom:
        """Record a room this roomdesk just created. ``options`` must hold no secrets;
        ``series`` is given for one room made for a whole series of sessions,
        ``invitation_template`` for one made from a preset with its own.

        If a sync already imported the meeting, that row becomes this created room.
        """
        params = self._created_params(
            meeting,
            room_mode=room_mode,
            options=options,
            label=label,
            notes=notes,
            created_at=created_at,
            planned_start=planned_start,
            time_zone=time_zone,
            series=series,
            invitation_template=invitation_template,
        )
        with self._write() as conn:
            conn.execute(_UPSERT_CREATED, params)
            room = self._room_row(conn, meeting.meeting_id)
        assert room is not None
        return room

    def _imported_params(
        self, meeting: Meeting, room_mode: str | None, now: str
    ) -> tuple[Any, ...]:
        return _meeting_params(
            meeting,
            room_mode=_room_mode_value(room_mode),
            options=None,
            label="",
            notes="",
            created_at=now,
            source=RoomSource.IMPORTED,
            now=now,
        )

    def upsert_imported(
        self, meeting: Meeting, *, room_mode: str | None = None
    ) -> tuple[StoredRoom, bool]:
        """Record a meeting the server listed. Returns the room and whether it was new.

        A known room keeps its label, notes, source and options; its links and dates are
        refreshed and it is no longer marked missing. A room marked deleted stays deleted.
        """
        params = self._imported_params(meeting, room_mode, format_utc(datetime.now(UTC)))
        with self._write() as conn:
            known = conn.execute(
                "SELECT 1 FROM rooms WHERE meeting_id = ?", (meeting.meeting_id,)
            ).fetchone()
            conn.execute(_UPSERT_IMPORTED, params)
            room = self._room_row(conn, meeting.meeting_id)
        assert room is not None
        return room, known is None

    def upsert_many_imported(self, meetings: Iterable[Meeting]) -> int:
        """:meth:`upsert_imported` for a whole sync in one transaction; returns how many are new."""
        now = format_utc(datetime.now(UTC))
        # Build every row first so a bad meeting raises before anything is written.
        rows = [self._imported_params(meeting, None, now) for meeting in meetings]
        ids = list(dict.fromkeys(row[0] for row in rows))
        with self._write() as conn:
            # Looked up by meeting id: a count(*) of the table would cost a scan of every room
            # per call, and a sync calls this once per page.
            known = 0
            for chunk, marks in _in_batches(ids):
                sql = f"SELECT count(*) FROM rooms WHERE meeting_id IN ({marks})"
                (found,) = conn.execute(sql, chunk).fetchone()
                known += found
            conn.executemany(_UPSERT_IMPORTED, rows)
        return len(ids) - known

    def get(self, meeting_id: str) -> StoredRoom | None:
        return self._room_row(self._conn, meeting_id)

    def get_many(self, meeting_ids: Iterable[str]) -> dict[str, StoredRoom]:
        """The stored rooms among ``meeting_ids``, by meeting id (unknown ids are left out).

        A few queries for a sync's page of 100, where :meth:`get` for each would be 100.
        """
        found: dict[str, StoredRoom] = {}
        for chunk, marks in _in_batches(list(dict.fromkeys(meeting_ids))):
            rows = self._conn.execute(f"{SELECT_ROOMS} WHERE meeting_id IN ({marks})", chunk)
            found.update((room.meeting_id, room) for room in map(_room_from_row, rows))
        return found

    def get_by_id(self, local_id: int) -> StoredRoom | None:
        row = self._conn.execute(f"{SELECT_ROOMS} WHERE id = ?", (local_id,)).fetchone()
        return None if row is None else _room_from_row(row)

    @staticmethod
    def _expiry_cutoff(now: datetime | None) -> str:
        return _status_bounds(utc_now() if now is None else now)["cutoff"]

    def list_rooms(
        self, *, include_past: bool = False, now: datetime | None = None
    ) -> list[StoredRoom]:
        """Rooms still usable at ``now`` (default: the current time), the soonest to end first.

        With ``include_past``, deleted, expired and missing rooms follow, the latest to end first.
        """
        cutoff = self._expiry_cutoff(now)
        conn = self._conn
        current = conn.execute(
            f"{SELECT_ROOMS} WHERE {_CURRENT} ORDER BY end_date, id", (cutoff,)
        ).fetchall()
        rooms = [_room_from_row(row) for row in current]
        if include_past:
            past = conn.execute(
                f"{SELECT_ROOMS} WHERE {_PAST} ORDER BY end_date DESC, id DESC", (cutoff,)
            ).fetchall()
            rooms.extend(_room_from_row(row) for row in past)
        return rooms

    def rooms_with_status(
        self, status: RoomStatus, *, now: datetime, limit: int, latest_first: bool = False
    ) -> list[StoredRoom]:
        """Up to ``limit`` rooms whose status at ``now`` is ``status``, by end date (the latest
        first if asked), then meeting id: the top of a list in end order, read through the
        end-date indexes without reading every room."""
        params: dict[str, str | int] = {**_status_bounds(now), "limit": max(0, limit)}
        direction = "DESC" if latest_first else "ASC"
        rows = self._conn.execute(
            f"{SELECT_ROOMS} WHERE {_STATUS_CONDITIONS[RoomStatus(status)]} "
            f"ORDER BY end_date {direction}, meeting_id LIMIT :limit",
            params,
        )
        return [_room_from_row(row) for row in rows]

    def room_rows(self, *, own_connection: bool = False) -> RoomRows:
        """Every room as :class:`RoomRows`, in no particular order: for a table of many rooms.

        Several times faster than :meth:`list_rooms`, and without its per-room objects. With
        ``own_connection`` the rows are read through a connection of their own, so this may be
        called from a worker thread; the loader still uses this store (call it from its thread).
        """
        if own_connection:
            # Read-only by URI: a store closed and removed meanwhile (a demo's) is an error
            # here, not a new empty file.
            conn = sqlite3.connect(
                self._path.resolve().as_uri() + "?mode=ro",
                uri=True,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,
            )
            try:
                return read_room_rows(conn, self.get_if_open)
            finally:
                conn.close()
        return read_room_rows(self._conn, self.get_if_open)

    def get_if_open(self, meeting_id: str) -> StoredRoom | None:
        """:meth:`get`, or None once the store is closed (for views that outlive the store)."""
        return None if self._closed else self.get(meeting_id)

    def meeting_ids(
        self,
        *,
        include_past: bool = False,
        now: datetime | None = None,
        source: RoomSource | None = None,
    ) -> list[str]:
        """The meeting ids :meth:`list_rooms` would return (in no particular order), optionally
        only those of rooms from ``source``: for 100,000 rooms, milliseconds instead of the
        second it takes to build every room."""
        conditions, params = ([], []) if include_past else ([_CURRENT], [self._expiry_cutoff(now)])
        if source is not None:
            conditions.append("source = ?")
            params.append(RoomSource(source).value)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return [
            mid for (mid,) in self._conn.execute(f"SELECT meeting_id FROM rooms{where}", params)
        ]

    def count_rooms(self, *, include_past: bool = False, now: datetime | None = None) -> int:
        """How many rooms :meth:`list_rooms` would return with the same arguments."""
        if include_past:
            (count,) = self._conn.execute("SELECT count(*) FROM rooms").fetchone()
        else:
            (count,) = self._conn.execute(
                f"SELECT count(*) FROM rooms WHERE {_CURRENT}", (self._expiry_cutoff(now),)
            ).fetchone()
        return int(count)

    def set_label(
        self,
        meeting_id: str,
        label: str,
        notes: str | None = None,
        *,
        planned_start: datetime | Literal[Unchanged.UNCHANGED] | None = UNCHANGED,
        time_zone: str | Literal[Unchanged.UNCHANGED] | None = UNCHANGED,
    ) -> StoredRoom | None:
        """Change a room's label, and its notes unless None, and its planned start and the zone
        it was planned in unless :data:`UNCHANGED` (None clears them), all in one transaction.
        None if there is no such room. The caller checks the start against the end."""
        now = format_utc(datetime.now(UTC))
        assignments = ["label = ?", "notes = COALESCE(?, notes)", "updated_at = ?"]
        params: list[Any] = [label, notes, now]
        if planned_start is not UNCHANGED:
            assignments.append("planned_start = ?")
            params.append(_optional_utc_text(planned_start, "planned_start"))
        if time_zone is not UNCHANGED:
            assignments.append("time_zone = ?")
            params.append(time_zone)
        with self._write() as conn:
            conn.execute(
                f"UPDATE rooms SET {', '.join(assignments)} WHERE meeting_id = ?",
                (*params, meeting_id),
            )
            return self._room_row(conn, meeting_id)

    def rooms_with_planned_start(self, after: datetime) -> list[StoredRoom]:
        """Rooms neither deleted nor missing whose planned start is at or after ``after``
        (aware), and one-room series still running then (their first start may be past),
        by planned start: those a reminder may still be due for."""
        moment = _utc_text(after, "after")
        # Two queries, each read through its own index: an OR of both would read every
        # planned room.
        rows = self._conn.execute(
            f"{SELECT_ROOMS} WHERE planned_start IS NOT NULL AND deleted_at IS NULL "
            "AND server_missing_at IS NULL AND planned_start >= ?",
            (moment,),
        ).fetchall()
        rows += self._conn.execute(
            f"{SELECT_ROOMS} WHERE series IS NOT NULL AND deleted_at IS NULL "
            "AND server_missing_at IS NULL AND end_date > ? AND planned_start < ?",
            (moment, moment),
        ).fetchall()
        rooms = [_room_from_row(row) for row in rows]
        return sorted(rooms, key=lambda room: (room.planned_start, room.id))

    # -- reminders -------------------------------------------------------------------------------

    def mark_reminder_shown(self, meeting_id: str, starts_at: datetime, shown_at: datetime) -> bool:
        """Record that the reminder for ``meeting_id``'s session starting at ``starts_at`` was
        shown; True only the first time, so two windows never both show it."""
        params = (meeting_id, _utc_text(starts_at, "starts_at"), _utc_text(shown_at, "shown_at"))
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO reminders_shown (meeting_id, starts_at, shown_at) "
                "VALUES (?, ?, ?)",
                params,
            )
            return cursor.rowcount == 1

    def reminder_shown(self, meeting_id: str, starts_at: datetime) -> bool:
        """Whether the reminder for that session has been shown."""
        row = self._conn.execute(
            "SELECT 1 FROM reminders_shown WHERE meeting_id = ? AND starts_at = ?",
            (meeting_id, _utc_text(starts_at, "starts_at")),
        ).fetchone()
        return row is not None

    def _stamp(self, column: str, meeting_ids: Iterable[str], when: datetime | None) -> int:
        # column is one of two names fixed in this class, never caller input.
        stamp = format_utc(datetime.now(UTC) if when is None else require_aware(when, "when"))
        rows = [(stamp, stamp, meeting_id) for (meeting_id,) in _ids(meeting_ids)]
        with self._write() as conn:
            cursor = conn.executemany(
                f"UPDATE rooms SET {column} = ?, updated_at = ? "
                f"WHERE meeting_id = ? AND {column} IS NULL",
                rows,
            )
            return cursor.rowcount

    def mark_deleted(self, meeting_ids: Iterable[str], when: datetime | None = None) -> int:
        """Record that these rooms were deleted on the server. Returns how many changed."""
        return self._stamp("deleted_at", meeting_ids, when)

    def mark_server_missing(self, meeting_ids: Iterable[str], when: datetime | None = None) -> int:
        """Record that a sync no longer found these rooms. Returns how many changed.

        The first time stays recorded; a later sync that finds the room again clears it.
        """
        return self._stamp("server_missing_at", meeting_ids, when)

    def delete_local(self, meeting_ids: Iterable[str]) -> int:
        """Forget these rooms entirely, with what was fetched of their recordings, transcripts
        and attendance (the server is not asked). Returns how many rooms were removed."""
        rows = _ids(meeting_ids)
        with self._write() as conn:
            removed = conn.executemany("DELETE FROM rooms WHERE meeting_id = ?", rows).rowcount
            # Table names fixed here, never caller input.
            for table in _MEDIA_TABLES:
                conn.executemany(f"DELETE FROM {table} WHERE meeting_id = ?", rows)
            return removed

    # -- pending creates -------------------------------------------------------------------------

    def add_pending_create(
        self,
        request_json: dict[str, Any],
        label: str,
        *,
        planned_start: datetime | None = None,
        time_zone: str | None = None,
        series: RoomSeries | None = None,
        invitation_template: str | None = None,
    ) -> int:
        """Write a create request down before sending it, with the room's label, planned start,
        zone, series and invitation template; returns its id. Its attempt is 1."""
        text = _json_text(request_json, "request_json")
        now = format_utc(datetime.now(UTC))
        start = _optional_utc_text(planned_start, "planned_start")
        plan = (start, time_zone, series_text(series), invitation_template)
        state = PendingState.PENDING.value
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO pending_creates (request_json, label, created_at, state, attempt, "
                f"{PLAN_COLUMNS}) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)",
                (text, label, now, state, *plan),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def get_pending_create(self, pending_id: int) -> PendingCreate | None:
        row = self._conn.execute(
            f"SELECT {PENDING_COLUMNS} FROM pending_creates WHERE id = ?", (pending_id,)
        ).fetchone()
        return None if row is None else _pending_from_row(row)

    @staticmethod
    def _require_pending(conn: sqlite3.Connection, pending_id: int) -> None:
        if conn.execute("SELECT 1 FROM pending_creates WHERE id = ?", (pending_id,)).fetchone():
            return
        raise KeyError(f"no pending create with id {pending_id}")

    def mark_pending(self, pending_id: int, state: str, error: str | None = None) -> None:
        """Move a pending create to ``state``: 'pending' again (a retry, counted as another
        attempt), 'unknown' (the answer was lost), 'created' (answered 2xx, unreadable) or
        'failed'. Use :meth:`resolve_pending_create` or :meth:`complete_create` for 'resolved'."""
        state = PendingState(state)
        if state is PendingState.RESOLVED:
            raise ValueError("use resolve_pending_create() or complete_create() to resolve")
        retry = 1 if state is PendingState.PENDING else 0
        with self._write() as conn:
            self._require_pending(conn, pending_id)
            conn.execute(
                "UPDATE pending_creates SET state = ?, error = ?, attempt = attempt + ? "
                "WHERE id = ?",
                (state.value, error, retry, pending_id),
            )

    @staticmethod
    def _resolve(conn: sqlite3.Connection, pending_id: int, meeting_id: str) -> None:
        RoomStore._require_pending(conn, pending_id)
        conn.execute(
            "UPDATE pending_creates SET state = ?, meeting_id = ?, error = NULL WHERE id = ?",
            (PendingState.RESOLVED.value, meeting_id, pending_id),
        )

    def resolve_pending_create(self, pending_id: int, meeting_id: str) -> None:
        """Record which meeting a pending create turned out to be (e.g. found by a sync)."""
        with self._write() as conn:
            self._resolve(conn, pending_id, meeting_id)

    def pending_creates(
        self,
        states: Iterable[str] = (PendingState.PENDING, PendingState.UNKNOWN, PendingState.CREATED),
    ) -> list[PendingCreate]:
        """Pending creates in any of ``states`` (by default the open ones), oldest first."""
        if isinstance(states, str):
            states = (states,)
        wanted = [PendingState(state).value for state in states]
        if not wanted:
            return []
        marks = ", ".join("?" * len(wanted))
        rows = self._conn.execute(
            f"SELECT {PENDING_COLUMNS} FROM pending_creates WHERE state IN ({marks}) ORDER BY id",
            wanted,
        ).fetchall()
        return [_pending_from_row(row) for row in rows]

    def complete_create(
        self,
        pending_id: int,
        meeting: Meeting,
        *,
        room_mode: str,
        options: dict[str, Any] | None,
        label: str,
    ) -> StoredRoom:
        """Record the created room and resolve its pending create, both or neither. The room
        gets the planned start, zone, series and template written down with the create."""
        params = self._created_params(
            meeting,
            room_mode=room_mode,
            options=options,
            label=label,
            notes="",
            created_at=None,
        )
        with self._write() as conn:
            self._require_pending(conn, pending_id)
            plan = conn.execute(
                f"SELECT {PLAN_COLUMNS} FROM pending_creates WHERE id = ?", (pending_id,)
            ).fetchone()
            conn.execute(_UPSERT_CREATED, (*params[: -len(plan)], *plan))
            self._resolve(conn, pending_id, meeting.meeting_id)
            room = self._room_row(conn, meeting.meeting_id)
        assert room is not None
        return room
