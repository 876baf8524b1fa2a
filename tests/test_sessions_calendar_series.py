"""A one-room series in a calendar file: one repeating event whose occurrences are the sessions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from roomdesk.domain.series import RoomSeries, SeriesRule, expand_series, parse_repeat
from roomdesk.services.batch import plan_from_series
from roomdesk.sessions.calendar import calendar_bytes
from roomdesk.sessions.facts import facts_for
from roomdesk.sessions.invitation import DEFAULT_TEMPLATE, render
from tests.session_samples import OSLO, session, stored

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


def one_room_series(first: str, every: str, times: int):
    frequency, interval = parse_repeat(every)
    rule = SeriesRule(
        datetime.fromisoformat(first), timedelta(hours=1), "Europe/Oslo", frequency, interval, times
    )
    sessions = expand_series(rule, now=NOW)
    plan = plan_from_series(rule, sessions, label="Yoga", one_room=True)
    assert plan.series is not None
    return sessions, plan.series.repeat()


def test_the_rooms_event_repeats_as_the_series_and_each_occurrence_is_a_session():
    # Daily across the spring change: the third session's 02:30 is skipped by the clocks.
    sessions, repeat = one_room_series("2027-03-26T02:30", "daily", 4)
    facts = session(start=sessions[0].start, end=sessions[-1].end)
    data = calendar_bytes(
        [facts],
        invitation_template=DEFAULT_TEMPLATE,
        alarm_minutes=10,
        repeats={facts.meeting_id: repeat},
    )
    (event,) = [part for part in Calendar.from_ical(data).walk() if part.name == "VEVENT"]
    assert event.decoded("DTSTART") == sessions[0].start
    # The event lasts as one session does, not as long as the room.
    assert event.decoded("DTEND") == sessions[0].end
    rule_text = event["RRULE"].to_ical().decode()
    assert sorted(rule_text.split(";")) == ["COUNT=4", "FREQ=DAILY", "INTERVAL=1"]
    # A calendar program expands the rule in wall time and reads a skipped time with the
    # offset from before the jump: each occurrence is the session planned here.
    walls = rrulestr(rule_text, dtstart=sessions[0].start.replace(tzinfo=None))
    occurrences = [wall.replace(tzinfo=OSLO).astimezone(UTC) for wall in walls]
    assert occurrences == [s.start.astimezone(UTC) for s in sessions]
    assert any(s.note for s in sessions)
    # The reminder comes before every occurrence: it is part of the repeating event.
    assert [part.name for part in event.walk()].count("VALARM") == 1


def test_rooms_not_named_in_repeats_stay_single_events():
    _, repeat = one_room_series("2027-03-20T18:00", "every-2-weeks", 3)
    facts = session()
    data = calendar_bytes(
        [facts], invitation_template=DEFAULT_TEMPLATE, alarm_minutes=None, repeats={"m-9": repeat}
    )
    (event,) = [part for part in Calendar.from_ical(data).walk() if part.name == "VEVENT"]
    assert "RRULE" not in event
    assert event.decoded("DTEND") == facts.end


def stored_series_room(first: str, every: str, times: int):
    frequency, interval = parse_repeat(every)
    rule = SeriesRule(
        datetime.fromisoformat(first), timedelta(hours=1), "Europe/Oslo", frequency, interval, times
    )
    sessions = expand_series(rule, now=NOW)
    series = RoomSeries.of(rule, sessions)
    room = stored(
        planned_start=sessions[0].start,
        end_date=sessions[-1].end,
        time_zone="Europe/Oslo",
        series=series,
    )
    return sessions, room


def test_a_stored_one_room_series_gives_its_repeating_event_from_its_facts_alone():
    # Weekly across the autumn change, and the new year: each session stays at 18:00.
    sessions, room = stored_series_room("2027-10-19T18:00", "weekly", 12)
    facts = facts_for(room, fallback_zone=UTC_ZONE)
    data = calendar_bytes([facts], invitation_template=DEFAULT_TEMPLATE, alarm_minutes=None)
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert event.decoded("DTSTART") == sessions[0].start
    assert event.decoded("DTEND") == sessions[0].end
    rule_text = event["RRULE"].to_ical().decode()
    assert sorted(rule_text.split(";")) == ["COUNT=12", "FREQ=WEEKLY", "INTERVAL=1"]
    walls = rrulestr(rule_text, dtstart=sessions[0].start.replace(tzinfo=None))
    occurrences = [wall.replace(tzinfo=OSLO).astimezone(UTC) for wall in walls]
    assert occurrences == [s.start.astimezone(UTC) for s in sessions]
    # The zone is described for every year the sessions fall in.
    (zone,) = Calendar.from_ical(data).walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Oslo"
    # The description says it is a series.
    assert "weekly, 12 sessions until Tue 4 Jan 2028" in str(event["DESCRIPTION"])


def test_the_invitation_of_a_series_gives_the_first_session_and_how_it_repeats():
    _, room = stored_series_room("2027-03-20T18:00", "every-2-weeks", 3)
    facts = facts_for(room, fallback_zone=UTC_ZONE)
    text = render(facts, DEFAULT_TEMPLATE, include_notes=False).text
    assert (
        "Saturday 20 March 2027, 18:00–19:00, every 2 weeks, 3 sessions until Sat 17 Apr 2027 "
        "(Europe/Oslo, UTC+01:00)"
    ) in text
    # A room without a series reads as before: one session up to the room's end.
    plain = facts_for(dataclasses.replace(room, series=None), fallback_zone=UTC_ZONE)
    assert "until" not in render(plain, DEFAULT_TEMPLATE, include_notes=False).text
