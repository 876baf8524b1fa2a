"""A batch of rooms planned before anything is sent: one row per room, and what it costs.

A plan comes from a list of labels, a roster (a room per group, a room per person, or one room
with a personal link per person) or a series (a room per session, or one for them all). Its
preview lists every row and the rate-limit points the creates spend, with how long the
organisation's budget makes them take. Plans are pure values: building and previewing one
sends nothing, so a window can show the preview while the person decides.
:mod:`roomdesk.services.batch_run` sends them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import NamedTuple

from roomdesk.api.client import POINT_COST
from roomdesk.api.scheduler import ASSUMED_BUDGET, DEFAULT_WINDOW_SECONDS, SAFETY_FRACTION
from roomdesk.domain.roster import Roster
from roomdesk.domain.series import (
    ONE_ROOM_NOTE,
    Repeat,
    RoomSeries,
    SeriesRule,
    SeriesSession,
)
from roomdesk.domain.sessions import session_text
from roomdesk.domain.times import get_zone
from roomdesk.sessions.personal_links import (
    LinkOptions,
    people_problems,
    unique_external_ids,
)

CREATE_POINTS = POINT_COST["POST"]
EVERYONE_LABEL = "Everyone"


class PlanError(ValueError):
    """A plan that cannot be made; ``problems`` are sentences naming what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:20]))
        self.problems = problems


class Per(StrEnum):
    """How a roster becomes rooms."""

    GROUP = "group"  # one room per group
    PERSON = "person"  # one room per person
    ALL = "all"  # one room, with a personal link per person


class Timing(NamedTuple):
    """When the rooms of a roster or label plan are for: the same for every row."""

    end: datetime  # aware
    start: datetime | None = None  # the planned start, aware
    zone_name: str | None = None  # the zone it was planned in


class BatchRow(NamedTuple):
    label: str
    end: datetime  # aware
    planned_start: datetime | None
    time_zone: str | None
    prefix: str
    people: tuple[str, ...] = ()  # a personal link for each, once the room exists
    external_ids: tuple[str, ...] = ()  # theirs, in the same order
    note: str = ""  # how a daylight-saving change placed the start, for a series
    series: RoomSeries | None = None  # a one-room series' sessions, kept with its room


@dataclass(frozen=True)
class SeriesPlan:
    """What a repeating calendar event of a one-room series needs: the rule and its sessions."""

    rule: SeriesRule
    sessions: tuple[SeriesSession, ...]

    def repeat(self) -> Repeat:
        """The room's calendar event: the first session, repeated by the series' rule."""
        return RoomSeries.of(self.rule, self.sessions).repeat()


@dataclass(frozen=True)
class BatchPlan:
    title: str  # "8 rooms, one per group"
    rows: tuple[BatchRow, ...]
    notes: tuple[str, ...] = ()
    # Set for a one-room series: the room's calendar event repeats by this.
    series: SeriesPlan | None = None
    link_options: LinkOptions = field(default_factory=LinkOptions)


def _require_rows(rows: list[BatchRow]) -> None:
    if not rows:
        raise PlanError(["the plan has no rooms"])


