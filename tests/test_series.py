"""Series of sessions: wall times kept across daylight-saving changes, gaps and overlaps said,
ends and limits checked."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roomdesk.api.requests import LONGEST_PLAN_AHEAD
from roomdesk.domain.series import (
    MAX_DAYS_AHEAD,
    MAX_SESSIONS,
    Frequency,
    SeriesError,
    SeriesRule,
    calendar_rule,
    expand_series,
    parse_repeat,
)

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def rule(first="2027-03-20T18:00", *, zone="Europe/Oslo", every="weekly", **ends):
    frequency, interval = parse_repeat(every)
    ends.setdefault("times", None if "until" in ends else 4)
    return SeriesRule(
        datetime.fromisoformat(first),
        ends.pop("duration", timedelta(minutes=90)),
        zone,
        frequency,
        interval,
        **ends,
    )


def test_weekly_sessions_keep_their_wall_time_across_the_spring_change():
    sessions = expand_series(rule(), now=NOW)
    walls = [s.start.astimezone(OSLO).strftime("%Y-%m-%d %H:%M %Z") for s in sessions]
    assert walls == [
        "2027-03-20 18:00 CET",
        "2027-03-27 18:00 CET",
        "2027-04-03 18:00 CEST",
        "2027-04-10 18:00 CEST",
    ]
    # The same wall time is an hour earlier in UTC once summer time starts.
    assert [s.start.astimezone(UTC).hour for s in sessions] == [17, 17, 16, 16]
    assert all(s.end - s.start == timedelta(minutes=90) for s in sessions)
    assert [s.note for s in sessions] == ["", "", "", ""]


def test_a_wall_time_the_clocks_skip_moves_forward_by_the_jump_and_says_so():
    sessions = expand_series(rule("2027-03-26T02:30", every="daily", times=3), now=NOW)
    assert [s.start.astimezone(OSLO).strftime("%d %H:%M %Z") for s in sessions] == [
        "26 02:30 CET",
        "27 02:30 CET",
        "28 03:30 CEST",
    ]
    assert sessions[2].wall == datetime(2027, 3, 28, 2, 30)
    assert sessions[2].note == (
        "Sun 28 Mar 2027 02:30 does not exist in Europe/Oslo (the clocks go forward): "
        "starts at 03:30 CEST instead"
    )
    assert sessions[0].note == sessions[1].note == ""


def test_a_wall_time_that_occurs_twice_takes_the_first_and_says_so():
    sessions = expand_series(
        rule("2027-10-30T02:30", zone="Europe/Oslo", every="daily", times=2), now=NOW
    )
    autumn = sessions[1]
    assert autumn.start.utcoffset() == timedelta(hours=2)  # still summer time: the first
    assert autumn.note == (
        "Sun 31 Oct 2027 02:30 occurs twice in Europe/Oslo (the clocks go back): "
        "the first one, CEST, is taken"
    )


def test_until_a_date_includes_that_day_and_every_two_weeks_skips_one():
    sessions = expand_series(rule(every="every-2-weeks", until=date(2027, 4, 17)), now=NOW)
    assert [s.start.date().isoformat() for s in sessions] == [
        "2027-03-20",
        "2027-04-03",
        "2027-04-17",
    ]
    assert rule(every="every-2-weeks", until=date(2027, 4, 17)).describe() == (
        "every 2 weeks on Sat at 18:00 (Europe/Oslo), until Sat 17 Apr 2027"
    )
    assert calendar_rule(rule(every="every-2-weeks"), 3) == {
        "FREQ": "WEEKLY",
        "INTERVAL": 2,
        "COUNT": 3,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily", (Frequency.DAILY, 1)),
        ("Weekly", (Frequency.WEEKLY, 1)),
        ("every-2-weeks", (Frequency.WEEKLY, 2)),
        ("every-1-week", (Frequency.WEEKLY, 1)),
        ("every-3-days", (Frequency.DAILY, 3)),
        ("fortnightly", (Frequency.WEEKLY, 2)),
    ],
)
def test_repeat_rules_read(text, expected):
    assert parse_repeat(text) == expected


@pytest.mark.parametrize("text", ["monthly", "every-0-weeks", "every-53-weeks", "every-2", ""])
def test_repeat_rules_that_are_not_refused_with_examples(text):
    with pytest.raises(SeriesError):
        parse_repeat(text)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"times": MAX_SESSIONS + 1}, "the number of times must be between 1 and 100"),
        ({"times": 0}, "the number of times must be between 1 and 100"),
        ({"until": date(2027, 3, 1)}, "the end date 2027-03-01 is before the first session"),
        ({"times": 2, "until": date(2027, 5, 1)}, "give either a number of times or an end date"),
        ({"duration": timedelta(0)}, "a session must last longer than zero"),
        ({"duration": timedelta(days=8)}, "a session may not last longer than the time between"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(changes, expected):
    with pytest.raises(SeriesError) as caught:
        expand_series(rule(**changes), now=NOW)
    assert caught.value.problems[0].startswith(expected)


def test_too_many_sessions_before_an_end_date_or_too_far_ahead_or_already_over():
    with pytest.raises(SeriesError, match="more than 100 sessions"):
        expand_series(rule(every="daily", until=date(2027, 12, 31)), now=NOW)
    with pytest.raises(SeriesError) as caught:
        expand_series(rule(every="every-4-weeks", times=20), now=NOW)
    message = str(caught.value)
    assert message.startswith("session 12 (Sat 22 Jan 2028 18:00) and any after it end more")
    assert message.endswith(
        "366 days from now, further ahead than a room may end: 11 sessions fit, or pick an "
        "earlier end date"
    )
    with pytest.raises(SeriesError, match="has ended already"):
        expand_series(rule("2027-01-01T10:00"), now=NOW)
    assert LONGEST_PLAN_AHEAD.days == MAX_DAYS_AHEAD  # the API layer's limit on an end


ZONES = st.sampled_from(
    ["Europe/Oslo", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "America/Santiago"]
)


@settings(max_examples=200, deadline=None)
@given(
    zone=ZONES,
    first=st.datetimes(datetime(2027, 1, 11), datetime(2027, 12, 31)).map(
        lambda moment: moment.replace(second=0, microsecond=0)
    ),
    every=st.sampled_from(["daily", "weekly", "every-2-weeks", "every-3-days"]),
    times=st.integers(1, 40),
)
def test_every_session_is_at_its_wall_time_unless_its_note_says_why(zone, first, every, times):
    try:
        sessions = expand_series(
            rule(first.isoformat(), zone=zone, every=every, times=times), now=NOW
        )
    except SeriesError as exc:
        assert "more than 366 days" in str(exc)
        return
    assert len(sessions) == times
    step = rule(every=every).step
    for number, session in enumerate(sessions):
        assert session.wall == first + number * step
        local = session.start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        if session.note:
            assert local != session.wall or session.start.fold == 0
        else:
            assert local == session.wall
    assert all(a.start < b.start for a, b in itertools.pairwise(sessions))
