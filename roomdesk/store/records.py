"""The rows of the local room store as plain, immutable values (a room's status is the domain's:
:mod:`roomdesk.domain.status`).

Nothing here touches the database: :mod:`roomdesk.store.db` builds these from rows. All datetimes
are aware and in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from roomdesk.domain.rooms import normalize_prefix
from roomdesk.domain.status import RoomStatus, status_at
from roomdesk.domain.times import parse_utc, require_aware

if TYPE_CHECKING:
    # Only named in annotations: few rooms are a series, and the window's first frame shows
    # none of it.
    from roomdesk.domain.series import RoomSeries


class RoomSource(StrEnum):
    CREATED = "created"  # created by this roomdesk
    IMPORTED = "imported"  # found on the server by a sync


class LinkKind(StrEnum):
    ROOM = "room"
    HOST = "host"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return _LINK_LABELS[self]


_LINK_LABELS = {
    LinkKind.ROOM: "Participant link",
    LinkKind.HOST: "Host link",
    LinkKind.VIEWER: "Viewer link",
}


class PendingState(StrEnum):
    PENDING = "pending"  # about to be sent, or being sent
    UNKNOWN = "unknown"  # sent, but the answer was lost: the room may exist
    RESOLVED = "resolved"  # the room exists and is known by its meeting id
    FAILED = "failed"  # the server refused; no room was created
    # The server answered 2xx, so the room exists, but its answer could not be read: a sync
    # adds the room; the request is never sent again.
    CREATED = "created"

    @property
    def is_open(self) -> bool:
        """Whether a sync still has to settle a create in this state."""
        return self in _OPEN_PENDING_STATES


_OPEN_PENDING_STATES = frozenset({PendingState.PENDING, PendingState.UNKNOWN, PendingState.CREATED})


@dataclass(frozen=True, slots=True)
class StoredRoom:
    """One room as the local store keeps it."""

    id: int
    meeting_id: str
    room_name: str | None
    room_url: str
    host_room_url: str | None
    viewer_room_url: str | None
    start_date: datetime | None
    end_date: datetime
    room_mode: str | None  # None for imported rooms: the list API does not say
    options: dict[str, Any] | None  # the create request's JSON, secrets removed; None if imported
    label: str
    notes: str
    created_at: datetime  # when roomdesk created it or first recorded it
    source: RoomSource
    deleted_at: datetime | None
    server_missing_at: datetime | None  # when a sync last failed to find it on the server
    updated_at: datetime
    # The session's planned start, kept on this computer only (Whereby knows only the end),
    # and the IANA zone it was planned in (None: the user's own zone). Rooms a sync found
    # have neither.
    planned_start: datetime | None = None
    time_zone: str | None = None
    # For one room made for a whole series of sessions: the series (its first session's start
    # is ``planned_start``); None for every other room.
    series: RoomSeries | None = None
    # The invitation template of the preset the room was made from, when it had one: what is
    # handed out for the room uses it instead of Settings' template. None for every other room.
    invitation_template: str | None = None

    def status(self, now: datetime) -> RoomStatus:
        """The room's status at ``now`` (aware)."""
        require_aware(now, "now")
        return status_at(
            self.end_date.timestamp(),
            now.timestamp(),
            self.deleted_at is not None,
            self.server_missing_at is not None,
        )

    @property
    def links(self) -> dict[LinkKind, str]:
        """The links this room has, participant link first; absent ones are left out."""
        found = {LinkKind.ROOM: self.room_url} if self.room_url else {}
        if self.host_room_url:
            found[LinkKind.HOST] = self.host_room_url
        if self.viewer_room_url:
            found[LinkKind.VIEWER] = self.viewer_room_url
        return found


@dataclass(slots=True)
class PendingCreate:
    """A create request written down before it was sent, so a crash cannot lose a room."""

    id: int
    request_json: dict[str, Any]
    label: str
    created_at: datetime
    state: PendingState
    meeting_id: str | None
    error: str | None
    attempt: int  # how many times the request has been (or is about to be) sent
    # What the room gets once it is known: its planned start and the zone it was planned in.
    planned_start: datetime | None = None
    time_zone: str | None = None
    series: RoomSeries | None = None
    invitation_template: str | None = None


def requested_end(request_json: Mapping[str, Any]) -> datetime | None:
    """The end a create request asked for, to the second; None when it holds no valid one."""
    try:
        return parse_utc(request_json.get("endDate")).replace(microsecond=0)
    except ValueError:
        return None


def describe_pending(pending: PendingCreate, zone: tzinfo | None = None) -> str:
    """A name for a pending create fit to show: its label, or what it asked for.

    Times are shown in ``zone`` (default UTC).
    """
    if pending.label.strip():
        return pending.label.strip()
    end = requested_end(pending.request_json)
    prefix = normalize_prefix(str(pending.request_json.get("roomNamePrefix") or ""))
    what = f"“{prefix}” room" if prefix else "Room"
    if end is None:
        return what
    return f"{what} ending {end.astimezone(zone or UTC).strftime('%Y-%m-%d %H:%M %Z')}"