def _with_people(names: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names and an externalId each; PlanError naming each person a link cannot be made
    for (a name Whereby does not take, or the same name twice)."""
    ids = unique_external_ids(names)
    problems = [problem for found in people_problems(names, ids) for problem in found if problem]
    if problems:
        raise PlanError(problems)
    return tuple(names), tuple(ids)


def plan_from_labels(labels: Sequence[str], timing: Timing, *, prefix: str = "") -> BatchPlan:
    """A room per label, all alike."""
    rows = [BatchRow(label, timing.end, timing.start, timing.zone_name, prefix) for label in labels]
    _require_rows(rows)
    return BatchPlan(_rooms(len(rows)), tuple(rows))


def plan_from_roster(
    roster: Roster,
    per: Per,
    timing: Timing,
    *,
    prefix: str = "",
    personal_links: bool = False,
    label: str = "",
    link_options: LinkOptions | None = None,
) -> BatchPlan:
    """Rooms for ``roster``: one per group, one per person, or one for everyone (``label``,
    or "Everyone") with a personal link per person. ``personal_links`` adds a link for each
    member of a group's room, or for the person of their own room; one room for everyone
    always has them."""
    options = link_options or LinkOptions()

    def row(label: str, names: Sequence[str], links: bool) -> BatchRow:
        people, ids = _with_people(names) if links else ((), ())
        return BatchRow(label, timing.end, timing.start, timing.zone_name, prefix, people, ids)

    if per is Per.GROUP:
        if not roster.has_groups:
            raise PlanError(["the roster has no group column: a room per group needs one"])
        ungrouped = [person.line for person in roster.people if not person.group]
        if ungrouped:
            shown = ", ".join(str(line) for line in ungrouped[:10])
            more = " and more" if len(ungrouped) > 10 else ""
            raise PlanError([f"no group on line {shown}{more}: a room per group needs one each"])
        groups = roster.groups()
        rows = [
            row(group, [person.name for person in members], personal_links)
            for group, members in groups.items()
        ]
        title = f"{_rooms(len(rows))}, one per group"
    elif per is Per.PERSON:
        rows = [row(person.name, [person.name], personal_links) for person in roster.people]
        title = f"{_rooms(len(rows))}, one per person"
    else:
        rows = [row(label.strip() or EVERYONE_LABEL, [p.name for p in roster.people], True)]
        title = f"1 room with a personal link for each of {len(roster.people)} people"
    return BatchPlan(title, tuple(rows), link_options=options)


def plan_from_series(
    rule: SeriesRule,
    sessions: Sequence[SeriesSession],
    *,
    label: str = "",
    prefix: str = "",
    one_room: bool = False,
) -> BatchPlan:
    """A room per session of the series, labelled "<label> 1" to "<label> N" (or by date when
    ``label`` is blank), or one room (``one_room``) from the first start to the last end."""
    if not sessions:
        raise PlanError(["the series has no sessions"])
    stem = label.strip()
    shifted = tuple(f"Session {s.number}: {s.note}" for s in sessions if s.note)
    if one_room:
        first, last = sessions[0], sessions[-1]
        row = BatchRow(
            stem or "Series",
            last.end,
            first.start,
            rule.zone_name,
            prefix,
            series=RoomSeries.of(rule, sessions),
        )
        return BatchPlan(
            f"1 room for {len(sessions)} sessions, {rule.describe()}",
            (row,),
            (ONE_ROOM_NOTE, *shifted),
            series=SeriesPlan(rule, tuple(sessions)),
        )
    zone = get_zone(rule.zone_name)
    rows = tuple(
        BatchRow(
            f"{stem} {s.number}" if stem else f"Session {s.start.astimezone(zone):%Y-%m-%d}",
            s.end,
            s.start,
            rule.zone_name,
            prefix,
            note=s.note,
        )
        for s in sessions
    )
    return BatchPlan(f"{_rooms(len(rows))}, {rule.describe()}", rows, shifted)


def _rooms(count: int) -> str:
    return f"{count:,} room{'s' if count != 1 else ''}"


# -- cost --------------------------------------------------------------------------------------


class BatchCost(NamedTuple):
    rooms: int
    points: int
    budget: int  # points per window
    budget_known: bool  # False: the smallest plan's, assumed until Whereby states its own
    window_seconds: float
    seconds: float  # an estimate: other clients of the organisation spend the budget too

    def describe(self) -> str:
        """ "100 rooms: 300 points, about 3 minutes at your plan's limit (100 points a minute)" """
        took = _duration_text(self.seconds)
        window = "a minute" if self.window_seconds == 60 else f"per {self.window_seconds:g} s"
        limit = f"{self.budget:,} points {window}"
        if self.budget_known:
            at = f"at your plan's limit ({limit})"
        else:
            at = f"at the smallest plan's limit ({limit}; Whereby states yours on the first call)"
        return f"{_rooms(self.rooms)}: {self.points:,} points, {took} {at}, as an estimate"


def _duration_text(seconds: float) -> str:
    if seconds < 60:
        return "under a minute"
    minutes = math.ceil(seconds / 60)
    return "about a minute" if minutes == 1 else f"about {minutes} minutes"


def estimate_cost(
    rooms: int,
    *,
    budget: int = ASSUMED_BUDGET,
    budget_known: bool = False,
    window_seconds: float = DEFAULT_WINDOW_SECONDS,
) -> BatchCost:
    """The points ``rooms`` creates spend and how long the budget makes them take: what fits
    one window goes at once, each further window's worth waits a window more (the scheduler
    keeps a little of the budget in reserve, and so does this)."""
    usable = budget - max(1, math.ceil(budget * SAFETY_FRACTION))
    per_window = max(1, usable // CREATE_POINTS)
    windows = math.ceil(rooms / per_window) - 1 if rooms else 0
    return BatchCost(
        rooms, rooms * CREATE_POINTS, budget, budget_known, window_seconds, windows * window_seconds
    )


# -- preview -----------------------------------------------------------------------------------


def row_text(row: BatchRow, zone: tzinfo) -> str:
    """One row as the preview shows it: label, session (or end), zone, prefix, links."""
    if row.planned_start is not None:
        when = session_text(row.planned_start, row.end, zone)
    else:
        local = row.end.astimezone(zone)
        when = f"until {local:%Y-%m-%d %H:%M}"
    parts = [row.label or "(no label)", f"{when} {_zone_name(row, zone)}"]
    if row.prefix:
        parts.append(f"prefix {row.prefix}")
    if row.people:
        count = len(row.people)
        parts.append(f"{count} personal link{'s' if count != 1 else ''}")
    if row.note:
        parts.append(row.note)
    return " — ".join(parts)


def _zone_name(row: BatchRow, zone: tzinfo) -> str:
    return row.time_zone or str(zone)


def preview_lines(plan: BatchPlan, cost: BatchCost, *, default_zone: tzinfo = UTC) -> list[str]:
    """The preview: the title, each row numbered, the plan's notes and the cost."""
    zones: dict[str, tzinfo] = {}

    def zone_of(row: BatchRow) -> tzinfo:
        if row.time_zone is None:
            return default_zone
        if row.time_zone not in zones:
            zones[row.time_zone] = get_zone(row.time_zone)
        return zones[row.time_zone]

    width = len(str(len(plan.rows)))
    lines = [plan.title + ":"]
    lines += [
        f"{number:>{width}}. {row_text(row, zone_of(row))}"
        for number, row in enumerate(plan.rows, 1)
    ]
    if plan.series is not None:
        lines.append("Sessions:")
        for session in plan.series.sessions:
            start = session.start
            lines.append(f"  {session_text(start, session.end, start.tzinfo or UTC)}")
    lines += [f"Note: {note}" for note in plan.notes]
    lines.append(cost.describe() + ".")
    return lines
