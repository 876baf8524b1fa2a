"""The room store's rows: the columns each query selects, the records made of them, and the
values a room's row is written from.

:mod:`roomdesk.store.db` runs the queries; this module says what a row holds and turns it into a
:class:`~roomdesk.store.records.StoredRoom` or :class:`~roomdesk.store.records.PendingCreate`,
or, for a table of many rooms, into the parallel columns of a :class:`RoomRows`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from roomdesk.domain.times import format_utc, require_aware
from roomdesk.store.records import PendingCreate, PendingState, RoomSource, StoredRoom

ROOM_COLUMNS = (
    "id, meeting_id, room_name, room_url, host_room_url, viewer_room_url, start_date, end_date,"
    " room_mode, options, label, notes, created_at, source, deleted_at, server_missing_at,"
    " updated_at, planned_start, time_zone, series, invitation_template"
)
SELECT_ROOMS = f"SELECT {ROOM_COLUMNS} FROM rooms"
# What a create written down before it is sent keeps for its room, in the rooms table's order.
PLAN_COLUMNS = "planned_start, time_zone, series, invitation_template"
PENDING_COLUMNS = (
    f"id, request_json, label, created_at, state, meeting_id, error, attempt, {PLAN_COLUMNS}"
)

if TYPE_CHECKING:
    from roomdesk.api.models import Meeting
    from roomdesk.domain.series import RoomSeries

log = logging.getLogger(__name__)

# RoomRows: the state bits of a record.
ROW_DELETED = 1
ROW_MISSING = 2
# Only what a room table shows, filters and sorts by (the dates as epoch seconds).
SELECT_ROOM_RECORDS = f"""
    SELECT meeting_id, label, room_name, room_url, host_room_url, viewer_room_url, room_mode,
        options, CAST(strftime('%s', end_date) AS REAL),
        (deleted_at IS NOT NULL) * {ROW_DELETED} + (server_missing_at IS NOT NULL) * {ROW_MISSING},
        CAST(strftime('%s', planned_start) AS REAL)
    FROM rooms ORDER BY id
"""

# Rows fetched at a time by room_rows: few enough that the garbage collector, which looks at new
# tuples until they are freed, never has a hundred thousand of them to look at, and that a read
# in a worker thread holds the GIL for no more than a few milliseconds at a time.
_ROWS_PER_FETCH = 1024


@dataclass(frozen=True, slots=True)
class RoomRows:
    """Every room as parallel columns: what a table of many rooms needs, no object per room.

    Row ``i`` of each list belongs to one room (in no particular order). ``ends`` are epoch
    seconds, ``starts`` the planned starts as epoch seconds (None for a room without one),
    ``states`` the :data:`ROW_DELETED` and :data:`ROW_MISSING` bits, ``options`` the stored JSON
    text (or None). ``loader`` returns a meeting's full :class:`StoredRoom` when one is needed,
    or None (unknown, or the store has been closed).
    """

    meeting_ids: list[str]
    labels: list[str]
    room_names: list[str | None]
    room_urls: list[str]
    host_room_urls: list[str | None]
    viewer_room_urls: list[str | None]
    ends: list[float]
    states: list[int]
    room_modes: list[str | None]
    options: list[str | None]
    starts: list[float | None]
    loader: Callable[[str], StoredRoom | None]

    def __len__(self) -> int:
        return len(self.meeting_ids)


def _read_columns(conn: sqlite3.Connection, select: str, count: int) -> list[list[Any]]:
    columns: list[list[Any]] = [[] for _ in range(count)]
    cursor = conn.execute(select)
    while chunk := cursor.fetchmany(_ROWS_PER_FETCH):
        for column, values in zip(columns, zip(*chunk, strict=True), strict=True):
            column.extend(values)
    return columns


def read_room_rows(
    conn: sqlite3.Connection, loader: Callable[[str], StoredRoom | None]
) -> RoomRows:
    """Every room's columns, read through ``conn``."""
    ids, labels, names, urls, hosts, viewers, modes, options, ends, states, starts = _read_columns(
        conn, SELECT_ROOM_RECORDS, 11
    )
    return RoomRows(
        ids, labels, names, urls, hosts, viewers, ends, states, modes, options, starts, loader
    )


