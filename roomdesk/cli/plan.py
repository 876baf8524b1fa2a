"""The command line's planned starts: ``create --start`` and the local-only ``edit`` command.

A planned start is roomdesk's own (Whereby knows only the end), so ``edit`` changes the room on
this computer and sends nothing. Mistakes are :class:`InputError`, which ``roomdesk-cli`` reports
as one ``error:`` line with exit code 2, like any request it refuses before sending.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from roomdesk.domain.errors import FieldIssue, ValidationProblem
from roomdesk.domain.rooms import label_problem
from roomdesk.domain.sessions import session_text, start_problem
from roomdesk.domain.times import format_utc, get_zone, resolve_local_time
from roomdesk.store import RoomStore, StoredRoom
from roomdesk.store.db import UNCHANGED, Unchanged


class InputError(ValidationProblem):
    """Bad input on the command line; ``str()`` is the message alone."""

    def __init__(self, message: str) -> None:
        super().__init__([FieldIssue("input", message)])
        self.message = message

    def __str__(self) -> str:
        return self.message


def parse_moment(option: str, text: str, zone_name: str, ambiguous: str | None) -> datetime:
    """``option``'s value: an ISO date-time with an offset or Z, or a wall time in ``zone_name``
    (a skipped or repeated one refused as :func:`resolve_local_time` says, ``ambiguous``
    choosing between the two of a repeated one)."""
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1:] in "zZ" else raw)
    except ValueError:
        raise InputError(
            f"{option} {text!r} is not an ISO date-time such as 2026-12-01T15:30 "
            "or 2026-12-01T15:30+01:00"
        ) from None
    if "T" not in raw.upper() and " " not in raw:
        raise InputError(f"{option} {text!r} has no time of day (e.g. {raw}T15:30)")
    fold = None if ambiguous is None else (0 if ambiguous == "earlier" else 1)
    moment = parsed
    try:
        if moment.tzinfo is None:
            moment = resolve_local_time(parsed, zone_name, fold=fold)
        moment.astimezone(UTC)  # stored and sent in UTC: the moment must exist there too
    except OverflowError:
        raise InputError(f"{option} {text!r} is outside the range of dates") from None
    return moment


def add_start_option(create: argparse.ArgumentParser) -> None:
    create.add_argument(
        "--start",
        help="planned start, kept locally, as ISO date-time (wall time in --tz unless it has "
        "an offset); with it, --duration counts from the start",
    )


def checked_start(start: datetime, end: datetime, zone_name: str) -> datetime:
    """``start``, or InputError when it is after ``end`` (both named in ``zone_name``)."""
    problem = start_problem(start, end, get_zone(zone_name))
    if problem is not None:
        raise InputError(problem)
    return start


def plan_json(room: StoredRoom) -> dict[str, Any]:
    """The planned start (UTC) and the zone it was planned in, as ``show`` and ``list`` give."""
    start = room.planned_start
    return {
        "plannedStart": None if start is None else format_utc(start),
        "timeZone": room.time_zone,
    }


def session_line(data: dict[str, Any], zone_name: str) -> str:
    """The session of a room's JSON (see :func:`plan_json`) as read in ``zone_name``; "-" for
    none."""
    start_text = data.get("plannedStart")
    if not start_text:
        return "-"
    start = datetime.fromisoformat(start_text.replace("Z", "+00:00"))
    end = datetime.fromisoformat(data["endDate"].replace("Z", "+00:00"))
    text = f"{session_text(start, end, get_zone(zone_name))} {zone_name}"
    planned_in = data.get("timeZone")
    return f"{text} (planned in {planned_in})" if planned_in and planned_in != zone_name else text


def add_edit_parser(commands: Any) -> None:
    """The ``edit`` command on ``commands`` (the parser's subcommands)."""
    edit = commands.add_parser(
        "edit", help="change a room's label, notes or planned start here (nothing is sent)"
    )
    edit.add_argument("meeting_id", metavar="ID")
    edit.add_argument("--start", help="planned start as ISO date-time; '' clears it")
    edit.add_argument("--tz", help="IANA time zone for --start (default: the system's)")
    edit.add_argument(
        "--ambiguous",
        choices=("earlier", "later"),
        help="which one to take when --start falls in a daylight-saving overlap",
    )
    edit.add_argument("--label", help="your own label")
    edit.add_argument("--notes", help="your own notes")
    edit.add_argument("--json", action="store_true", help="print JSON")


@dataclass(frozen=True)
class _Edit:
    label: str
    notes: str | None
    planned_start: datetime | Unchanged | None
    time_zone: str | Unchanged | None


def _read_edit(args: argparse.Namespace, room: StoredRoom, system_zone: str) -> _Edit:
    if args.start is None and args.label is None and args.notes is None and args.tz is None:
        raise InputError("nothing to change: give --start, --label, --notes or --tz")
    if args.tz is not None and not args.tz.strip():
        raise InputError("--tz is empty: give an IANA time zone such as Europe/Oslo")
    zone_name = args.tz.strip() if args.tz is not None else system_zone
    get_zone(zone_name)
    label = room.label if args.label is None else args.label.strip()
    if problem := label_problem(label):
        raise InputError(f"--label {problem}")
    start: datetime | Unchanged | None = UNCHANGED
    zone: str | Unchanged | None = UNCHANGED
    if args.start is not None and not args.start.strip():
        start = zone = None  # cleared: a room without a planned start has no zone for it
    elif args.start is not None:
        start = checked_start(
            parse_moment("--start", args.start, zone_name, args.ambiguous),
            room.end_date,
            zone_name,
        )
        zone = zone_name
    elif args.tz is not None:
        if room.planned_start is None:
            raise InputError("the room has no planned start for --tz to apply to; give --start")
        zone = zone_name
    return _Edit(label, args.notes, start, zone)


def edit_room(store: RoomStore, args: argparse.Namespace, system_zone: str) -> StoredRoom:
    """Apply ``edit``'s options to the stored room, in one transaction; nothing is sent."""
    meeting_id = args.meeting_id.strip()
    room = store.get(meeting_id)
    if room is None:
        raise InputError(
            f"no room {meeting_id!r} in the local list; 'roomdesk-cli list --all' shows them"
        )
    edit = _read_edit(args, room, system_zone)
    changed = store.set_label(
        meeting_id,
        edit.label,
        edit.notes,
        planned_start=edit.planned_start,
        time_zone=edit.time_zone,
    )
    if changed is None:  # forgotten meanwhile by another roomdesk
        raise InputError(f"no room {meeting_id!r} in the local list any more")
    return changed
