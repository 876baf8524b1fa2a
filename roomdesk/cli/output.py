"""``roomdesk-cli``'s human-readable and JSON output of rooms, pending creates and sync reports."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from roomdesk.api.models import Meeting
from roomdesk.cli.base import (
    visible,
)
from roomdesk.cli.plan import (
    plan_json,
    session_line,
)
from roomdesk.domain.times import format_utc, get_zone
from roomdesk.services.sync import (
    SyncReport,
)
from roomdesk.store import PendingCreate, PendingState, StoredRoom
from roomdesk.store.records import describe_pending


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (East Asian) characters take two, combining
    marks and format characters none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def room_json(room: StoredRoom, now: datetime) -> dict[str, Any]:
    return {
        "meetingId": room.meeting_id,
        "roomName": room.room_name,
        "roomUrl": room.room_url,
        "hostRoomUrl": room.host_room_url,
        "viewerRoomUrl": room.viewer_room_url,
        "startDate": format_utc(room.start_date) if room.start_date else None,
        "endDate": format_utc(room.end_date),
        "roomMode": room.room_mode,
        "label": room.label,
        "status": room.status(now).value,
        **plan_json(room),
    }


def meeting_json(meeting: Meeting) -> dict[str, Any]:
    """A server-side meeting not in the local store, in the same shape as a stored room."""
    return {
        "meetingId": meeting.meeting_id,
        "roomName": meeting.room_name,
        "roomUrl": meeting.room_url,
        "hostRoomUrl": meeting.host_room_url,
        "viewerRoomUrl": meeting.viewer_room_url,
        "startDate": format_utc(meeting.start_date) if meeting.start_date else None,
        "endDate": format_utc(meeting.end_date),
        "roomMode": None,
        "label": "",
        "status": "not-stored",
        "plannedStart": None,
        "timeZone": None,
    }


def _local(moment: datetime, zone_name: str) -> str:
    return moment.astimezone(get_zone(zone_name)).strftime("%Y-%m-%d %H:%M %Z")


def print_room(data: dict[str, Any], zone_name: str, out: TextIO) -> None:
    end = datetime.fromisoformat(data["endDate"].replace("Z", "+00:00"))
    rows = [
        ("Label", data["label"] or "-"),
        ("Room", data["roomName"] or "-"),
        ("Meeting ID", data["meetingId"]),
        ("Status", data["status"]),
        ("Mode", data["roomMode"] or "-"),
        ("Ends", f"{_local(end, zone_name)} ({data['endDate']})"),
        ("Session", session_line(data, zone_name)),
        ("Room link", data["roomUrl"]),
        ("Host link", data["hostRoomUrl"] or "-"),
        ("Viewer link", data["viewerRoomUrl"] or "-"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {visible(value)}", file=out)


def print_table(rooms: Sequence[StoredRoom], now: datetime, zone_name: str, out: TextIO) -> None:
    if not rooms:
        print("No rooms. Create one with 'roomdesk-cli create --duration 1h'.", file=out)
        return
    header = ("LABEL", "ROOM", "ENDS", "STATUS", "MODE", "LINKS", "ID")
    rows = [header]
    for room in rooms:
        links = (
            "room"
            + (" host" if room.host_room_url else "")
            + (" viewer" if room.viewer_room_url else "")
        )
        rows.append(
            (
                visible(room.label or "-"),
                visible(room.room_name or "-"),
                _local(room.end_date, zone_name),
                room.status(now).label,
                visible(room.room_mode or "-"),
                links,
                visible(room.meeting_id),
            )
        )
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip(), file=out)


def pending_json(pending: PendingCreate) -> dict[str, Any]:
    request = pending.request_json
    return {
        "id": pending.id,
        "label": pending.label,
        "name": describe_pending(pending),
        "requestedAt": format_utc(pending.created_at),
        "state": pending.state.value,
        "endDate": request.get("endDate"),
        "roomNamePrefix": request.get("roomNamePrefix") or "",
        "error": pending.error,
    }


def sync_json(report: SyncReport) -> dict[str, Any]:
    return {
        "pages": report.pages,
        "roomsSeen": report.rooms_seen,
        "imported": len(report.imported),
        "updated": len(report.updated),
        "missing": len(report.missing),
        "resolved": len(report.resolved),
        "inProgress": report.in_progress,
        "importedIds": list(report.imported),
        "updatedIds": list(report.updated),
        "missingIds": list(report.missing),
        "resolvedCreates": [
            {"id": item.pending_id, "label": item.label, "meetingId": item.meeting_id}
            for item in report.resolved
        ],
        "unresolved": [pending_json(pending) for pending in report.unresolved],
        "skipped": [
            {"meetingId": item.meeting_id, "reason": item.reason} for item in report.skipped
        ],
    }


def _rooms(count: int) -> str:
    return "1 room" if count == 1 else f"{count} rooms"


def _print_pending_rows(rows: Sequence[PendingCreate], zone_name: str, out: TextIO) -> None:
    zone = get_zone(zone_name)
    for row in rows:
        print(
            f"  #{row.id}  {visible(describe_pending(row, zone))}  "
            f"(asked for {_local(row.created_at, zone_name)})",
            file=out,
        )
        if row.error:
            print(f"       {visible(row.error)}", file=out)


def print_pending(rows: Sequence[PendingCreate], zone_name: str, out: TextIO) -> None:
    # A create Whereby answered with a 2xx exists: it is listed apart, with no retry offered.
    created = [row for row in rows if row.state is PendingState.CREATED]
    maybe = [row for row in rows if row.state is not PendingState.CREATED]
    if created:
        print(
            f"{_rooms(len(created))} created on Whereby, but not listed yet "
            "(the answer could not be read):",
            file=out,
        )
        _print_pending_rows(created, zone_name, out)
        print("A later 'roomdesk-cli sync' adds them; they are never sent again.", file=out)
    if maybe:
        print(f"{_rooms(len(maybe))} may not have been created:", file=out)
        _print_pending_rows(maybe, zone_name, out)
        print(
            "Send one again with 'roomdesk-cli pending retry ID' or forget it with "
            "'roomdesk-cli pending dismiss ID'.",
            file=out,
        )


def print_sync_report(report: SyncReport, zone_name: str, out: TextIO) -> None:
    pages = "1 page" if report.pages == 1 else f"{report.pages} pages"
    print(f"Whereby lists {_rooms(report.rooms_seen)} ({pages}).", file=out)
    print(
        f"New: {len(report.imported)}   changed: {len(report.updated)}   "
        f"gone from Whereby (now expired): {len(report.missing)}",
        file=out,
    )
    for item in report.resolved:
        name = f"“{item.label}”" if item.label else "A room"
        print(visible(f"{name} was created after all (meeting {item.meeting_id})."), file=out)
    if report.in_progress:
        print(f"{_rooms(report.in_progress)} still being created elsewhere.", file=out)
    if report.unresolved:
        print_pending(report.unresolved, zone_name, out)
