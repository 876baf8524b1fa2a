"""The sample rooms a demo starts with, so there is something to look at, edit and be reminded of.

They are created the way a person would create them (through the room service, against the demo's
own server), so a refresh finds them on the server and keeps them. Times follow ``now``: the
coaching session starts within the next quarter hour, so its reminder comes soon after a demo
starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from roomdesk.api.requests import Field, MeetingRequest
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.sessions import resolve_start
from roomdesk.domain.times import get_zone, require_aware

# The coaching session starts this long after the demo does (rounded up to a whole minute):
# more than the default reminder lead, so its reminder is shown a little later, not missed.
COACHING_STARTS_IN = timedelta(minutes=12)
WORKSHOP_ZONE = "Europe/Berlin"


@dataclass(frozen=True)
class SampleRoom:
    label: str
    notes: str
    request: MeetingRequest
    planned_start: datetime | None = None
    time_zone: str | None = None
    # Whether the demo's server gives the room past sessions, with recordings, transcripts and
    # attendance, as a room in use for a while has.
    history: bool = False


def _whole_minute_after(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def _at(day: datetime, hour: int, zone_name: str) -> datetime:
    """``hour`` o'clock on ``day``'s date in the zone (never in a clock change's hour)."""
    wall = datetime(day.year, day.month, day.day, hour)
    return resolve_start(wall, zone_name, fold=0)


def sample_rooms(now: datetime, zone_name: str) -> list[SampleRoom]:
    """The demo's rooms for a demo started at ``now`` (aware) by someone in ``zone_name``."""
    now = require_aware(now, "now")
    local_now = now.astimezone(get_zone(zone_name))
    berlin_now = now.astimezone(get_zone(WORKSHOP_ZONE))

    coaching = _whole_minute_after(now + COACHING_STARTS_IN)
    workshop = _at(berlin_now + timedelta(days=1), 14, WORKSHOP_ZONE)
    office_hours = _at(local_now + timedelta(days=7), 10, zone_name)
    host = frozenset({Field.HOST_ROOM_URL})
    return [
        SampleRoom(
            "Coaching: Sam",
            "Third session. Sam wants to go through the interview feedback; "
            "have last week's notes open.",
            MeetingRequest(end_date=coaching + timedelta(minutes=45), fields=host),
            coaching,
            zone_name,
        ),
        SampleRoom(
            "Team workshop",
            "Planning the next quarter with the Berlin team. Whiteboard first, then small groups.",
            MeetingRequest(
                end_date=workshop + timedelta(minutes=90),
                room_mode=RoomMode.GROUP,
                fields=frozenset({Field.HOST_ROOM_URL, Field.VIEWER_ROOM_URL}),
            ),
            workshop,
            WORKSHOP_ZONE,
        ),
        SampleRoom(
            "Office hours",
            "Open door for questions about the course; students join as they like.",
            MeetingRequest(end_date=office_hours + timedelta(hours=1), fields=host),
            office_hours,
            zone_name,
        ),
        SampleRoom(
            "Drop-in room",
            "Always open this week for anyone who needs a room at short notice. Last week's "
            "session was recorded.",
            MeetingRequest(
                end_date=_whole_minute_after(now + timedelta(days=5)),
                room_mode=RoomMode.GROUP,
                fields=host,
            ),
            history=True,
        ),
    ]
