"""Reminders before planned sessions: which are due, when to look again, and what they say.

No clock is read here: every decision takes ``now``, so the window's timer and the tests drive
time alike. A reminder is due ``lead`` minutes before its session starts and is shown once,
while that session has not started yet. One whose due time passed while roomdesk was not
running is not shown late, and a ledger remembers which were shown, so that a restart does not
show one again. Several due at the same moment make one message listing them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, NamedTuple, Protocol
from urllib.parse import urlsplit

from roomdesk.domain.times import require_aware
from roomdesk.store import RoomStore, StoreError

if TYPE_CHECKING:
    from roomdesk.domain.series import RoomSeries

log = logging.getLogger("roomdesk.reminders")

DEFAULT_LEAD_MINUTES = 10
MAX_LEAD_MINUTES = 120  # 0 turns reminders off


class UpcomingSession(NamedTuple):
    """A session planned in a room, as the reminders need it."""

    meeting_id: str
    label: str
    starts_at: datetime  # aware; kept in UTC
    host_link: str | None
    room_link: str


class ReminderLedger(Protocol):
    """Remembers which reminders were shown, across runs of the app."""

    def shown(self, meeting_id: str, starts_at: datetime) -> bool:
        """Whether the reminder for the session of ``meeting_id`` at ``starts_at`` was shown."""
        ...

    def mark_shown(self, meeting_id: str, starts_at: datetime, shown_at: datetime) -> bool:
        """Note that reminder as shown; False when it was noted before (by this run or
        another)."""
        ...


class MemoryLedger:
    """A :class:`ReminderLedger` that lives as long as the object: for tests and the CLI."""

    def __init__(self) -> None:
        self.marked: dict[tuple[str, datetime], datetime] = {}

    def shown(self, meeting_id: str, starts_at: datetime) -> bool:
        return (meeting_id, starts_at.astimezone(UTC)) in self.marked

    def mark_shown(self, meeting_id: str, starts_at: datetime, shown_at: datetime) -> bool:
        key = (meeting_id, starts_at.astimezone(UTC))
        if key in self.marked:
            return False
        self.marked[key] = shown_at
        return True


class StoreLedger:
    """A :class:`ReminderLedger` kept in the room store that ``current_store`` returns (the
    account's or the demo's, whichever is open), so that a restart does not remind again. While
    no store is open, nothing is recorded and the planner's own memory of this run serves."""

    def __init__(self, current_store: Callable[[], RoomStore | None]) -> None:
        self._current_store = current_store

    def shown(self, meeting_id: str, starts_at: datetime) -> bool:
        store = self._current_store()
        return store is not None and store.reminder_shown(meeting_id, starts_at)

    def mark_shown(self, meeting_id: str, starts_at: datetime, shown_at: datetime) -> bool:
        store = self._current_store()
        return store is None or store.mark_reminder_shown(meeting_id, starts_at, shown_at)


