"""The app's session: which account (or the demo), its client, its store, and the use cases.

:class:`AppSession` is what the window talks to. It owns the ``httpx`` client (through
:class:`WherebyClient`), the room store, the keychain access and, in demo mode, the bundled
emulator. It reports through Qt signals; it imports no widgets.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLockFile, QObject, Signal

from roomdesk.api.errors import InvalidApiKeyError, NetworkError, ServerError, WherebyError
from roomdesk.domain.status import RoomStatus
from roomdesk.domain.times import utc_now
from roomdesk.paths import AppPaths
from roomdesk.secrets import ApiKey, KeyStore
from roomdesk.store import PendingCreate, RoomRows, RoomStore, StoredRoom, StoreError
from roomdesk.store.recovery import EarlyStructureCheck, RecoveryNotice, open_store_safely

if TYPE_CHECKING:
    # asyncio, the client and the services are imported lazily, when first used: a window
    # showing the saved list is drawn before their import cost is paid.
    import asyncio

    from roomdesk.api.client import RateLimitStatus, WherebyClient
    from roomdesk.api.requests import MeetingRequest
    from roomdesk.api.scheduler import RateLimitScheduler, SchedulerState
    from roomdesk.emulator import EmulatorServer
    from roomdesk.services.batch import BatchCost, BatchPlan
    from roomdesk.services.batch_run import BatchRun, Progress
    from roomdesk.services.media import MediaService
    from roomdesk.services.reminders import StoreLedger
    from roomdesk.services.rooms import DeleteOutcome, RoomService
    from roomdesk.services.sync import RetryOutcome, SyncProgress, SyncReport, SyncService

log = logging.getLogger("roomdesk.session")

DEMO_API_KEY = "roomdesk-demo-key"
# A demo run keeps its rooms in a directory of its own in the data directory, locked while the run
# lasts; the lock of a run that ended without removing it (killed, crashed) is stale.
DEMO_DIR_PREFIX = "demo-"
DEMO_LOCK_NAME = "in-use.lock"
# A demo directory this new, with no lock file yet, may be one a run has just made.
DEMO_DIR_GRACE_SECONDS = 60.0


def remove_stale_demo_dirs(data_dir: Path) -> list[Path]:
    """Remove the demo directories in ``data_dir`` that no running roomdesk holds: those left by
    a demo run that was killed or crashed. The directories removed."""
    removed = []
    for directory in sorted(data_dir.glob(DEMO_DIR_PREFIX + "*")):
        lock_path = directory / DEMO_LOCK_NAME
        try:
            if directory.is_symlink() or not directory.is_dir():
                continue
            unlocked_age = None if lock_path.exists() else time.time() - directory.stat().st_mtime
            if unlocked_age is not None and unlocked_age < DEMO_DIR_GRACE_SECONDS:
                continue
        except OSError:
            continue
        lock = QLockFile(str(lock_path))
        lock.setStaleLockTime(0)  # stale only when its process is gone, however old it is
        if not lock.tryLock(0):
            continue  # a running demo's
        lock.unlock()  # first: a locked file cannot be removed everywhere
        shutil.rmtree(directory, ignore_errors=True)
        if directory.exists():
            log.warning("could not remove the stale demo directory %s", directory)
        else:
            removed.append(directory)
    return removed


class AppSession(QObject):
    """One signed-in account or the demo, for the lifetime of the window."""

    roomUpserted = Signal(object)  # StoredRoom
    roomsReplaced = Signal()  # the whole list changed (mode switch, new store)
    roomsDeleted = Signal(list)  # list[DeleteOutcome]
    accountChanged = Signal(str)
    connectionChanged = Signal(str)
    rateLimitChanged = Signal(str)
    storeRecovered = Signal(object)  # RecoveryNotice: a damaged store was moved aside
    throttleChanged = Signal(str)  # the rate-limit queue: "Rate limited — resuming in 23 s, …"
    busyChanged = Signal(bool)
    roomsStored = Signal(list)  # list[StoredRoom] a sync just stored: one page, or its changes
    syncProgress = Signal(str)  # "Refreshing… 3 pages, 250 rooms"
    syncFinished = Signal(object)  # SyncReport of a complete sync
    pendingChanged = Signal()  # the creates that may not have happened changed
    sessionReady = Signal()  # a key (or the demo) is in use: rooms can be created and refreshed

    def __init__(
        self,
        paths: AppPaths,
        *,
        keys: KeyStore | None = None,
        api_url: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        client_options: Mapping[str, Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths.ensure()
        self.keys = keys or KeyStore()
        self._api_url = api_url
        self._clock = clock
        # Extra WherebyClient arguments (timeouts, retry policy), e.g. for tests.
        self._client_options = dict(client_options or {})
        self._schedulers: dict[str, RateLimitScheduler] = {}
        # A scheduler passed in (another window, for tests and benchmarks) serves every account,
        # and the window must still hear what it holds back, as it hears its own.
        given = self._client_options.pop("scheduler", None)
        self._given_scheduler: RateLimitScheduler | None = given
        if given is not None:
            given.add_listener(self._on_throttle_change)
        self._client: WherebyClient | None = None
        self._store: RoomStore | None = None
        self._service: RoomService | None = None
        self._sync: SyncService | None = None
        self._media: MediaService | None = None
        self._sync_task: asyncio.Task[Any] | None = None
        self._samples_task: asyncio.Task[Any] | None = None
        self._emulator: EmulatorServer | None = None
        self._demo_dir: Path | None = None
        self._demo_lock: Any = None  # QLockFile of _demo_dir, held while the demo runs
        self._busy = 0
        self._early_check: EarlyStructureCheck | None = None
        self.account_text = ""
        self.connection_text = ""
        self.rate_limit_text = ""

    # -- state ----------------------------------------------------------------------------------

    @property
    def is_demo(self) -> bool:
        return self._emulator is not None

    @property
    def is_ready(self) -> bool:
        return self._service is not None

    @property
    def awaiting_key(self) -> bool:
        """The saved room list is open without a key: the key is not in use yet (it may be
        being read from the keychain), or none came (see :meth:`open_saved_list`)."""
        return self._store is not None and self._service is None

    @property
    def base_url(self) -> str:
        if self._client is not None:
            return self._client.base_url
        from roomdesk.api.client import resolve_base_url

        return resolve_base_url(self._api_url)

    @property
    def emulator(self) -> EmulatorServer | None:
        return self._emulator

    def now(self) -> datetime:
        return self._clock()

    def _require_service(self) -> RoomService:
        if self._service is None:
            raise InvalidApiKeyError("No API key is set. Enter one or try demo mode.")
        return self._service

    def _require_store(self) -> RoomStore:
        if self._store is None:
            raise InvalidApiKeyError("No API key is set. Enter one or try demo mode.")
        return self._store

    def media(self) -> MediaService:
        """Recordings, transcriptions and attendance of the stored rooms, through the session's
        client and store; made at the first use, as nothing of it is needed before."""
        self._require_service()
        if self._media is None:
            from roomdesk.services.media import MediaService

            assert self._client is not None and self._store is not None
            self._media = MediaService(self._client, self._store, clock=self._clock)
        return self._media

    def _require_sync(self) -> SyncService:
        self._require_service()
        assert self._sync is not None
        return self._sync

    def _set_account(self, text: str) -> None:
        self.account_text = text
        self.accountChanged.emit(text)

    def _set_connection(self, text: str) -> None:
        self.connection_text = text
        self.connectionChanged.emit(text)

    def _on_rate_limit(self, status: RateLimitStatus) -> None:
        self.rate_limit_text = status.describe()
        self.rateLimitChanged.emit(self.rate_limit_text)

    def _note_outcome(self, error: BaseException | None) -> None:
        if error is None:
            self._set_connection("Connected")
        elif isinstance(error, NetworkError):
            self._set_connection("Offline")
        elif isinstance(error, ServerError):
            self._set_connection("Service trouble")
        elif isinstance(error, InvalidApiKeyError):
            self._set_connection("Key refused")

    class _Busy:
        def __init__(self, session: AppSession) -> None:
            self.session = session

        def __enter__(self) -> None:
            self.session._busy += 1
            if self.session._busy == 1:
                self.session.busyChanged.emit(True)

        def __exit__(self, *exc_info: object) -> None:
            self.session._busy -= 1
            if self.session._busy == 0:
                self.session.busyChanged.emit(False)

    # -- start and switch -------------------------------------------------------------------------

    async def load_key(self) -> ApiKey | None:
        """The saved key, read off the GUI thread (keychains may block or prompt)."""
        return await self.keys.aget()

    def open_saved_list(self) -> None:
        """Open the account's room list before its key is in use, so that a window can show it
        first: a keychain takes a tenth of a second or more to answer (and may first ask the
        person to unlock it), and the client and its modules are not needed for a first frame.
        :meth:`start_with_key` then adds the connection to the open list. Raises
        StoreVersionError or StoreUnavailableError, leaving the file."""
        if self._store is not None or self._client is not None:
            raise RuntimeError("open_saved_list is for a session with nothing open yet")
        self._store, notice = open_store_safely(self.paths.store_file, self._take_early_check())
        if notice is not None:
            self.storeRecovered.emit(notice)
        self._set_account("")
        if self.keys.environment_overrides:
            self._set_connection("Not contacted yet")
        else:
            self._set_connection("Reading the API key from the keychain…")

    def note_no_key(self) -> None:
        """Say that the list is open without a key: none was saved, or the keychain failed."""
        self._set_account("No API key")
        self._set_connection("Not connected")

    async def start_with_key(self, key: ApiKey) -> None:
        """Use ``key`` against the configured API and the account's store."""
        if self.awaiting_key:
            # The list is open and shown already (open_saved_list): it is not read again.
            assert self._store is not None
            self._attach(self._new_client(key, self._api_url), self._store)
            self.pendingChanged.emit()
        else:
            await self._close_connection()
            self._open(self._new_client(key, self._api_url), self.paths.store_file)
        self._set_account(f"Account key {key.fingerprint}")
        self._set_connection("Not contacted yet")
        self.sessionReady.emit()

    async def start_demo(self) -> None:
        """Start the bundled emulator on loopback with its own throw-away store."""
        import asyncio

        # Imported here: only demo mode needs the emulator, and its import slows every start.
        from roomdesk.emulator import EmulatorServer

        await self._close_connection()
        swept = await asyncio.get_running_loop().run_in_executor(
            None, remove_stale_demo_dirs, self.paths.data_dir
        )
        if swept:
            log.info("removed %d demo directories left by ended runs", len(swept))
        emulator = EmulatorServer(api_key=DEMO_API_KEY)
        # Started in a thread of its own; this only binds a loopback port.
        base_url = emulator.start()
        self._emulator = emulator
        self._demo_dir = Path(tempfile.mkdtemp(prefix=DEMO_DIR_PREFIX, dir=self.paths.data_dir))
        lock = QLockFile(str(self._demo_dir / DEMO_LOCK_NAME))
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            self._demo_lock = lock
        else:  # the demo still works; only a later sweep may take its directory for a stale one
            log.warning("could not lock the demo directory %s: %s", self._demo_dir, lock.error())
        self._open(
            self._new_client(DEMO_API_KEY, base_url),
            self._demo_dir / "demo-rooms.sqlite3",
        )
        self._set_account("Demo")
        self._set_connection(f"Demo server on {base_url.split('/v1')[0]}")
        self.sessionReady.emit()

    async def add_demo_rooms(self, zone_name: str) -> list[StoredRoom]:
        """Create the demo's sample rooms (see :mod:`roomdesk.services.demo_rooms`) on its
        server and in its store, planned in ``zone_name``; the rooms made. Only a demo gets
        them, and only while its list is still empty; one that cannot be made is logged and
        left out. Closing the session stops it."""
        import asyncio

        from roomdesk.services.demo_rooms import sample_rooms

        if not self.is_demo or self.count_rooms() or self._samples_task is not None:
            return []
        self._samples_task = asyncio.current_task()
        made: list[StoredRoom] = []
        try:
            for sample in sample_rooms(self.now(), zone_name):
                try:
                    room = await self.create_room(
                        sample.request,
                        sample.label,
                        planned_start=sample.planned_start,
                        time_zone=sample.time_zone,
                    )
                    made.append(self.set_label(room.meeting_id, room.label, sample.notes))
                    if sample.history and self._emulator is not None:
                        self._emulator.add_demo_history(room.meeting_id)
                except (WherebyError, StoreError) as exc:
                    log.warning("demo: the sample room %r was not made: %s", sample.label, exc)
        finally:
            self._samples_task = None
        return made

    def _new_client(self, key: ApiKey | str, base_url: str | None) -> WherebyClient:
        from roomdesk.api.client import WherebyClient

        options = {"scheduler": self._scheduler_for(key), **self._client_options}
        return WherebyClient(key, base_url=base_url, on_rate_limit=self._on_rate_limit, **options)

    def _scheduler_for(self, key: ApiKey | str) -> RateLimitScheduler:
        """One scheduler per account, kept across reconnects: the budget is the account's."""
        if self._given_scheduler is not None:
            return self._given_scheduler
        account = (ApiKey(key) if isinstance(key, str) else key).fingerprint
        scheduler = self._schedulers.get(account)
        if scheduler is None:
            from roomdesk.api.scheduler import RateLimitScheduler

            scheduler = RateLimitScheduler()
            scheduler.add_listener(self._on_throttle_change)
            self._schedulers[account] = scheduler
        return scheduler

    def _on_throttle_change(self, state: SchedulerState) -> None:
        self.throttleChanged.emit(state.describe())

    def throttle_text(self) -> str:
        """What the rate-limit queue is doing now ("" when nothing waits), for a countdown."""
        if self._client is None or self._client.scheduler is None:
            return ""
        return self._client.scheduler.state.describe()

    def use_early_check(self, check: EarlyStructureCheck) -> None:
        """A check of the account's room list started early (at launch), for its first opening
        (by :meth:`start_with_key` or :meth:`open_store_once`) to use instead of its own."""
        self._early_check = check

    def _take_early_check(self) -> EarlyStructureCheck | None:
        check, self._early_check = self._early_check, None
        return check

    def open_store_once(self) -> RecoveryNotice | None:
        """Open and close the account's room list, so a damaged one is moved aside now; the
        notice when it was. Raises StoreVersionError or StoreUnavailableError, leaving it."""
        store, notice = open_store_safely(self.paths.store_file, self._take_early_check())
        store.close()
        return notice

    def _open(self, client: WherebyClient, store_file: Path) -> None:
        self._client = client
        self._store, notice = open_store_safely(store_file, self._take_early_check())
        if notice is not None:
            self.storeRecovered.emit(notice)
        self._attach(client, self._store)
        self.roomsReplaced.emit()
        self.pendingChanged.emit()

    def _attach(self, client: WherebyClient, store: RoomStore) -> None:
        from roomdesk.services.rooms import RoomService
        from roomdesk.services.sync import SyncService

        self._client = client
        self._service = RoomService(client, store, clock=self._clock)
        self._sync = SyncService(self._service)
        self._media = None

    async def verify_key(self, secret: str) -> ApiKey:
        """Check ``secret`` against the API; on success save it in the keychain and use it."""
        key = ApiKey(secret.strip())
        async with self._new_client(key, self._api_url) as probe:
            await probe.check_key()
        await self.keys.aset(key.reveal())
        await self.start_with_key(key)
        self._set_connection("Connected")
        return key

    async def remove_key(self) -> bool:
        removed = await self.keys.aclear()
        if not self.is_demo:
            await self._close_connection()
            self.note_no_key()
            self.roomsReplaced.emit()
        return removed

    async def _close_connection(self) -> None:
        import asyncio

        await self._stop_sync()
        await self._stop_demo_rooms()
        if self._client is not None:
            await self._client.aclose()
        if self._store is not None:
            self._store.close()
        if self._emulator is not None:
            # Stopping joins the server thread; keep that off the GUI thread.
            await asyncio.get_running_loop().run_in_executor(None, self._emulator.stop)
        if self._demo_lock is not None:
            self._demo_lock.unlock()
            self._demo_lock = None
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)
        self._client = self._store = self._service = self._sync = self._media = None
        self._emulator = None
        self._demo_dir = None

    async def shutdown(self) -> None:
        await self._close_connection()

    # -- rooms ----------------------------------------------------------------------------------

    # Reads and label edits go to the store itself: they work while the key is still being read.

    def list_rooms(self, *, include_past: bool = True) -> list[StoredRoom]:
        store = self._store
        return [] if store is None else store.list_rooms(include_past=include_past, now=self.now())

    def room_rows(self, *, own_connection: bool = False) -> RoomRows | None:
        """Every room as the store's column snapshot (see :meth:`RoomStore.room_rows`), or None
        while no room list is open."""
        store = self._store
        return None if store is None else store.room_rows(own_connection=own_connection)

    def rooms_with_status(
        self, status: RoomStatus, limit: int, *, now: datetime, latest_first: bool = False
    ) -> list[StoredRoom]:
        """Up to ``limit`` rooms with ``status`` at ``now``, by end date then meeting id; none
        while no room list is open (see :meth:`RoomStore.rooms_with_status`)."""
        store = self._store
        if store is None:
            return []
        return store.rooms_with_status(status, now=now, limit=limit, latest_first=latest_first)

    def planned_rooms(self, after: datetime) -> list[StoredRoom]:
        """Rooms whose planned start is at or after ``after``, the soonest first (see
        :meth:`RoomStore.rooms_with_planned_start`); none while no room list is open."""
        store = self._store
        return [] if store is None else store.rooms_with_planned_start(after)

    def reminder_ledger(self) -> StoreLedger:
        """Where the reminders shown are remembered: the room list open at the time."""
        from roomdesk.services.reminders import StoreLedger

        return StoreLedger(lambda: self._store)

    def count_rooms(self) -> int:
        """How many rooms the open store holds, past ones too (0 when none is open)."""
        return 0 if self._store is None else self._store.count_rooms(include_past=True)

    def set_label(
        self,
        meeting_id: str,
        label: str,
        notes: str | None = None,
        **plan: Any,
    ) -> StoredRoom:
        """Change a room's label, notes unless None, and, when ``plan`` gives them, its
        ``planned_start`` and ``time_zone``, in one write (see :meth:`RoomStore.set_label`)."""
        # Passed through rather than named: their default lives in the store's module, which
        # the first frame does not load.
        room = self._require_store().set_label(meeting_id, label.strip(), notes, **plan)
        assert room is not None
        self.roomUpserted.emit(room)
        return room

    async def create_room(
        self,
        request: MeetingRequest,
        label: str = "",
        *,
        planned_start: datetime | None = None,
        time_zone: str | None = None,
        invitation_template: str | None = None,
    ) -> StoredRoom:
        """Create a room, with a planned start in ``time_zone`` and the invitation template of
        the preset it is made from kept with it when given."""
        import asyncio

        service = self._require_service()
        with self._Busy(self):
            try:
                room = await service.create_room(
                    request,
                    label=label,
                    planned_start=planned_start,
                    time_zone=time_zone,
                    invitation_template=invitation_template,
                )
            except WherebyError as exc:
                self._note_outcome(exc)
                self.pendingChanged.emit()  # a lost answer leaves a create to resolve
                raise
            except (StoreError, asyncio.CancelledError):
                # A room made but not stored also leaves its create to resolve.
                self.pendingChanged.emit()
                raise
        self._note_outcome(None)
        self.roomUpserted.emit(room)
        return room

    def batch_cost(self, rooms: int) -> BatchCost:
        """What creating ``rooms`` rooms costs at the account's budget: the one Whereby stated,
        else the smallest plan's (see :func:`roomdesk.services.batch.estimate_cost`)."""
        from roomdesk.services.batch import estimate_cost

        scheduler = None if self._client is None else self._client.scheduler
        if scheduler is None or not scheduler.enabled:
            return estimate_cost(rooms)
        return estimate_cost(
            rooms,
            budget=scheduler.budget,
            budget_known=scheduler.budget_learned,
            window_seconds=scheduler.window_seconds,
        )

    def batch_run(
        self,
        plan: BatchPlan,
        template: MeetingRequest,
        progress: Progress | None = None,
        *,
        invitation_template: str | None = None,
    ) -> BatchRun:
        """A run of ``plan`` through the account's service; each room it makes is announced
        with ``roomUpserted`` as it is made, so the list shows it at once. Each room keeps
        ``invitation_template`` (a preset's own), when given."""
        from roomdesk.services.batch_run import BatchRun, RowState

        def on_progress(outcome: Any) -> None:
            if outcome.state is RowState.CREATED and outcome.room is not None:
                self._note_outcome(None)
                self.roomUpserted.emit(outcome.room)
            elif outcome.state in (RowState.UNKNOWN, RowState.UNREAD):
                self.pendingChanged.emit()  # a create to resolve, as for one room
            if progress is not None:
                progress(outcome)

        return BatchRun(
            self._require_service(),
            plan,
            template,
            progress=on_progress,
            invitation_template=invitation_template,
        )

    async def delete_rooms(self, meeting_ids: Iterable[str]) -> list[DeleteOutcome]:
        service = self._require_service()
        with self._Busy(self):
            outcomes = await service.delete_rooms(meeting_ids)
        failures = [outcome.error for outcome in outcomes if outcome.error is not None]
        self._note_outcome(failures[0] if failures else None)
        for outcome in outcomes:
            if outcome.ok and (room := service.get_room(outcome.meeting_id)) is not None:
                self.roomUpserted.emit(room)
        self.roomsDeleted.emit(outcomes)
        return outcomes

    # -- sync and interrupted creates -------------------------------------------------------------

    async def sync(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Bring the store in line with Whereby's list (see :mod:`roomdesk.services.sync`).

        Each stored page is announced with ``roomsStored``; progress with ``syncProgress``.
        """
        import asyncio

        sync = self._require_sync()

        def on_progress(step: SyncProgress) -> None:
            self.syncProgress.emit(step.describe())
            if progress is not None:
                progress(step)

        with self._Busy(self):
            self._sync_task = asyncio.current_task()
            try:
                report = await sync.sync(progress=on_progress, on_page=self.roomsStored.emit)
            except WherebyError as exc:
                self._note_outcome(exc)
                raise
            finally:
                self._sync_task = None
        self._note_outcome(None)
        # Missing marks and found creates change rooms the pages did not: announce them too.
        found = [item.meeting_id for item in report.resolved]
        stored = sync.store.get_many(found)
        rooms = [*report.missing_rooms, *(room for mid in found if (room := stored.get(mid)))]
        if rooms:
            self.roomsStored.emit(rooms)
        self.pendingChanged.emit()
        self.syncFinished.emit(report)
        return report

    @property
    def is_syncing(self) -> bool:
        return self._sync_task is not None and not self._sync_task.done()

    async def _stop_sync(self) -> None:
        """Cancel a running sync and let it finish, before its client and store go away."""
        import asyncio

        task = self._sync_task
        if task is None or task.done() or task is asyncio.current_task():
            return
        task.cancel()
        await asyncio.wait({task})

    async def _stop_demo_rooms(self) -> None:
        """Cancel the making of the demo's sample rooms, before their client and store go."""
        import asyncio

        task = self._samples_task
        if task is None or task.done() or task is asyncio.current_task():
            return
        task.cancel()
        await asyncio.wait({task})

    def pending_creates(self) -> list[PendingCreate]:
        """Creates that may not have happened (lost answers, interrupted runs), oldest first."""
        if self._sync is None:
            return []
        return self._sync.unresolved_creates()

    async def retry_pending(self, pending_id: int) -> RetryOutcome:
        """Send an interrupted create again, or adopt its room if the server has it after all."""
        import asyncio

        sync = self._require_sync()
        with self._Busy(self):
            try:
                outcome = await sync.retry_pending(pending_id)
            except WherebyError as exc:
                self._note_outcome(exc)
                self.pendingChanged.emit()
                raise
            except asyncio.CancelledError:
                self.pendingChanged.emit()
                raise
        self._note_outcome(None)
        self.roomUpserted.emit(outcome.room)
        self.pendingChanged.emit()
        return outcome

    def dismiss_pending(self, pending_id: int) -> None:
        """Stop showing an interrupted create; nothing is sent."""
        self._require_sync().dismiss_pending(pending_id)
        self.pendingChanged.emit()
