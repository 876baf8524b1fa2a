"""The rows of the local room store as plain, immutable values, and what a room's status is.

Nothing here touches the database: :mod:`roomdesk.store.db` builds these from rows. All datetimes
are aware and in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from roomdesk.api.errors import MalformedResponseError
from roomdesk.api.models import ROOM_GRACE_PERIOD, normalize_prefix, parse_api_datetime

# How long before its end date a room counts as ending soon.
ENDS_SOON_WINDOW = timedelta(hours=1)
_ENDS_SOON_SECONDS = ENDS_SOON_WINDOW.total_seconds()
_GRACE_SECONDS = ROOM_GRACE_PERIOD.total_seconds()


class RoomSource(StrEnum):
    CREATED = "created"  # created by this roomdesk
    IMPORTED = "imported"  # found on the server by a sync


class RoomStatus(StrEnum):
    ACTIVE = "active"
    ENDS_SOON = "ends-soon"
    ENDED = "ended"
    EXPIRED = "expired"
    DELETED = "deleted"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_usable(self) -> bool:
        """Whether people can still join: an ended room stays open for the grace period."""
        return self in (RoomStatus.ACTIVE, RoomStatus.ENDS_SOON, RoomStatus.ENDED)


_STATUS_LABELS = {
    RoomStatus.ACTIVE: "Active",
    RoomStatus.ENDS_SOON: "Ends soon",
    RoomStatus.ENDED: "Ended",
    RoomStatus.EXPIRED: "Expired",
    RoomStatus.DELETED: "Deleted",
}


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


def require_aware(moment: datetime, name: str) -> datetime:
    """``moment`` itself, or ValueError when it has no time zone."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone), got {moment!r}")
    return moment


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


def requested_end(request_json: Mapping[str, Any]) -> datetime | None:
    """The end a create request asked for, to the second; None when it holds no valid one."""
    try:
        return parse_api_datetime(request_json.get("endDate"), "endDate").replace(microsecond=0)
    except MalformedResponseError:
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


def status_at(end: float, now: float, deleted: bool, missing: bool) -> RoomStatus:
    """A room's status at ``now`` from its end (both epoch seconds) and whether it was deleted
    or the server no longer lists it: the one rule, also for tables that keep no StoredRoom."""
    if deleted:
        return RoomStatus.DELETED
    if missing:
        return RoomStatus.EXPIRED  # the server no longer lists it, whatever its end says
    if now < end - _ENDS_SOON_SECONDS:
        return RoomStatus.ACTIVE
    if now < end:
        return RoomStatus.ENDS_SOON
    if now < end + _GRACE_SECONDS:
        return RoomStatus.ENDED
    return RoomStatus.EXPIRED
