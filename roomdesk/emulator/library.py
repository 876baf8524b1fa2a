"""The emulator's room sessions, participants, recordings, transcriptions and summaries.

Pure bookkeeping behind a lock, like the meeting book; nothing here knows about HTTP. Times come
from the emulator's clock: a transcription or summary is ``in_progress`` until the clock passes
the moment it is ready.
"""

from __future__ import annotations

import itertools
import math
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from roomdesk.domain.times import format_utc

# A recording's file when no size is asked for: a few hundred KB, small enough for every test.
DEFAULT_RECORDING_BYTES = 300_000
# How long Whereby takes, on the emulator's clock, to make a transcription or a summary asked
# for through the API.
DEFAULT_PROCESSING = timedelta(seconds=30)
GENERAL_TEMPLATE = "General Narrative"
SOAP_SECTIONS = ("subjective", "objective", "assessment", "plan")


class Stay(NamedTuple):
    """From ``joined`` to ``left`` minutes after the session started (``left`` None: still in)."""

    joined: float
    left: float | None


class Person(NamedTuple):
    display_name: str
    role_name: str = "visitor"
    external_id: str | None = None
    stays: tuple[Stay, ...] = (Stay(0, None),)


# Who the demo sessions have: a host, people who leave and come back, with and without the
# externalId a personal link passes.
DEMO_CAST: tuple[Person, ...] = (
    Person("Ada Lovelace", "host", "facilitator-1", (Stay(0, 45),)),
    Person("Ben Okafor", "visitor", "student-17", (Stay(2, 20), Stay(24, 45))),
    Person("Chloé Martin", "visitor", None, (Stay(5, 30),)),
    Person("Dev Patel", "visitor", None, (Stay(1, 10), Stay(12, 15), Stay(18, 44))),
    Person("Eun-ji Park", "visitor", "student-23", (Stay(3, 45),)),
)
DEMO_MINUTES = 45


def _uuid() -> str:
    return str(uuid.uuid4())


def _minutes(start: datetime, end: datetime) -> int:
    return math.ceil((end - start).total_seconds() / 60)


@dataclass
class StoredParticipant:
    sequence: int
    participant_id: str
    device_id: str
    user_id: str
    role_name: str
    display_name: str
    joined_at: datetime
    left_at: datetime | None
    external_id: str | None

    def to_api_json(self, room_session_id: str) -> dict[str, Any]:
        return {
            "roomSessionId": room_session_id,
            "participantId": self.participant_id,
            "deviceId": self.device_id,
            "userId": self.user_id,
            "roleName": self.role_name,
            "displayName": self.display_name,
            "joinedAt": format_utc(self.joined_at),
            "leftAt": None if self.left_at is None else format_utc(self.left_at),
            "externalId": self.external_id,
            "rating": None,
            "tags": None,
            "comment": None,
        }


@dataclass
class StoredSession:
    sequence: int
    room_session_id: str
    room_name: str
    started_at: datetime
    ended_at: datetime | None
    participants: list[StoredParticipant] = field(default_factory=list)
    recorded: bool = False

    def to_api_json(self, now: datetime) -> dict[str, Any]:
        stays = [(p.joined_at, p.left_at or now) for p in self.participants]
        end = self.ended_at or now
        recorder_minutes = _minutes(self.started_at, end) if self.recorded else 0
        return {
            "roomSessionId": self.room_session_id,
            "roomName": self.room_name,
            "startedAt": format_utc(self.started_at),
            "endedAt": None if self.ended_at is None else format_utc(self.ended_at),
            # Rounded up per connection, as the document says.
            "totalParticipantMinutes": sum(_minutes(joined, left) for joined, left in stays),
            "totalRecorderMinutes": recorder_minutes,
            "totalStreamerMinutes": 0,
            "totalUniqueParticipants": len({p.user_id for p in self.participants}),
            "totalUniqueRecorders": 1 if self.recorded else 0,
            "totalUniqueStreamers": 0,
            "rating": None,
            "totalRatings": None,
        }


