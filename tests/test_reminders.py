"""Reminders before planned sessions, without Qt: what is due when, once, and what it says."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roomdesk.domain.series import RoomSeries
from roomdesk.services.reminders import (
    DEFAULT_LEAD_MINUTES,
    MemoryLedger,
    ReminderPlanner,
    StoreLedger,
    UpcomingSession,
    check_lead_minutes,
    reminder_message,
    reminder_text,
    upcoming_sessions,
)
from roomdesk.store import RoomStore, StoreUnavailableError

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # when the app started, in these tests
MINUTE = timedelta(minutes=1)
OSLO = ZoneInfo("Europe/Oslo")


def session(meeting_id="m-1", starts_at=T0 + 60 * MINUTE, label="", host=None, link=None):
    room_link = link or f"https://team.whereby.com/{meeting_id}-room"
    return UpcomingSession(meeting_id, label, starts_at, host, room_link)


def planner_for(*sessions, ledger=None, started_at=T0, lead=DEFAULT_LEAD_MINUTES):
    planner = ReminderPlanner(ledger or MemoryLedger(), started_at=started_at, lead_minutes=lead)
    planner.set_sessions(sessions)
    return planner


def ids(sessions):
    return [s.meeting_id for s in sessions]


# -- when a reminder is due -----------------------------------------------------------------------


def test_a_reminder_is_due_lead_minutes_before_the_start():
    start = T0 + 60 * MINUTE
    planner = planner_for(session(starts_at=start))
    assert planner.next_wake(T0) == start - 10 * MINUTE
    assert planner.take_due(start - 10 * MINUTE - timedelta(seconds=1)) == []
    assert ids(planner.take_due(start - 10 * MINUTE)) == ["m-1"]


def test_the_lead_time_is_the_setting():
    start = T0 + 60 * MINUTE
    planner = planner_for(session(starts_at=start), lead=25)
    assert planner.next_wake(T0) == start - 25 * MINUTE
    assert ids(planner.take_due(start - 25 * MINUTE)) == ["m-1"]


def test_a_reminder_still_due_is_shown_late_but_not_once_the_session_started():
    start = T0 + 60 * MINUTE
    # Asleep over the due time, awake before the start: shown when looked at.
    assert ids(planner_for(session(starts_at=start)).take_due(start - MINUTE)) == ["m-1"]
    # Awake only at the start, or after: too late to remind.
    assert planner_for(session(starts_at=start)).take_due(start) == []
    assert planner_for(session(starts_at=start)).take_due(start + MINUTE) == []


def test_a_reminder_due_before_the_app_started_is_not_shown_late():
    start = T0 + 5 * MINUTE  # due five minutes before the app started
    planner = planner_for(session(starts_at=start))
    assert planner.take_due(T0) == []
    assert planner.take_due(T0 + MINUTE) == []
    assert planner.next_wake(T0) is None


def test_a_session_planned_while_the_app_runs_is_reminded_of_within_the_lead_time():
    planner = planner_for(session("known", T0 + 5 * MINUTE), lead=15)
    assert planner.take_due(T0) == []  # due before the start: missed while closed
    # At T0 + 3 min a session is planned to start at T0 + 12 min: due at T0 - 3 min already.
    planner.set_sessions([session("known", T0 + 5 * MINUTE), session("new", T0 + 12 * MINUTE)])
    assert ids(planner.take_due(T0 + 3 * MINUTE)) == ["new"]
    assert planner.take_due(T0 + 4 * MINUTE) == []  # once
    # Moved to another time, it is another session, reminded of again.
    planner.set_sessions([session("known", T0 + 5 * MINUTE), session("new", T0 + 14 * MINUTE)])
    assert ids(planner.take_due(T0 + 4 * MINUTE)) == ["new"]
    assert planner.next_wake(T0 + 4 * MINUTE) is None


def test_a_reminder_due_as_the_app_starts_is_shown():
    planner = planner_for(session(starts_at=T0 + 10 * MINUTE))
    assert ids(planner.take_due(T0)) == ["m-1"]


def test_no_reminders_when_the_lead_time_is_zero():
    planner = planner_for(session(starts_at=T0 + 30 * MINUTE), lead=0)
    assert planner.take_due(T0 + 29 * MINUTE) == []
    assert planner.next_wake(T0) is None


# -- once only ------------------------------------------------------------------------------------


def test_a_reminder_is_shown_once():
    planner = planner_for(session())
    due = T0 + 50 * MINUTE
    assert ids(planner.take_due(due)) == ["m-1"]
    assert planner.take_due(due) == []
    assert planner.take_due(due + 5 * MINUTE) == []
    assert planner.next_wake(due) is None


def test_a_restart_does_not_show_a_reminder_again():
    """A reminder shown before a restart is left out after it, even when a shorter lead time
    makes it due again after the new start: the ledger remembers it."""
    start = T0 + 60 * MINUTE
    ledger = MemoryLedger()
    first_run = planner_for(session(starts_at=start), ledger=ledger)
    assert ids(first_run.take_due(start - 10 * MINUTE)) == ["m-1"]

    restarted = start - 8 * MINUTE
    second_run = planner_for(session(starts_at=start), ledger=ledger, started_at=restarted, lead=5)
    assert second_run.take_due(start - 5 * MINUTE) == []
    # Without the ledger's memory it would have come again.
    forgetful = planner_for(session(starts_at=start), started_at=restarted, lead=5)
    assert ids(forgetful.take_due(start - 5 * MINUTE)) == ["m-1"]


def test_a_session_moved_later_gets_a_new_reminder():
    ledger = MemoryLedger()
    planner = planner_for(session(starts_at=T0 + 60 * MINUTE), ledger=ledger)
    assert ids(planner.take_due(T0 + 50 * MINUTE)) == ["m-1"]
    planner.set_sessions([session(starts_at=T0 + 120 * MINUTE)])
    assert planner.next_wake(T0 + 51 * MINUTE) == T0 + 110 * MINUTE
    assert ids(planner.take_due(T0 + 110 * MINUTE)) == ["m-1"]
    assert set(ledger.marked) == {("m-1", T0 + 60 * MINUTE), ("m-1", T0 + 120 * MINUTE)}


def test_a_ledger_that_cannot_be_written_still_shows_each_reminder_once(tmp_path):
    class BrokenLedger:
        def shown(self, meeting_id, starts_at):
            raise StoreUnavailableError(tmp_path, "the disk is full")

        def mark_shown(self, meeting_id, starts_at, shown_at):
            raise StoreUnavailableError(tmp_path, "the disk is full")

    planner = planner_for(session(), ledger=BrokenLedger())
    assert ids(planner.take_due(T0 + 50 * MINUTE)) == ["m-1"]
    assert planner.take_due(T0 + 51 * MINUTE) == []


def test_a_reminder_another_run_noted_meanwhile_is_not_shown():
    ledger = MemoryLedger()
    planner = planner_for(session(), ledger=ledger)
    ledger.mark_shown("m-1", T0 + 60 * MINUTE, T0 + 50 * MINUTE)
    assert planner.take_due(T0 + 50 * MINUTE) == []


# -- several at once ------------------------------------------------------------------------------


def test_reminders_due_together_are_all_shown_in_one_message_earliest_first():
    planner = planner_for(
        session("m-3", T0 + 62 * MINUTE, label="Standup"),
        session("m-1", T0 + 60 * MINUTE, label="Coaching: Sam"),
        session("m-2", T0 + 61 * MINUTE),
    )
    due = planner.take_due(T0 + 52 * MINUTE)  # the app woke after all three fell due
    assert ids(due) == ["m-1", "m-2", "m-3"]
    message = reminder_message(due, UTC)
    assert message.title == "3 sessions starting soon"
    assert message.text.splitlines() == [
        "Coaching: Sam starts at 13:00",
        "m-2-room starts at 13:01",
        "Standup starts at 13:02",
    ]
    assert message.link is None  # a click brings the window, to pick one


def test_next_wake_is_the_earliest_reminder_not_shown_yet():
    planner = planner_for(
        session("late", T0 + 120 * MINUTE),
        session("soon", T0 + 30 * MINUTE),
        session("missed", T0 + 5 * MINUTE),
    )
    assert planner.next_wake(T0) == T0 + 20 * MINUTE
    assert ids(planner.take_due(T0 + 20 * MINUTE)) == ["soon"]
    assert planner.next_wake(T0 + 20 * MINUTE) == T0 + 110 * MINUTE
    planner.set_sessions([])
    assert planner.next_wake(T0 + 20 * MINUTE) is None


@given(
    starts=st.lists(st.integers(min_value=-30, max_value=300), min_size=1, max_size=8),
    lead=st.integers(min_value=1, max_value=120),
    steps=st.lists(st.integers(min_value=1, max_value=90), max_size=30),
)
def test_each_reminder_comes_at_the_first_look_while_it_is_due(starts, lead, steps):
    """Looked at now and then, a reminder is shown at the first look in [due, start), if its due
    time is not before the app's start; never twice."""
    sessions = [session(f"m-{n}", T0 + start * MINUTE) for n, start in enumerate(starts)]
    planner = planner_for(*sessions, lead=lead)
    looks = [T0]
    for step in steps:
        looks.append(looks[-1] + step * MINUTE)
    shown: dict[str, datetime] = {}
    for now in looks:
        for due in planner.take_due(now):
            assert due.meeting_id not in shown
            shown[due.meeting_id] = now
    for item in sessions:
        due_at = item.starts_at - lead * MINUTE
        first = next((t for t in looks if due_at <= t < item.starts_at), None)
        expected = first if due_at >= T0 else None
        assert shown.get(item.meeting_id) == expected