_parse_time = datetime.fromisoformat  # Python 3.11 reads the trailing Z as UTC


def series_text(series: RoomSeries | None) -> str | None:
    """A series as the store keeps it: JSON text, or None."""
    if series is None:
        return None
    return json.dumps(series.to_data(), ensure_ascii=False, separators=(",", ":"))


def _parse_series(text: str | None) -> RoomSeries | None:
    # A series that cannot be read (written by a later roomdesk, or edited by hand) leaves its
    # room a room with one planned start rather than making the whole room list unreadable.
    if text is None:
        return None
    # Loaded with the first series read: the window's first frame needs none.
    from roomdesk.domain.series import RoomSeries

    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return RoomSeries.from_data(data)
    except ValueError as exc:
        log.warning("a stored series cannot be read, so only its first session is kept: %s", exc)
        return None


_SOURCES = {source.value: source for source in RoomSource}


def meeting_params(
    meeting: Meeting,
    *,
    room_mode: str | None,
    options: str | None,
    label: str,
    notes: str,
    created_at: str,
    source: RoomSource,
    now: str,
    planned_start: str | None = None,
    time_zone: str | None = None,
    series: str | None = None,
    invitation_template: str | None = None,
) -> tuple[Any, ...]:
    """The values of a room's row, in the order the store's insert names its columns."""
    start = meeting.start_date
    return (
        meeting.meeting_id,
        meeting.room_name,
        meeting.room_url,
        meeting.host_room_url,
        meeting.viewer_room_url,
        None if start is None else format_utc(require_aware(start, "meeting.start_date")),
        format_utc(require_aware(meeting.end_date, "meeting.end_date")),
        room_mode,
        options,
        label,
        notes,
        created_at,
        source.value,
        now,
        planned_start,
        time_zone,
        series,
        invitation_template,
    )


def room_from_row(row: tuple[Any, ...]) -> StoredRoom:
    (
        local_id,
        meeting_id,
        room_name,
        room_url,
        host_room_url,
        viewer_room_url,
        start_date,
        end_date,
        room_mode,
        options,
        label,
        notes,
        created_at,
        source,
        deleted_at,
        server_missing_at,
        updated_at,
        planned_start,
        time_zone,
        series,
        invitation_template,
    ) = row
    return StoredRoom(
        local_id,
        meeting_id,
        room_name,
        room_url,
        host_room_url,
        viewer_room_url,
        None if start_date is None else _parse_time(start_date),
        _parse_time(end_date),
        room_mode,
        None if options is None else json.loads(options),
        label,
        notes,
        _parse_time(created_at),
        _SOURCES[source],
        None if deleted_at is None else _parse_time(deleted_at),
        None if server_missing_at is None else _parse_time(server_missing_at),
        _parse_time(updated_at),
        None if planned_start is None else _parse_time(planned_start),
        time_zone,
        _parse_series(series),
        invitation_template,
    )


def pending_from_row(row: tuple[Any, ...]) -> PendingCreate:
    (
        local_id,
        request_json,
        label,
        created_at,
        state,
        meeting_id,
        error,
        attempt,
        planned_start,
        time_zone,
        series,
        invitation_template,
    ) = row
    return PendingCreate(
        id=local_id,
        request_json=json.loads(request_json),
        label=label,
        created_at=_parse_time(created_at),
        state=PendingState(state),
        meeting_id=meeting_id,
        error=error,
        attempt=attempt,
        planned_start=None if planned_start is None else _parse_time(planned_start),
        time_zone=time_zone,
        series=_parse_series(series),
        invitation_template=invitation_template,
    )
