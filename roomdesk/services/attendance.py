"""Who attended a room's session and for how long, from Whereby's insights; no Qt, no I/O.

Whereby lists one participant per stay: someone who leaves and comes back is listed again. Here
the stays of one person are merged (:data:`MERGE_RULE`) and their overlapping stays (two devices,
or a reconnect listed before the old connection ended) are counted once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from roomdesk.api.insight_models import Participant, RoomSession
from roomdesk.domain.times import require_aware
from roomdesk.sessions.personal_links import spreadsheet_cell

# Shown wherever attendance is, so nobody wonders why two people became one.
MERGE_RULE = (
    "Someone who left and rejoined is one person: stays with the same externalId are merged, "
    "and stays without one are merged by display name."
)
# Whereby's insights arrive some minutes after a session; a recent one may be incomplete.
LAG_WINDOW = timedelta(minutes=15)
LAG_NOTE = (
    "Whereby's attendance data can lag 10–15 minutes: this session ended less than 15 minutes "
    "ago, so people or minutes may still be missing."
)
CSV_HEADER = (
    "roomSessionId",
    "sessionStart",
    "sessionEnd",
    "displayName",
    "role",
    "externalId",
    "joined",
    "left",
    "minutesPresent",
    "stays",
)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class PersonAttendance:
    """One person in one session, all their stays merged.

    ``intervals`` are when they were present, within the session, ordered and not overlapping:
    what a timeline draws. ``left`` is None while they are still in the session.
    """

    display_name: str
    role_name: str
    external_id: str | None
    joined: datetime
    left: datetime | None
    stays: int
    intervals: tuple[Interval, ...]

    @property
    def present(self) -> timedelta:
        return sum((end - start for start, end in self.intervals), timedelta(0))

    @property
    def minutes(self) -> float:
        return self.present.total_seconds() / 60


@dataclass(frozen=True, slots=True)
class SessionAttendance:
    """One session and who was in it, the earliest to join first.

    ``end`` is when the session ended, or the moment the figures were made for one still going
    on (``ongoing``). ``recent`` says it ended within :data:`LAG_WINDOW` of that moment, so
    Whereby's data may be incomplete (:data:`LAG_NOTE`).
    """

    room_session_id: str
    start: datetime
    end: datetime
    ongoing: bool
    recent: bool
    people: tuple[PersonAttendance, ...]

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def participant_minutes(self) -> float:
        return sum(person.minutes for person in self.people)


def merge_key(participant: Participant) -> tuple[str, str]:
    """What stays of one person share: their externalId, else their display name (spaces at
    the ends and letter case aside)."""
    if participant.external_id:
        return ("externalId", participant.external_id)
    return ("displayName", participant.display_name.strip().casefold())


def merged_intervals(stays: Iterable[Interval]) -> tuple[Interval, ...]:
    """``stays`` as ordered intervals, overlapping or touching ones joined; empty ones dropped."""
    merged: list[Interval] = []
    for start, end in sorted(stays):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _person(stays: list[Participant], start: datetime, end: datetime) -> PersonAttendance:
    first = min(stays, key=lambda stay: (stay.joined_at, stay.participant_id))
    still_in = any(stay.left_at is None for stay in stays)
    # A stay still open counts until the session's end (or now, for one going on); every stay
    # is cut to the session, as Whereby's clocks and the session's may differ a little.
    intervals = merged_intervals(
        (max(stay.joined_at, start), min(stay.left_at or end, end)) for stay in stays
    )
    left = None if still_in else max(stay.left_at or end for stay in stays)
    return PersonAttendance(
        first.display_name,
        first.role_name,
        first.external_id or None,
        first.joined_at,
        left,
        len(stays),
        intervals,
    )


def session_attendance(
    session: RoomSession, participants: Iterable[Participant], *, now: datetime
) -> SessionAttendance:
    """Who was in ``session`` and for how long, at ``now`` (aware). Participants of other
    sessions are left out."""
    require_aware(now, "now")
    start = session.started_at
    ongoing = session.ended_at is None
    end = max(start, now if session.ended_at is None else session.ended_at)
    groups: dict[tuple[str, str], list[Participant]] = {}
    for participant in participants:
        if participant.room_session_id == session.room_session_id:
            groups.setdefault(merge_key(participant), []).append(participant)
    # Ties broken by the merge key, so the order stays come in never changes the table.
    ordered = sorted(
        ((_person(stays, start, end), key) for key, stays in groups.items()),
        key=lambda made: (made[0].joined, made[0].display_name.casefold(), made[1]),
    )
    people = [person for person, _key in ordered]
    recent = not ongoing and now - end < LAG_WINDOW
    return SessionAttendance(session.room_session_id, start, end, ongoing, recent, tuple(people))


# -- export -------------------------------------------------------------------------------------


def _time(moment: datetime | None, zone: tzinfo) -> str:
    return "" if moment is None else moment.astimezone(zone).replace(microsecond=0).isoformat()


def _rows(sessions: Sequence[SessionAttendance], zone: tzinfo) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [CSV_HEADER]
    for session in sessions:
        end = "" if session.ongoing else _time(session.end, zone)
        for person in session.people:
            row = (
                session.room_session_id,
                _time(session.start, zone),
                end,
                person.display_name,
                person.role_name,
                person.external_id or "",
                _time(person.joined, zone),
                _time(person.left, zone),
                f"{person.minutes:.1f}",
                str(person.stays),
            )
            rows.append(tuple(spreadsheet_cell(cell) for cell in row))
    return rows


def as_csv(sessions: Sequence[SessionAttendance], zone: tzinfo = UTC) -> bytes:
    """One row per person per session, times in ``zone``: UTF-8 with a byte-order mark, so a
    spreadsheet reads the names right. A cell a spreadsheet would take for a formula starts
    with an apostrophe."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(_rows(sessions, zone))
    return buffer.getvalue().encode("utf-8-sig")


def as_tsv(sessions: Sequence[SessionAttendance], zone: tzinfo = UTC) -> str:
    """The rows of :func:`as_csv` tab-separated, for the clipboard; tabs and line breaks inside
    a name become spaces so each row stays one line."""
    lines = []
    for row in _rows(sessions, zone):
        cells = (" ".join(cell.replace("\t", " ").splitlines()) for cell in row)
        lines.append("\t".join(cells))
    return "".join(line + "\n" for line in lines)
