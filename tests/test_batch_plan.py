"""Batch plans before anything is sent: labels, rosters and series as rows; cost and preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roomdesk.domain.labels import LabelListError, numbered_labels, parse_label_list
from roomdesk.domain.roster import parse_roster
from roomdesk.domain.series import ONE_ROOM_NOTE, SeriesRule, expand_series, parse_repeat
from roomdesk.services.batch import (
    Per,
    PlanError,
    Timing,
    estimate_cost,
    plan_from_labels,
    plan_from_roster,
    plan_from_series,
    preview_lines,
)

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")
START = datetime(2027, 1, 12, 14, 0, tzinfo=OSLO)
TIMING = Timing(START + timedelta(minutes=90), START, "Europe/Oslo")
ROSTER = parse_roster(b"name,group\nAna,Blue\nBo,Red\nCy,Blue\n")

# -- label lists --------------------------------------------------------------------------------


def test_a_pasted_list_skips_blank_lines_and_trims():
    assert parse_label_list("\ufeff Intro \r\n\r\nDeep dive\rWrap-up\n\n") == [
        "Intro",
        "Deep dive",
        "Wrap-up",
    ]


def test_a_pasted_list_names_each_bad_line():
    with pytest.raises(LabelListError) as caught:
        parse_label_list("Intro\n\n" + "x" * 201 + "\nintro \nA\x1bB\n")
    assert caught.value.problems == [
        "line 3: the label is 201 characters long; at most 200 are allowed",
        "line 4: “intro” is on line 1 already",
        "line 5: the label holds a control or formatting character",
    ]
    with pytest.raises(LabelListError, match="the list is empty"):
        parse_label_list("\n \n")
    with pytest.raises(LabelListError, match="the list has 4 labels; at most 3 at once"):
        parse_label_list("a\nb\nc\nd", max_rooms=3)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=30), max_size=30))
def test_any_pasted_text_gives_its_labels_or_names_its_lines(lines):
    text = "\n".join(lines)
    try:
        labels = parse_label_list(text)
    except LabelListError as exc:
        assert exc.problems
        return
    assert labels and all(label == label.strip() and label for label in labels)
    assert len({" ".join(label.split()).casefold() for label in labels}) == len(labels)


def test_numbered_labels():
    assert numbered_labels(" Breakout ", 3) == ["Breakout 1", "Breakout 2", "Breakout 3"]
    assert numbered_labels("", 2) == ["Room 1", "Room 2"]
    with pytest.raises(LabelListError, match="between 1 and 1,000"):
        numbered_labels("Room", 0)
    with pytest.raises(LabelListError, match="at most 200"):
        numbered_labels("x" * 198, 10)


# -- plans --------------------------------------------------------------------------------------


def test_labels_become_one_room_each_with_the_same_session():
    plan = plan_from_labels(["Intro", "Wrap-up"], TIMING, prefix="ws")
    assert [(row.label, row.planned_start, row.time_zone, row.prefix) for row in plan.rows] == [
        ("Intro", START, "Europe/Oslo", "ws"),
        ("Wrap-up", START, "Europe/Oslo", "ws"),
    ]
    assert plan.title == "2 rooms"


def test_a_roster_per_group_per_person_and_for_all():
    groups = plan_from_roster(ROSTER, Per.GROUP, TIMING, personal_links=True)
    assert [(row.label, row.people, row.external_ids) for row in groups.rows] == [
        ("Blue", ("Ana", "Cy"), ("ana", "cy")),
        ("Red", ("Bo",), ("bo",)),
    ]
    assert groups.title == "2 rooms, one per group"
    people = plan_from_roster(ROSTER, Per.PERSON, TIMING)
    assert [(row.label, row.people) for row in people.rows] == [
        ("Ana", ()),
        ("Bo", ()),
        ("Cy", ()),
    ]
    everyone = plan_from_roster(ROSTER, Per.ALL, TIMING, label="Workshop")
    [row] = everyone.rows
    assert (row.label, row.people) == ("Workshop", ("Ana", "Bo", "Cy"))
    assert everyone.title == "1 room with a personal link for each of 3 people"


def test_a_roster_plan_refuses_what_it_cannot_make():
    with pytest.raises(PlanError, match="no group column"):
        plan_from_roster(parse_roster(b"name\nAna\n"), Per.GROUP, TIMING)
    with pytest.raises(PlanError, match="no group on line 3, 5"):
        plan_from_roster(parse_roster(b"name,group\nA,1\nB,\nC,1\nD,\n"), Per.GROUP, TIMING)
    # One room's links need a name of each person's own: Whereby shows it as theirs.
    same_name = parse_roster(b"name,group\nAna,1\nAna,2\n")
    with pytest.raises(PlanError, match="“Ana” is listed twice"):
        plan_from_roster(same_name, Per.ALL, TIMING)
    with pytest.raises(PlanError, match="Whereby allows none of"):
        plan_from_roster(parse_roster(b"name\nA:B\n"), Per.ALL, TIMING)


def series(first="2027-03-26T02:30", every="daily", times=3):
    frequency, interval = parse_repeat(every)
    rule = SeriesRule(
        datetime.fromisoformat(first), timedelta(hours=1), "Europe/Oslo", frequency, interval, times
    )
    return rule, expand_series(rule, now=NOW)


def test_a_series_is_a_room_per_session_with_the_shifted_one_said():
    rule, sessions = series()
    plan = plan_from_series(rule, sessions, label="Course")
    assert [row.label for row in plan.rows] == ["Course 1", "Course 2", "Course 3"]
    assert [row.planned_start for row in plan.rows] == [s.start for s in sessions]
    assert plan.rows[2].note.startswith("Sun 28 Mar 2027 02:30 does not exist")
    assert plan.notes == (f"Session 3: {plan.rows[2].note}",)
    assert plan.series is None
    unlabelled = plan_from_series(rule, sessions)
    assert unlabelled.rows[0].label == "Session 2027-03-26"


def test_one_room_for_a_series_spans_it_and_carries_its_repeat():
    rule, sessions = series(every="weekly", first="2027-03-20T18:00")
    plan = plan_from_series(rule, sessions, label="Yoga", one_room=True)
    [row] = plan.rows
    assert (row.planned_start, row.end) == (sessions[0].start, sessions[-1].end)
    assert plan.notes[0] == ONE_ROOM_NOTE
    assert plan.series is not None
    repeat = plan.series.repeat()
    assert repeat.first_end == sessions[0].end
    assert repeat.rule == {"FREQ": "WEEKLY", "INTERVAL": 1, "COUNT": 3}


# -- cost and preview ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rooms", "budget", "known", "expected"),
    [
        (
            100,
            100,
            True,
            "100 rooms: 300 points, about 3 minutes at your plan's limit (100 points a minute), "
            "as an estimate",
        ),
        (
            100,
            1000,
            True,
            "100 rooms: 300 points, under a minute at your plan's limit (1,000 points a minute), "
            "as an estimate",
        ),
        (
            32,
            100,
            False,
            "32 rooms: 96 points, under a minute at the smallest plan's limit (100 points a "
            "minute; Whereby states yours on the first call), as an estimate",
        ),
        (
            33,
            100,
            True,
            "33 rooms: 99 points, about a minute at your plan's limit (100 points a minute), "
            "as an estimate",
        ),
    ],
)
def test_the_cost_in_points_and_time(rooms, budget, known, expected):
    assert estimate_cost(rooms, budget=budget, budget_known=known).describe() == expected


def test_the_preview_lists_each_row_its_notes_and_the_cost():
    rule, sessions = series()
    plan = plan_from_series(rule, sessions, label="Course", prefix="course")
    lines = preview_lines(plan, estimate_cost(len(plan.rows)))
    assert lines[0] == "3 rooms, every day at 02:30 (Europe/Oslo), 3 times:"
    assert lines[1] == "1. Course 1 — Fri 26 Mar 02:30–03:30 Europe/Oslo — prefix course"
    assert lines[3].startswith(
        "3. Course 3 — Sun 28 Mar 03:30–04:30 Europe/Oslo — prefix course — "
    )
    assert lines[4].startswith("Note: Session 3: Sun 28 Mar 2027 02:30 does not exist")
    assert lines[-1].startswith("3 rooms: 9 points, under a minute")
    unplanned = plan_from_labels(["A"], Timing(datetime(2027, 1, 12, 9, tzinfo=UTC)))
    assert preview_lines(unplanned, estimate_cost(1), default_zone=OSLO)[1] == (
        "1. A — until 2027-01-12 10:00 Europe/Oslo"
    )
