"""Reminders for one room made for a whole series: one for each session still ahead, each
shown once, also across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roomdesk.api.models import Meeting
from roomdesk.domain.series import Frequency, RoomSeries, SeriesRule, expand_series
from roomdesk.services.reminders import (
    MemoryLedger,
    ReminderPlanner,
    StoreLedger,
    UpcomingSession,
    upcoming_sessions,
)

PLANNED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEAD = timedelta(minutes=10)


def series(times: int = 4) -> RoomSeries:
    # Tuesdays at 14:00 in Oslo from 8 December; 15 December's lies before the year's end.
    rule = SeriesRule(
        datetime(2026, 12, 8, 14, 0),
        timedelta(minutes=90),
        "Europe/Oslo",
        Frequency.WEEKLY,
        times=times,
    )
    return RoomSeries.of(rule, expand_series(rule, now=PLANNED_AT))


def add_series_room(store, meeting_id: str, planned: RoomSeries) -> None:
    url = f"https://team.whereby.com/{meeting_id}"
    store.add_created(
        Meeting(meeting_id=meeting_id, room_url=url, end_date=planned.last_end),
        room_mode="normal",
        options={},
        label="Yoga",
        planned_start=planned.starts[0],
        time_zone="Europe/Oslo",
        series=planned,
    )


def test_a_series_room_gives_a_session_for_each_start_still_ahead(store):
    planned = series()
    add_series_room(store, "m-yoga", planned)
    after = planned.starts[1] + timedelta(minutes=1)  # the first two have started
    found = upcoming_sessions(store.rooms_with_planned_start(after), after=after)
    assert found == [
        UpcomingSession("m-yoga", "Yoga", start, None, "https://team.whereby.com/m-yoga")
        for start in planned.starts[2:]
    ]
    # 14:00 in Oslo each time (UTC+01:00 in winter).
    assert [s.starts_at.hour for s in found] == [13, 13]
    # Without a bound, every session is there.
    assert len(upcoming_sessions(store.rooms_with_planned_start(PLANNED_AT))) == 4


def test_each_session_of_the_series_is_reminded_of_once_at_its_time(store):
    planned = series()
    add_series_room(store, "m-yoga", planned)
    planner = ReminderPlanner(MemoryLedger(), started_at=PLANNED_AT)
    planner.set_sessions(upcoming_sessions(store.rooms_with_planned_start(PLANNED_AT)))
    shown = []
    now = PLANNED_AT
    while (wake := planner.next_wake(now)) is not None:
        now = wake
        shown += [(now, s.starts_at) for s in planner.take_due(now)]
    assert shown == [(start - LEAD, start) for start in planned.starts]


def test_a_restart_during_a_series_reminds_of_the_rest_only(store):
    planned = series()
    add_series_room(store, "m-yoga", planned)
    ledger = StoreLedger(lambda: store)
    first_run = ReminderPlanner(ledger, started_at=PLANNED_AT)
    first_run.set_sessions(upcoming_sessions(store.rooms_with_planned_start(PLANNED_AT)))
    due = planned.starts[1] - LEAD
    assert [s.starts_at for s in first_run.take_due(due)] == [planned.starts[1]]
    # Restarted a minute later, while session 2's reminder is still due: not shown again.
    restarted_at = due + timedelta(minutes=1)
    second_run = ReminderPlanner(ledger, started_at=due)
    second_run.set_sessions(
        upcoming_sessions(store.rooms_with_planned_start(restarted_at), after=restarted_at)
    )
    assert second_run.take_due(restarted_at) == []
    assert second_run.next_wake(restarted_at) == planned.starts[2] - LEAD
    assert [s.starts_at for s in second_run.take_due(planned.starts[2] - LEAD)] == [
        planned.starts[2]
    ]
