"""The filter over the rooms table: :class:`RoomFilterProxyModel`, built for 100,000 rooms.

It is not a QSortFilterProxyModel, which calls a Python ``filterAcceptsRow`` per row per
keystroke: it matches all rows in one pass over their search texts, and filters incrementally (a
query that narrows the previous one checks only the rows that matched). Its rows are an
indirection list of the source's slots; with no filter, an identity mapping. It needs of its
source only the methods of :class:`SlotRooms`, which
:class:`~roomdesk.ui.room_table_model.RoomTableModel` has.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from roomdesk.roomlist.changes import Change, Relayout
from roomdesk.roomlist.ordering import merged, runs_ascending
from roomdesk.roomlist.texts import COLUMN_COUNT
from roomdesk.roomlist.tuning import RoomListTuning
from roomdesk.store.records import StoredRoom
from roomdesk.ui.room_table_model import ITEM_FLAGS

AnyIndex = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)


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
        return ITEM_FLAGS[index.column()] if index.isValid() else Qt.ItemFlag.NoItemFlags

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
