"""Sample data for tests: answers as Whereby gives them, rooms as the store keeps them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from roomdesk.store.records import RoomSource, StoredRoom

# One meeting as GET /meetings/{id} and the list pages describe it.
MEETING = {
    "meetingId": "42",
    "roomName": "/team-abc",
    "roomUrl": "https://demo.whereby.com/team-abc",
    "startDate": "2030-01-01T10:00:00Z",
    "endDate": "2030-01-01T11:00:00Z",
}


# Rooms for the room list's tests: numbered, on four words a filter can look for.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WORDS = ("kiwi", "mango", "papaya", "quince")


def usual_id(number: int) -> str:
    return f"m{number:05d}"


def odd_id(number: int) -> str:
    """Meeting ids that the last line of a search text does not hold as they are, among usual
    ones: capitals (the text is case-folded), a line break, an ß (folded to "ss")."""
    return (f"M{number:05d}", f"m\n{number:05d}", f"ß{number:05d}", usual_id(number))[number % 4]


def room(
    number: int,
    *,
    minutes: int = 120,
    label: str = "",
    deleted: bool = False,
    meeting_id: Callable[[int], str] = usual_id,
    start: int | None = None,
) -> StoredRoom:
    """Room ``number``, ending ``minutes`` after NOW; planned to start ``start`` minutes before
    its end if given."""
    url = f"https://acme.whereby.com/{WORDS[number % 4]}-{number:05d}"
    return StoredRoom(
        id=number,
        meeting_id=meeting_id(number),
        room_name=url.removeprefix("https://acme.whereby.com"),
        room_url=url,
        host_room_url=f"{url}?roomKey=k{number}",
        viewer_room_url=None,
        start_date=None,
        end_date=NOW + timedelta(minutes=minutes),
        room_mode="normal",
        options=None,
        label=label,
        notes="",
        created_at=NOW - timedelta(days=1),
        source=RoomSource.CREATED,
        deleted_at=NOW if deleted else None,
        server_missing_at=None,
        updated_at=NOW,
        planned_start=None if start is None else NOW + timedelta(minutes=minutes - start),
    )