@dataclass
class StoredRecording:
    sequence: int
    recording_id: str
    room_session_id: str
    room_name: str
    start_date: datetime
    end_date: datetime
    size_bytes: int
    file_format: str = "mp4"
    self_hosted: bool = False

    @property
    def filename(self) -> str:
        # "[room name]-[start time in ISO format].mp4", as Whereby names them.
        return f"{self.room_name.lstrip('/')}-{format_utc(self.start_date)}.{self.file_format}"

    @property
    def size_in_megabytes(self) -> float:
        return round(self.size_bytes / 1_000_000, 3)

    def to_api_json(self) -> dict[str, Any]:
        return {
            "recordingId": self.recording_id,
            "roomSessionId": self.room_session_id,
            "roomName": self.room_name,
            "filename": self.filename,
            "startDate": format_utc(self.start_date),
            "endDate": format_utc(self.end_date),
            "sizeInMegaBytes": self.size_in_megabytes,
        }


@dataclass
class StoredTranscription:
    sequence: int
    transcription_id: str
    room_session_id: str
    room_name: str
    start_date: datetime
    end_date: datetime
    created_at: datetime
    ready_at: datetime
    kind: str  # LIVE_TRANSCRIPTION or RECORDING_TRANSCRIPTION
    failed: bool = False
    recording_id: str | None = None

    def state(self, now: datetime) -> str:
        if now < self.ready_at:
            return "in_progress"
        return "failed" if self.failed else "ready"

    @property
    def filename(self) -> str:
        return f"{self.room_name.lstrip('/')}-{format_utc(self.start_date)}.md"

    def to_api_json(self, now: datetime) -> dict[str, Any]:
        return {
            "transcriptionId": self.transcription_id,
            "roomSessionId": self.room_session_id,
            "roomName": self.room_name,
            "filename": self.filename,
            "startDate": format_utc(self.start_date),
            "endDate": format_utc(self.end_date),
            "state": self.state(now),
            "createdAt": format_utc(self.created_at),
            "durationInSeconds": (self.end_date - self.start_date).total_seconds(),
            "type": self.kind,
            "storageType": "WHEREBY_HOSTED",
        }


@dataclass
class StoredSummary:
    sequence: int
    summary_id: str
    transcription: StoredTranscription
    template: str
    created_at: datetime
    ready_at: datetime

    def to_api_json(self, now: datetime) -> dict[str, Any]:
        done = now >= self.ready_at
        source = self.transcription
        return {
            "summaryId": self.summary_id,
            "transcriptionId": source.transcription_id,
            "summary": _summary_text(self.template, source.room_name) if done else {},
            "roomSessionId": source.room_session_id,
            "roomName": source.room_name,
            "startDate": format_utc(source.start_date),
            "endDate": format_utc(source.end_date),
            "state": "completed" if done else "in_progress",
            "createdAt": format_utc(self.created_at),
            "modifiedAt": format_utc(self.ready_at if done else self.created_at),
            "template": self.template,
        }


def _summary_text(template: str, room_name: str) -> dict[str, str]:
    if "SOAP" in template:
        return {name: f"The {name} part of the session in {room_name}." for name in SOAP_SECTIONS}
    return {"summary": f"The group in {room_name} went through the week's plan and agreed on it."}


class NoSuchItem(Exception):
    """An id the library does not know (404)."""


