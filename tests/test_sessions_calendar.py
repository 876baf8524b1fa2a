"""Calendar files: read back with icalendar, each field where a calendar program looks for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from roomdesk.sessions.calendar import UNPLANNED_NOTE, calendar_bytes, event_uid
from roomdesk.sessions.facts import VIEWER_MODE
from roomdesk.sessions.invitation import DEFAULT_TEMPLATE, FALLBACK_LABEL, TemplateError, render
from tests.session_samples import HOST_LINK, LINK, OSLO, VIEWER_LINK, session

NOW = datetime(2026, 12, 1, 9, 30, 15, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def export(facts_list, *, alarm=None, template=DEFAULT_TEMPLATE, now=NOW) -> Calendar:
    data = calendar_bytes(facts_list, invitation_template=template, alarm_minutes=alarm, now=now)
    return Calendar.from_ical(data)


def events(calendar: Calendar) -> list:
    return [part for part in calendar.walk() if part.name == "VEVENT"]


def timezones(calendar: Calendar) -> dict:
    return {str(part["TZID"]): part for part in calendar.walk() if part.name == "VTIMEZONE"}


def test_each_room_is_one_event_with_its_fields_where_calendars_look_for_them():
    facts = session()
    (event,) = events(export([facts], alarm=15))
    assert str(event["UID"]) == "m-101@roomdesk"
    assert event.decoded("DTSTAMP") == NOW
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert event["DTEND"].params["TZID"] == "Europe/Oslo"
    assert event.decoded("DTSTART") == facts.start
    assert event.decoded("DTEND") == facts.end
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 12, 8, 14, 0)
    assert str(event["SUMMARY"]) == "Coaching with Sam"
    assert str(event["URL"]) == LINK
    assert str(event["LOCATION"]) == LINK
    expected = render(facts, DEFAULT_TEMPLATE, include_notes=False).text.strip()
    assert str(event["DESCRIPTION"]) == expected
    (alarm,) = [part for part in event.walk() if part.name == "VALARM"]
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    assert str(alarm["DESCRIPTION"]) == "Coaching with Sam"


def test_the_file_is_rfc_5545_text_with_a_version_and_a_product():
    data = calendar_bytes([session()], invitation_template=DEFAULT_TEMPLATE, alarm_minutes=None)
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and len(line) <= 75 for line in lines)
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert "roomdesk" in str(calendar["PRODID"])


def test_without_an_alarm_there_is_none():
    (event,) = events(export([session()]))
    assert [part for part in event.walk() if part.name == "VALARM"] == []


def test_exporting_again_keeps_each_rooms_uid():
    rooms = [session(), session(meeting_id="m-202", label="Stand-up")]
    first = [str(event["UID"]) for event in events(export(rooms, now=NOW))]
    again = [str(event["UID"]) for event in events(export(rooms, now=NOW + timedelta(days=3)))]
    assert first == again == [event_uid("m-101"), event_uid("m-202")]


def test_the_link_is_the_participant_or_viewer_link_never_the_hosts():
    rooms = [
        session(room_url=HOST_LINK),
        session(meeting_id="m-2", room_mode=VIEWER_MODE, viewer_room_url=VIEWER_LINK),
    ]
    data = calendar_bytes(rooms, invitation_template=DEFAULT_TEMPLATE + "{link}", alarm_minutes=5)
    assert b"roomKey" not in data and b"host-secret" not in data
    first, second = events(Calendar.from_ical(data))
    assert str(first["URL"]) == str(first["LOCATION"]) == LINK
    assert str(second["URL"]) == str(second["LOCATION"]) == VIEWER_LINK


def test_a_room_without_a_label_gets_a_summary_all_the_same():
    (event,) = events(export([session(label="")]))
    assert str(event["SUMMARY"]) == FALLBACK_LABEL


def test_a_room_without_a_planned_start_runs_from_when_it_was_made_and_says_so():
    made = datetime(2026, 12, 7, 8, 5, tzinfo=UTC)
    (event,) = events(export([session(planned=False, start=made)]))
    assert event.decoded("DTSTART") == made
    description = str(event["DESCRIPTION"])
    assert description.startswith(UNPLANNED_NOTE)
    assert "open from Monday 7 December 2026, 09:05" in description


def test_every_zone_named_has_its_vtimezone_and_utc_needs_none():
    rooms = [
        session(),
        session(meeting_id="m-2", zone=NEW_YORK),
        session(meeting_id="m-3", zone=ZoneInfo("UTC")),
        session(meeting_id="m-4", zone=OSLO),
    ]
    data = calendar_bytes(rooms, invitation_template=DEFAULT_TEMPLATE, alarm_minutes=None)
    calendar = Calendar.from_ical(data)
    assert set(timezones(calendar)) == {"Europe/Oslo", "America/New_York"}
    named = {
        event[field].params.get("TZID") for event in events(calendar) for field in ("DTSTART",)
    }
    assert named == {"Europe/Oslo", "America/New_York", None}
    utc_event = events(calendar)[2]
    assert b"DTSTART:20261208T130000Z" in data
    assert utc_event.decoded("DTSTART") == rooms[2].start
    # The time zones come before the events that name them.
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")


def _offset_in_effect(zone, local: datetime) -> timedelta:
    """The TZOFFSETTO of the VTIMEZONE observance last begun at wall time ``local``."""
    begun = [
        (part.decoded("DTSTART"), part.decoded("TZOFFSETTO"))
        for part in zone.walk()
        if part.name in ("STANDARD", "DAYLIGHT") and part.decoded("DTSTART") <= local
    ]
    return max(begun)[1]


@pytest.mark.parametrize(
    ("month", "offset"),
    [(1, -5), (7, -4), (11, -5)],
)
def test_a_zone_with_daylight_saving_gets_the_offset_of_the_season(month, offset):
    start = datetime(2027, month, 20, 15, 0, tzinfo=NEW_YORK)
    facts = session(start=start, end=start + timedelta(hours=1), zone=NEW_YORK)
    calendar = export([facts])
    (event,) = events(calendar)
    local = event.decoded("DTSTART").replace(tzinfo=None)
    assert local == datetime(2027, month, 20, 15, 0)
    zone = timezones(calendar)["America/New_York"]
    assert _offset_in_effect(zone, local) == timedelta(hours=offset)


def test_summer_and_winter_rooms_in_one_file_each_read_right():
    winter = datetime(2027, 1, 12, 9, 0, tzinfo=NEW_YORK)
    summer = datetime(2027, 7, 12, 9, 0, tzinfo=NEW_YORK)
    rooms = [
        session(meeting_id="w", start=winter, end=winter + timedelta(hours=1), zone=NEW_YORK),
        session(meeting_id="s", start=summer, end=summer + timedelta(hours=1), zone=NEW_YORK),
    ]
    calendar = export(rooms)
    zone = timezones(calendar)["America/New_York"]
    offsets = [
        _offset_in_effect(zone, event.decoded("DTSTART").replace(tzinfo=None))
        for event in events(calendar)
    ]
    assert offsets == [timedelta(hours=-5), timedelta(hours=-4)]
    assert {part.name for part in zone.walk()} >= {"STANDARD", "DAYLIGHT"}


def test_a_template_with_a_mistake_or_a_negative_alarm_is_refused():
    with pytest.raises(TemplateError, match=r"\{lable\}"):
        calendar_bytes([session()], invitation_template="{lable}", alarm_minutes=None)
    with pytest.raises(ValueError, match="between 0 and"):
        calendar_bytes([session()], invitation_template=DEFAULT_TEMPLATE, alarm_minutes=-5)


def test_notes_go_into_the_description_only_when_asked_for():
    facts = session()
    without = calendar_bytes([facts], invitation_template="{notes}", alarm_minutes=None)
    with_notes = calendar_bytes(
        [facts], invitation_template="{notes}", alarm_minutes=None, include_notes=True
    )
    assert str(events(Calendar.from_ical(without))[0].get("DESCRIPTION", "")) == ""
    assert str(events(Calendar.from_ical(with_notes))[0]["DESCRIPTION"]) == facts.notes


def test_no_rooms_make_an_empty_calendar():
    calendar = export([])
    assert events(calendar) == [] and timezones(calendar) == {}
