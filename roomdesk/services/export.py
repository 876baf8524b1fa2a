"""Rooms as a file to hand on: CSV for a spreadsheet, or JSON.

Each room gives its label, its session's start and end (written with their offset, in the zone
the session was planned in, else the zone given), its zone, and the room and viewer links.
Host links make whoever opens them a host, so they are left out unless asked for. A CSV cell a
spreadsheet would take for a formula is written as text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from roomdesk.sessions.facts import facts_for, without_room_key
from roomdesk.sessions.personal_links import spreadsheet_cell
from roomdesk.store import StoredRoom

COLUMNS = ("label", "start", "end", "timeZone", "roomUrl", "viewerRoomUrl", "meetingId")
HOST_COLUMN = "hostRoomUrl"
HOST_LINK_WARNING = (
    "the file holds host links: whoever opens one is a host of the room; share it with hosts only"
)


def _moment(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def export_record(
    room: StoredRoom, *, fallback_zone: ZoneInfo, host_links: bool = False
) -> dict[str, str]:
    """One room's exported fields; ``start`` is empty when no session was planned."""
    facts = facts_for(room, fallback_zone=fallback_zone)
    record = {
        "label": room.label,
        "start": _moment(facts.start, facts.zone) if facts.planned else "",
        "end": _moment(facts.end, facts.zone),
        "timeZone": str(facts.zone),
        "roomUrl": without_room_key(room.room_url),
        "viewerRoomUrl": without_room_key(room.viewer_room_url or ""),
        "meetingId": room.meeting_id,
    }
    if host_links:
        record[HOST_COLUMN] = room.host_room_url or ""
    return record


def rooms_csv(
    rooms: Iterable[StoredRoom],
    *,
    fallback_zone: ZoneInfo,
    host_links: bool = False,
    line_end: str = "\r\n",
) -> str:
    """A header row, then a row per room (RFC 4180); ``line_end`` "\\n" for printed text."""
    header = [*COLUMNS, HOST_COLUMN] if host_links else list(COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    for room in rooms:
        record = export_record(room, fallback_zone=fallback_zone, host_links=host_links)
        writer.writerow(spreadsheet_cell(record[name]) for name in header)
    return buffer.getvalue()


def rooms_json(
    rooms: Iterable[StoredRoom], *, fallback_zone: ZoneInfo, host_links: bool = False
) -> str:
    """A JSON array with the same fields as the CSV, values as they are (JSON has no formulas)."""
    records: list[dict[str, Any]] = [
        export_record(room, fallback_zone=fallback_zone, host_links=host_links) for room in rooms
    ]
    return json.dumps(records, indent=2, ensure_ascii=False)
