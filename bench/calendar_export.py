"""Benchmark 8: a calendar file of 1,000 rooms, from their session facts to the file's bytes.

The rooms are spread over four zones (three with daylight saving, and UTC) and a year of dates,
each with a label, notes and an alarm; the figure is the whole of ``calendar_bytes``: the
invitation rendered for each room's description, the events, a VTIMEZONE per zone, the text.

Baseline, interleaved: icalendar itself building the same number of bare events (UID, DTSTAMP,
start and end in UTC, summary) and writing them out: what the library costs before anything of
roomdesk's is added.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bench.core import Options, Result, Summary, at_most
from roomdesk.sessions.calendar import calendar_bytes
from roomdesk.sessions.facts import SessionFacts
from roomdesk.sessions.invitation import DEFAULT_TEMPLATE

BUDGET_MS = 1000.0
ZONES = tuple(ZoneInfo(name) for name in ("Europe/Oslo", "America/New_York", "Asia/Tokyo", "UTC"))
FIRST_START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def sample_rooms(count: int) -> list[SessionFacts]:
    rooms = []
    for number in range(count):
        start = FIRST_START + timedelta(days=number % 365, hours=number % 9)
        rooms.append(
            SessionFacts(
                meeting_id=f"{number:08d}-bench",
                label=f"Coaching session {number}",
                notes="Bring one question.\nWe record nothing.",
                room_url=f"https://acme.whereby.com/coaching-{number:05d}",
                viewer_room_url=None,
                host_room_url=None,
                room_mode="normal",
                start=start,
                end=start + timedelta(minutes=90),
                planned=number % 5 != 0,
                zone=ZONES[number % len(ZONES)],
            )
        )
    return rooms


def _ours(rooms: list[SessionFacts]) -> float:
    started = time.perf_counter()
    calendar_bytes(rooms, invitation_template=DEFAULT_TEMPLATE, alarm_minutes=15)
    return (time.perf_counter() - started) * 1000


def _bare(rooms: list[SessionFacts]) -> float:
    started = time.perf_counter()
    calendar = Calendar()
    calendar.add("prodid", "-//bench//EN")
    calendar.add("version", "2.0")
    stamp = datetime.now(UTC)
    for room in rooms:
        event = Event()
        event.add("uid", room.meeting_id)
        event.add("dtstamp", stamp)
        event.add("dtstart", room.start)
        event.add("dtend", room.end)
        event.add("summary", room.label)
        calendar.add_component(event)
    calendar.to_ical()
    return (time.perf_counter() - started) * 1000


def run_calendar(options: Options) -> list[Result]:
    count = 50 if options.quick else 1000
    repeat = options.repetitions(full=7, quick=1)
    rooms = sample_rooms(count)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(repeat):
        ours.append(_ours(rooms))
        bare.append(_bare(rooms))
    return [
        Result(
            benchmark="calendar",
            figure=f"Calendar file of {count:,} rooms",
            value=Summary.of(ours, "ms"),
            baseline=Summary.of(bare, "ms"),
            baseline_label="icalendar, bare events in UTC",
            target=at_most(BUDGET_MS, "ms"),
            notes=f"{len(ZONES)} zones, invitations as descriptions, alarms; {repeat} runs",
        )
    ]
