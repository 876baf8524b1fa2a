"""A series of sessions: daily, weekly or every N weeks (or days), a number of times or until a
date, each at the same wall-clock time in the series' zone.

Daylight-saving changes move no session: each keeps its wall time, so its offset from UTC
changes with the season. A wall time the clocks skip (spring forward) is moved forward by the
jump (02:30 becomes 03:30) and a wall time that occurs twice (autumn) is taken the first time;
each session the rule touched says so in its ``note``. The first occurrence is what a calendar
program makes of the same rule too, and the shift forward is what RFC 5545 asks of a skipped
time, so a repeating calendar event agrees with the sessions planned here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from roomdesk.domain.errors import AmbiguousLocalTimeError, NonexistentLocalTimeError
from roomdesk.domain.sessions import day_text
from roomdesk.domain.times import get_zone, require_aware, resolve_local_time

MAX_SESSIONS = 100
# As far ahead as Whereby lets a room end (the API layer's limit on an end date).
MAX_DAYS_AHEAD = 366
MAX_INTERVAL = 52
# One room for the whole series works from its creation to the last session's end; every link
# handed out for it opens the same room on any day, not only at the planned times.
ONE_ROOM_NOTE = (
    "One room for the whole series: its links work between sessions too, from when it is made "
    "until an hour after the last session ends."
)


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


_PERIOD = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(weeks=1)}
_UNIT = {Frequency.DAILY: "day", Frequency.WEEKLY: "week"}
_REPEAT = re.compile(r"^every-(?P<n>\d{1,3})-(?P<unit>days?|weeks?)$")


class SeriesError(ValueError):
    """A series that cannot be planned; ``problems`` are sentences, each naming what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_repeat(text: str) -> tuple[Frequency, int]:
    """``daily``, ``weekly``, ``every-2-weeks``, ``every-3-days``: the frequency and interval."""
    key = text.strip().lower()
    if key in ("daily", "weekly"):
        return Frequency(key), 1
    if key == "fortnightly":
        return Frequency.WEEKLY, 2
    match = _REPEAT.match(key)
    if match is None:
        raise SeriesError(
            [f"“{text}” is not a repeat: use daily, weekly, every-2-weeks or every-3-days"]
        )
    interval = int(match["n"])
    if not 1 <= interval <= MAX_INTERVAL:
        raise SeriesError([f"the interval must be between 1 and {MAX_INTERVAL}, not {interval}"])
    return (Frequency.WEEKLY if match["unit"].startswith("week") else Frequency.DAILY), interval


@dataclass(frozen=True)
class SeriesRule:
    """When the sessions are: from ``first_wall`` (a naive wall time in ``zone_name``) every
    ``interval`` days or weeks, ``times`` sessions or until ``until`` (a date in the zone,
    included); each lasts ``duration``."""

    first_wall: datetime
    duration: timedelta
    zone_name: str
    frequency: Frequency
    interval: int = 1
    times: int | None = None
    until: date | None = None

    @property
    def step(self) -> timedelta:
        return _PERIOD[self.frequency] * self.interval

    def describe(self) -> str:
        """ "every 2 weeks on Tue at 14:00 (Europe/Oslo), 10 times" """
        unit = _UNIT[self.frequency]
        every = f"every {unit}" if self.interval == 1 else f"every {self.interval} {unit}s"
        day = "" if self.frequency is Frequency.DAILY else f" on {day_text(self.first_wall)[:3]}"
        when = f"{every}{day} at {self.first_wall:%H:%M} ({self.zone_name})"
        if self.until is not None:
            return f"{when}, until {day_text(self.until)} {self.until.year}"
        return f"{when}, {self.times} times"


class SeriesSession(NamedTuple):
    number: int  # from 1
    wall: datetime  # the wall time the rule gives, naive
    start: datetime  # aware, in the series' zone
    end: datetime  # aware
    note: str  # "" or how the daylight-saving rule placed the start


