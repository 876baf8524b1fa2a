"""Room use cases: what the CLI and the window ask for, combining the API client and the store.

No widgets here and no printing: callers get typed results and typed errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from roomdesk.api.client import RateLimitStatus, WherebyClient
from roomdesk.api.errors import CreateOutcomeUnknownError, WherebyError
from roomdesk.api.models import Field, Meeting, MeetingRequest
from roomdesk.store import RoomStore, StoredRoom

# Deletes run a few at a time: fast for a handful, gentle on the rate limit for many.
DELETE_CONCURRENCY = 4


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
    ) -> None:
        self.client = client
        self.store = store
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    @property
    def rate_limit(self) -> RateLimitStatus:
        return self.client.rate_limit

    # -- local ------------------------------------------------------------------------------

    def list_rooms(self, *, include_past: bool = False) -> list[StoredRoom]:
        return self.store.list_rooms(include_past=include_past, now=self.now())

    def get_room(self, meeting_id: str) -> StoredRoom | None:
        return self.store.get(meeting_id)

    def set_label(self, meeting_id: str, label: str, notes: str | None = None) -> None:
        self.store.set_label(meeting_id, label.strip(), notes)

    # -- remote -----------------------------------------------------------------------------

    async def create_room(self, request: MeetingRequest, *, label: str = "") -> StoredRoom:
        """Create a room and store it. The intent is recorded first, so a crash loses nothing."""
        request.validate(self.now())
        options = request.to_stored_options()
        pending_id = self.store.add_pending_create(options, label)
        try:
            meeting = await self.client.create_meeting(request)
        except CreateOutcomeUnknownError as exc:
            self.store.mark_pending(pending_id, "unknown", str(exc))
            raise
        except WherebyError as exc:
            self.store.mark_pending(pending_id, "failed", str(exc))
            raise
        except asyncio.CancelledError:
            # Cancelled mid-flight: the server may or may not have the room.
            self.store.mark_pending(pending_id, "unknown", "cancelled while the request ran")
            raise
        return self.store.complete_create(
            pending_id,
            meeting,
            room_mode=request.effective_room_mode.value,
            options=options,
            label=label.strip(),
        )

    async def fetch_meeting(self, meeting_id: str) -> Meeting:
        return await self.client.get_meeting(meeting_id, fields=tuple(Field))

    async def delete_rooms(self, meeting_ids: Iterable[str]) -> list[DeleteOutcome]:
        """Delete each room on the server and mark it deleted here; one outcome per id, in order."""
        ids = list(dict.fromkeys(meeting_ids))
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
