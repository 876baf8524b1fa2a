"""Rooms as an iCalendar file (RFC 5545) for any calendar program: one event per room.

A room that serves a whole series of sessions (its facts carry the series, or the caller names
it) gets one repeating event: the first session's start and end, and an RRULE for the rest, so
each session shows (and reminds) on its own day.

Each event's UID comes from the room's meeting id, so exporting a room again updates the event
a calendar already has instead of adding a second one. Times are written in the room's zone
with a VTIMEZONE describing that zone over the years the events span (UTC needs none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone

from roomdesk import __version__
from roomdesk.domain.series import Repeat
from roomdesk.sessions.facts import SessionFacts, shared_link
from roomdesk.sessions.invitation import FALLBACK_LABEL, TemplateError, render, template_problems

PRODUCT_ID = f"-//roomdesk//roomdesk {__version__}//EN"
# A reminder further ahead than a week is a different kind of note than an alarm.
MAX_ALARM_MINUTES = 7 * 24 * 60
UNPLANNED_NOTE = "No start time was planned: the room is open from when it was made until it ends."


def event_uid(meeting_id: str) -> str:
    """The event's UID: the same for the same room in every export."""
    return f"{meeting_id}@roomdesk"


def alarm_problem(minutes: int | None) -> str | None:
    """Why ``minutes`` cannot be an alarm's lead time, or None when it can (or is None)."""
    if minutes is None or 0 <= minutes <= MAX_ALARM_MINUTES:
        return None
    return f"the alarm must be between 0 and {MAX_ALARM_MINUTES} minutes before the start"


def _event(
    facts: SessionFacts,
    *,
    template: str,
    include_notes: bool,
    alarm_minutes: int | None,
    stamp: datetime,
    repeat: Repeat | None = None,
) -> Event:
    summary = facts.label.strip() or FALLBACK_LABEL
    link = shared_link(facts)
    description = render(facts, template, include_notes=include_notes).text.strip()
    if not facts.planned:
        description = f"{UNPLANNED_NOTE}\n\n{description}"
    event = Event()
    event.add("uid", event_uid(facts.meeting_id))
    event.add("dtstamp", stamp)
    event.add("dtstart", facts.start.astimezone(facts.zone))
    # A series' event lasts as its first session does; the room's end is the last one's.
    end = facts.end if repeat is None else repeat.first_end
    event.add("dtend", end.astimezone(facts.zone))
    if repeat is not None:
        event.add("rrule", dict(repeat.rule))
    event.add("summary", summary)
    event.add("url", link)
    event.add("location", link)
    event.add("description", description)
    if alarm_minutes is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(minutes=-alarm_minutes))
        alarm.add("description", summary)
        event.add_component(alarm)
    return event


def calendar_bytes(
    facts_list: Sequence[SessionFacts],
    *,
    invitation_template: str,
    alarm_minutes: int | None,
    include_notes: bool = False,
    now: datetime | None = None,
    repeats: Mapping[str, Repeat] | None = None,
) -> bytes:
    """An iCalendar file with one event per room in ``facts_list``, its description the
    invitation from the room's own template or else ``invitation_template``, with a display
    alarm ``alarm_minutes`` before the start when given; a room named in ``repeats`` (by
    meeting id), or whose facts carry a series, gets a repeating event.
    ValueError (TemplateError for a template) on bad input."""
    templates = [
        invitation_template,
        *(facts.template(invitation_template) for facts in facts_list),
    ]
    for template in dict.fromkeys(templates):
        if problems := template_problems(template):
            raise TemplateError(problems)
    if problem := alarm_problem(alarm_minutes):
        raise ValueError(problem)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    events = [
        _event(
            facts,
            template=facts.template(invitation_template),
            include_notes=include_notes,
            alarm_minutes=alarm_minutes,
            stamp=stamp,
            repeat=_repeat_of(facts, repeats),
        )
        for facts in facts_list
    ]
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # A VTIMEZONE for each TZID the events name, before them; a time in UTC names none. Whole
    # years, so a zone's summer and winter offsets are both there to read.
    for zone_id, (zone, first, last) in _zones(events, facts_list).items():
        calendar.add_component(
            Timezone.from_tzinfo(
                zone,
                tzid=zone_id,
                first_date=date(first, 1, 1),
                last_date=date(min(last + 1, 9999), 1, 1),
            )
        )
    for event in events:
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _repeat_of(facts: SessionFacts, repeats: Mapping[str, Repeat] | None) -> Repeat | None:
    named = (repeats or {}).get(facts.meeting_id)
    if named is not None or facts.series is None:
        return named
    return facts.series.repeat()


def _zones(
    events: list[Event], facts_list: Sequence[SessionFacts]
) -> dict[str, tuple[ZoneInfo, int, int]]:
    """For each TZID the events' times name, as the library wrote them: the zone behind it and
    the first and last year it is used in."""
    zones: dict[str, tuple[ZoneInfo, int, int]] = {}
    for event, facts in zip(events, facts_list, strict=True):
        for name, moment in (("DTSTART", facts.start), ("DTEND", facts.end)):
            zone_id = event[name].params.get("TZID")
            if not zone_id:
                continue
            year = moment.astimezone(facts.zone).year
            zone, first, last = zones.get(str(zone_id), (facts.zone, year, year))
            zones[str(zone_id)] = (zone, min(first, year), max(last, year))
    return zones
