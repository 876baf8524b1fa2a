"""A room's status: the one rule for when a room is active, ends soon, has ended or expired.

The store's SQL conditions for each status (:mod:`roomdesk.store.db`) say the same rule over its
columns; a property test checks them against :func:`status_at` over many rooms and times.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

# How long before its end date a room counts as ending soon.
ENDS_SOON_WINDOW = timedelta(hours=1)
# Rooms stay usable this long after their end date; then Whereby deletes them.
ROOM_GRACE_PERIOD = timedelta(hours=1)
_ENDS_SOON_SECONDS = ENDS_SOON_WINDOW.total_seconds()
_GRACE_SECONDS = ROOM_GRACE_PERIOD.total_seconds()


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

# The order of the Status column: a room's life from first to last.
STATUS_RANK = {
    RoomStatus.ACTIVE: 0,
    RoomStatus.ENDS_SOON: 1,
    RoomStatus.ENDED: 2,
    RoomStatus.EXPIRED: 3,
    RoomStatus.DELETED: 4,
}


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