@given(
    starts=st.lists(st.integers(min_value=-30, max_value=300), min_size=1, max_size=8),
    lead=st.integers(min_value=1, max_value=120),
)
def test_waking_at_each_next_wake_shows_every_reminder_on_time(starts, lead):
    sessions = [session(f"m-{n}", T0 + start * MINUTE) for n, start in enumerate(starts)]
    planner = planner_for(*sessions, lead=lead)
    shown: dict[str, datetime] = {}
    now: datetime | None = T0
    while now is not None:
        shown.update((due.meeting_id, now) for due in planner.take_due(now))
        wake = planner.next_wake(now)
        assert wake is None or wake > now
        now = wake
    expected = {
        item.meeting_id: item.starts_at - lead * MINUTE
        for item in sessions
        if item.starts_at - lead * MINUTE >= T0
    }
    assert shown == expected


# -- checks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [-1, 121])
def test_a_lead_time_out_of_range_is_refused_with_the_range(minutes):
    with pytest.raises(ValueError, match=re.escape("0 (no reminders) to 120 minutes")):
        check_lead_minutes(minutes)
    planner = planner_for()
    with pytest.raises(ValueError):
        planner.lead_minutes = minutes
    assert planner.lead_minutes == DEFAULT_LEAD_MINUTES


def test_a_start_without_a_zone_is_refused():
    planner = planner_for()
    with pytest.raises(ValueError, match="aware"):
        planner.set_sessions([session(starts_at=datetime(2026, 3, 2, 14, 0))])


