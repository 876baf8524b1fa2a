"""The room store's copy of what Whereby said about a room's sessions: recordings, transcriptions,
room sessions and who took part in each.

Each list is kept per meeting and replaced whole by the next fetch, in one transaction, so an item
deleted elsewhere leaves the list then. Rows are read back as the API's own models. Access links
are never stored: each works without the API key until it expires.

:class:`MediaCache` works on a :class:`~roomdesk.store.db.RoomStore`'s connection, from the
store's thread; the store hands one out as ``store.media``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from roomdesk.api.insight_models import Participant, RoomSession
from roomdesk.api.media_models import (
    Recording,
    StorageType,
    Transcription,
    TranscriptionState,
    TranscriptionType,
)
from roomdesk.domain.times import require_aware, to_utc

Write = Callable[[], AbstractContextManager[sqlite3.Connection]]


class MediaKind(StrEnum):
    """A list fetched from Whereby and kept here; its last fetch is remembered per meeting."""

    RECORDINGS = "recordings"
    TRANSCRIPTIONS = "transcriptions"
    ROOM_SESSIONS = "room_sessions"
    PARTICIPANTS = "participants"  # per room session: its id is the fetch's scope


def moment_text(moment: datetime) -> str:
    """UTC with microseconds and a Z, always the same width, so text order is time order."""
    naive = to_utc(require_aware(moment, "moment")).replace(tzinfo=None)
    return naive.isoformat(timespec="microseconds") + "Z"


def _optional_moment_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment_text(moment)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _optional_moment(text: str | None) -> datetime | None:
    return None if text is None else _moment(text)


_RECORDING_COLUMNS = (
    "recording_id, room_session_id, filename, start_date, end_date, size_in_megabytes, room_name"
)
_TRANSCRIPTION_COLUMNS = (
    "transcription_id, room_session_id, room_name, start_date, end_date, state, created_at, type,"
    " filename, duration_in_seconds, storage_type"
)
_SESSION_COLUMNS = (
    "room_session_id, room_name, started_at, ended_at, total_participant_minutes,"
    " total_recorder_minutes, total_streamer_minutes, total_unique_participants,"
    " total_unique_recorders, total_unique_streamers, rating, total_ratings"
)
_PARTICIPANT_COLUMNS = (
    "room_session_id, participant_id, device_id, user_id, role_name, display_name, joined_at,"
    " left_at, external_id, rating, tags, comment"
)


def _marks(columns: str) -> str:
    return ", ".join("?" * (columns.count(",") + 1))


def _recording_row(recording: Recording) -> tuple[Any, ...]:
    return (
        recording.recording_id,
        recording.room_session_id,
        recording.filename,
        moment_text(recording.start_date),
        moment_text(recording.end_date),
        float(recording.size_in_megabytes),
        recording.room_name,
    )


def _recording(row: Sequence[Any]) -> Recording:
    rid, session, filename, start, end, size, room_name = row
    return Recording(rid, session, filename, _moment(start), _moment(end), size, room_name)


def _transcription_row(item: Transcription) -> tuple[Any, ...]:
    return (
        item.transcription_id,
        item.room_session_id,
        item.room_name,
        moment_text(item.start_date),
        moment_text(item.end_date),
        item.state.value,
        moment_text(item.created_at),
        item.type.value,
        item.filename,
        item.duration_in_seconds,
        None if item.storage_type is None else item.storage_type.value,
    )


E = TypeVar("E", bound=StrEnum)


def _choice(kind: type[E], value: str, unknown: E) -> E:
    # A value a later roomdesk stored reads as unknown here, as it would from the API.
    try:
        return kind(value)
    except ValueError:
        return unknown


def _transcription(row: Sequence[Any]) -> Transcription:
    tid, session, room, start, end, state, created, kind, filename, seconds, storage = row
    return Transcription(
        tid,
        session,
        room,
        _moment(start),
        _moment(end),
        _choice(TranscriptionState, state, TranscriptionState.UNKNOWN),
        _moment(created),
        _choice(TranscriptionType, kind, TranscriptionType.UNKNOWN),
        filename,
        seconds,
        None if storage is None else _choice(StorageType, storage, StorageType.UNKNOWN),
    )


def _session_row(session: RoomSession) -> tuple[Any, ...]:
    return (
        session.room_session_id,
        session.room_name,
        moment_text(session.started_at),
        _optional_moment_text(session.ended_at),
        *session[4:],
    )


def _session(row: Sequence[Any]) -> RoomSession:
    sid, room, started, ended, *totals = row
    return RoomSession(sid, room, _moment(started), _optional_moment(ended), *totals)


def _participant_row(person: Participant) -> tuple[Any, ...]:
    return (
        *person[:6],
        moment_text(person.joined_at),
        _optional_moment_text(person.left_at),
        person.external_id,
        person.rating,
        json.dumps(list(person.tags), ensure_ascii=False),
        person.comment,
    )


def _participant(row: Sequence[Any]) -> Participant:
    sid, pid, device, user, role, name, joined, left, external_id, rating, tags, comment = row
    return Participant(
        sid,
        pid,
        device,
        user,
        role,
        name,
        _moment(joined),
        _optional_moment(left),
        external_id,
        rating,
        tuple(json.loads(tags)),
        comment,
    )


class MediaCache:
    """Recordings, transcriptions, room sessions and participants per meeting, as last fetched.

    ``connection`` is the store's connection and ``write`` its one-transaction context (whose
    errors are the store's :class:`~roomdesk.store.errors.StoreWriteError`).
    """

    def __init__(self, connection: sqlite3.Connection, write: Write) -> None:
        self._conn = connection
        self._write = write

    # -- writing ---------------------------------------------------------------------------------

    @staticmethod
    def _fetched(
        conn: sqlite3.Connection, meeting_id: str, kind: MediaKind, scope: str, at: str
    ) -> None:
        conn.execute(
            "INSERT INTO media_fetches (meeting_id, kind, scope, fetched_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (meeting_id, kind, scope) DO UPDATE SET fetched_at = excluded.fetched_at",
            (meeting_id, kind.value, scope, at),
        )

    def _replace(
        self,
        kind: MediaKind,
        meeting_id: str,
        columns: str,
        rows: list[tuple[Any, ...]],
        fetched_at: datetime,
        also: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        # kind's value is a table name fixed in this module, never caller input.
        at = moment_text(fetched_at)
        with self._write() as conn:
            if also is not None:
                also(conn)
            conn.execute(f"DELETE FROM {kind.value} WHERE meeting_id = ?", (meeting_id,))
            conn.executemany(
                f"INSERT OR REPLACE INTO {kind.value} ({columns}, meeting_id, fetched_at) "
                f"VALUES ({_marks(columns)}, ?, ?)",
                [(*row, meeting_id, at) for row in rows],
            )
            self._fetched(conn, meeting_id, kind, "", at)

    def replace_recordings(
        self, meeting_id: str, recordings: Iterable[Recording], fetched_at: datetime
    ) -> None:
        """The meeting's recordings are now ``recordings``: any other stored one is gone."""
        rows = [_recording_row(item) for item in recordings]
        self._replace(MediaKind.RECORDINGS, meeting_id, _RECORDING_COLUMNS, rows, fetched_at)

    def replace_transcriptions(
        self, meeting_id: str, transcriptions: Iterable[Transcription], fetched_at: datetime
    ) -> None:
        rows = [_transcription_row(item) for item in transcriptions]
        self._replace(
            MediaKind.TRANSCRIPTIONS, meeting_id, _TRANSCRIPTION_COLUMNS, rows, fetched_at
        )

    def put_transcription(
        self, meeting_id: str, transcription: Transcription, fetched_at: datetime
    ) -> None:
        """Add or update one transcription (one just started, or polled) in the meeting's list."""
        with self._write() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO transcriptions ({_TRANSCRIPTION_COLUMNS}, meeting_id, "
                f"fetched_at) VALUES ({_marks(_TRANSCRIPTION_COLUMNS)}, ?, ?)",
                (*_transcription_row(transcription), meeting_id, moment_text(fetched_at)),
            )

    def replace_room_sessions(
        self, meeting_id: str, sessions: Iterable[RoomSession], fetched_at: datetime
    ) -> None:
        """The meeting's sessions are now ``sessions``; the participants of any other are
        forgotten with it."""
        rows = [_session_row(item) for item in sessions]
        kept = json.dumps([row[0] for row in rows])

        def forget_others(conn: sqlite3.Connection) -> None:
            conn.execute(
                "DELETE FROM participants WHERE meeting_id = ? AND room_session_id NOT IN "
                "(SELECT value FROM json_each(?))",
                (meeting_id, kept),
            )
            conn.execute(
                "DELETE FROM media_fetches WHERE meeting_id = ? AND kind = ? AND scope NOT IN "
                "(SELECT value FROM json_each(?))",
                (meeting_id, MediaKind.PARTICIPANTS.value, kept),
            )

        self._replace(
            MediaKind.ROOM_SESSIONS, meeting_id, _SESSION_COLUMNS, rows, fetched_at, forget_others
        )

    def replace_participants(
        self,
        meeting_id: str,
        room_session_id: str,
        participants: Iterable[Participant],
        fetched_at: datetime,
    ) -> None:
        """Who took part in the session is now ``participants``."""
        rows = [_participant_row(item) for item in participants]
        at = moment_text(fetched_at)
        with self._write() as conn:
            conn.execute("DELETE FROM participants WHERE room_session_id = ?", (room_session_id,))
            conn.executemany(
                f"INSERT OR REPLACE INTO participants ({_PARTICIPANT_COLUMNS}, meeting_id, "
                f"fetched_at) VALUES ({_marks(_PARTICIPANT_COLUMNS)}, ?, ?)",
                [(*row, meeting_id, at) for row in rows],
            )
            self._fetched(conn, meeting_id, MediaKind.PARTICIPANTS, room_session_id, at)

    def forget_recordings(self, recording_ids: Iterable[str]) -> int:
        """Drop these recordings (deleted on Whereby); returns how many were stored."""
        if isinstance(recording_ids, str):
            raise TypeError("pass a collection of recording ids, not a single string")
        rows = [(str(rid),) for rid in recording_ids]
        with self._write() as conn:
            return conn.executemany("DELETE FROM recordings WHERE recording_id = ?", rows).rowcount

    # -- reading ---------------------------------------------------------------------------------

    def recordings(self, meeting_id: str) -> list[Recording]:
        """The meeting's recordings as last fetched, the oldest first."""
        rows = self._conn.execute(
            f"SELECT {_RECORDING_COLUMNS} FROM recordings WHERE meeting_id = ? "
            "ORDER BY start_date, recording_id",
            (meeting_id,),
        )
        return [_recording(row) for row in rows]

    def recording(self, recording_id: str) -> tuple[str, Recording] | None:
        """A stored recording and the meeting it belongs to, or None."""
        row = self._conn.execute(
            f"SELECT meeting_id, {_RECORDING_COLUMNS} FROM recordings WHERE recording_id = ?",
            (recording_id,),
        ).fetchone()
        return None if row is None else (row[0], _recording(row[1:]))

    def transcriptions(self, meeting_id: str) -> list[Transcription]:
        rows = self._conn.execute(
            f"SELECT {_TRANSCRIPTION_COLUMNS} FROM transcriptions WHERE meeting_id = ? "
            "ORDER BY start_date, created_at, transcription_id",
            (meeting_id,),
        )
        return [_transcription(row) for row in rows]

    def room_sessions(self, meeting_id: str) -> list[RoomSession]:
        """The meeting's sessions as last fetched, the latest first."""
        rows = self._conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM room_sessions WHERE meeting_id = ? "
            "ORDER BY started_at DESC, room_session_id",
            (meeting_id,),
        )
        return [_session(row) for row in rows]

    def participants(self, room_session_id: str) -> list[Participant]:
        """Every stay in the session as last fetched, in joining order."""
        rows = self._conn.execute(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE room_session_id = ? "
            "ORDER BY joined_at, participant_id",
            (room_session_id,),
        )
        return [_participant(row) for row in rows]

    def last_fetched(self, meeting_id: str, kind: MediaKind, scope: str = "") -> datetime | None:
        """When the meeting's list of ``kind`` (for participants: the session ``scope``'s) was
        last fetched; None if never."""
        row = self._conn.execute(
            "SELECT fetched_at FROM media_fetches WHERE meeting_id = ? AND kind = ? AND scope = ?",
            (meeting_id, MediaKind(kind).value, scope),
        ).fetchone()
        return None if row is None else _moment(row[0])
