"""Attendance per session and per person: rejoins merged, overlaps counted once, exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from roomdesk.api.insight_models import Participant, RoomSession
from roomdesk.services.attendance import (
    CSV_HEADER,
    LAG_WINDOW,
    MERGE_RULE,
    as_csv,
    as_tsv,
    merge_key,
    merged_intervals,
    session_attendance,
)

START = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
SESSION_MINUTES = 60


def session(minutes: int | None = SESSION_MINUTES, sid: str = "s-1") -> RoomSession:
    end = None if minutes is None else START + timedelta(minutes=minutes)
    return RoomSession(sid, "/room", START, end, 0, 0, 0, 0, 0, 0)


def stay(
    name: str,
    joined: float,
    left: float | None,
    *,
    external_id: str | None = None,
    role: str = "visitor",
    sid: str = "s-1",
    pid: str | None = None,
) -> Participant:
    return Participant(
        sid,
        pid or f"p-{name}-{joined}",
        "device",
        "user",
        role,
        name,
        START + timedelta(minutes=joined),
        None if left is None else START + timedelta(minutes=left),
        external_id,
    )


AFTER = START + timedelta(hours=2)


def test_rejoins_merge_by_external_id_else_by_name_and_overlaps_count_once():
    people = [
        stay("Ben", 2, 20, external_id="student-17"),
        stay("Benjamin", 24, 45, external_id="student-17"),  # renamed, same link
        stay("Dev", 1, 10),
        stay(" dev ", 12, 15),  # the same name, typed again
        stay("Dev", 14, 30),  # a second device overlapping the last stay
        stay("Ada", 0, None, role="host"),  # still in when the session ended
        stay("Ada", 5, 50, external_id="x-ada"),  # an externalId: someone else
        stay("Zed", 0, 5, sid="s-2"),  # another session's
    ]
    result = session_attendance(session(), people, now=AFTER)
    shown = [(p.display_name, p.role_name, p.stays, p.minutes, p.left) for p in result.people]
    end = START + timedelta(minutes=SESSION_MINUTES)
    assert shown == [
        ("Ada", "host", 1, 60.0, None),
        ("Dev", "visitor", 3, 9 + 18, START + timedelta(minutes=30)),
        ("Ben", "visitor", 2, 18 + 21, START + timedelta(minutes=45)),
        ("Ada", "visitor", 1, 45.0, START + timedelta(minutes=50)),
    ]
    dev = result.people[1]
    assert dev.intervals == (
        (START + timedelta(minutes=1), START + timedelta(minutes=10)),
        (START + timedelta(minutes=12), START + timedelta(minutes=30)),
    )
    assert result.people[0].intervals == ((START, end),)
    assert result.duration == timedelta(minutes=60) and not result.ongoing
    assert result.participant_minutes == 60 + 27 + 39 + 45
    assert not result.recent
    assert "externalId" in MERGE_RULE and "display name" in MERGE_RULE


def test_a_session_that_ended_less_than_15_minutes_ago_is_flagged():
    end = START + timedelta(minutes=SESSION_MINUTES)
    assert session_attendance(session(), [], now=end + timedelta(minutes=14)).recent
    assert not session_attendance(session(), [], now=end + LAG_WINDOW).recent


def test_a_session_going_on_counts_up_to_now_and_is_not_flagged():
    now = START + timedelta(minutes=20)
    result = session_attendance(session(None), [stay("Ada", 5, None)], now=now)
    assert result.ongoing and not result.recent and result.end == now
    (ada,) = result.people
    assert ada.minutes == 15 and ada.left is None


def test_csv_has_a_byte_order_mark_guards_formulas_and_reads_back():
    people = [stay('=HYPERLINK("x")', 0, 30), stay('Chloé, "CM"', 5, 20)]
    result = session_attendance(session(), people, now=AFTER)
    data = as_csv([result], ZoneInfo("Europe/Oslo"))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_HEADER
    assert [row[3] for row in rows[1:]] == ['\'=HYPERLINK("x")', 'Chloé, "CM"']
    assert rows[1][6] == "2030-06-01T12:00:00+02:00" and rows[1][8] == "30.0"
    tsv = as_tsv([result]).splitlines()
    assert tsv[0].split("\t") == list(CSV_HEADER)
    assert tsv[1].split("\t")[3] == '\'=HYPERLINK("x")' and len(tsv) == 3


# -- properties ----------------------------------------------------------------------------------

NAMES = st.sampled_from(["Ada", "ada ", "Ben", "Chloé", "Dev"])
EXTERNAL = st.one_of(st.none(), st.sampled_from(["e-1", "e-2"]))


@st.composite
def stays(draw: st.DrawFn) -> list[Participant]:
    count = draw(st.integers(0, 25))
    made = []
    for index in range(count):
        joined = draw(st.integers(-5, SESSION_MINUTES + 5))
        left = draw(st.one_of(st.none(), st.integers(joined, SESSION_MINUTES + 10)))
        made.append(stay(draw(NAMES), joined, left, external_id=draw(EXTERNAL), pid=f"p-{index}"))
    return made


def covered_minutes(stays_of_one: list[Participant]) -> int:
    """The whole minutes of the session someone was present, counted one by one."""
    minutes = set()
    for item in stays_of_one:
        first = int((item.joined_at - START) / timedelta(minutes=1))
        last = (
            SESSION_MINUTES
            if item.left_at is None
            else int((item.left_at - START) / timedelta(minutes=1))
        )
        minutes.update(range(max(first, 0), min(last, SESSION_MINUTES)))
    return len(minutes)


@given(stays(), st.randoms())
def test_each_person_is_present_for_the_minutes_their_stays_cover_once(people, random):
    result = session_attendance(session(), people, now=AFTER)
    keys = {merge_key(item) for item in people}
    assert len(result.people) == len(keys)
    end = START + timedelta(minutes=SESSION_MINUTES)
    by_key: dict[tuple[str, str], list[Participant]] = {}
    for item in people:
        by_key.setdefault(merge_key(item), []).append(item)
    expected = sorted(covered_minutes(group) for group in by_key.values())
    assert sorted(round(person.minutes) for person in result.people) == expected
    for person in result.people:
        assert 0 <= person.minutes <= SESSION_MINUTES
        for (_, a_end), (b_start, _) in pairwise(person.intervals):
            assert a_end < b_start  # ordered, apart
        assert all(START <= a < b <= end for a, b in person.intervals)
    assert result.participant_minutes == sum(expected)
    # The order stays are listed in changes nothing.
    shuffled = list(people)
    random.shuffle(shuffled)
    assert session_attendance(session(), shuffled, now=AFTER) == result


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), max_size=30))
def test_merged_intervals_cover_exactly_what_the_stays_cover(pairs):
    moments = [(START + timedelta(minutes=a), START + timedelta(minutes=b)) for a, b in pairs]
    merged = merged_intervals(moments)
    covered = {m for a, b in pairs for m in range(a, b)}
    assert {
        m
        for a, b in merged
        for m in range(
            int((a - START) / timedelta(minutes=1)), int((b - START) / timedelta(minutes=1))
        )
    } == covered
    assert all(x[1] < y[0] for x, y in pairwise(merged))
