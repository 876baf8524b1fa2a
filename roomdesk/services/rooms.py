"""Room use cases: what the CLI and the window ask for, combining the API client and the store.

No widgets here and no printing: callers get typed results and typed errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from roomdesk.api.client import RateLimitStatus, WherebyClient
from roomdesk.api.errors import (
    CreatedUnreadableError,
    CreateOutcomeUnknownError,
    ServerError,
    WherebyError,
)
from roomdesk.api.models import Meeting, check_meeting_id
from roomdesk.api.requests import Field, MeetingRequest
from roomdesk.domain.series import RoomSeries
from roomdesk.domain.sessions import check_start
from roomdesk.domain.times import get_zone, require_aware
from roomdesk.store import PendingState, RoomStore, StoredRoom

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; callers then fall back to a grace period
    fcntl = None  # type: ignore[assignment]

# Deletes run a few at a time: fast for a handful, gentle on the rate limit for many.
DELETE_CONCURRENCY = 4
# Creates on their way at once. Each one's start (its intent written down, its request queued)
# runs on the GUI thread, so a batch started all together would hold the window for as long as
# all those starts take; a few at a time keep well ahead of any plan's point budget.
CREATE_CONCURRENCY = 8


class CreateActivity:
    """Tells roomdesk processes sharing a store whether any of them has a create on the way.

    A process holds a shared lock on a file beside the store while it creates rooms; the
    operating system drops the lock when the process ends, even when it is killed. So a sync
    that can take the lock exclusively knows that a pending create nobody in its own process
    owns was abandoned by a crash, not merely slow. Without ``fcntl`` (Windows) nothing is
    locked and :meth:`exclusive` always reports that others may be creating.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._holders = 0
        self._fd: int | None = None

    @classmethod
    def beside(cls, store_path: Path) -> CreateActivity:
        store_path = Path(store_path)
        return cls(store_path.with_name(store_path.name + ".creating"))

    def _open(self) -> int | None:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None

    @contextlib.contextmanager
    def creating(self) -> Iterator[None]:
        """Hold the shared lock for the duration of the block (nested and concurrent use is
        counted, so the lock is released when the last create of this process ends)."""
        if fcntl is not None and self._holders == 0:
            fd = self._open()
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH)
                except OSError:
                    os.close(fd)
                    fd = None
            self._fd = fd
        self._holders += 1
        try:
            yield
        finally:
            self._holders -= 1
            if self._holders == 0 and self._fd is not None:
                os.close(self._fd)  # closing releases the lock
                self._fd = None

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[bool]:
        """Try to hold the lock alone for the block; yields whether that worked.

        While it is held, no other process can start a create (they wait briefly). It never
        works while this process has a create of its own on the way.
        """
        fd = None if fcntl is None or self._holders else self._open()
        if fd is None:
            yield False
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                alone = True
            except OSError:  # another process holds it: someone is creating
                alone = False
            yield alone
        finally:
            os.close(fd)  # closing releases the lock


@dataclass(frozen=True)
class DeleteOutcome:
    """What happened to one room of a delete request."""

    meeting_id: str
    room_name: str | None
    error: WherebyError | None = None
    already_gone: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        name = self.room_name or self.meeting_id
        if self.error is not None:
            return f"{name}: not deleted: {self.error}"
        if self.already_gone:
            return f"{name}: already gone on the server (marked deleted)"
        return f"{name}: deleted"


