"""Time zones, UTC and how times are written: wall-clock times placed in a zone without guessing,
dates in the API's form, and the end of a room as people read it.

All datetimes handed out are aware; the ones in UTC use :data:`datetime.UTC`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from roomdesk.domain.errors import (
    AmbiguousLocalTimeError,
    FieldIssue,
    NonexistentLocalTimeError,
    ValidationProblem,
)
from roomdesk.domain.status import ROOM_GRACE_PERIOD


def utc_now() -> datetime:
    """The current time, aware, in UTC: the default clock wherever one can be passed in."""
    return datetime.now(UTC)


def require_aware(moment: datetime, name: str) -> datetime:
    """``moment`` itself, or ValueError when it has no time zone."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone), got {moment!r}")
    return moment


def get_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or a validation problem naming the field ``timeZone``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationProblem.single(
            "timeZone", f"{name!r} is not a known IANA time zone (for example Europe/Oslo)"
        ) from None


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{moment.tzname()}, UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def resolve_local_time(wall: datetime, zone_name: str, *, fold: int | None = None) -> datetime:
    """Attach ``zone_name`` to the naive wall-clock time ``wall``, refusing to guess.

    A time skipped by a daylight-saving jump raises :class:`NonexistentLocalTimeError`; a time that
    occurs twice raises :class:`AmbiguousLocalTimeError` unless ``fold`` says which one (0 the
    earlier, 1 the later).
    """
    if wall.tzinfo is not None:
        raise ValueError("resolve_local_time takes a naive wall-clock time")
    zone = get_zone(zone_name)
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    try:
        # Near year 1 or 9999 the conversion leaves datetime's range.
        first.astimezone(UTC).astimezone(zone)
        second.astimezone(UTC)
    except OverflowError:
        raise ValidationProblem.single("endDate", f"{wall} is out of range") from None
    shown = wall.strftime("%Y-%m-%d %H:%M")
    # A wall time that does not survive a round trip through UTC was skipped by the clocks.
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise NonexistentLocalTimeError(
            [
                FieldIssue(
                    "endDate",
                    f"{shown} does not exist in {zone_name}: the clocks skip it "
                    f"(daylight-saving change); pick a time outside the jump",
                )
            ]
        )
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise AmbiguousLocalTimeError(
                [
                    FieldIssue(
                        "endDate",
                        f"{shown} occurs twice in {zone_name} (daylight-saving change): "
                        f"the first time is {_offset_text(first)}, the second "
                        f"{_offset_text(second)}; say which one",
                    )
                ]
            )
        return first if fold == 0 else second
    return first


def next_wall_time(at: time, zone_name: str, now: datetime) -> datetime:
    """The wall time ``at`` today in the zone, or tomorrow when today's has passed, as a naive
    wall time: :func:`resolve_local_time` then refuses it if the clocks skip it and asks which
    one is meant if it happens twice, as for any time typed in."""
    zone = get_zone(zone_name)
    now_utc = require_aware(now, "now").astimezone(UTC)
    wall = datetime.combine(now_utc.astimezone(zone).date(), at.replace(second=0, microsecond=0))
    # Compared in UTC (one zone's datetimes compare by wall time); of a repeated time the later.
    if wall.replace(tzinfo=zone, fold=1).astimezone(UTC) <= now_utc:
        wall += timedelta(days=1)
    return wall


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(UTC)


def utc_representable(moment: datetime) -> bool:
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def format_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, whole seconds: the form the API returns."""
    # Not strftime: it imports the time module on every call, and with PySide's import hook in
    # place that costs more than the formatting (the store writes two dates per room).
    return to_utc(moment).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_utc(value: object) -> datetime:
    """An ISO 8601 date-time as an aware UTC datetime; one without an offset is taken as UTC.

    Raises ValueError saying what ``value`` is (a phrase after its field's name) otherwise.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"as {type(value).__name__}, not a date-time string")
    text = value.strip()
    if text[-1:] == "z":  # ISO 8601 allows it; Python reads only the capital Z as UTC
        text = text[:-1] + "Z"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value[:40]!r}, which is not a date-time") from None
    if parsed.tzinfo is UTC:
        return parsed  # the usual case: nothing to convert
    if parsed.tzinfo is None:
        # The API documents its dates as UTC even where the offset is left out.
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value[:40]!r}, which is out of range") from None


def span_text(span: timedelta) -> str:
    """A whole number of hours or minutes in words: "an hour", "2 hours", "90 minutes"."""
    minutes = int(span.total_seconds()) // 60
    if minutes % 60 == 0:
        hours = minutes // 60
        return "an hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def minutes_text(minutes: int) -> str:
    """A number of minutes in short units: "1 d 2 h 5 min" (empty for zero)."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{mins} min" if mins else "",
    ]
    return " ".join(part for part in parts if part)


class EndTexts(NamedTuple):
    display: str  # "2026-12-01 15:30 CET"
    tooltip: str  # "Ends 2026-12-01 15:30 CET (14:30 UTC); usable until 16:30 CET"


def _is_utc(moment: datetime) -> bool:
    return moment.utcoffset() == timedelta(0) and moment.tzname() == "UTC"


def format_end(end: datetime, zone: ZoneInfo) -> EndTexts:
    """How a room's end ``end`` (aware) reads in ``zone``, with when it stops being usable."""
    local = end.astimezone(zone)
    display = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    until = (end + ROOM_GRACE_PERIOD).astimezone(zone)
    until_format = "%H:%M" if until.date() == local.date() else "%Y-%m-%d %H:%M"
    usable = f"usable until {until:{until_format}} {until.tzname()}"
    if _is_utc(local):
        return EndTexts(display, f"Ends {display}; {usable}")
    utc = end.astimezone(UTC)
    utc_format = "%H:%M" if utc.date() == local.date() else "%Y-%m-%d %H:%M"
    return EndTexts(display, f"Ends {display} ({utc:{utc_format}} UTC); {usable}")