class NotPossible(Exception):
    """A request that is well formed but cannot be done now (400); ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SessionLibrary:
    """Everything recorded about the rooms' sessions, in creation order."""

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._sequence = itertools.count(1)
        self._lock = threading.Lock()
        self.sessions: dict[str, StoredSession] = {}
        self.recordings: dict[str, StoredRecording] = {}
        self.transcriptions: dict[str, StoredTranscription] = {}
        self.summaries: dict[str, StoredSummary] = {}
        self.processing = DEFAULT_PROCESSING

    @property
    def lock(self) -> threading.Lock:
        """Held while reading or changing the collections above."""
        return self._lock

    def now(self) -> datetime:
        return self._clock().astimezone(UTC)

    # -- what tests and the demo add ------------------------------------------------------

    def add_session(
        self,
        room_name: str,
        *,
        started_at: datetime | None = None,
        minutes: float = DEMO_MINUTES,
        cast: Sequence[Person] = DEMO_CAST,
        ongoing: bool = False,
    ) -> StoredSession:
        """A session of ``minutes`` (ended, unless ``ongoing``) with ``cast`` in it; starting
        ``minutes`` before now by default."""
        with self._lock:
            now = self.now()
            start = (started_at or now - timedelta(minutes=minutes)).astimezone(UTC)
            start = start.replace(microsecond=0)
            session = StoredSession(
                next(self._sequence),
                _uuid(),
                room_name,
                start,
                None if ongoing else start + timedelta(minutes=minutes),
            )
            for person in cast:
                user_id, device_id = _uuid(), _uuid()
                for stay in person.stays:
                    left = None if stay.left is None else start + timedelta(minutes=stay.left)
                    if left is None and not ongoing:
                        left = session.ended_at
                    session.participants.append(
                        StoredParticipant(
                            next(self._sequence),
                            f"/{_uuid()}",  # as in the document's example
                            device_id,
                            user_id,
                            person.role_name,
                            person.display_name,
                            start + timedelta(minutes=stay.joined),
                            left,
                            person.external_id,
                        )
                    )
            self.sessions[session.room_session_id] = session
            return session

    def add_recording(
        self,
        room_session_id: str,
        *,
        size_bytes: int = DEFAULT_RECORDING_BYTES,
        file_format: str = "mp4",
        self_hosted: bool = False,
    ) -> StoredRecording:
        if size_bytes < 0:
            raise ValueError("a recording's size cannot be negative")
        with self._lock:
            session = self._session(room_session_id)
            session.recorded = True
            recording = StoredRecording(
                next(self._sequence),
                _uuid(),
                session.room_session_id,
                session.room_name,
                session.started_at,
                session.ended_at or self.now().replace(microsecond=0),
                size_bytes,
                file_format,
                self_hosted,
            )
            self.recordings[recording.recording_id] = recording
            return recording

    def add_transcription(
        self,
        room_session_id: str,
        *,
        ready_in: timedelta = timedelta(0),
        failed: bool = False,
        recording_id: str | None = None,
    ) -> StoredTranscription:
        """A live transcription of the session, or one made from ``recording_id``; ready (or
        failed) ``ready_in`` from now."""
        with self._lock:
            session = self._session(room_session_id)
            return self._transcribe(session, ready_in, failed, recording_id)

    def _session(self, room_session_id: str) -> StoredSession:
        session = self.sessions.get(room_session_id)
        if session is None:
            raise ValueError(f"no room session {room_session_id!r}")
        return session

    def _transcribe(
        self,
        session: StoredSession,
        ready_in: timedelta,
        failed: bool,
        recording_id: str | None,
    ) -> StoredTranscription:
        now = self.now().replace(microsecond=0)
        transcription = StoredTranscription(
            next(self._sequence),
            _uuid(),
            session.room_session_id,
            session.room_name,
            session.started_at,
            session.ended_at or now,
            now,
            now + ready_in,
            "LIVE_TRANSCRIPTION" if recording_id is None else "RECORDING_TRANSCRIPTION",
            failed,
            recording_id,
        )
        self.transcriptions[transcription.transcription_id] = transcription
        return transcription

    # -- what the API does ----------------------------------------------------------------

    def transcribe(self, recording_id: str) -> StoredTranscription:
        """POST /transcriptions: a transcription of the recording, ready after ``processing``."""
        with self._lock:
            recording = self.recordings.get(recording_id)
            if recording is None:
                raise NoSuchItem(recording_id)
            if recording.self_hosted:
                raise NotPossible(
                    "Transcriptions can only be made of recordings in Whereby-hosted storage"
                )
            session = self.sessions[recording.room_session_id]
            return self._transcribe(session, self.processing, False, recording_id)

    def summarise(self, transcription_id: str, template: str) -> StoredSummary:
        with self._lock:
            transcription = self.transcriptions.get(transcription_id)
            if transcription is None:
                raise NoSuchItem(transcription_id)
            now = self.now().replace(microsecond=0)
            if transcription.state(now) != "ready":
                raise NotPossible(
                    f"The transcription is {transcription.state(now)}; only a ready one can be "
                    "summarised"
                )
            summary = StoredSummary(
                next(self._sequence), _uuid(), transcription, template, now, now + self.processing
            )
            self.summaries[summary.summary_id] = summary
            return summary

    def transcript_text(self, transcription: StoredTranscription) -> bytes:
        """The transcript file: who said what when, as Markdown."""
        session = self.sessions.get(transcription.room_session_id)
        people = [p for p in session.participants] if session is not None else []
        lines = [f"# Transcript of {transcription.room_name}", ""]
        for person in sorted(people, key=lambda p: p.joined_at):
            offset = person.joined_at - transcription.start_date
            minutes, seconds = divmod(int(offset.total_seconds()), 60)
            lines.append(
                f"**{person.display_name}** ({minutes:02d}:{seconds:02d}): Hello, I'm here."
            )
        return ("\n".join(lines) + "\n").encode()
