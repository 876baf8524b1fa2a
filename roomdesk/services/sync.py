"""Sync with Whereby: the organisation's meetings are the shared truth, the store follows them.

A sync walks every page of ``GET /meetings`` and stores each page in one transaction as it
arrives (so a window can show rooms while the walk goes on). Only after a complete walk does it
settle the rest: it resolves interrupted creates and marks the rooms the server no longer has. A
walk that fails or is cancelled halfway keeps what it stored and marks nothing missing.

Interrupted creates (a crash, a lost answer) leave a pending row in the store. A sync matches each
to a meeting by what the request fixed (room name prefix, end date to the second) and when it was
sent (the meeting's start date); a meeting already linked to a room is never matched again, so one
click never becomes two rooms. What stays unmatched is reported as "may not have been created" and
can be retried (the stored request is sent again) or dismissed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncGenerator, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from roomdesk.api.client import PAGE_LIMIT_MAX
from roomdesk.api.errors import (
    MalformedResponseError,
    RequestValidationError,
    WherebyError,
)
from roomdesk.api.models import STORED_SECRET_MASK, Meeting, MeetingsPage, SkippedMeeting
from roomdesk.api.paging import PagingLimits, walk_pages
from roomdesk.api.requests import Field, MeetingRequest
from roomdesk.domain.rooms import RoomMode, TemplateType, normalize_prefix
from roomdesk.domain.status import ROOM_GRACE_PERIOD
from roomdesk.services.rooms import CreateActivity, RoomService
from roomdesk.services.store_thread import StoreThread
from roomdesk.store import PendingCreate, PendingState, RoomSource, RoomStore, StoredRoom
from roomdesk.store.records import describe_pending, requested_end

log = logging.getLogger("roomdesk.sync")

# A pending create younger than this may still be on its way in another process; only when no
# process can be creating (see CreateActivity) is a younger one treated as abandoned.
PENDING_GRACE = timedelta(minutes=2)
# A meeting matches a pending create if the server started it within this window around the
# moment the create was written down (allowing for clock skew and a slow answer).
MATCH_EARLIEST = timedelta(minutes=1)
MATCH_LATEST = timedelta(minutes=10)
SYNC_FIELDS = (Field.HOST_ROOM_URL, Field.VIEWER_ROOM_URL)

NOT_FOUND_TEXT = "No room was found on Whereby for this request: it may not have been created."
DISMISSED_TEXT = "Dismissed: not retried."


class PendingCreateError(WherebyError):
    """A pending create cannot be retried or dismissed; the message says why."""


class RetryNotPossibleError(PendingCreateError):
    """The stored request cannot be sent again as it is."""


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncProgress:
    """How far a sync has got: pages and meetings received so far."""

    pages: int
    rooms_seen: int

    def describe(self) -> str:
        pages = "1 page" if self.pages == 1 else f"{self.pages} pages"
        rooms = "1 room" if self.rooms_seen == 1 else f"{self.rooms_seen:,} rooms"
        return f"Refreshing… {pages}, {rooms}"


@dataclass(frozen=True)
class ResolvedCreate:
    """An interrupted create that a sync found on the server."""

    pending_id: int
    label: str
    meeting_id: str


@dataclass(frozen=True)
class SyncReport:
    """What one complete sync changed. Ids are meeting ids, in the order they were met."""

    pages: int
    rooms_seen: int
    imported: tuple[str, ...] = ()  # rooms created elsewhere, new to the store
    updated: tuple[str, ...] = ()  # known rooms whose links, name or dates changed
    # Rooms the server no longer has, as now stored (marked missing, so shown as expired).
    missing_rooms: tuple[StoredRoom, ...] = ()
    resolved: tuple[ResolvedCreate, ...] = ()
    unresolved: tuple[PendingCreate, ...] = ()  # may not have been created
    in_progress: int = 0  # creates still on their way (in this or another process)
    skipped: tuple[SkippedMeeting, ...] = ()  # listed, but unreadable: left as they were

    @property
    def missing(self) -> tuple[str, ...]:
        """The meeting ids of :attr:`missing_rooms`."""
        return tuple(room.meeting_id for room in self.missing_rooms)

    def summary(self) -> str:
        """One or two sentences fit for a status bar."""
        rooms = "1 room" if self.rooms_seen == 1 else f"{self.rooms_seen:,} rooms"
        parts = [f"{len(self.imported):,} new", f"{len(self.updated):,} changed"]
        if self.missing:
            parts.append(f"{len(self.missing):,} gone from Whereby")
        if self.resolved:
            found = len(self.resolved)
            parts.append(f"{found} interrupted create{'s' if found != 1 else ''} found")
        if self.skipped:
            parts.append(f"{len(self.skipped):,} unreadable, skipped")
        text = f"Refreshed: {rooms} on Whereby ({', '.join(parts)})."
        if created := sum(row.state is PendingState.CREATED for row in self.unresolved):
            text += (
                " 1 room created earlier is not listed yet."
                if created == 1
                else f" {created} rooms created earlier are not listed yet."
            )
        if count := len(self.unresolved) - created:
            text += (
                " 1 room may not have been created."
                if count == 1
                else f" {count} rooms may not have been created."
            )
        return text


@dataclass(frozen=True)
class RetryOutcome:
    """The room a retry ended with; ``found_existing`` when the first attempt had worked."""

    room: StoredRoom
    found_existing: bool


@dataclass
class _PendingTriage:
    """Pending creates sorted by what a sync may do with them."""

    eligible: list[PendingCreate] = field(default_factory=list)  # match, else mark unknown
    in_progress: list[PendingCreate] = field(default_factory=list)  # leave alone


# -- matching ------------------------------------------------------------------------------------


def _room_name_of(meeting: Meeting) -> str:
    if meeting.room_name:
        return meeting.room_name
    # The name is the path of the room's link when the answer left the name out.
    _, _, rest = meeting.room_url.partition("://")
    _, slash, path = rest.partition("/")
    return slash + path.split("?", 1)[0]


def pending_room_mode(request_json: Mapping[str, Any]) -> str:
    if request_json.get("templateType") == TemplateType.VIEWER_MODE.value:
        return RoomMode.GROUP.value
    return str(request_json.get("roomMode") or RoomMode.NORMAL.value)


def could_be(pending: PendingCreate, meeting: Meeting) -> bool:
    """Whether ``meeting`` may be the room ``pending`` asked for."""
    request = pending.request_json
    end = requested_end(request)
    if end is None or meeting.end_date.replace(microsecond=0) != end:
        return False
    prefix = normalize_prefix(str(request.get("roomNamePrefix") or ""))
    if prefix and not _room_name_of(meeting).startswith(f"/{prefix}-"):
        return False
    if meeting.start_date is None:
        return False  # no way to tell when it was made: never guess
    earliest = pending.created_at - MATCH_EARLIEST
    return earliest <= meeting.start_date <= pending.created_at + MATCH_LATEST


def match_pending_creates(
    pending: Sequence[PendingCreate], meetings: Iterable[Meeting], linked: Iterable[str]
) -> dict[int, Meeting]:
    """Pair pending creates with meetings, one to one: pending id → meeting.

    Meetings in ``linked`` (already some room's own) are never used. Where several pairs are
    possible, the meeting started closest to the moment the create was written down wins.
    """
    taken = set(linked)
    pairs: list[tuple[float, int, str, PendingCreate, Meeting]] = []
    for meeting in meetings:
        if meeting.meeting_id in taken:
            continue
        for row in pending:
            if could_be(row, meeting):
                assert meeting.start_date is not None
                distance = abs((meeting.start_date - row.created_at).total_seconds())
                pairs.append((distance, row.id, meeting.meeting_id, row, meeting))
    matched: dict[int, Meeting] = {}
    for _distance, row_id, meeting_id, _row, meeting in sorted(pairs, key=lambda p: p[:3]):
        if row_id in matched or meeting_id in taken:
            continue
        matched[row_id] = meeting
        taken.add(meeting_id)
    return matched


def masked_secret_problem(request_json: Mapping[str, Any]) -> str | None:
    """Why a stored request cannot be sent again: the store masked a secret it needs."""
    for section, what in (("recording", "recording"), ("liveTranscription", "transcript")):
        destination = (request_json.get(section) or {}).get("destination") or {}
        if destination.get("accessKeySecret") == STORED_SECRET_MASK:
            return (
                f"This room sent its {what} to S3 with a storage secret, which roomdesk does not "
                "keep. Re-enter the storage secret: create the room again."
            )
    url = ((request_json.get("streaming") or {}).get("destination") or {}).get("url", "")
    if str(url).rstrip("/").endswith("/" + STORED_SECRET_MASK):
        return (
            "This room streams with a stream key, which roomdesk does not keep. "
            "Re-enter the stream key: create the room again."
        )
    return None


def triage_pending(
    rows: Iterable[PendingCreate],
    *,
    alone: bool,
    in_flight: Collection[int] = (),
    grace: timedelta = PENDING_GRACE,
) -> _PendingTriage:
    """Split pending creates into those a sync may settle and those still on their way.

    ``alone``: no other process can be creating now (the activity lock is held exclusively).
    ``in_flight``: the creates this process is sending.
    """
    now = datetime.now(UTC)  # created_at comes from the wall clock too
    triage = _PendingTriage()
    for row in rows:
        # Another process's pending row may be on its way until the grace period is over.
        young = now - row.created_at < grace
        maybe_sending = row.state is PendingState.PENDING and not alone and young
        if row.id in in_flight or maybe_sending:
            triage.in_progress.append(row)
        else:
            triage.eligible.append(row)
    return triage


def unresolved_creates(store: RoomStore, activity: CreateActivity) -> list[PendingCreate]:
    """Creates that may not have happened, for a process that sends none itself. Reads only."""
    with activity.exclusive() as alone:
        return triage_pending(store.pending_creates(), alone=alone).eligible


def unsettled_pending(store: RoomStore, pending_id: int) -> PendingCreate:
    """The pending create ``pending_id`` if it is still open; else why not, as an error."""
    row = store.get_pending_create(pending_id)
    if row is None:
        raise PendingCreateError(f"There is no interrupted create number {pending_id}.")
    name = describe_pending(row)
    if row.state is PendingState.RESOLVED:
        raise PendingCreateError(
            f"“{name}” was created after all (meeting {row.meeting_id}); nothing to retry."
        )
    if row.state is PendingState.FAILED:
        raise PendingCreateError(
            f"“{name}” is already settled ({row.error or 'not created'}); nothing to retry."
        )
    return row


def retryable_pending(store: RoomStore, pending_id: int) -> PendingCreate:
    """:func:`unsettled_pending`, refusing a create the server answered with a 2xx."""
    row = unsettled_pending(store, pending_id)
    if row.state is PendingState.CREATED:
        raise PendingCreateError(
            f"“{describe_pending(row)}” was created on Whereby; only its details could not be "
            "read. Refresh to add it: it is never sent again."
        )
    return row


def dismiss_pending(
    store: RoomStore, pending_id: int, *, in_flight: Collection[int] = ()
) -> PendingCreate:
    """Mark an interrupted create failed so it is no longer shown; returns it as it was."""
    row = unsettled_pending(store, pending_id)
    if row.id in in_flight:
        raise PendingCreateError(f"“{describe_pending(row)}” is being created right now.")
    store.mark_pending(row.id, PendingState.FAILED, DISMISSED_TEXT)
    return row


# -- the service ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPage:
    """What storing one page of a sync did: the ids that were new and that changed, and the
    page's rooms as now stored, in the page's order."""

    new_ids: list[str]
    changed_ids: list[str]
    rooms: list[StoredRoom]


def store_page(meetings: list[Meeting], store: RoomStore) -> StoredPage:
    """Store one page of a sync in one transaction (see :meth:`RoomStore.upsert_many_imported`)
    and read its rooms back."""
    if not meetings:
        return StoredPage([], [], [])
    new_ids: list[str] = []
    changed_ids: list[str] = []
    ids = [meeting.meeting_id for meeting in meetings]
    known_rooms = store.get_many(ids)
    for meeting in meetings:
        known = known_rooms.get(meeting.meeting_id)
        if known is None:
            new_ids.append(meeting.meeting_id)
        elif known.deleted_at is None and _differs(known, meeting):
            changed_ids.append(meeting.meeting_id)
    store.upsert_many_imported(meetings)
    now_stored = store.get_many(ids)
    rooms = [room for meeting_id in ids if (room := now_stored.get(meeting_id))]
    return StoredPage(new_ids, changed_ids, rooms)


def mark_missing(absent: set[str], now: datetime, store: RoomStore) -> list[StoredRoom]:
    """Mark the rooms among ``absent`` (stored before a complete walk, not listed) missing;
    the rooms marked, as now stored, in meeting id order."""
    ids = sorted(absent)
    stored = store.get_many(ids)
    missing = [
        meeting_id
        for meeting_id in ids
        if (room := stored.get(meeting_id)) is not None
        and room.deleted_at is None
        and room.server_missing_at is None
        # Past end + grace the server deletes rooms itself: expired, not missing.
        and room.end_date + ROOM_GRACE_PERIOD > now
    ]
    if not missing:
        return []
    store.mark_server_missing(missing, now)
    marked = store.get_many(missing)
    return [room for meeting_id in missing if (room := marked.get(meeting_id))]


class SyncService:
    """Sync, and the handling of interrupted creates, for one account's client and store."""

    def __init__(
        self,
        rooms: RoomService,
        *,
        page_limit: int = PAGE_LIMIT_MAX,
        pending_grace: timedelta = PENDING_GRACE,
        paging: PagingLimits | None = None,
    ) -> None:
        self.rooms = rooms
        self.client = rooms.client
        self.store = rooms.store
        self.page_limit = page_limit
        self.pending_grace = pending_grace
        self.paging = paging or PagingLimits()

    # -- sync --------------------------------------------------------------------------------

    async def sync(
        self,
        *,
        progress: Callable[[SyncProgress], None] | None = None,
        on_page: Callable[[list[StoredRoom]], None] | None = None,
    ) -> SyncReport:
        """Walk every page of the server's meetings and bring the store in line.

        ``progress`` hears after each stored page; ``on_page`` gets that page's rooms as now
        stored. Errors and cancellation leave stored pages stored and nothing marked missing.
        """
        # Only rooms stored before the walk began can be missing from it: one created meanwhile
        # may have been made after the page that would have listed it.
        could_miss = set(self.store.meeting_ids(now=self.rooms.now()))
        seen: dict[str, Meeting] = {}
        imported: list[str] = []
        updated: list[str] = []
        skipped: list[SkippedMeeting] = []
        pages = 0
        walk = self._walk()
        # Pages are written from a thread of their own (see StoreThread): the GUI thread only
        # waits for the answers.
        with StoreThread(self.store.path) as writes:
            async with contextlib.aclosing(walk):
                async for page in walk:
                    pages += 1
                    fresh = [meeting for meeting in page.meetings if meeting.meeting_id not in seen]
                    stored = await self._store_and_announce(writes, fresh, on_page)
                    imported.extend(stored.new_ids)
                    updated.extend(stored.changed_ids)
                    seen.update((meeting.meeting_id, meeting) for meeting in fresh)
                    # Said to the person by whoever shows the report; the log keeps a record.
                    for item in page.skipped:
                        log.info("sync: %s", item.describe())
                    skipped.extend(page.skipped)
                    if progress is not None:
                        progress(SyncProgress(pages, len(seen)))

            # The walk is complete: only now may absence mean anything. A meeting that was
            # listed but could not be read is not absent.
            listed = seen.keys() | {item.meeting_id for item in skipped if item.meeting_id}
            resolved, unresolved, in_progress = self._resolve_pending(seen.values())
            missing = await writes.run(
                functools.partial(mark_missing, could_miss - listed, self.rooms.now())
            )
        claimed = {item.meeting_id for item in resolved}
        report = SyncReport(
            pages=pages,
            rooms_seen=len(seen),
            imported=tuple(mid for mid in imported if mid not in claimed),
            updated=tuple(mid for mid in updated if mid not in claimed),
            missing_rooms=tuple(missing),
            resolved=tuple(resolved),
            unresolved=tuple(unresolved),
            in_progress=in_progress,
            skipped=tuple(skipped),
        )
        log.info(
            "sync: %d rooms on %d pages; %d new, %d changed, %d missing, %d creates resolved, "
            "%d unresolved",
            report.rooms_seen,
            report.pages,
            len(report.imported),
            len(report.updated),
            len(report.missing),
            len(report.resolved),
            len(report.unresolved),
        )
        return report

    @staticmethod
    async def _store_and_announce(
        writes: StoreThread,
        meetings: list[Meeting],
        on_page: Callable[[list[StoredRoom]], None] | None,
    ) -> StoredPage:
        """:func:`store_page` in the store thread, then ``on_page`` with its rooms. A page still
        being written when the sync is cancelled ends up stored, so it is announced all the
        same (after waiting a few milliseconds for its write)."""
        job = writes.submit(functools.partial(store_page, meetings))
        try:
            stored = await asyncio.wrap_future(job)
        except asyncio.CancelledError:
            written = not job.cancelled() and job.exception() is None
            if written and on_page is not None and (rooms := job.result().rooms):
                on_page(rooms)
            raise
        if on_page is not None and stored.rooms:
            on_page(stored.rooms)
        return stored

    def _linked_meetings(self) -> set[str]:
        """Meetings that are already some create's own room."""
        linked = {
            row.meeting_id
            for row in self.store.pending_creates(states=(PendingState.RESOLVED,))
            if row.meeting_id
        }
        linked.update(self.store.meeting_ids(include_past=True, source=RoomSource.CREATED))
        return linked

    def _triage(self, *, alone: bool) -> _PendingTriage:
        return triage_pending(
            self.store.pending_creates(),
            alone=alone,
            in_flight=self.rooms.creates_in_flight,
            grace=self.pending_grace,
        )

    def _resolve_pending(
        self, meetings: Iterable[Meeting]
    ) -> tuple[list[ResolvedCreate], list[PendingCreate], int]:
        meetings = list(meetings)
        # Holding the activity lock alone keeps other processes from starting a create while
        # rows are judged, so none is marked unknown as its answer arrives.
        with self.rooms.activity.exclusive() as alone:
            triage = self._triage(alone=alone)
            matched = match_pending_creates(triage.eligible, meetings, self._linked_meetings())
            resolved: list[ResolvedCreate] = []
            unresolved: list[PendingCreate] = []
            for row in triage.eligible:
                meeting = matched.get(row.id)
                if meeting is not None:
                    self._complete(row, meeting)
                    resolved.append(ResolvedCreate(row.id, row.label, meeting.meeting_id))
                    continue
                current = self.store.get_pending_create(row.id)
                if current is None or not current.state.is_open:
                    continue  # settled meanwhile by whoever sent it
                if current.state is PendingState.PENDING:
                    self.store.mark_pending(row.id, PendingState.UNKNOWN, NOT_FOUND_TEXT)
                    current = self.store.get_pending_create(row.id) or current
                unresolved.append(current)
        return resolved, unresolved, len(triage.in_progress)

    def _complete(self, row: PendingCreate, meeting: Meeting) -> StoredRoom:
        return self.store.complete_create(
            row.id,
            meeting,
            room_mode=pending_room_mode(row.request_json),
            options=row.request_json,
            label=row.label.strip(),
        )

    # -- pending creates ---------------------------------------------------------------------

    def unresolved_creates(self) -> list[PendingCreate]:
        """Creates that may not have happened: lost answers and abandoned requests, oldest
        first. Creates still on their way are left out. Reads only."""
        with self.rooms.activity.exclusive() as alone:
            return self._triage(alone=alone).eligible

    def dismiss_pending(self, pending_id: int) -> PendingCreate:
        """Stop showing an interrupted create (it is marked failed); returns it as it was."""
        return dismiss_pending(self.store, pending_id, in_flight=self.rooms.creates_in_flight)

    async def retry_pending(self, pending_id: int) -> RetryOutcome:
        """Send an interrupted create again, unless the server turns out to have it already.

        The server is asked first, so a create whose answer was merely lost becomes its room
        instead of a second one. A request whose secrets were masked is refused.
        """
        row = retryable_pending(self.store, pending_id)
        name = describe_pending(row)
        if row.id not in {item.id for item in self.unresolved_creates()}:
            raise PendingCreateError(f"“{name}” is still being created; wait for it to finish.")
        if problem := masked_secret_problem(row.request_json):
            raise RetryNotPossibleError(problem)
        try:
            request = MeetingRequest.from_json(row.request_json)
            request.validate(self.rooms.now())
        except RequestValidationError as exc:
            raise RetryNotPossibleError(
                f"“{name}” cannot be sent again as it was ({exc}). Create the room again."
            ) from None
        except (KeyError, ValueError, MalformedResponseError):
            raise RetryNotPossibleError(
                f"The stored request for “{name}” is unreadable. Create the room again."
            ) from None
        if (existing := await self._find_on_server(row)) is not None:
            return RetryOutcome(self._complete(row, existing), found_existing=True)
        # A sync may have settled it while the server was asked; then sending would duplicate.
        retryable_pending(self.store, row.id)
        room = await self.rooms.create_room(
            request,
            label=row.label,
            replaces_pending=row.id,
            planned_start=row.planned_start,
            time_zone=row.time_zone,
            series=row.series,
            invitation_template=row.invitation_template,
        )
        return RetryOutcome(room, found_existing=False)

    def _walk(self, room_name_prefix: str | None = None) -> AsyncGenerator[MeetingsPage]:
        """The pages of the server's list, bounded by what the store knows of its size."""
        return walk_pages(
            self.client,
            page_size=self.page_limit,
            fields=SYNC_FIELDS,
            room_name_prefix=room_name_prefix,
            known_meetings=self.store.count_rooms(include_past=True),
            limits=self.paging,
        )

    async def _find_on_server(self, row: PendingCreate) -> Meeting | None:
        # The prefix filter is a hint Whereby's spec does not promise: a server that ignores it
        # lists everything, which the walk's bounds keep from going on without end.
        prefix = normalize_prefix(str(row.request_json.get("roomNamePrefix") or ""))
        walk = self._walk(prefix or None)
        async with contextlib.aclosing(walk):
            candidates = [
                meeting
                async for page in walk
                for meeting in page.meetings
                if could_be(row, meeting)
            ]
        return match_pending_creates([row], candidates, self._linked_meetings()).get(row.id)


def _differs(room: StoredRoom, meeting: Meeting) -> bool:
    """Whether storing ``meeting`` changes what the store knows of ``room``."""
    return (
        room.room_url != meeting.room_url
        or room.end_date != meeting.end_date.replace(microsecond=0)
        or room.server_missing_at is not None
        or any(
            new is not None and new != old
            for new, old in (
                (meeting.room_name, room.room_name),
                (meeting.host_room_url, room.host_room_url),
                (meeting.viewer_room_url, room.viewer_room_url),
                (
                    meeting.start_date.replace(microsecond=0) if meeting.start_date else None,
                    room.start_date,
                ),
            )
        )
    )
