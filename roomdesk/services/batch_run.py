"""Sending a batch plan: each row through the crash-safe create, a few side by side.

Rows go out as fast as the account's rate limit allows: the client's scheduler queues their
requests for points. Every row reports its progress (queued, sent, created, failed with its
reason, may have been created, not sent) to a callback, so a window or the command line can show
it as it happens; rows finish in any order. A cancel sends nothing more: rooms on their way
finish, rooms made stay, and the rest, including those still waiting for points, are marked not
sent. After a failure that every later room would meet too (a refused key, a bad request, the
rate limit, no connection) the rest are not sent either. Rows that failed or were not sent can be
sent again; a row that may have been created never is (a sync tells).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from roomdesk.api.errors import (
    ConnectFailedError,
    CreatedUnreadableError,
    CreateOutcomeUnknownError,
    ForbiddenError,
    InvalidApiKeyError,
    InvalidBaseUrlError,
    RateLimitedError,
    RequestValidationError,
    ServerError,
    TlsVerificationError,
    WherebyError,
)
from roomdesk.api.requests import MeetingRequest
from roomdesk.domain.times import get_zone
from roomdesk.services.batch import BatchPlan, BatchRow, PlanError
from roomdesk.services.rooms import CREATE_CONCURRENCY, RoomService
from roomdesk.sessions.facts import facts_for, shared_link
from roomdesk.sessions.personal_links import PersonalLink, personal_links
from roomdesk.store import StoredRoom

# After one of these, the next room of a batch would fail the same way: stop there.
STOPPERS = (
    InvalidApiKeyError,
    ForbiddenError,
    RequestValidationError,
    InvalidBaseUrlError,
    TlsVerificationError,
    ConnectFailedError,
    RateLimitedError,
)
CANCELLED = "cancelled before it was sent"
STOPPED = "not attempted after an earlier failure"


@dataclass(frozen=True)
class BatchTuning:
    """``concurrency``: rows handed to the create at once. More only queue in the scheduler.

    ``start_spacing``: seconds at least between two rows' starts. Each start writes the row's
    pending create to the store and builds its request on the event loop's thread; started all
    at once, eight of them held the window for one long frame, while spaced they each take
    their own turn between frames (pacing). Negligible beside a create's round trip.
    """

    concurrency: int = CREATE_CONCURRENCY
    start_spacing: float = 0.002

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("a batch sends at least one room at a time")
        if self.start_spacing < 0:
            raise ValueError("rows cannot start less than no time apart")


class RowState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    CREATED = "created"
    UNREAD = "created, details not read"  # Whereby made it; a sync adds it
    FAILED = "failed"  # certainly not created
    UNKNOWN = "may have been created"  # the answer was lost or a 5xx: a sync tells
    NOT_SENT = "not sent"


@dataclass
class RowOutcome:
    number: int  # from 1, as the preview numbers the rows
    row: BatchRow
    state: RowState = RowState.QUEUED
    room: StoredRoom | None = None
    error: WherebyError | None = None
    reason: str = ""
    links: tuple[PersonalLink, ...] = ()

    def describe(self) -> str:
        name = f"“{self.row.label}”" if self.row.label else f"Room {self.number}"
        if self.state is RowState.CREATED and self.room is not None:
            return f"{name}: created, {self.room.room_url}"
        if self.reason:
            return f"{name}: {self.state.value}: {self.reason}"
        return f"{name}: {self.state.value}"


@dataclass(frozen=True)
class BatchSummary:
    created: int  # with the rooms made whose details could not be read
    failed: int
    unknown: int
    not_sent: int

    @property
    def total(self) -> int:
        return self.created + self.failed + self.unknown + self.not_sent

    def describe(self) -> str:
        parts = [f"{self.created} created"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.unknown:
            parts.append(f"{self.unknown} may have been created")
        if self.not_sent:
            parts.append(f"{self.not_sent} not sent")
        return f"Of {self.total} rooms: {', '.join(parts)}"


Progress = Callable[[RowOutcome], None]


class BatchRun:
    """Sends ``plan``'s rows with ``template``'s options (each row's end and prefix its own);
    each room keeps ``invitation_template``, the chosen preset's own, when given."""

    def __init__(
        self,
        service: RoomService,
        plan: BatchPlan,
        template: MeetingRequest,
        *,
        progress: Progress | None = None,
        invitation_template: str | None = None,
        tuning: BatchTuning | None = None,
    ) -> None:
        self.service = service
        self.tuning = tuning or BatchTuning()
        self.plan = plan
        self.template = template
        self._progress = progress
        self._invitation_template = invitation_template
        self._cancelled = False
        self._stopped = False
        # Rows handed to the create and not yet sent: a cancel or a stop withdraws them.
        self._waiting: dict[int, asyncio.Task[None]] = {}
        self._next_start = 0.0  # the event loop's time from which the next row may start
        self.outcomes = [RowOutcome(number, row) for number, row in enumerate(plan.rows, 1)]

    def request_for(self, row: BatchRow) -> MeetingRequest:
        return dataclasses.replace(self.template, end_date=row.end, room_name_prefix=row.prefix)

    def check(self) -> None:
        """RequestValidationError for the first row that could not be sent (an end already
        past, a bad prefix): checked for every row before any is sent."""
        now = self.service.now()
        for outcome in self.outcomes:
            self.request_for(outcome.row).validate(now)

    def cancel(self) -> None:
        """Send nothing more; rooms on their way finish, rooms waiting for points do not go."""
        self._cancelled = True
        self._withdraw_waiting()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def summary(self) -> BatchSummary:
        states = [outcome.state for outcome in self.outcomes]
        return BatchSummary(
            created=sum(state in (RowState.CREATED, RowState.UNREAD) for state in states),
            failed=sum(state is RowState.FAILED for state in states),
            unknown=sum(state is RowState.UNKNOWN for state in states),
            not_sent=sum(state in (RowState.NOT_SENT, RowState.QUEUED) for state in states),
        )

    def first_error(self) -> WherebyError | None:
        return next((o.error for o in self.outcomes if o.error is not None), None)

    async def run(self) -> BatchSummary:
        """Send every queued row, in order, a few side by side."""
        self.check()
        await self._send([o for o in self.outcomes if o.state is RowState.QUEUED])
        return self.summary()

    def retryable(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.state in (RowState.FAILED, RowState.NOT_SENT)]

    async def retry_failed(self) -> BatchSummary:
        """Send again the rows that failed or were not sent; never one that may exist."""
        again = self.retryable()
        if not again:
            raise PlanError(["nothing to send again: no room failed or was left unsent"])
        self._cancelled = self._stopped = False
        for outcome in again:
            outcome.state, outcome.error, outcome.reason = RowState.QUEUED, None, ""
            self._tell(outcome)
        now = self.service.now()
        for outcome in again:
            self.request_for(outcome.row).validate(now)
        await self._send(again)
        return self.summary()

    def _tell(self, outcome: RowOutcome) -> None:
        if self._progress is not None:
            self._progress(outcome)

    def _leave(self, outcomes: list[RowOutcome], reason: str) -> None:
        for outcome in outcomes:
            outcome.state, outcome.reason = RowState.NOT_SENT, reason
            self._tell(outcome)

    async def _send(self, outcomes: list[RowOutcome]) -> None:
        gate = asyncio.Semaphore(self.tuning.concurrency)
        rows = [asyncio.ensure_future(self._send_row(outcome, gate)) for outcome in outcomes]
        # Each row reports its own end; a cancel of the whole run reaches every row through this.
        await asyncio.gather(*rows)

    async def _pace(self) -> None:
        """Wait until this row may start (see ``BatchTuning.start_spacing``)."""
        now = asyncio.get_running_loop().time()
        start = max(now, self._next_start)
        self._next_start = start + self.tuning.start_spacing
        if start > now:
            await asyncio.sleep(start - now)

    async def _send_row(self, outcome: RowOutcome, gate: asyncio.Semaphore) -> None:
        try:
            async with gate:
                if self._cancelled or self._stopped:
                    self._leave([outcome], CANCELLED if self._cancelled else STOPPED)
                    return
                task = asyncio.current_task()
                assert task is not None  # always run as a task of its own, by _send
                self._waiting[outcome.number] = task
                try:
                    await self._pace()
                    await self._send_one(outcome)
                finally:
                    self._waiting.pop(outcome.number, None)
        except asyncio.CancelledError:
            if outcome.state is RowState.SENT:
                # The run itself was cancelled: the store marked the room on its way.
                outcome.state, outcome.reason = RowState.UNKNOWN, "stopped on its way"
                self._tell(outcome)
            else:
                # Withdrawn, or never handed over: nothing went out for it.
                self._leave(
                    [outcome], STOPPED if self._stopped and not self._cancelled else CANCELLED
                )
            if not self._cancelled and not self._stopped:
                raise
            return
        if isinstance(outcome.error, STOPPERS) and not self._stopped:
            self._stopped = True
            self._withdraw_waiting()

    def _withdraw_waiting(self) -> None:
        """Cancel the rows handed to the create but not yet sent: none has reached Whereby."""
        for number, task in list(self._waiting.items()):
            if self.outcomes[number - 1].state is RowState.QUEUED:
                task.cancel()

    async def _send_one(self, outcome: RowOutcome) -> None:
        row = outcome.row

        def sending() -> None:
            outcome.state = RowState.SENT
            self._tell(outcome)

        try:
            room = await self.service.create_room(
                self.request_for(row),
                label=row.label,
                planned_start=row.planned_start,
                time_zone=row.time_zone,
                series=row.series,
                invitation_template=self._invitation_template,
                on_send=sending,
            )
        except CreatedUnreadableError as exc:
            outcome.state, outcome.error = RowState.UNREAD, exc
            outcome.reason = "its details could not be read; a sync adds it"
        except (CreateOutcomeUnknownError, ServerError) as exc:
            outcome.state, outcome.error, outcome.reason = RowState.UNKNOWN, exc, str(exc)
        except WherebyError as exc:
            outcome.state, outcome.error, outcome.reason = RowState.FAILED, exc, str(exc)
        else:
            outcome.state, outcome.room = RowState.CREATED, room
            outcome.links = self._links(row, room)
        self._tell(outcome)

    def _links(self, row: BatchRow, room: StoredRoom) -> tuple[PersonalLink, ...]:
        if not row.people:
            return ()
        link = shared_link(facts_for(room, fallback_zone=get_zone("UTC")))
        return tuple(
            personal_links(
                link,
                row.people,
                options=self.plan.link_options,
                external_ids=row.external_ids,
            )
        )