def _place(wall: datetime, zone_name: str) -> tuple[datetime, str]:
    """``wall`` in the zone, and a note when the clocks skip it or show it twice."""
    shown = f"{day_text(wall)} {wall.year} {wall:%H:%M}"
    try:
        return resolve_local_time(wall, zone_name), ""
    except NonexistentLocalTimeError:
        zone = get_zone(zone_name)
        # Read with the offset from before the jump, the wall time lands after it by the jump.
        moved = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
        return moved, (
            f"{shown} does not exist in {zone_name} (the clocks go forward): "
            f"starts at {moved:%H:%M} {moved.tzname()} instead"
        )
    except AmbiguousLocalTimeError:
        first = resolve_local_time(wall, zone_name, fold=0)
        return first, (
            f"{shown} occurs twice in {zone_name} (the clocks go back): "
            f"the first one, {first.tzname()}, is taken"
        )


def _rule_problems(rule: SeriesRule) -> list[str]:
    problems = []
    if rule.first_wall.tzinfo is not None:
        raise ValueError("a series starts at a naive wall-clock time")
    if (rule.times is None) == (rule.until is None):
        problems.append("give either a number of times or an end date, not both or neither")
    if rule.times is not None and not 1 <= rule.times <= MAX_SESSIONS:
        problems.append(f"the number of times must be between 1 and {MAX_SESSIONS}")
    if rule.until is not None and rule.until < rule.first_wall.date():
        problems.append(
            f"the end date {rule.until.isoformat()} is before the first session "
            f"({rule.first_wall.date().isoformat()})"
        )
    if not 1 <= rule.interval <= MAX_INTERVAL:
        problems.append(f"the interval must be between 1 and {MAX_INTERVAL}")
    if rule.duration <= timedelta(0):
        problems.append("a session must last longer than zero")
    elif rule.duration > rule.step:
        problems.append(
            "a session may not last longer than the time between sessions "
            f"({rule.step.days} days); otherwise one would run into the next"
        )
    return problems


def expand_series(rule: SeriesRule, *, now: datetime) -> list[SeriesSession]:
    """Every session of ``rule``, in order. SeriesError when the rule is incomplete, when it
    makes more than :data:`MAX_SESSIONS`, when the first session has ended by ``now`` or the
    last ends more than :data:`MAX_DAYS_AHEAD` days after ``now``."""
    require_aware(now, "now")
    get_zone(rule.zone_name)
    if problems := _rule_problems(rule):
        raise SeriesError(problems)
    sessions: list[SeriesSession] = []
    wall = rule.first_wall
    while rule.times is None or len(sessions) < rule.times:
        if rule.until is not None and wall.date() > rule.until:
            break
        if len(sessions) == MAX_SESSIONS:
            raise SeriesError(
                [
                    f"the series has more than {MAX_SESSIONS} sessions before "
                    f"{rule.until}; pick an earlier end date or fewer sessions"
                ]
            )
        start, note = _place(wall, rule.zone_name)
        sessions.append(SeriesSession(len(sessions) + 1, wall, start, start + rule.duration, note))
        wall += rule.step
    first = sessions[0]
    if first.end <= now:
        raise SeriesError([f"the first session ({_when(first)}) has ended already"])
    limit = now + timedelta(days=MAX_DAYS_AHEAD)
    beyond = next((s for s in sessions if s.end > limit), None)
    if beyond is not None:
        fit = beyond.number - 1
        raise SeriesError(
            [
                f"session {beyond.number} ({_when(beyond)}) and any after it end more than "
                f"{MAX_DAYS_AHEAD} days from now, further ahead than a room may end: "
                f"{fit} session{'s' if fit != 1 else ''} fit, or pick an earlier end date"
            ]
        )
    return sessions


def _when(session: SeriesSession) -> str:
    start = session.start
    return f"{day_text(start.date())} {start.year} {start:%H:%M}"


class Repeat(NamedTuple):
    """How a one-room series' calendar event repeats: its first session's end (aware) and the
    RRULE (as :func:`calendar_rule` gives it)."""

    first_end: datetime
    rule: Mapping[str, object]


