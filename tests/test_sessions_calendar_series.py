"""A one-room series in a calendar file: one repeating event whose occurrences are the sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrulestr
from icalendar import Calendar

from roomdesk.domain.series import SeriesRule, expand_series, parse_repeat
from roomdesk.services.batch import plan_from_series
from roomdesk.sessions.calendar import calendar_bytes
from roomdesk.sessions.invitation import DEFAULT_TEMPLATE
from tests.session_samples import OSLO, session

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


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