def test_starts_in_other_zones_are_planned_in_utc():
    start = datetime(2026, 3, 2, 14, 0, tzinfo=OSLO)  # 13:00 UTC
    planner = planner_for(session(starts_at=start))
    assert planner.sessions[0].starts_at == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert planner.sessions[0].starts_at.tzinfo is UTC


# -- what a reminder says -------------------------------------------------------------------------


def test_the_text_names_the_session_and_its_start_in_the_persons_zone():
    item = session(starts_at=datetime(2026, 3, 2, 13, 0, tzinfo=UTC), label="Coaching: Sam")
    assert reminder_text(item, OSLO) == "Coaching: Sam starts at 14:00"
    assert reminder_text(item, UTC) == "Coaching: Sam starts at 13:00"


def test_a_session_without_a_label_is_named_by_its_room_or_called_a_session():
    start = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    named = session(starts_at=start, label="  ", link="https://team.whereby.com/maths-3f2a")
    assert reminder_text(named, OSLO) == "maths-3f2a starts at 14:30"
    nameless = session(starts_at=start, link="https://team.whereby.com/")
    assert reminder_text(nameless, OSLO) == "A session starts at 14:30"


def test_a_label_over_several_lines_is_written_on_one():
    item = session(starts_at=T0, label="Coaching:\n  Sam\t")
    assert reminder_text(item, UTC) == "Coaching: Sam starts at 12:00"


def test_one_reminder_opens_the_host_link_or_else_the_room_link():
    hosted = session(host="https://team.whereby.com/r?roomKey=k", label="Review")
    message = reminder_message([hosted], UTC)
    assert message.title == "Session starting soon"
    assert message.text == "Review starts at 13:00"
    assert message.link == "https://team.whereby.com/r?roomKey=k"
    plain = session(link="https://team.whereby.com/plain")
    assert reminder_message([plain], UTC).link == "https://team.whereby.com/plain"


# -- where sessions come from ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Room:
    meeting_id: str
    planned_start: datetime | None
    label: str = ""
    room_url: str = "https://team.whereby.com/room"
    host_room_url: str | None = None
    deleted_at: datetime | None = None
    series: RoomSeries | None = None


def test_upcoming_sessions_are_the_rooms_with_a_planned_start_not_deleted():
    rooms = [
        Room("later", T0 + 90 * MINUTE, label="Later", host_room_url="https://team.whereby.com/h"),
        Room("unplanned", None),
        Room("deleted", T0 + 30 * MINUTE, deleted_at=T0),
        Room("sooner", datetime(2026, 3, 2, 14, 0, tzinfo=OSLO)),
    ]
    assert upcoming_sessions(rooms) == [
        UpcomingSession("sooner", "", T0 + 60 * MINUTE, None, "https://team.whereby.com/room"),
        UpcomingSession(
            "later",
            "Later",
            T0 + 90 * MINUTE,
            "https://team.whereby.com/h",
            "https://team.whereby.com/room",
        ),
    ]


def test_the_store_ledger_remembers_in_the_open_store_and_nothing_without_one(store):
    start = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    current: list[RoomStore | None] = [store]
    ledger = StoreLedger(lambda: current[0])
    assert not ledger.shown("m-1", start)
    assert ledger.mark_shown("m-1", start, start - timedelta(minutes=10))
    assert not ledger.mark_shown("m-1", start, start - timedelta(minutes=9))
    assert ledger.shown("m-1", start) and store.reminder_shown("m-1", start)
    assert not ledger.shown("m-1", start + timedelta(hours=1))  # a start moved later
    current[0] = None  # no room list open (the key is being read)
    assert not ledger.shown("m-1", start)
    assert ledger.mark_shown("m-1", start, start)
