"""A room's planned session: when the facilitator means to start, kept on this computer only.

Whereby knows only when a room ends (it works from its creation until an hour after that), so the
planned start is roomdesk's own: it must not be after the end, a new one defaults to the next
quarter hour, and a session reads as "Tue 8 Dec 14:00–15:30" in the zone it is shown in. Wall
times are placed in a zone by :func:`roomdesk.domain.times.resolve_local_time`, so daylight-saving
gaps and overlaps follow its rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from roomdesk.domain.errors import FieldIssue, ValidationProblem
from roomdesk.domain.times import require_aware, resolve_local_time

# The field a planned start's problems are reported under (as the API's endDate is).
START_FIELD = "plannedStart"
# The default start is now rounded up to the next quarter hour (:00, :15, :30 or :45); a time
# exactly on a quarter hour stays as it is.
START_STEP = timedelta(minutes=15)

# Fixed English names: strftime's %a and %b follow the process locale, which Qt sets.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def default_start(now: datetime) -> datetime:
    """The start a new session is offered: ``now`` (aware) rounded up to the next quarter hour,
    in UTC. Every zone's offset is a whole number of quarter hours, so it is a quarter hour on
    any wall clock too."""
    since_epoch = require_aware(now, "now") - _EPOCH
    steps = -(-since_epoch // START_STEP)  # ceiling division of timedeltas: exact, no float
    return _EPOCH + steps * START_STEP


def day_text(day: date) -> str:
    """ "Tue 8 Dec": a day as the session text names it (no year)."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def session_text(start: datetime | None, end: datetime, zone: tzinfo) -> str:
    """ "Tue 8 Dec 14:00–15:30" in ``zone``, the end's day repeated when it differs
    ("Tue 8 Dec 23:00–Wed 9 Dec 00:30"); empty for a room without a planned start."""
    if start is None:
        return ""
    first = require_aware(start, "start").astimezone(zone)
    last = require_aware(end, "end").astimezone(zone)
    begins = f"{day_text(first.date())} {first:%H:%M}"
    if last.date() == first.date():
        return f"{begins}–{last:%H:%M}"
    return f"{begins}–{day_text(last.date())} {last:%H:%M}"


def _moment_text(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{day_text(local.date())} {local.year} {local:%H:%M} {local.tzname()}"


def start_problem(start: datetime, end: datetime, zone: tzinfo) -> str | None:
    """Why ``start`` cannot be the planned start of a room ending at ``end`` (both aware), with
    both times in ``zone``; None when it can. A planned start is never after the end."""
    if require_aware(start, "start") <= require_aware(end, "end"):
        return None
    return (
        f"The planned start ({_moment_text(start, zone)}) is after the end "
        f"({_moment_text(end, zone)}); a session cannot start after its room ends. "
        "Pick an earlier start or a later end."
    )


def check_start(start: datetime | None, end: datetime, zone: tzinfo) -> None:
    """:func:`start_problem` as a :class:`ValidationProblem` on :data:`START_FIELD`."""
    if start is None:
        return
    problem = start_problem(start, end, zone)
    if problem is not None:
        raise ValidationProblem.single(START_FIELD, problem)


def resolve_start(wall: datetime, zone_name: str, *, fold: int | None = None) -> datetime:
    """:func:`resolve_local_time` for a planned start: the same refusals of skipped and
    repeated wall times, reported on :data:`START_FIELD` instead of the end's field."""
    try:
        return resolve_local_time(wall, zone_name, fold=fold)
    except ValidationProblem as exc:
        issues = [
            FieldIssue(START_FIELD if issue.field == "endDate" else issue.field, issue.message)
            for issue in exc.issues
        ]
        raise type(exc)(issues) from None
