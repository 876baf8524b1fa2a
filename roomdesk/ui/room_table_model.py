"""The rooms table for Qt: :class:`RoomTableModel` over a :class:`~roomdesk.roomlist.RoomTable`
(its filter is :class:`~roomdesk.ui.room_filter_proxy.RoomFilterProxyModel`).

The model is a thin layer: the table (Qt-free, see :mod:`roomdesk.roomlist`) holds the rooms, their
order and statuses, and tells of each change it makes before and after making it; the model turns
those into Qt's begin/end signals, and its roles into the table's cell values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
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
from roomdesk.roomlist.ordering import SortOrder
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
    SESSION_COL,
    STATUS_COL,
    STATUS_ICON_NAMES,
    Column,
)
from roomdesk.roomlist.tuning import DEFAULT_TUNING, RoomListTuning
from roomdesk.store.records import StoredRoom
from roomdesk.store.rows import RoomRows
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
# What the Session cell of a room without a planned start says, by role.
_NO_SESSION = {_DISPLAY: "", _ACCESSIBLE_TEXT: "No planned start"}


class RoomRole(IntEnum):
    ROOM = _USER + 1  # the StoredRoom
    MEETING_ID = _USER + 2
    END_SORT = _USER + 3  # the end as epoch seconds (float)
    STATUS = _USER + 4  # RoomStatus (a plain str after crossing QVariant: RoomStatus(value))
    STATUS_RANK = _USER + 5  # int, see STATUS_RANK
    SEARCH_TEXT = _USER + 6  # case-folded label, room name, URLs and meeting id


# Each column's item flags: the label alone is edited in place.
ITEM_FLAGS = {
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
        return ITEM_FLAGS[index.column()]

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

    def setNow(self, now: datetime) -> bool:
        """Move the model's clock to ``now`` (aware) and update the statuses that changed;
        whether any did."""
        return bool(self._table.set_now(now))

    def refreshStatuses(self) -> bool:
        """Bring every status to the model's clock; only rows that changed are signalled.
        Whether any did."""
        return bool(self._table.refresh_statuses())

    def displayZone(self) -> str:
        return self._table.zone_name

    def setDisplayZone(self, zone_name: str) -> None:
        """Show end dates in the IANA zone ``zone_name`` (RequestValidationError if unknown)."""
        if zone_name != self._table.zone_name:
            self._table.set_zone(zone_name)
            # Both headers' tooltips name the zone.
            for column in (ENDS_COL, SESSION_COL):
                self.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)

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

    # -- what the proxy reads (see room_filter_proxy.SlotRooms) --------------------------------

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
        if column == SESSION_COL and table.start(slot) is None and role < _USER:
            # Most rooms have no planned session: their cell answers every role at once.
            return _NO_SESSION.get(role)
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
            if column == SESSION_COL:
                return table.session_text(slot)
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
        if column == SESSION_COL:
            return self._session_description(slot)
        room = table.room_of_slot(slot)
        if room is None:
            return None
        if column == LABEL_COL:
            return room.notes or None
        if column == ROOM_COL:
            return room.room_url
        return "\n".join(f"{kind.label}: {url}" for kind, url in room.links.items()) or None

    def _session_description(self, slot: int) -> str | None:
        table = self._table
        text = table.session_text(slot)
        if not text:
            return None
        room = table.room_of_slot(slot)
        planned_in = room.time_zone if room is not None else None
        where = f", planned in {planned_in}" if planned_in and planned_in != table.zone_name else ""
        return f"Planned session: {text} ({table.zone_name}{where})"

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
        if column == SESSION_COL:
            return table.session_text(slot) or "No planned start"
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
            Column.SESSION: f"The planned session, in {self._table.zone_name}: from its start, "
            "kept on this computer, to the room's end",
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
