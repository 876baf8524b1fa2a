"""Clocks for the emulator: the real one, and one that tests move by hand."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


def later(moment: datetime, step: timedelta) -> datetime:
    """``moment + step``, or the last moment datetime can hold when that is past year 9999."""
    try:
        return moment + step
    except OverflowError:
        return datetime.max.replace(tzinfo=moment.tzinfo)


def system_clock() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; safe to read from the server's threads."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, by: timedelta | float) -> datetime:
        """Move forward by ``by`` (a timedelta or seconds); returns the new time."""
        step = by if isinstance(by, timedelta) else timedelta(seconds=by)
        if step < timedelta(0):
            raise ValueError("a clock does not run backwards")
        with self._lock:
            self._now += step
            return self._now