def check_lead_minutes(minutes: int) -> int:
    """``minutes`` itself, or ValueError saying the range."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"the lead time must be a whole number of minutes, not {minutes!r}")
    if not 0 <= minutes <= MAX_LEAD_MINUTES:
        raise ValueError(
            f"the lead time must be 0 (no reminders) to {MAX_LEAD_MINUTES} minutes, not {minutes}"
        )
    return minutes


class ReminderPlanner:
    """Decides which reminders are due at a given moment, and when the next one will be.

    ``started_at``: when the app started; a reminder due before it, for a session the first
    look found, was missed while the app was closed and is left out. A session that appears
    later (planned, or moved, while the app runs) is reminded of at once when its reminder
    time has passed and it has not begun. ``lead_minutes``: how long before a session's start
    its reminder is due (0: no reminders).
    """

    def __init__(
        self,
        ledger: ReminderLedger,
        *,
        started_at: datetime,
        lead_minutes: int = DEFAULT_LEAD_MINUTES,
    ) -> None:
        self._ledger = ledger
        self._started_at = require_aware(started_at, "started_at")
        self._lead_minutes = check_lead_minutes(lead_minutes)
        self._sessions: tuple[UpcomingSession, ...] = ()
        # What this run showed: a ledger that cannot be written (a full disk) must not make
        # the same reminder come back at every look.
        self._shown_here: set[tuple[str, datetime]] = set()
        # The sessions looked at so far (None before the first look), and those among them
        # that appeared after it: planned or moved while the app ran, never missed.
        self._seen: set[tuple[str, datetime]] | None = None
        self._appeared: set[tuple[str, datetime]] = set()

    @property
    def lead_minutes(self) -> int:
        return self._lead_minutes

    @lead_minutes.setter
    def lead_minutes(self, minutes: int) -> None:
        self._lead_minutes = check_lead_minutes(minutes)

    @property
    def sessions(self) -> tuple[UpcomingSession, ...]:
        return self._sessions

    def set_sessions(self, sessions: Iterable[UpcomingSession]) -> None:
        """Plan for ``sessions`` from now on; their start times must be aware."""
        self._sessions = tuple(
            session._replace(
                starts_at=require_aware(session.starts_at, "starts_at").astimezone(UTC)
            )
            for session in sessions
        )
        keys = {(session.meeting_id, session.starts_at) for session in self._sessions}
        if self._seen is None:
            self._seen = keys
        else:
            self._appeared |= keys - self._seen
            self._seen |= keys

    def due_at(self, session: UpcomingSession) -> datetime:
        return session.starts_at - timedelta(minutes=self._lead_minutes)

    def _is_due(self, session: UpcomingSession, now: datetime) -> bool:
        due = self.due_at(session)
        return due <= now < session.starts_at and self._not_missed(session, due)

    def _not_missed(self, session: UpcomingSession, due: datetime) -> bool:
        """Whether the reminder was not missed while the app was closed (see the class)."""
        return due >= self._started_at or (session.meeting_id, session.starts_at) in self._appeared

    def take_due(self, now: datetime) -> list[UpcomingSession]:
        """The sessions whose reminder is due at ``now`` and was not shown yet, earliest start
        first; each is noted as shown, so the next call leaves it out."""
        require_aware(now, "now")
        if not self._lead_minutes:
            return []
        due = []
        for session in sorted(self._sessions, key=lambda s: (s.starts_at, s.meeting_id)):
            key = (session.meeting_id, session.starts_at)
            if key in self._shown_here or not self._is_due(session, now):
                continue
            self._shown_here.add(key)
            if self._note_shown(session, now):
                due.append(session)
        return due

    def _note_shown(self, session: UpcomingSession, now: datetime) -> bool:
        """Note the reminder in the ledger; False when it was shown before. A ledger that
        fails is logged, and the reminder shown: once too often beats not at all."""
        try:
            # One step, not shown() then mark_shown(): another run may note it in between.
            return self._ledger.mark_shown(session.meeting_id, session.starts_at, now)
        except StoreError as exc:
            log.warning("Could not note the reminder for %s as shown: %s", session.meeting_id, exc)
            return True

    def next_wake(self, now: datetime) -> datetime | None:
        """When a reminder not shown yet falls due after ``now``; None when none will. Call
        :meth:`take_due` first: one due at ``now`` already is its business."""
        require_aware(now, "now")
        if not self._lead_minutes:
            return None
        later = (
            due
            for session in self._sessions
            if (session.meeting_id, session.starts_at) not in self._shown_here
            and (due := self.due_at(session)) > now
            and self._not_missed(session, due)
        )
        return min(later, default=None)


# -- what a reminder says -------------------------------------------------------------------------


class ReminderMessage(NamedTuple):
    """A notification: its title and text, and the link a click on it opens (None: the
    message lists several sessions, and a click brings the window forward to pick one)."""

    title: str
    text: str
    link: str | None
    sessions: tuple[UpcomingSession, ...]


def session_name(session: UpcomingSession) -> str:
    """The session's label; else its room's name (the last part of its link); else "A
    session". On one line, whatever the label holds."""
    label = " ".join(session.label.split())
    if label:
        return label
    try:
        room_name = urlsplit(session.room_link).path.strip("/")
    except ValueError:  # a link that is no URL at all
        room_name = ""
    return " ".join(room_name.split()) or "A session"


def reminder_text(session: UpcomingSession, zone: tzinfo) -> str:
    """ "Coaching: Sam starts at 14:00", the time in ``zone``."""
    return f"{session_name(session)} starts at {session.starts_at.astimezone(zone):%H:%M}"


def session_link(session: UpcomingSession) -> str:
    """The link a reminder opens: the host link, else the participant link."""
    return session.host_link or session.room_link


def reminder_message(sessions: Sequence[UpcomingSession], zone: tzinfo) -> ReminderMessage:
    """One message for the reminders due together (see :meth:`ReminderPlanner.take_due`).

    Tray messages shown in a row replace one another on some desktops, so several sessions
    make one message, a line each; a click on it brings the window forward.
    """
    if not sessions:
        raise ValueError("a reminder needs at least one session")
    text = "\n".join(reminder_text(session, zone) for session in sessions)
    if len(sessions) == 1:
        return ReminderMessage(
            "Session starting soon", text, session_link(sessions[0]), (*sessions,)
        )
    return ReminderMessage(f"{len(sessions)} sessions starting soon", text, None, (*sessions,))


# -- where sessions come from ---------------------------------------------------------------------


class PlannedRoom(Protocol):
    """What :func:`upcoming_sessions` reads of a stored room."""

    @property
    def meeting_id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def room_url(self) -> str: ...
    @property
    def host_room_url(self) -> str | None: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def planned_start(self) -> datetime | None: ...
    @property
    def series(self) -> RoomSeries | None: ...


def _starts(room: PlannedRoom) -> Iterable[datetime]:
    if room.series is not None:
        return room.series.starts
    return () if room.planned_start is None else (room.planned_start,)


def upcoming_sessions(
    rooms: Iterable[PlannedRoom], *, after: datetime | None = None
) -> list[UpcomingSession]:
    """The sessions planned in ``rooms`` (rooms without a planned start, and deleted ones,
    have none; one room for a whole series has one per session), those starting at or after
    ``after`` when given, earliest first."""
    since = None if after is None else require_aware(after, "after")
    found = [
        UpcomingSession(
            room.meeting_id,
            room.label,
            require_aware(start, "planned_start").astimezone(UTC),
            room.host_room_url,
            room.room_url,
        )
        for room in rooms
        if room.deleted_at is None
        for start in _starts(room)
        if since is None or start >= since
    ]
    return sorted(found, key=lambda session: (session.starts_at, session.meeting_id))
