"""The planned session's rules: start never after the end, the rounded default, the text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from roomdesk.domain.errors import (
    AmbiguousLocalTimeError,
    NonexistentLocalTimeError,
    ValidationProblem,
)
from roomdesk.domain.sessions import (
    START_FIELD,
    check_start,
    default_start,
    resolve_start,
    session_text,
    start_problem,
)

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=OSLO)  # type: ignore[misc]


def test_session_text_on_one_day():
    assert session_text(oslo(2026, 12, 8, 14, 0), oslo(2026, 12, 8, 15, 30), OSLO) == (
        "Tue 8 Dec 14:00–15:30"
    )


def test_session_text_across_midnight_names_both_days():
    text = session_text(oslo(2026, 12, 8, 23, 0), oslo(2026, 12, 9, 0, 30), OSLO)
    assert text == "Tue 8 Dec 23:00–Wed 9 Dec 00:30"


def test_session_text_is_shown_in_the_zone_given():
    start = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
    end = start + timedelta(minutes=90)
    assert session_text(start, end, OSLO) == "Tue 8 Dec 14:00–15:30"
    assert session_text(start, end, ZoneInfo("America/New_York")) == "Tue 8 Dec 08:00–09:30"
    # Midnight in Tokyo falls inside the session.
    assert session_text(start, end, ZoneInfo("Asia/Tokyo")) == "Tue 8 Dec 22:00–23:30"
    late = datetime(2026, 12, 8, 14, 30, tzinfo=UTC)
    assert session_text(late, late + timedelta(hours=1), ZoneInfo("Asia/Tokyo")) == (
        "Tue 8 Dec 23:30–Wed 9 Dec 00:30"
    )


def test_a_room_without_a_planned_start_has_no_session_text():
    assert session_text(None, oslo(2026, 12, 8, 15, 30), OSLO) == ""


def test_session_text_refuses_naive_times():
    with pytest.raises(ValueError, match="aware"):
        session_text(datetime(2026, 12, 8, 14, 0), oslo(2026, 12, 8, 15, 30), OSLO)


def test_a_start_after_the_end_is_refused_naming_both_times():
    start, end = oslo(2026, 12, 8, 16, 0), oslo(2026, 12, 8, 15, 30)
    problem = start_problem(start, end, OSLO)
    assert problem is not None
    assert "Tue 8 Dec 2026 16:00 CET" in problem
    assert "Tue 8 Dec 2026 15:30 CET" in problem
    assert problem.index("16:00") < problem.index("15:30")
    with pytest.raises(ValidationProblem) as caught:
        check_start(start, end, OSLO)
    assert caught.value.issues[0].field == START_FIELD
    assert caught.value.issues[0].message == problem


@pytest.mark.parametrize("minutes", [0, 90])
def test_a_start_at_or_before_the_end_is_accepted(minutes):
    end = oslo(2026, 12, 8, 15, 30)
    assert start_problem(end - timedelta(minutes=minutes), end, OSLO) is None
    check_start(end - timedelta(minutes=minutes), end, OSLO)
    check_start(None, end, OSLO)


def test_a_start_one_second_after_the_end_is_refused():
    end = oslo(2026, 12, 8, 15, 30)
    assert start_problem(end + timedelta(seconds=1), end, OSLO) is not None


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 8, 14, 0, tzinfo=UTC), datetime(2026, 12, 8, 14, 0, tzinfo=UTC)),
        (datetime(2026, 12, 8, 14, 0, 1, tzinfo=UTC), datetime(2026, 12, 8, 14, 15, tzinfo=UTC)),
        (datetime(2026, 12, 8, 14, 7, tzinfo=UTC), datetime(2026, 12, 8, 14, 15, tzinfo=UTC)),
        (datetime(2026, 12, 8, 14, 46, tzinfo=UTC), datetime(2026, 12, 8, 15, 0, tzinfo=UTC)),
        (datetime(2026, 12, 8, 23, 59, tzinfo=UTC), datetime(2026, 12, 9, 0, 0, tzinfo=UTC)),
    ],
)
def test_the_default_start_is_now_rounded_up_to_the_next_quarter_hour(now, expected):
    assert default_start(now) == expected


def test_the_default_start_is_a_quarter_hour_in_an_odd_zone_too():
    now = datetime(2026, 12, 8, 14, 7, tzinfo=ZoneInfo("Asia/Kathmandu"))  # UTC+05:45
    start = default_start(now).astimezone(ZoneInfo("Asia/Kathmandu"))
    assert (start.hour, start.minute) == (14, 15)


def test_the_default_start_needs_an_aware_now():
    with pytest.raises(ValueError, match="aware"):
        default_start(datetime(2026, 12, 8, 14, 7))


def test_a_start_in_a_daylight_saving_gap_or_overlap_follows_the_end_rules():
    with pytest.raises(NonexistentLocalTimeError) as gap:
        resolve_start(datetime(2026, 3, 29, 2, 30), "Europe/Oslo")
    assert gap.value.issues[0].field == START_FIELD
    assert "does not exist" in str(gap.value)
    with pytest.raises(AmbiguousLocalTimeError) as overlap:
        resolve_start(datetime(2026, 10, 25, 2, 30), "Europe/Oslo")
    assert overlap.value.issues[0].field == START_FIELD
    first = resolve_start(datetime(2026, 10, 25, 2, 30), "Europe/Oslo", fold=0)
    second = resolve_start(datetime(2026, 10, 25, 2, 30), "Europe/Oslo", fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    with pytest.raises(ValidationProblem) as unknown:
        resolve_start(datetime(2026, 12, 8, 14, 0), "Mars/Olympus_Mons")
    assert unknown.value.issues[0].field == "timeZone"
