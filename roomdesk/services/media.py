"""After the session: a stored room's recordings, transcriptions, sessions and who took part,
fetched from Whereby and kept in the store; deleting recordings and starting transcriptions.

No widgets and no printing. Every call goes through the given client, so through its rate-limit
queue like every other call. Participants are fetched only when asked for (a session at a time),
never as part of a sync. Asking before deleting is the caller's job.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from roomdesk.api.client import WherebyClient
from roomdesk.api.errors import FeatureNotAvailableError, WherebyError
from roomdesk.api.insight_models import Participant, RoomSession
from roomdesk.api.insights import InsightsClient
from roomdesk.api.media_models import (
    AccessLink,
    Recording,
    Summary,
    Transcription,
    TranscriptionState,
)
from roomdesk.api.recordings import RecordingsClient
from roomdesk.domain.times import utc_now
from roomdesk.services.attendance import SessionAttendance, session_attendance
from roomdesk.store import RoomStore, StoredRoom
from roomdesk.store.media import MediaCache

# How often a transcription is asked about while Whereby makes it, and for how long at most.
POLL_INTERVAL = timedelta(seconds=10)
POLL_TIMEOUT = timedelta(minutes=30)


class UnknownRoomError(WherebyError):
    """The meeting is not in the room list, or has no room name to ask Whereby about."""


class TranscriptionWaitTimeout(WherebyError):
    """A transcription was still being made when the wait ended; it goes on at Whereby."""

    def __init__(self, message: str, transcription: Transcription) -> None:
        super().__init__(message)
        self.transcription = transcription


@dataclass(frozen=True)
class SummariesResult:
    """A room's session summaries, or why there are none: ``available`` is False for an account
    outside Whereby's summaries beta, and ``message`` says so."""

    summaries: tuple[Summary, ...]
    available: bool = True
    message: str = ""


Sleep = Callable[[float], Awaitable[None]]