def calendar_rule(rule: SeriesRule, count: int) -> dict[str, object]:
    """The RRULE of a repeating calendar event for the series' ``count`` sessions, as the
    icalendar library takes it. A count rather than an end date: exact in every zone."""
    freq = "DAILY" if rule.frequency is Frequency.DAILY else "WEEKLY"
    return {"FREQ": freq, "INTERVAL": rule.interval, "COUNT": count}


def _every(rule: SeriesRule) -> str:
    if rule.interval == 1:
        return rule.frequency.value
    return f"every {rule.interval} {_UNIT[rule.frequency]}s"


@dataclass(frozen=True)
class RoomSeries:
    """A series kept with its one room: the rule and each session's start as it was planned
    (aware). The starts are kept rather than worked out again, so a session already planned
    stays where it was whatever a later time zone database says."""

    rule: SeriesRule
    starts: tuple[datetime, ...]

    def __post_init__(self) -> None:
        if not self.starts:
            raise ValueError("a series has at least one session")
        for start in self.starts:
            require_aware(start, "start")

    @classmethod
    def of(cls, rule: SeriesRule, sessions: Sequence[SeriesSession]) -> RoomSeries:
        return cls(rule, tuple(session.start for session in sessions))

    @property
    def first_end(self) -> datetime:
        return self.starts[0] + self.rule.duration

    @property
    def last_end(self) -> datetime:
        return self.starts[-1] + self.rule.duration

    def check_room(self, planned_start: datetime | None, end: datetime) -> None:
        """ValueError unless a room planned from ``planned_start`` to ``end`` holds the series:
        its first session starts then, and its last ends by then."""
        if planned_start != self.starts[0]:
            raise ValueError("a series' room is planned from the series' first start")
        if self.last_end > require_aware(end, "end"):
            raise ValueError("a series' room ends no earlier than its last session")

    def repeat(self) -> Repeat:
        """The room's calendar event: the first session, repeated by the series' rule."""
        return Repeat(self.first_end, calendar_rule(self.rule, len(self.starts)))

    def starts_from(self, after: datetime) -> list[datetime]:
        """The sessions' starts at or after ``after`` (aware)."""
        require_aware(after, "after")
        return [start for start in self.starts if start >= after]

    def summary(self) -> str:
        """ "weekly, 10 sessions until Tue 9 Feb 2027" (the last session's day in the series'
        zone)."""
        count = len(self.starts)
        if count == 1:
            return "a series of 1 session"
        last = self.starts[-1].astimezone(get_zone(self.rule.zone_name)).date()
        return f"{_every(self.rule)}, {count} sessions until {day_text(last)} {last.year}"

    def to_data(self) -> dict[str, object]:
        """The series as JSON-ready values: :meth:`from_data` reads them back."""
        rule = self.rule
        return {
            "firstWall": rule.first_wall.isoformat(),
            "durationSeconds": int(rule.duration.total_seconds()),
            "zone": rule.zone_name,
            "frequency": rule.frequency.value,
            "interval": rule.interval,
            "times": rule.times,
            "until": None if rule.until is None else rule.until.isoformat(),
            "starts": [start.astimezone(UTC).isoformat() for start in self.starts],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> RoomSeries:
        """The series :meth:`to_data` gave; ValueError naming what is wrong with other data."""
        try:
            until = data["until"]
            starts = data["starts"]
            times = data["times"]
            if not isinstance(starts, list) or not (times is None or isinstance(times, int)):
                raise ValueError("the sessions or their number are not a list and a number")
            rule = SeriesRule(
                first_wall=datetime.fromisoformat(str(data["firstWall"])),
                duration=timedelta(seconds=int(str(data["durationSeconds"]))),
                zone_name=str(data["zone"]),
                frequency=Frequency(str(data["frequency"])),
                interval=int(str(data["interval"])),
                times=times,
                until=None if until is None else date.fromisoformat(str(until)),
            )
            return cls(rule, tuple(datetime.fromisoformat(str(start)) for start in starts))
        except KeyError as exc:
            raise ValueError(f"the series has no {exc.args[0]}") from None