class RoomService:
    """Create, list and delete rooms for one account, keeping the local store in step."""

    def __init__(
        self,
        client: WherebyClient,
        store: RoomStore,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        activity: CreateActivity | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self._clock = clock
        self.activity = activity or CreateActivity.beside(store.path)
        self._in_flight: set[int] = set()
        self._create_gate = asyncio.Semaphore(CREATE_CONCURRENCY)

    def now(self) -> datetime:
        return self._clock()

    @property
    def rate_limit(self) -> RateLimitStatus:
        return self.client.rate_limit

    @property
    def creates_in_flight(self) -> frozenset[int]:
        """Ids of the pending creates this service is sending right now."""
        return frozenset(self._in_flight)

    # -- local ------------------------------------------------------------------------------

    def get_room(self, meeting_id: str) -> StoredRoom | None:
        return self.store.get(meeting_id)

    # -- remote -----------------------------------------------------------------------------

    async def create_room(
        self,
        request: MeetingRequest,
        *,
        label: str = "",
        replaces_pending: int | None = None,
        planned_start: datetime | None = None,
        time_zone: str | None = None,
        series: RoomSeries | None = None,
        invitation_template: str | None = None,
        on_send: Callable[[], None] | None = None,
    ) -> StoredRoom:
        """Create a room and store it. The intent is recorded first, so a crash loses nothing.

        ``planned_start`` (aware, never after the request's end) and ``time_zone`` (the IANA
        zone it was planned in; None: the user's) stay on this computer with the room, also
        when a sync settles an interrupted create; so does ``series``, for one room made for a
        whole series (its first start is ``planned_start``, its last end no later than the
        room's), and ``invitation_template``, the template of the preset the room is made
        from when it has one. ``replaces_pending`` names an earlier pending
        create this one sends again; it is marked failed once the new intent is recorded, so the
        request is never shown twice. ``on_send`` is called when the request leaves the
        rate-limit queue for Whereby; cancelled before that, the create is marked failed (it
        certainly made nothing), after it, maybe made.
        """
        request.validate(self.now())
        zone = get_zone(time_zone) if time_zone is not None else UTC
        if planned_start is not None:
            check_start(require_aware(planned_start, "planned_start"), request.end_date, zone)
        if series is not None:
            series.check_room(planned_start, request.end_date)
        label = label.strip()
        options = request.to_stored_options()
        plan = (planned_start, time_zone, series, invitation_template)
        async with self._create_gate:
            return await self._create(request, label, options, replaces_pending, plan, on_send)

    async def _create(
        self,
        request: MeetingRequest,
        label: str,
        options: dict[str, Any],
        replaces_pending: int | None,
        plan: tuple[datetime | None, str | None, RoomSeries | None, str | None],
        on_send: Callable[[], None] | None,
    ) -> StoredRoom:
        sent = False

        def sending() -> None:
            nonlocal sent
            sent = True
            if on_send is not None:
                on_send()

        with self.activity.creating():
            pending_id = self.store.add_pending_create(
                options,
                label,
                planned_start=plan[0],
                time_zone=plan[1],
                series=plan[2],
                invitation_template=plan[3],
            )
            self._in_flight.add(pending_id)
            try:
                if replaces_pending is not None:
                    self.store.mark_pending(
                        replaces_pending, "failed", f"Sent again as request {pending_id}."
                    )
                try:
                    meeting = await self.client.create_meeting(request, on_send=sending)
                except CreatedUnreadableError as exc:
                    # A 2xx: the room exists. Never offered for a retry; a sync adds it.
                    self.store.mark_pending(pending_id, PendingState.CREATED, str(exc))
                    raise
                except (CreateOutcomeUnknownError, ServerError) as exc:
                    # A lost answer or a 5xx: Whereby may have made the room; a sync will tell.
                    self.store.mark_pending(pending_id, "unknown", str(exc))
                    raise
                except WherebyError as exc:
                    self.store.mark_pending(pending_id, "failed", str(exc))
                    raise
                except asyncio.CancelledError:
                    if not sent:
                        # Still waiting for rate-limit points: nothing reached Whereby.
                        self.store.mark_pending(
                            pending_id, "failed", "Cancelled before the request was sent."
                        )
                    else:
                        # Cancelled mid-flight: the server may or may not have the room.
                        self.store.mark_pending(
                            pending_id, "unknown", "Stopped while the request was on its way."
                        )
                    raise
                return self.store.complete_create(
                    pending_id,
                    meeting,
                    room_mode=request.effective_room_mode.value,
                    options=options,
                    label=label,
                )
            finally:
                self._in_flight.discard(pending_id)

    async def fetch_meeting(self, meeting_id: str) -> Meeting:
        return await self.client.get_meeting(meeting_id, fields=tuple(Field))

    async def delete_rooms(self, meeting_ids: Iterable[str]) -> list[DeleteOutcome]:
        """Delete each room on the server and mark it deleted here; one outcome per id, in order.

        Every id is checked first: one that is no meeting ID raises RequestValidationError, and
        nothing is sent for any of them.
        """
        ids = [check_meeting_id(meeting_id) for meeting_id in dict.fromkeys(meeting_ids)]
        gate = asyncio.Semaphore(DELETE_CONCURRENCY)

        async def delete_one(meeting_id: str) -> DeleteOutcome:
            stored = self.store.get(meeting_id)
            name = stored.room_name if stored else None
            async with gate:
                try:
                    deleted_now = await self.client.delete_meeting(meeting_id)
                except WherebyError as exc:
                    return DeleteOutcome(meeting_id, name, error=exc)
            self.store.mark_deleted([meeting_id], self.now())
            return DeleteOutcome(meeting_id, name, already_gone=not deleted_now)

        return list(await asyncio.gather(*(delete_one(meeting_id) for meeting_id in ids)))

    async def check_key(self) -> RateLimitStatus:
        return await self.client.check_key()