class MediaService:
    """What happened in ``store``'s rooms, through ``client``; ``clock`` says when a fetch was."""

    def __init__(
        self,
        client: WherebyClient,
        store: RoomStore,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._client = client
        self._recordings = RecordingsClient(client)
        self._insights = InsightsClient(client)
        self._store = store
        self._clock = clock

    @property
    def client(self) -> WherebyClient:
        """The client calls go through: a download uses it for the file itself."""
        return self._client

    @property
    def cache(self) -> MediaCache:
        """What was last fetched, read without asking Whereby (a window shows it first)."""
        return self._store.media

    def room(self, meeting_id: str) -> StoredRoom:
        """The stored room, or :class:`UnknownRoomError` saying what to do."""
        wanted = meeting_id.strip()
        room = self._store.get(wanted) if wanted else None
        if room is None:
            raise UnknownRoomError(
                f"No stored room has the meeting ID “{wanted}”: list the stored rooms, or sync "
                "to add rooms made elsewhere."
            )
        if not room.room_name:
            raise UnknownRoomError(
                f"The room “{room.label or room.meeting_id}” has no room name yet: sync to "
                "fetch it from Whereby."
            )
        return room

    # -- recordings ------------------------------------------------------------------------------

    async def fetch_recordings(self, meeting_id: str) -> list[Recording]:
        """The room's recordings from Whereby, stored in place of the list kept before."""
        room = self.room(meeting_id)
        name = room.room_name or ""
        found = [
            item
            async for item in self._recordings.iter_recordings(room_name=name)
            if item.room_name in (None, name)
        ]
        self._store.media.replace_recordings(room.meeting_id, found, self._clock())
        return self._store.media.recordings(room.meeting_id)

    def stored_recording(self, recording_id: str) -> Recording | None:
        found = self._store.media.recording(recording_id)
        return None if found is None else found[1]

    async def delete_recordings(self, recording_ids: Iterable[str]) -> int:
        """Delete recordings on Whereby and from the kept lists; returns how many were asked
        for. One goes by its own call (a recording already gone is no error), several in one
        bulk call, which Whereby carries out in the background."""
        ids = list(dict.fromkeys(recording_ids))
        if len(ids) == 1:
            await self._recordings.delete_recording(ids[0])
        elif ids:
            await self._recordings.delete_recordings(ids)
        self._store.media.forget_recordings(ids)
        return len(ids)

    async def recording_access_link(self, recording_id: str) -> AccessLink:
        """A fresh link to the recording's file: a secret, for a download only."""
        return await self._recordings.recording_access_link(recording_id)

    # -- transcriptions --------------------------------------------------------------------------

    async def fetch_transcriptions(self, meeting_id: str) -> list[Transcription]:
        """The transcriptions of the room's sessions (live ones and those of its recordings),
        stored in place of the list kept before."""
        room = self.room(meeting_id)
        name = room.room_name or ""
        found = [
            item
            async for item in self._recordings.iter_transcriptions(room_name=name)
            if item.room_name == name
        ]
        self._store.media.replace_transcriptions(room.meeting_id, found, self._clock())
        return self._store.media.transcriptions(room.meeting_id)

    async def transcription_access_link(self, transcription_id: str) -> AccessLink:
        """A fresh link to the transcript's file: a secret, for a download only."""
        return await self._recordings.transcription_access_link(transcription_id)

    async def start_transcription(self, recording_id: str) -> Transcription:
        """Ask Whereby to transcribe a recording; the new transcription (in progress), kept
        with its room's list when the recording is one of a stored room's."""
        transcription_id = await self._recordings.start_transcription(recording_id)
        transcription = await self._recordings.get_transcription(transcription_id)
        self._keep(recording_id, transcription)
        return transcription

    async def wait_for_transcription(
        self,
        transcription: Transcription,
        *,
        recording_id: str | None = None,
        interval: timedelta = POLL_INTERVAL,
        timeout: timedelta = POLL_TIMEOUT,
        sleep: Sleep = asyncio.sleep,
    ) -> Transcription:
        """Ask about ``transcription`` every ``interval`` until it is no longer in progress;
        :class:`TranscriptionWaitTimeout` after ``timeout``. ``sleep`` waits the interval
        (tests pass one that moves the emulator's clock)."""
        if interval <= timedelta(0):
            raise ValueError("the interval between questions must be longer than zero")
        polls = max(1, math.ceil(timeout / interval))
        current = transcription
        for _ in range(polls):
            if current.state is not TranscriptionState.IN_PROGRESS:
                break
            await sleep(interval.total_seconds())
            current = await self._recordings.get_transcription(current.transcription_id)
            if recording_id is not None:
                self._keep(recording_id, current)
        if current.state is TranscriptionState.IN_PROGRESS:
            minutes = timeout.total_seconds() / 60
            raise TranscriptionWaitTimeout(
                f"The transcription was still being made after {minutes:g} minutes; Whereby "
                "goes on with it, and it will be among the recording's transcriptions.",
                current,
            )
        return current

    def _keep(self, recording_id: str, transcription: Transcription) -> None:
        found = self._store.media.recording(recording_id)
        if found is not None:
            self._store.media.put_transcription(found[0], transcription, self._clock())

    # -- sessions and attendance -----------------------------------------------------------------

    async def fetch_room_sessions(self, meeting_id: str) -> list[RoomSession]:
        """The room's sessions from Whereby, the latest first, stored in place of those kept."""
        room = self.room(meeting_id)
        found = [item async for item in self._insights.iter_room_sessions(room.room_name or "")]
        self._store.media.replace_room_sessions(room.meeting_id, found, self._clock())
        return self._store.media.room_sessions(room.meeting_id)

    async def fetch_participants(self, meeting_id: str, room_session_id: str) -> list[Participant]:
        """Every stay in one of the room's sessions, stored in place of those kept."""
        room = self.room(meeting_id)
        found = [
            item
            async for item in self._insights.iter_participants(room_session_id=room_session_id)
            if item.room_session_id == room_session_id
        ]
        self._store.media.replace_participants(
            room.meeting_id, room_session_id, found, self._clock()
        )
        return self._store.media.participants(room_session_id)

    async def attendance(
        self, meeting_id: str, room_session_id: str | None = None
    ) -> list[SessionAttendance]:
        """Attendance in the room's sessions (or the one asked for), the latest first, fetched
        now. :class:`UnknownRoomError` for a session the room does not have."""
        sessions = await self.fetch_room_sessions(meeting_id)
        if room_session_id is not None:
            sessions = [item for item in sessions if item.room_session_id == room_session_id]
            if not sessions:
                raise UnknownRoomError(f"The room has no session with the ID “{room_session_id}”.")
        results = []
        for session in sessions:
            people = await self.fetch_participants(meeting_id, session.room_session_id)
            results.append(session_attendance(session, people, now=self._clock()))
        return results

    # -- summaries -------------------------------------------------------------------------------

    async def summaries(self, meeting_id: str) -> SummariesResult:
        """The summaries of the room's sessions; for an account without them, an ordinary
        result saying they are not available."""
        room = self.room(meeting_id)
        try:
            found = [
                item
                async for item in self._recordings.iter_summaries()
                if item.room_name == room.room_name
            ]
        except FeatureNotAvailableError as exc:
            return SummariesResult((), available=False, message=str(exc))
        return SummariesResult(tuple(found))
