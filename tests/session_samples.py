"""Sample sessions for the tests of what a facilitator hands out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from roomdesk.sessions.facts import SessionFacts
from roomdesk.store.records import RoomSource, StoredRoom

OSLO = ZoneInfo("Europe/Oslo")
LINK = "https://team.whereby.com/coaching-1a2b"
HOST_LINK = f"{LINK}?roomKey=host-secret-77"
VIEWER_LINK = "https://team.whereby.com/coaching-1a2b-view"
# Tuesday 8 December 2026, 14:00–15:30 in Oslo (UTC+01:00).
START = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
END = datetime(2026, 12, 8, 14, 30, tzinfo=UTC)


def session(**changes: Any) -> SessionFacts:
    """Coaching with Sam, planned, in Oslo; ``changes`` replace fields."""
    facts = SessionFacts(
        meeting_id="m-101",
        label="Coaching with Sam",
        notes="Bring one question.\nWe record nothing.",
        room_url=LINK,
        viewer_room_url=None,
        host_room_url=HOST_LINK,
        room_mode="normal",
        start=START,
        end=END,
        planned=True,
        zone=OSLO,
    )
    return facts._replace(**changes)


def stored(**changes: Any) -> StoredRoom:
    """The stored room behind :func:`session`, made a day before; ``changes`` replace fields."""
    values: dict[str, Any] = {
        "id": 1,
        "meeting_id": "m-101",
        "room_name": "/coaching-1a2b",
        "room_url": LINK,
        "host_room_url": HOST_LINK,
        "viewer_room_url": None,
        "start_date": None,
        "end_date": END,
        "room_mode": "normal",
        "options": {"endDate": "2026-12-08T14:30:00Z"},
        "label": "Coaching with Sam",
        "notes": "",
        "created_at": START - timedelta(days=1),
        "source": RoomSource.CREATED,
        "deleted_at": None,
        "server_missing_at": None,
        "updated_at": START - timedelta(days=1),
    }
    values.update(changes)
    return StoredRoom(**values)
