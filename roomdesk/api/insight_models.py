"""Typed answers of Whereby's insights calls: a room's sessions and who took part in each.

Pure: no I/O, no Qt; immutable named tuples, as in :mod:`roomdesk.api.media_models`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from roomdesk.api.parsing import FieldReader, Page, parse_page

# The fields the insights lists sort by: the document gives one example for sessions
# ("totalUniqueParticipants:asc") and names joinedAt and leftAt for participants.
ROOM_SESSION_SORT_FIELDS = (
    "startedAt",
    "endedAt",
    "totalParticipantMinutes",
    "totalUniqueParticipants",
)
PARTICIPANT_SORT_FIELDS = ("joinedAt", "leftAt")


class RoomSession(NamedTuple):
    """One session of a room: from the first person joining to the last one leaving."""

    room_session_id: str
    room_name: str
    started_at: datetime
    ended_at: datetime | None  # None while the session goes on
    total_participant_minutes: int
    total_recorder_minutes: int
    total_streamer_minutes: int
    total_unique_participants: int
    total_unique_recorders: int
    total_unique_streamers: int
    rating: float | None = None  # only with session ratings on
    total_ratings: float | None = None

    @property
    def duration(self) -> timedelta | None:
        return None if self.ended_at is None else self.ended_at - self.started_at

    @classmethod
    def from_json(cls, data: Any) -> RoomSession:
        read = FieldReader(data, "room session")
        return cls(
            read.identifier("roomSessionId"),
            read.text("roomName"),
            read.moment("startedAt"),
            read.optional_moment("endedAt"),
            read.count("totalParticipantMinutes"),
            read.count("totalRecorderMinutes"),
            read.count("totalStreamerMinutes"),
            read.count("totalUniqueParticipants"),
            read.count("totalUniqueRecorders"),
            read.count("totalUniqueStreamers"),
            read.optional_amount("rating"),
            read.optional_amount("totalRatings"),
        )


class Participant(NamedTuple):
    """One stay of one person in a session, from joining to leaving.

    Someone who leaves and comes back appears again, with the same ``user_id`` (and
    ``external_id``, when their link carried one) and a new ``participant_id``.
    """

    room_session_id: str
    participant_id: str
    device_id: str
    user_id: str
    role_name: str
    display_name: str
    joined_at: datetime
    left_at: datetime | None  # None while still in the session
    external_id: str | None = None  # what the person's link passed as externalId
    rating: float | None = None
    tags: tuple[str, ...] = ()
    comment: str | None = None

    @property
    def stayed(self) -> timedelta | None:
        return None if self.left_at is None else self.left_at - self.joined_at

    @classmethod
    def from_json(cls, data: Any) -> Participant:
        read = FieldReader(data, "participant")
        return cls(
            read.identifier("roomSessionId"),
            read.identifier("participantId"),
            read.identifier("deviceId"),
            read.identifier("userId"),
            read.text("roleName"),
            read.text("displayName"),
            read.moment("joinedAt"),
            read.optional_moment("leftAt"),
            read.optional_text("externalId"),
            read.optional_amount("rating"),
            read.texts("tags"),
            read.optional_text("comment"),
        )


def parse_room_sessions(data: Any) -> Page[RoomSession]:
    return parse_page(data, RoomSession.from_json, kind="room session", id_key="roomSessionId")


def parse_participants(data: Any) -> Page[Participant]:
    return parse_page(data, Participant.from_json, kind="participant", id_key="participantId")
