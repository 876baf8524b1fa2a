"""What the New rooms dialog's inputs ask for, and the plan and request they make.

Kept apart from the widgets so the dialog only reads its inputs into a :class:`BatchChoices`
and shows what :func:`make_plan` answers: the plan (nothing sent yet) or every problem, each a
sentence the dialog can list.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from roomdesk.api.errors import RequestValidationError
from roomdesk.api.requests import Field, MeetingRequest, RoomNamePattern
from roomdesk.domain.errors import AmbiguousLocalTimeError, NonexistentLocalTimeError
from roomdesk.domain.labels import LabelListError, numbered_labels, parse_label_list
from roomdesk.domain.rooms import RoomMode, normalize_prefix, prefix_problem
from roomdesk.domain.roster import Roster
from roomdesk.domain.series import Frequency, SeriesError, SeriesRule, expand_series
from roomdesk.domain.times import resolve_local_time
from roomdesk.services.batch import (
    BatchPlan,
    Per,
    PlanError,
    Timing,
    plan_from_labels,
    plan_from_roster,
    plan_from_series,
)
from roomdesk.services.presets import Preset, RequestOptions


class Source(StrEnum):
    COUNT = "count"  # "<label> 1" to "<label> N"
    LABELS = "labels"  # a pasted list, one a line
    ROSTER = "roster"  # a roster file, per group, per person or one room for all


@dataclass(frozen=True)
class RepeatChoice:
    frequency: Frequency
    interval: int
    times: int | None  # either this ...
    until: date | None  # ... or this
    one_room: bool  # one room for the whole series instead of one per session


@dataclass(frozen=True)
class BatchChoices:
    source: Source
    zone_name: str
    duration: timedelta
    start_wall: datetime | None  # naive, in ``zone_name``; None: no planned start
    count: int = 1
    label: str = ""  # the stem of numbered labels, a series' label, or the one room's
    labels_text: str = ""
    roster: Roster | None = None
    per: Per = Per.GROUP
    personal_links: bool = False
    room_mode: RoomMode = RoomMode.NORMAL
    host_link: bool = True
    viewer_link: bool = False
    prefix: str = ""
    repeat: RepeatChoice | None = None
    # The preset chosen: its other options (lock, viewer mode, name style, recording,
    # transcription, streaming) go with every room; the page's own fields come from it too,
    # but as the person left them.
    preset: Preset | None = None


class ChoicesError(ValueError):
    """Choices no plan can be made of; ``problems`` are sentences to show, all at once."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _start(choices: BatchChoices) -> datetime | None:
    if choices.start_wall is None:
        return None
    try:
        return resolve_local_time(choices.start_wall, choices.zone_name)
    except NonexistentLocalTimeError:
        raise ChoicesError(
            [f"{choices.start_wall:%H:%M} does not exist that day in {choices.zone_name}"]
        ) from None
    except AmbiguousLocalTimeError:
        # The first of the two, as a series takes it.
        return resolve_local_time(choices.start_wall, choices.zone_name, fold=0)


def template_request(
    choices: BatchChoices, end: datetime, options: RequestOptions | None = None
) -> MeetingRequest:
    """The options every room of the batch shares (each row sets its own end and prefix):
    the page's, and the chosen preset's others with its recording, transcription and
    streaming sections in ``options`` (made with its secrets)."""
    fields = set()
    if choices.host_link:
        fields.add(Field.HOST_ROOM_URL)
    if choices.viewer_link:
        fields.add(Field.VIEWER_ROOM_URL)
    preset, extra = choices.preset, options or RequestOptions()
    return MeetingRequest(
        end_date=end,
        room_mode=choices.room_mode,
        room_name_prefix=normalize_prefix(choices.prefix),
        room_name_pattern=preset.pattern if preset else RoomNamePattern.UUID,
        is_locked=preset.locked if preset else False,
        viewer_mode=preset.viewer_mode if preset else False,
        fields=frozenset(fields),
        recording=extra.recording,
        live_transcription=extra.live_transcription,
        streaming=extra.streaming,
    )


def make_plan(
    choices: BatchChoices, now: datetime, options: RequestOptions | None = None
) -> tuple[BatchPlan, MeetingRequest]:
    """The plan and the shared request (``options``: the preset's sections, see
    :func:`template_request`); ChoicesError naming every problem found."""
    problems = []
    if not choices.zone_name:
        problems.append("choose a time zone")
    if choices.duration <= timedelta(0):
        problems.append("a room must last longer than zero")
    if (problem := prefix_problem(choices.prefix)) is not None:
        problems.append(f"the name prefix {problem}")
    if choices.repeat is not None and choices.start_wall is None:
        problems.append("a repeating series needs a planned start: tick “Plan a start”")
    if problems:
        raise ChoicesError(problems)
    prefix = normalize_prefix(choices.prefix)
    start = _start(choices)
    end = (start or now) + choices.duration
    try:
        if choices.repeat is not None:
            plan = _series_plan(choices, now, prefix)
        else:
            plan = _plain_plan(choices, Timing(end, start, choices.zone_name if start else None))
    except (LabelListError, PlanError, SeriesError) as exc:
        raise ChoicesError(list(exc.problems)) from None
    template = template_request(choices, plan.rows[0].end, options)
    for row in plan.rows:
        issues = _request_issues(template, row.end, row.prefix, now)
        if issues:
            raise ChoicesError([f"“{row.label}”: {issue}" for issue in issues])
    return plan, template


def _request_issues(
    template: MeetingRequest, end: datetime, prefix: str, now: datetime
) -> list[str]:
    request = dataclasses.replace(template, end_date=end, room_name_prefix=prefix)
    try:
        request.validate(now)
    except RequestValidationError as exc:
        return [issue.message for issue in exc.issues]
    return []


def _plain_plan(choices: BatchChoices, timing: Timing) -> BatchPlan:
    prefix = normalize_prefix(choices.prefix)
    if choices.source is Source.COUNT:
        labels = numbered_labels(choices.label, choices.count)
        return plan_from_labels(labels, timing, prefix=prefix)
    if choices.source is Source.LABELS:
        return plan_from_labels(parse_label_list(choices.labels_text), timing, prefix=prefix)
    if choices.roster is None:
        raise ChoicesError(["open a roster file first (Open…)"])
    return plan_from_roster(
        choices.roster,
        choices.per,
        timing,
        prefix=prefix,
        personal_links=choices.personal_links,
        label=choices.label,
    )


def _series_plan(choices: BatchChoices, now: datetime, prefix: str) -> BatchPlan:
    repeat = choices.repeat
    assert repeat is not None and choices.start_wall is not None
    rule = SeriesRule(
        first_wall=choices.start_wall,
        duration=choices.duration,
        zone_name=choices.zone_name,
        frequency=repeat.frequency,
        interval=repeat.interval,
        times=repeat.times,
        until=repeat.until,
    )
    sessions = expand_series(rule, now=now)
    return plan_from_series(
        rule, sessions, label=choices.label, prefix=prefix, one_room=repeat.one_room
    )
