"""The rooms table for Qt: :class:`RoomTableModel` over a :class:`~roomdesk.roomlist.RoomTable`,
and :class:`RoomFilterProxyModel`, a filter built for 100,000 rooms.

The model is a thin layer: the table (Qt-free, see :mod:`roomdesk.roomlist`) holds the rooms, their
order and statuses, and tells of each change it makes before and after making it; the model turns
those into Qt's begin/end signals, and its roles into the table's cell values.

Filtering. :class:`RoomFilterProxyModel` is not a QSortFilterProxyModel, which calls a Python
``filterAcceptsRow`` per row per keystroke: it matches all rows in one pass over their search
texts, and filters incrementally (a query that narrows the previous one checks only the rows
that matched). Its rows are an indirection list of the source's slots; with no filter, an
identity mapping. It needs of its source only the methods of :class:`SlotRooms`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QGuiApplication, QPalette

from roomdesk.domain.rooms import LABEL_MAX_LENGTH
from roomdesk.domain.status import ENDS_SOON_WINDOW, ROOM_GRACE_PERIOD, STATUS_RANK, RoomStatus
from roomdesk.domain.times import span_text
from roomdesk.roomlist.changes import (
    CellsChanged,
    Change,
    Relayout,
    Reset,
    RowMoved,
    RowsInserted,
    RowsRemoved,
)
from roomdesk.roomlist.ordering import SortOrder, merged, runs_ascending
from roomdesk.roomlist.preparation import PreparedRooms
from roomdesk.roomlist.table import RoomTable
from roomdesk.roomlist.texts import (
    COLUMN_COUNT,
    ENDS_COL,
    LABEL_COL,
    LINKS_COL,
    MODE_COL,
    MODE_UNKNOWN_TIP,
    ROOM_COL,
    STATUS_COL,
    STATUS_ICON_NAMES,
    Column,
)
from roomdesk.roomlist.tuning import DEFAULT_TUNING, RoomListTuning
from roomdesk.store.db import RoomRows
from roomdesk.store.records import StoredRoom
from roomdesk.ui import icons

AnyIndex = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_EDIT = int(Qt.ItemDataRole.EditRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole)
_USER = int(Qt.ItemDataRole.UserRole)
# PySide's plain .emit() only reaches the argument-less overload of the layout signals.
_LAYOUT_SIGNATURE = "QList<QPersistentModelIndex>", "QAbstractItemModel::LayoutChangeHint"
_SORT_HINT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_NO_HINT = QAbstractItemModel.LayoutChangeHint.NoLayoutChangeHint


class RoomRole(IntEnum):
    ROOM = _USER + 1  # the StoredRoom
    MEETING_ID = _USER + 2
    END_SORT = _USER + 3  # the end as epoch seconds (float)
    STATUS = _USER + 4  # RoomStatus (a plain str after crossing QVariant: RoomStatus(value))
    STATUS_RANK = _USER + 5  # int, see STATUS_RANK
    SEARCH_TEXT = _USER + 6  # case-folded label, room name, URLs and meeting id


_FLAGS = {
    column: Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
    | (Qt.ItemFlag.ItemIsEditable if column == LABEL_COL else Qt.ItemFlag.NoItemFlags)
    for column in range(COLUMN_COUNT)
}


def _sort_order(order: Qt.SortOrder | int) -> SortOrder:
    # The same numbers on both sides; Qt.SortOrder(...) also takes the plain int a caller may pass.
    return SortOrder(Qt.SortOrder(order).value)


def _qt_sort_order(order: SortOrder) -> Qt.SortOrder:
    if order is SortOrder.DESCENDING:
        return Qt.SortOrder.DescendingOrder
    return Qt.SortOrder.AscendingOrder


@runtime_checkable
class SlotRooms(Protocol):
    """What :class:`RoomFilterProxyModel` needs of its source model: rows that map to *slots*,
    which stay with their rooms while rows move, and filtering and cells by slot."""

    def rowCount(self, parent: AnyIndex | None = None) -> int: ...
    def slotAt(self, row: int) -> int: ...
    def slotsOfRows(self, first: int, last: int) -> list[int]: ...
    def rowSlots(self) -> Sequence[int]: ...
    def slotRow(self, slot: int) -> int: ...
    def rowOfSlot(self, slot: int) -> int | None: ...
    def slotPosition(
        self, slots: Sequence[int], slot: int, *, skip: int | None = None
    ) -> int | None: ...
    def slotAccepted(self, slot: int, terms: Sequence[str], show_past: bool) -> bool: ...
    def filterSlots(self, terms: Sequence[str], show_past: bool) -> list[int] | None: ...
    def narrowSlots(self, slots: list[int] | None, terms: Sequence[str]) -> list[int] | None: ...
    def slotData(self, slot: int, column: int, role: int) -> Any: ...
    def roomOfSlot(self, slot: int) -> StoredRoom | None: ...
    def currentChange(self) -> Change | None: ...
    def tuning(self) -> RoomListTuning: ...
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY
    ) -> Any: ...
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None: ...
    def sortColumn(self) -> int: ...
    def sortOrder(self) -> Qt.SortOrder: ...


class _Signals:
    """Turns the table's changes into the model's begin/end signals (see RoomTable's listener)."""

    def __init__(self, model: RoomTableModel) -> None:
        self._model = model
        # Persistent indexes across a layout change: (index, slot, column, meeting id).
        self._held: list[tuple[QModelIndex, int, int, str]] = []

    def about_to_change(self, change: Change) -> None:
        model = self._model
        if isinstance(change, RowsInserted):
            model.beginInsertRows(QModelIndex(), change.first, change.first + change.count - 1)
        elif isinstance(change, RowsRemoved):
            model.beginRemoveRows(QModelIndex(), change.first, change.first + change.count - 1)
        elif isinstance(change, RowMoved):
            # Qt counts the destination before the move: moving down lands one row further.
            destination = change.to if change.to < change.row else change.to + 1
            model.beginMoveRows(QModelIndex(), change.row, change.row, QModelIndex(), destination)
        elif isinstance(change, Relayout):
            hint = _SORT_HINT if change.sort else _NO_HINT
            # PySide6's stubs leave out the indexing that picks a signal's overload.
            model.layoutAboutToBeChanged[_LAYOUT_SIGNATURE].emit([], hint)  # type: ignore[index]
            table = model.table()
            self._held = [
                (index, slot, index.column(), table.meeting_id(slot))
                for index in model.persistentIndexList()
                for slot in (table.slot_at(index.row()),)
            ]
        elif isinstance(change, Reset):
            model.beginResetModel()

    def changed(self, change: Change) -> None:
        model = self._model
        if isinstance(change, RowsInserted):
            model.endInsertRows()
        elif isinstance(change, RowsRemoved):
            model.endRemoveRows()
        elif isinstance(change, RowMoved):
            model.endMoveRows()
        elif isinstance(change, CellsChanged):
            model.emitCellsChanged(change)
        elif isinstance(change, Relayout):
            # The persistent indexes move with their rooms; those of removed rooms go invalid.
            table, held, self._held = model.table(), self._held, []
            moved = [
                model.index(table.slot_row(slot), column)
                if table.meeting_id(slot) == meeting_id
                else QModelIndex()
                for _, slot, column, meeting_id in held
            ]
            model.changePersistentIndexList([index for index, *_ in held], moved)
            hint = _SORT_HINT if change.sort else _NO_HINT
            model.layoutChanged[_LAYOUT_SIGNATURE].emit([], hint)  # type: ignore[index]
        elif isinstance(change, Reset):
            model.endResetModel()


class RoomTableModel(QAbstractTableModel):
    """The rooms as a table, ordered by :meth:`sort` (default: Ends ascending).

    Status is derived from the model's clock (:meth:`setNow`), never from the wall clock, so the
    caller decides when time moves (a timer calling ``setNow(service.now())``).
    """

    labelEdited = Signal(str, str)  # meeting id, new label (stripped); the caller persists it

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        zone_name: str | None = None,
        now: datetime | None = None,
        tuning: RoomListTuning = DEFAULT_TUNING,
    ) -> None:
        super().__init__(parent)
        self._table = RoomTable(
            now=now, zone_name=zone_name, tuning=tuning, listener=_Signals(self)
        )
        self._italic: QFont | None = None

    def table(self) -> RoomTable:
        """The rooms themselves; changes made to it directly are signalled too."""
        return self._table

    def tuning(self) -> RoomListTuning:
        return self._table.tuning

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._table)

    def columnCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else COLUMN_COUNT

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        return self.slotData(self._table.slot_at(index.row()), index.column(), role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < COLUMN_COUNT:
            column = Column(section)
            if role == _DISPLAY:
                return column.title
            if role == _TOOLTIP:
                return self._header_tooltip(column)
            return None
        return super().headerData(section, orientation, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _FLAGS[index.column()]

    def setData(self, index: AnyIndex, value: Any, role: int = _EDIT) -> bool:
        """Ask for a new label: emits :attr:`labelEdited`; the row changes once it is upserted."""
        if not index.isValid() or index.column() != LABEL_COL or role != _EDIT:
            return False
        label = str(value or "").strip()
        slot = self._table.slot_at(index.row())
        if len(label) > LABEL_MAX_LENGTH or label == self._table.label(slot):
            return False
        self.labelEdited.emit(self._table.meeting_id(slot), label)
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column`` (see roomdesk.roomlist.ordering); -1 keeps the order.
        QTableView often asks twice: the rows are kept in order, so the second costs nothing."""
        self._table.sort(int(column) if 0 <= column < COLUMN_COUNT else None, _sort_order(order))

    def sortColumn(self) -> int:
        column = self._table.sort_column
        return -1 if column is None else column

    def sortOrder(self) -> Qt.SortOrder:
        return _qt_sort_order(self._table.sort_order)

    # -- rooms ---------------------------------------------------------------------------------

    def setRooms(self, rooms: Iterable[StoredRoom]) -> None:
        """Replace every row (a model reset). A meeting id given twice keeps its last room."""
        self._table.set_rooms(rooms)

    def setRoomRows(self, rows: RoomRows) -> None:
        """Replace every row from the store's snapshot (a model reset).

        Far lighter than :meth:`setRooms` for many rooms: no StoredRoom is made until one is
        asked for (``RoomRole.ROOM``, some tooltips), through ``rows.loader``.
        """
        self._table.set_rooms(rows)

    def prepare(
        self, rooms: Iterable[StoredRoom] | RoomRows, *, in_worker: bool = True
    ) -> PreparedRooms:
        """The rooms prepared with this model's clock and order (see RoomTable.prepare). Touches
        no Qt object, so it is meant to run in a worker thread; hand the result to
        :meth:`setPreparedRooms`."""
        return self._table.prepare(rooms, in_worker=in_worker)

    def setPreparedRooms(self, prepared: PreparedRooms) -> None:
        """Replace every row with ``prepared`` (a model reset)."""
        self._table.adopt(prepared)

    def upsertRoom(self, room: StoredRoom) -> None:
        """Add ``room``, or replace the row with its meeting id (moving it if its place changed)."""
        self._table.upsert(room)

    def upsertRooms(self, rooms: Iterable[StoredRoom]) -> None:
        """:meth:`upsertRoom` for many rooms at once (a sync's page), with few signals."""
        self._table.upsert_many(rooms)

    def removeRooms(self, meeting_ids: Iterable[str]) -> None:
        """Remove the rows of ``meeting_ids`` (unknown ids are ignored)."""
        self._table.remove(meeting_ids)

    def roomAt(self, row: int) -> StoredRoom | None:
        return self._table.room_at(row)

    def rowOf(self, meeting_id: str) -> int | None:
        """The row showing ``meeting_id``, or None."""
        return self._table.row_of(meeting_id)

    def rooms(self) -> list[StoredRoom]:
        """Every room, in row order (rows from a snapshot are loaded: slow for many)."""
        return self._table.rooms()

    # -- clock and zone ------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._table.now

    def setNow(self, now: datetime) -> None:
        """Move the model's clock to ``now`` (aware) and update the statuses that changed."""
        self._table.set_now(now)

    def refreshStatuses(self) -> None:
        """Bring every status to the model's clock; only rows that changed are signalled."""
        self._table.refresh_statuses()

    def displayZone(self) -> str:
        return self._table.zone_name

    def setDisplayZone(self, zone_name: str) -> None:
        """Show end dates in the IANA zone ``zone_name`` (RequestValidationError if unknown)."""
        if zone_name != self._table.zone_name:
            self._table.set_zone(zone_name)
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, ENDS_COL, ENDS_COL)

    def emitCellsChanged(self, change: CellsChanged) -> None:
        """Signal ``change``: every role of every column unless it names columns and says only
        texts changed."""
        if change.texts_only:
            roles = [_DISPLAY, _TOOLTIP, _ACCESSIBLE_TEXT]
            for column in change.columns or range(COLUMN_COUNT):
                top_left, bottom_right = (
                    self.index(change.first, column),
                    self.index(change.last, column),
                )
                self.dataChanged.emit(top_left, bottom_right, roles)
            return
        # Every role of every column: a status change also changes the dimmed colour, the font
        # and the sort and filter inputs, and an empty role list makes the proxy re-filter.
        last_column = COLUMN_COUNT - 1
        self.dataChanged.emit(self.index(change.first, 0), self.index(change.last, last_column), [])

    # -- what the proxy reads (see SlotRooms) ----------------------------------------------------

    def rowSearchTexts(self) -> list[str]:
        """The search text of every row, in row order (cached until the rows change)."""
        return self._table.row_search_texts()

    def rowPastFlags(self) -> bytearray:
        """1 for each row whose room is past (expired or deleted), in row order (cached)."""
        return self._table.row_past_flags()

    def slotAt(self, row: int) -> int:
        """The storage slot of ``row``: it stays with its room while rows move (for the proxy)."""
        return self._table.slot_at(row)

    def slotsOfRows(self, first: int, last: int) -> list[int]:
        """The slots of rows ``first`` to ``last``."""
        return list(self._table.row_slots()[first : last + 1])

    def rowSlots(self) -> Sequence[int]:
        """The slot of every row, in row order (the table's own list: not to be changed)."""
        return self._table.row_slots()

    def slotRow(self, slot: int) -> int:
        """The row of ``slot``, which must be in a row."""
        return self._table.slot_row(slot)

    def rowOfSlot(self, slot: int) -> int | None:
        """The row of the room in ``slot``, or None when that room is gone."""
        return self._table.row_of_slot(slot)

    def slotAccepted(self, slot: int, terms: Sequence[str], show_past: bool) -> bool:
        """Whether the room in ``slot`` passes a filter of ``terms`` and ``show_past``."""
        return self._table.slot_accepted(slot, terms, show_past)

    def filterSlots(self, terms: Sequence[str], show_past: bool) -> list[int] | None:
        return self._table.filter_slots(terms, show_past)

    def narrowSlots(self, slots: list[int] | None, terms: Sequence[str]) -> list[int] | None:
        return self._table.narrow_slots(slots, terms)

    def slotPosition(
        self, slots: Sequence[int], slot: int, *, skip: int | None = None
    ) -> int | None:
        """Where ``slot`` goes among ``slots`` (see RoomTable.slot_position)."""
        return self._table.slot_position(slots, slot, skip=skip)

    def roomOfSlot(self, slot: int) -> StoredRoom | None:
        return self._table.room_of_slot(slot)

    def currentChange(self) -> Change | None:
        """The change being signalled (during a layout change: what it added, moved, removed)."""
        return self._table.current_change()

    # -- cells ---------------------------------------------------------------------------------

    def slotData(self, slot: int, column: int, role: int) -> Any:
        """:meth:`data` of the room in ``slot``."""
        table = self._table
        if role == _DISPLAY:
            if column == LABEL_COL:
                return table.label(slot)
            if column == ROOM_COL:
                return table.room_text(slot)
            if column == ENDS_COL:
                return table.end_texts(slot).display
            if column == STATUS_COL:
                return table.status(slot).label
            if column == MODE_COL:
                return table.mode_text(slot)
            return table.links_text(slot)
        if role == _FONT:
            return self._italic_font() if table.status(slot) is RoomStatus.DELETED else None
        if role == _FOREGROUND:
            return self._dimmed_brush() if table.is_past(slot) else None
        if role == _DECORATION:
            if column != STATUS_COL:
                return None
            return icons.icon(STATUS_ICON_NAMES[table.status(slot)])
        if role >= _USER:
            return self._custom_role(slot, role)
        if role == _TOOLTIP:
            return self._tooltip(slot, column)
        if role == _ACCESSIBLE_TEXT:
            return self._accessible_text(slot, column)
        if role == _EDIT and column == LABEL_COL:
            return table.label(slot)
        return None

    def _custom_role(self, slot: int, role: int) -> Any:
        table = self._table
        if role == RoomRole.ROOM:
            return table.room_of_slot(slot)
        if role == RoomRole.MEETING_ID:
            return table.meeting_id(slot)
        if role == RoomRole.END_SORT:
            return table.end(slot)
        if role == RoomRole.STATUS:
            return table.status(slot)
        if role == RoomRole.STATUS_RANK:
            return STATUS_RANK[table.status(slot)]
        if role == RoomRole.SEARCH_TEXT:
            return table.search_text(slot)
        return None

    def _tooltip(self, slot: int, column: int) -> str | None:
        table = self._table
        if column == ENDS_COL:
            return table.end_texts(slot).tooltip
        if column == STATUS_COL:
            return self._status_description(slot)
        if column == MODE_COL:
            return None if table.mode_text(slot) else MODE_UNKNOWN_TIP
        room = table.room_of_slot(slot)
        if room is None:
            return None
        if column == LABEL_COL:
            return room.notes or None
        if column == ROOM_COL:
            return room.room_url
        return "\n".join(f"{kind.label}: {url}" for kind, url in room.links.items()) or None

    def _status_description(self, slot: int) -> str:
        status = self._table.status(slot)
        if status is RoomStatus.ACTIVE:
            return "Active: people can join"
        if status is RoomStatus.ENDS_SOON:
            return f"Ends soon: less than {span_text(ENDS_SOON_WINDOW)} left"
        if status is RoomStatus.ENDED:
            return f"Ended: people can still join for {span_text(ROOM_GRACE_PERIOD)}"
        if status is RoomStatus.DELETED:
            room = self._table.room_of_slot(slot)
            if room is not None and room.deleted_at is not None:
                deleted = room.deleted_at.astimezone(self._table.zone)
                return f"Deleted {deleted:%Y-%m-%d %H:%M} {deleted.tzname()}"
            return "Deleted"
        if self._table.missing_on_server(slot):
            return "Expired: Whereby no longer lists this room"
        return "Expired: Whereby has removed this room"

    def _accessible_text(self, slot: int, column: int) -> str | None:
        table = self._table
        if column == LABEL_COL:
            return table.label(slot) or "No label"
        if column == ENDS_COL:
            return table.end_texts(slot).tooltip
        if column == STATUS_COL:
            return table.status(slot).label
        if column == MODE_COL:
            return table.mode_text(slot) or "Mode not known"
        if column == LINKS_COL:
            names = [kind.label for kind in table.link_kinds(slot)]
            return ", ".join(names) if names else "No links"
        return None

    def _header_tooltip(self, column: Column) -> str:
        grace = span_text(ROOM_GRACE_PERIOD)
        return {
            Column.LABEL: "Your own name for the room, kept on this computer (F2 to edit)",
            Column.ROOM: "The room's name on Whereby",
            Column.ENDS: f"When the room ends, in {self._table.zone_name}; "
            f"Whereby keeps it open for {grace} after that",
            Column.STATUS: "Active, ends soon, ended (still open for a while), expired or deleted",
            Column.MODE: "Normal, group or viewer room (blank when Whereby does not say)",
            Column.LINKS: "The links the room has: participant (room), host and viewer",
        }[column]

    @staticmethod
    def _dimmed_brush() -> QBrush:
        # Asked of the palette each time, so a switch to dark mode shows up without a reset.
        return QBrush(QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText))

    def _italic_font(self) -> QFont:
        if self._italic is None:
            # Only the italic flag is set, so the view's own font fills in everything else.
            self._italic = QFont()
            self._italic.setItalic(True)
        return self._italic


# -- the proxy ---------------------------------------------------------------------------------


class RoomFilterProxyModel(QAbstractProxyModel):
    """Filters a :class:`RoomTableModel` (or any model with the :class:`SlotRooms` methods) by
    search terms and by whether past rooms show.

    ``sort()`` is passed on to the source model (see the module notes), so this proxy keeps the
    source's order. Past rooms (expired, deleted) are shown until :meth:`setShowPast` says
    otherwise.

    Its rows are the source's storage slots in the source's row order; slots are stable handles,
    so a source insert or removal costs a binary search and one list edit, not a pass.
    """

    # Results of recent queries kept for going back (backspace) while the rows stay the same.
    MEMO_SIZE = 8

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rooms: SlotRooms | None = None
        self._filter_text = ""
        self._terms: tuple[str, ...] = ()
        self._show_past = True
        # The shown slots in row order; None while every source row is shown, and then
        # _all_count says how many (the source's count runs ahead while it inserts or removes).
        self._slots: list[int] | None = None
        self._all_count = 0
        self._memo: dict[tuple[str, ...], list[int] | None] = {}
        self._connections: list[Any] = []
        self._held: list[tuple[QPersistentModelIndex, int]] = []  # across a source layout change
        self._removing: tuple[int, int] | None = None  # proxy rows announced as being removed
        self._moving: tuple[int, int] | None = None  # proxy rows (from, to) of an announced move
        # (first, count): source rows inserted but not yet announced, while every row is shown.
        self._gap: tuple[int, int] | None = None

    # -- source --------------------------------------------------------------------------------

    def setSourceModel(self, model: QAbstractItemModel | None) -> None:
        if model is not None and not isinstance(model, SlotRooms):
            raise TypeError(
                "RoomFilterProxyModel filters rooms by slot, as RoomTableModel has them"
            )
        self.beginResetModel()
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []
        self._rooms = model
        # PySide6's stubs leave out the None (nullptr) with which Qt detaches the source.
        super().setSourceModel(model)  # type: ignore[arg-type]
        if model is not None:
            for signal, slot in (
                (model.modelAboutToBeReset, self.beginResetModel),
                (model.modelReset, self._source_reset),
                (model.layoutAboutToBeChanged, self._source_layout_about_to_change),
                (model.layoutChanged, self._source_layout_changed),
                (model.rowsAboutToBeMoved, self._source_row_about_to_move),
                (model.rowsMoved, self._source_row_moved),
                (model.rowsInserted, self._source_rows_inserted),
                (model.rowsAboutToBeRemoved, self._source_rows_about_to_be_removed),
                (model.rowsRemoved, self._source_rows_removed),
                (model.dataChanged, self._source_data_changed),
                (model.headerDataChanged, self.headerDataChanged),
            ):
                signal.connect(slot)
                self._connections.append((signal, slot))
        self._set_slots(self._filtered_slots())
        self.endResetModel()

    # -- filter --------------------------------------------------------------------------------

    def filterText(self) -> str:
        return self._filter_text

    def setFilterText(self, text: str) -> None:
        """Show rooms whose label, room name, links or meeting id contain every word of ``text``."""
        self._filter_text = text
        terms = tuple(dict.fromkeys(text.casefold().split()))
        if terms == self._terms:
            return
        old_terms, self._terms = self._terms, terms
        if terms in self._memo:
            slots = self._memo[terms]
        elif all(any(old in new for new in terms) for old in old_terms):
            # Every old term is inside a new one: the new matches are among the old ones.
            fresh = [term for term in terms if term not in old_terms]
            slots = self._narrowed(self._slots, fresh)
        else:
            slots = self._filtered_slots()
        self._remember(old_terms, self._slots)
        self._apply_slots(slots)

    def showPast(self) -> bool:
        return self._show_past

    def setShowPast(self, show: bool) -> None:
        """Whether expired and deleted rooms are shown."""
        show = bool(show)
        if show != self._show_past:
            self._show_past = show
            self._memo.clear()
            self._apply_slots(self._filtered_slots())

    def _remember(self, terms: tuple[str, ...], slots: list[int] | None) -> None:
        self._memo.pop(terms, None)
        self._memo[terms] = slots
        while len(self._memo) > self.MEMO_SIZE:
            del self._memo[next(iter(self._memo))]

    def _filtered_slots(self) -> list[int] | None:
        """The slots to show, in row order; None when that is every row."""
        if self._rooms is None:
            return []
        return self._rooms.filterSlots(self._terms, self._show_past)

    def _narrowed(self, slots: list[int] | None, terms: Sequence[str]) -> list[int] | None:
        """Those of ``slots`` (None: every row's) whose search text holds each of ``terms``."""
        assert self._rooms is not None
        return self._rooms.narrowSlots(slots, terms)

    def _patched_slots(
        self, added: Sequence[int], moved: Sequence[int], removed: frozenset[int]
    ) -> list[int] | None:
        """The shown slots after the source added, moved and removed these (a sync's page):
        the change applied to the current list, not a filter pass over every row."""
        source = self._rooms
        assert source is not None
        incoming = [
            slot
            for slot in (*moved, *added)
            if source.slotAccepted(slot, self._terms, self._show_past)
        ]
        if self._slots is None:
            if len(incoming) == len(moved) + len(added):
                return None  # still every row
            return self._filtered_slots()
        gone = set(moved) | removed
        slots = [slot for slot in self._slots if slot not in gone] if gone else self._slots
        incoming.sort(key=source.slotRow)  # their new rows: the order they take among the rest
        positions = [source.slotPosition(slots, slot) for slot in incoming]
        if None in positions:  # unsorted: the source appended them in this order
            return slots + incoming
        return merged(slots, incoming, positions)  # type: ignore[arg-type]

    def _apply_slots(self, slots: list[int] | None) -> None:
        """Show ``slots`` in one layout change; selections and current rows stay with their
        rooms while those remain shown."""
        if slots == self._slots:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [self._slot_at(index.row()) for index in persistent]
        self._set_slots(slots)
        moved = [
            self._index_of_slot(slot, index.column())
            for index, slot in zip(persistent, held, strict=True)
        ]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _set_slots(self, slots: list[int] | None) -> None:
        # A list held in the memo is never changed in place: the memo is cleared first.
        self._slots = slots
        self._all_count = self._rooms.rowCount() if slots is None and self._rooms else 0

    # -- mapping -------------------------------------------------------------------------------

    def _slot_at(self, row: int) -> int:
        """The slot shown in this proxy's ``row``."""
        if self._slots is not None:
            return self._slots[row]
        assert self._rooms is not None
        if self._gap is not None and row >= self._gap[0]:
            row += self._gap[1]
        return self._rooms.slotAt(row)

    def _row_of_slot(self, slot: int) -> int | None:
        """This proxy's row showing ``slot``, or None."""
        assert self._rooms is not None
        if self._slots is None:
            return self._rooms.rowOfSlot(slot)
        slots = self._slots
        position = self._rooms.slotPosition(slots, slot)
        if position is None:
            try:  # no sort order to search by: look (a scan in C)
                return slots.index(slot)
            except ValueError:
                return None
        # The shown slots are in sort order whenever this is asked, so a slot not at its place
        # is hidden: no scan, which for each of a page of hidden rooms cost a pass over the rows.
        return position if position < len(slots) and slots[position] == slot else None

    def _index_of_slot(self, slot: int, column: int) -> QModelIndex:
        row = self._row_of_slot(slot)
        return QModelIndex() if row is None else self.createIndex(row, column)

    def _insert_position(self, slot: int) -> int:
        """Where a newly shown ``slot`` goes among the shown slots."""
        assert self._rooms is not None and self._slots is not None
        position = self._rooms.slotPosition(self._slots, slot)
        if position is not None:
            return position
        # Unsorted: the shown slots are in the source's row order. New rooms come last there,
        # but a room changed in place (now matching the filter) can be anywhere.
        row_of = self._rooms.slotRow
        if not self._slots or row_of(self._slots[-1]) < row_of(slot):
            return len(self._slots)
        return bisect_left(self._slots, row_of(slot), key=row_of)

    def mapToSource(self, proxy_index: AnyIndex) -> QModelIndex:
        if self._rooms is None or not proxy_index.isValid():
            return QModelIndex()
        row = self._rooms.rowOfSlot(self._slot_at(proxy_index.row()))
        return QModelIndex() if row is None else self.sourceModel().index(row, proxy_index.column())

    def mapFromSource(self, source_index: AnyIndex) -> QModelIndex:
        if self._rooms is None or not source_index.isValid():
            return QModelIndex()
        if self._slots is None:
            return self.createIndex(source_index.row(), source_index.column())
        return self._index_of_slot(self._rooms.slotAt(source_index.row()), source_index.column())

    def index(self, row: int, column: int, parent: AnyIndex | None = None) -> QModelIndex:
        if (parent is not None and parent.isValid()) or not (
            0 <= row < self.rowCount() and 0 <= column < COLUMN_COUNT
        ):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child: AnyIndex | None = None) -> Any:
        if child is None:  # QObject.parent()
            return QObject.parent(self)
        return QModelIndex()

    def sibling(self, row: int, column: int, index: AnyIndex) -> QModelIndex:
        return self.index(row, column)

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        if (parent is not None and parent.isValid()) or self._rooms is None:
            return 0
        return self._all_count if self._slots is None else len(self._slots)

    def columnCount(self, parent: AnyIndex | None = None) -> int:
        if (parent is not None and parent.isValid()) or self._rooms is None:
            return 0
        return COLUMN_COUNT

    def hasChildren(self, parent: AnyIndex | None = None) -> bool:
        return (parent is None or not parent.isValid()) and self.rowCount() > 0

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        # The view's hot path: straight to the source's cell, no mapToSource() round trip.
        row = index.row()
        source = self._rooms
        if row < 0 or source is None:
            return None
        slots = self._slots
        if slots is not None:
            slot = slots[row]
        elif self._gap is None:
            slot = source.slotAt(row)
        else:
            slot = self._slot_at(row)
        return source.slotData(slot, index.column(), role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _FLAGS[index.column()] if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if self._rooms is None:
            return None
        return self._rooms.headerData(section, orientation, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._rooms is not None:
            self._rooms.sort(column, order)

    def sortColumn(self) -> int:
        """The column the rooms are sorted by (the source's)."""
        return -1 if self._rooms is None else self._rooms.sortColumn()

    def sortOrder(self) -> Qt.SortOrder:
        if self._rooms is None:
            return Qt.SortOrder.AscendingOrder
        return self._rooms.sortOrder()

    def roomAt(self, row: int) -> StoredRoom | None:
        """The room in this proxy's ``row``, or None."""
        if self._rooms is None or not 0 <= row < self.rowCount():
            return None
        return self._rooms.roomOfSlot(self._slot_at(row))

    # -- following the source ------------------------------------------------------------------
    # Each change of the source's rows drops the memo: the rooms it lists may have changed.

    def _source_reset(self) -> None:
        self._memo.clear()
        self._set_slots(self._filtered_slots())
        self.endResetModel()

    def _source_layout_about_to_change(self, *_args: object) -> None:
        self.layoutAboutToBeChanged.emit()
        self._held = [
            (QPersistentModelIndex(index), self._slot_at(index.row()))
            for index in self.persistentIndexList()
        ]

    def _source_layout_changed(self, *_args: object) -> None:
        assert self._rooms is not None
        self._memo.clear()
        change = self._rooms.currentChange()
        patch = change.patch if isinstance(change, Relayout) else None
        self._set_slots(self._filtered_slots() if patch is None else self._patched_slots(*patch))
        held, self._held = self._held, []
        # PySide6's stubs leave out QModelIndex's conversion from a QPersistentModelIndex.
        old = [QModelIndex(persistent) for persistent, _ in held]  # type: ignore[call-overload]
        new = [
            QModelIndex()
            if self._rooms.rowOfSlot(slot) is None  # the room is gone
            else self._index_of_slot(slot, persistent.column())
            for persistent, slot in held
        ]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _source_row_about_to_move(
        self, _parent: QModelIndex, start: int, end: int, _dest_parent: QModelIndex, dest: int
    ) -> None:
        assert self._rooms is not None
        self._moving = None
        if self._slots is None:  # every row shown: the proxy's rows move exactly as the source's
            self.beginMoveRows(QModelIndex(), start, end, QModelIndex(), dest)
            self._moving = (start, dest)
            return
        if start != end or self._rooms.sortColumn() < 0:
            self._source_layout_about_to_change()  # the source moves one sorted row at a time
            return
        try:
            old = self._slots.index(self._rooms.slotAt(start))
        except ValueError:
            return  # not shown: the shown rows keep their order
        # The source has given the room its new sort key: search its place among the others.
        new = self._rooms.slotPosition(self._slots, self._slots[old], skip=old)
        assert new is not None
        if new != old:
            self.beginMoveRows(
                QModelIndex(), old, old, QModelIndex(), new if new < old else new + 1
            )
            self._moving = (old, new)

    def _source_row_moved(self, _parent: QModelIndex, start: int, end: int, *_args: object) -> None:
        self._memo.clear()
        if self._slots is not None and (start != end or self._held):
            self._source_layout_changed()
            return
        moving, self._moving = self._moving, None
        if moving is None:
            return
        if self._slots is not None:
            old, new = moving
            self._slots.insert(new, self._slots.pop(old))
        self.endMoveRows()

    def _source_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        source = self._rooms
        assert source is not None
        self._memo.clear()
        count = last - first + 1
        new_slots = source.slotsOfRows(first, last)
        accepted = [
            slot for slot in new_slots if source.slotAccepted(slot, self._terms, self._show_past)
        ]
        if self._slots is None:
            if len(accepted) == count:
                # Until they are announced, the new source rows must not show through.
                self._gap = (first, count)
                self.beginInsertRows(QModelIndex(), first, last)
                self._gap = None
                self._all_count += count
                self.endInsertRows()
                return
            # Not every new row is shown: from now on the rows need a list of their own.
            fresh = set(new_slots)
            self._slots = [slot for slot in source.rowSlots() if slot not in fresh]
        if not accepted:
            return
        # Rows inserted together are neighbours in the source, so also among the shown rows.
        position = self._insert_position(accepted[0])
        self.beginInsertRows(QModelIndex(), position, position + len(accepted) - 1)
        self._slots[position:position] = accepted
        self.endInsertRows()

    def _source_rows_about_to_be_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        assert self._rooms is not None
        self._removing = None
        if self._slots is None:
            self._removing = (first, last + 1)
            self.beginRemoveRows(QModelIndex(), first, last)
            return
        going = self._rooms.slotsOfRows(first, last)
        rows = sorted(row for slot in going if (row := self._row_of_slot(slot)) is not None)
        if rows:  # neighbours in the source, so also among the shown rows
            self._removing = (rows[0], rows[0] + len(rows))
            self.beginRemoveRows(QModelIndex(), rows[0], rows[-1])

    def _source_rows_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        self._memo.clear()
        removing, self._removing = self._removing, None
        if removing is None:
            return
        if self._slots is None:
            self._all_count -= last - first + 1
        else:
            del self._slots[removing[0] : removing[1]]
        self.endRemoveRows()

    def _source_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int]
    ) -> None:
        source = self._rooms
        assert source is not None
        first, last = top_left.row(), bottom_right.row()
        left, right = top_left.column(), bottom_right.column()
        if roles:  # named roles are display roles: which rows are shown stays the same
            top, bottom = self._shown_range(first, last)
            if top <= bottom:
                self.dataChanged.emit(self.index(top, left), self.index(bottom, right), roles)
            return
        self._memo.clear()
        # The filter's inputs may have changed: show and hide rows, then signal the shown ones.
        rows: list[int] = []
        for slot in source.slotsOfRows(first, last):
            accepted = source.slotAccepted(slot, self._terms, self._show_past)
            row = self._row_of_slot(slot)
            if accepted and row is None:
                row = self._show_slot(slot)
            elif row is not None and not accepted:
                self._hide_row(row)
                row = None
            if row is not None:
                rows.append(row)
        for top, bottom in runs_ascending(sorted(rows)):
            self.dataChanged.emit(self.index(top, left), self.index(bottom, right), roles)

    def _shown_range(self, first: int, last: int) -> tuple[int, int]:
        """The proxy rows covering the source rows ``first``…``last`` (empty when top > bottom)."""
        if self._slots is None:
            return first, last
        assert self._rooms is not None
        if last - first >= self._rooms.tuning().row_signal_limit:
            return 0, len(self._slots) - 1  # a wide range: all shown rows, cheaper than looking
        going = self._rooms.slotsOfRows(first, last)
        rows = [row for slot in going if (row := self._row_of_slot(slot)) is not None]
        return (min(rows), max(rows)) if rows else (0, -1)

    def _show_slot(self, slot: int) -> int:
        assert self._slots is not None  # with no list every row is shown already
        position = self._insert_position(slot)
        self.beginInsertRows(QModelIndex(), position, position)
        self._slots.insert(position, slot)
        self.endInsertRows()
        return position

    def _hide_row(self, row: int) -> None:
        if self._slots is None:
            assert self._rooms is not None
            self._slots = list(self._rooms.rowSlots())
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._slots[row]
        self.endRemoveRows()
