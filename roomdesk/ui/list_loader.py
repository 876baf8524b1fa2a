"""Loading the room list into the window's table: at once for a usual list, in a worker thread
for a large one, with the list's first rooms shown meanwhile and rooms stored during the load
kept for when it is shown.

The window owns one :class:`ListLoader` and follows its signals: ``loaded`` when the stored rooms
are in the table, ``stateChanged`` when a load starts or ends, ``rowsChanged`` when rooms came in.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QObject, Qt, Signal

from roomdesk.roomlist import runtime
from roomdesk.roomlist.preparation import PreparedRooms, first_rooms_by_end
from roomdesk.roomlist.texts import Column
from roomdesk.roomlist.tuning import LARGE_LIST_ROOMS
from roomdesk.store import StoredRoom
from roomdesk.ui.async_slot import async_slot
from roomdesk.ui.room_filter_proxy import RoomFilterProxyModel
from roomdesk.ui.room_table_model import RoomTableModel

if TYPE_CHECKING:
    from roomdesk.ui.session import AppSession

log = logging.getLogger("roomdesk.ui")


class LoadTuning(NamedTuple):
    """Where a list counts as large.

    ``background_rooms``: from this many rooms on, reading and preparing the list would delay
    the window, so it happens in a worker thread and the table shows the list's first
    ``first_rows`` meanwhile (progressive loading).
    ``large_list_rooms``: from this many rooms on, the loaded table is frozen out of the garbage
    collector's full passes (``gc.freeze``), which would walk every entry of its columns.

    A named tuple, built faster than a frozen dataclass: this module loads before the first frame.
    """

    background_rooms: int = 2_000
    first_rows: int = 100  # more than a screenful
    large_list_rooms: int = LARGE_LIST_ROOMS


# Selection = (the current room's meeting id, the selected rooms' meeting ids).
Selection = tuple[str | None, list[str]]


class ListLoader(QObject):
    """Reads the session's stored rooms into ``model``, and keeps rooms arriving meanwhile."""

    loaded = Signal()  # the stored rooms, read again (reload), are in the table
    stateChanged = Signal()  # a background load started or ended
    rowsChanged = Signal()  # rooms were put in the table outside a load

    def __init__(
        self,
        session: AppSession,
        model: RoomTableModel,
        proxy: RoomFilterProxyModel,
        *,
        selection: Callable[[], Selection],
        select: Callable[[str | None, list[str]], None],
        report_problem: Callable[[str], None],
        tuning: LoadTuning | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``selection`` and ``select`` read and set the table's selection by meeting id, so
        rooms picked among the first rows stay picked in the whole list; ``report_problem``
        shows a sentence in the status bar."""
        super().__init__(parent)
        self._session, self._model, self._proxy = session, model, proxy
        self._selection, self._select = selection, select
        self._report_problem = report_problem
        self.tuning = tuning or LoadTuning()
        self._may_start = False  # background loads wait for start_deferred (the first frame)
        self._deferred: int | None = None  # a background load waiting for the first frame
        # Each reload call; a background load that finds a newer one drops its result.
        self._generation = 0
        self._loading_rooms = 0  # how many rooms a background load is reading; 0 when none
        # Rooms stored while a background load ran: put in once it is shown.
        self._arrived: dict[str, StoredRoom] = {}
        self._heap_freezer = runtime.HeapFreezer(self.tuning.large_list_rooms)

    @property
    def loading_rooms(self) -> int:
        """How many rooms a background load is reading; 0 when none runs."""
        return self._loading_rooms

    def loading_text(self) -> str:
        return f"Loading {self._loading_rooms:,} rooms…"

    def reload(self) -> None:
        """Show the session's stored rooms, read again. A large list is read and prepared in a
        worker thread while the window stays usable, with the list's first rooms shown; a usual
        one at once. ``loaded`` says when the rooms are in the table."""
        self._generation += 1
        self._arrived.clear()
        self._model.setNow(self._session.now())
        count = self._session.count_rooms()
        if count >= self.tuning.background_rooms:
            self._loading_rooms = count
            self._model.setRooms(self._first_rows())
            self.stateChanged.emit()
            if self._may_start:
                self._load_in_background(self._generation)
            else:  # its thread would slow the first frame: it starts once that is drawn
                self._deferred = self._generation
            return
        self._loading_rooms = 0
        rows = self._session.room_rows()
        if rows is None:
            self._model.setRooms([])
        else:
            self._model.setRoomRows(rows)
        self.stateChanged.emit()
        self.loaded.emit()

    def start_deferred(self) -> None:
        """From now on loads may run in the background; starts one that waited for this."""
        self._may_start = True
        if self._deferred is not None:
            generation, self._deferred = self._deferred, None
            if generation == self._generation:
                self._load_in_background(generation)

    def drop_running(self) -> None:
        """A background load still running is not shown (the window closes)."""
        self._generation += 1

    @async_slot
    async def _load_in_background(self, generation: int) -> None:
        session, model = self._session, self._model

        def read_and_prepare() -> PreparedRooms | None:
            return runtime.prepare_in_worker(
                lambda: session.room_rows(own_connection=True), model.prepare
            )

        problem = ""
        try:
            import asyncio

            prepared = await asyncio.to_thread(read_and_prepare)
        except sqlite3.Error as exc:
            prepared, problem = None, str(exc)
        if generation != self._generation:
            return  # closed, or reloaded meanwhile: this list is not the one to show
        self._loading_rooms = 0
        if prepared is not None:
            # Rooms picked among the first rows stay picked in the whole list.
            current, selected = self._selection()
            self._model.setPreparedRooms(prepared)
            self._select(current, selected)
            self.freeze_large_table()
        elif problem:
            log.warning("could not read the room list: %s", problem)
            self._report_problem(f"Could not read the room list: {problem}")
        arrived = list(self._arrived.values())
        self._arrived.clear()
        if arrived:
            self._model.upsertRooms(arrived)
        self.stateChanged.emit()
        self.loaded.emit()

    def freeze_large_table(self) -> None:
        """Keep a large table's columns out of the garbage collector's full passes."""
        self._heap_freezer.after_load(self._model.rowCount())

    def _first_rows(self) -> list[StoredRoom]:
        """The rooms at the top of the list as the table will show it, read without reading the
        rest; none unless the table is sorted by end (any other order needs every room)."""
        if self._model.sortColumn() != Column.ENDS:
            return []
        now, session = self._model.now(), self._session
        try:
            return first_rooms_by_end(
                lambda status, limit, latest: session.rooms_with_status(
                    status, limit, now=now, latest_first=latest
                ),
                self.tuning.first_rows,
                show_past=self._proxy.showPast(),
                descending=self._model.sortOrder() == Qt.SortOrder.DescendingOrder,
            )
        except sqlite3.Error as exc:  # the whole list's load says what is wrong, if it still is
            log.warning("could not read the first rooms of the list: %s", exc)
            return []

    def show_first_rows_again(self) -> None:
        """While a large list loads, the first rows for the current sort and past rooms setting
        (either changes which rooms come first)."""
        if self._loading_rooms:
            self._model.setRooms(self._first_rows())
            self.stateChanged.emit()

    def _hold_while_loading(self, rooms: list[StoredRoom]) -> bool:
        """While a background load runs, keep rooms stored meanwhile for when it is shown (and
        show them among the first rows at once)."""
        if not self._loading_rooms:
            return False
        self._arrived.update((room.meeting_id, room) for room in rooms)
        if self._model.rowCount():
            self._model.setNow(self._session.now())
            self._model.upsertRooms(rooms)
            self.rowsChanged.emit()
        return True

    def room_upserted(self, room: StoredRoom) -> None:
        if self._hold_while_loading([room]):
            return
        self._model.setNow(self._session.now())
        self._model.upsertRoom(room)
        self.rowsChanged.emit()

    def rooms_stored(self, rooms: list[StoredRoom]) -> None:
        """A sync stored a page: one batch update of the model, which keeps the selection (its
        rows move through a layout change, so persistent indexes follow them)."""
        if self._hold_while_loading(rooms):
            return
        self._model.setNow(self._session.now())
        self._model.upsertRooms(rooms)
        self.freeze_large_table()
        self.rowsChanged.emit()
