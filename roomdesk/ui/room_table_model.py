"""The rooms table: a flat model of :class:`StoredRoom` values and a filtering proxy.

Built for 100,000 rooms. Each row's status, search text and sortable end are worked out once, when
the room arrives (or the clock moves), and the end date's text is formatted only when a row is
first shown, then cached per end date. ``data()`` itself does no time zone conversions.

Sorting happens in :class:`RoomTableModel` (Python's ``list.sort`` with a key), not in the proxy:
Qt's sort calls a Python ``lessThan`` about n·log n times, which takes seconds for 100,000 rows. The
source keeps its rows in sort order (new rooms are inserted in place, moved when they change), and
:class:`RoomFilterProxyModel` passes ``sort()`` on to it and keeps the source's order while it
filters.

Sort orders (ascending; descending reverses them, except where noted):

* Ends: live rooms (active or ending soon) first, then ended, expired and deleted ones; by end date
  within each group. Descending keeps that grouping and reverses only the dates, so the live rooms
  stay on top. This is the default order: "active rooms by end date", soonest first.
* Status: by status rank (active, ends soon, ended, expired, deleted), then end date.
* Label, room, mode and links: case-insensitive text (rooms without a label last).

Ties are broken by meeting id, so the order never depends on arrival order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QGuiApplication, QPalette

from roomdesk.api.models import ROOM_GRACE_PERIOD, RoomMode, TemplateType, get_zone
from roomdesk.store.records import (
    ENDS_SOON_WINDOW,
    RoomStatus,
    StoredRoom,
    require_aware,
)
from roomdesk.timezones import system_zone_name
from roomdesk.ui import icons

LABEL_MAX_LENGTH = 200

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


class Column(IntEnum):
    LABEL = 0
    ROOM = 1
    ENDS = 2
    STATUS = 3
    MODE = 4
    LINKS = 5

    @property
    def title(self) -> str:
        return _COLUMN_TITLES[self]


_COLUMN_TITLES = {
    Column.LABEL: "Label",
    Column.ROOM: "Room",
    Column.ENDS: "Ends",
    Column.STATUS: "Status",
    Column.MODE: "Mode",
    Column.LINKS: "Links",
}


class RoomRole(IntEnum):
    ROOM = _USER + 1  # the StoredRoom
    MEETING_ID = _USER + 2
    END_SORT = _USER + 3  # the end as epoch seconds (float)
    STATUS = _USER + 4  # RoomStatus (a plain str after crossing QVariant: RoomStatus(value))
    STATUS_RANK = _USER + 5  # int, see STATUS_RANK
    SEARCH_TEXT = _USER + 6  # case-folded label, room name, URLs and meeting id


STATUS_RANK = {
    RoomStatus.ACTIVE: 0,
    RoomStatus.ENDS_SOON: 1,
    RoomStatus.ENDED: 2,
    RoomStatus.EXPIRED: 3,
    RoomStatus.DELETED: 4,
}
# The primary key of the Ends order: rooms people can join now come first, soonest end on top.
_END_GROUP = {
    RoomStatus.ACTIVE: 0,
    RoomStatus.ENDS_SOON: 0,
    RoomStatus.ENDED: 1,
    RoomStatus.EXPIRED: 2,
    RoomStatus.DELETED: 3,
}
PAST_STATUSES = frozenset({RoomStatus.EXPIRED, RoomStatus.DELETED})
STATUS_ICON_NAMES = {status: f"status-{status.value}" for status in RoomStatus}


def _duration_text(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    if minutes % 60 == 0:
        hours = minutes // 60
        return "an hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


class EndTexts(NamedTuple):
    display: str  # "2026-12-01 15:30 CET"
    tooltip: str  # "Ends 2026-12-01 15:30 CET (14:30 UTC); usable until 16:30 CET"


def _is_utc(moment: datetime) -> bool:
    return moment.utcoffset() == timedelta(0) and moment.tzname() == "UTC"


def format_end(end: datetime, zone: ZoneInfo) -> EndTexts:
    """How the Ends column shows ``end`` (aware) in ``zone``."""
    local = end.astimezone(zone)
    display = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    until = (end + ROOM_GRACE_PERIOD).astimezone(zone)
    until_format = "%H:%M" if until.date() == local.date() else "%Y-%m-%d %H:%M"
    usable = f"usable until {until:{until_format}} {until.tzname()}"
    if _is_utc(local):
        return EndTexts(display, f"Ends {display}; {usable}")
    utc = end.astimezone(UTC)
    utc_format = "%H:%M" if utc.date() == local.date() else "%Y-%m-%d %H:%M"
    return EndTexts(display, f"Ends {display} ({utc:{utc_format}} UTC); {usable}")


def _name_from_url(url: str) -> str:
    """A room's name when the server did not send one: the last part of its address."""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1] or url


def mode_text(room: StoredRoom) -> str:
    """ "Normal", "Group", "Viewer" or "" when not known (imported rooms)."""
    if room.options and room.options.get("templateType") == TemplateType.VIEWER_MODE.value:
        return "Viewer"
    if room.room_mode is None:
        return ""
    if room.room_mode == RoomMode.NORMAL.value:
        return "Normal"
    if room.room_mode == RoomMode.GROUP.value:
        return "Group"
    return room.room_mode.capitalize()


def links_text(room: StoredRoom) -> str:
    """ "room · host · viewer", for the links the room has."""
    return " · ".join(kind.value for kind in room.links)


class _Row:
    """One room plus what the model derives from it, computed once per room (or clock tick)."""

    __slots__ = ("end_sort", "room", "room_text", "search_text", "status")

    def __init__(self, room: StoredRoom, now: datetime) -> None:
        self.room = room
        self.status = room.status(now)
        self.end_sort = room.end_date.timestamp()
        self.room_text = room.room_name or _name_from_url(room.room_url)
        self.search_text = "\n".join(
            (
                room.label,
                self.room_text,
                room.room_url,
                room.host_room_url or "",
                room.viewer_room_url or "",
                room.meeting_id,
            )
        ).casefold()


SortKey = Callable[[_Row], tuple]


def _sort_spec(column: Column, order: Qt.SortOrder) -> tuple[SortKey, bool]:
    """The key function for ordering rows by ``column``, and whether to reverse it."""
    descending = order == Qt.SortOrder.DescendingOrder
    if column == Column.ENDS:
        sign = -1.0 if descending else 1.0
        return (
            lambda row: (_END_GROUP[row.status], sign * row.end_sort, row.room.meeting_id),
            False,
        )
    if column == Column.STATUS:
        return (
            lambda row: (STATUS_RANK[row.status], row.end_sort, row.room.meeting_id),
            descending,
        )
    if column == Column.LABEL:
        return (
            lambda row: (not row.room.label, row.room.label.casefold(), row.room.meeting_id),
            descending,
        )
    if column == Column.ROOM:
        return lambda row: (row.room_text.casefold(), row.room.meeting_id), descending
    if column == Column.MODE:
        return lambda row: (mode_text(row.room).casefold(), row.room.meeting_id), descending
    return lambda row: (links_text(row.room), row.room.meeting_id), descending


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
    ) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._row_of: dict[str, int] = {}
        # Rows from here on may have moved since _row_of was written; rebuilt on next lookup.
        self._index_stale_from: int | None = None
        self._now = datetime.now(UTC) if now is None else require_aware(now, "now")
        self._zone_name = zone_name or system_zone_name()
        self._zone = get_zone(self._zone_name)
        self._end_texts: dict[float, EndTexts] = {}
        self._sort_column: Column | None = Column.ENDS
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._italic: QFont | None = None

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(Column)

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return self._display_text(row, column)
        if role >= _USER:
            return self._custom_role(row, role)
        if role == _DECORATION:
            return icons.icon(STATUS_ICON_NAMES[row.status]) if column == Column.STATUS else None
        if role == _FOREGROUND:
            return self._dimmed_brush() if row.status in PAST_STATUSES else None
        if role == _FONT:
            return self._italic_font() if row.status is RoomStatus.DELETED else None
        if role == _TOOLTIP:
            return self._tooltip(row, column)
        if role == _ACCESSIBLE_TEXT:
            return self._accessible_text(row, column)
        if role == _EDIT and column == Column.LABEL:
            return row.room.label
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
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
        flags = (
            Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )
        if index.column() == Column.LABEL:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: AnyIndex, value: Any, role: int = _EDIT) -> bool:
        """Ask for a new label: emits :attr:`labelEdited`; the row changes once it is upserted."""
        if not index.isValid() or index.column() != Column.LABEL or role != _EDIT:
            return False
        label = str(value or "").strip()
        room = self._rows[index.row()].room
        if len(label) > LABEL_MAX_LENGTH or label == room.label:
            return False
        self.labelEdited.emit(room.meeting_id, label)
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column`` (see the module notes); -1 keeps the current order."""
        self._sort_column = Column(column) if 0 <= column < len(Column) else None
        self._sort_order = Qt.SortOrder(order)
        self._reorder()

    # -- rooms ---------------------------------------------------------------------------------

    def setRooms(self, rooms: Iterable[StoredRoom]) -> None:
        """Replace every row (a model reset). A meeting id given twice keeps its last room."""
        now = self._now
        rows = [_Row(room, now) for room in {room.meeting_id: room for room in rooms}.values()]
        if self._sort_column is not None:
            key, reverse = _sort_spec(self._sort_column, self._sort_order)
            rows.sort(key=key, reverse=reverse)
        self.beginResetModel()
        self._end_texts.clear()  # only the ends shown get formatted again: keeps the cache small
        self._rows = rows
        self._row_of = {row.room.meeting_id: position for position, row in enumerate(rows)}
        self._index_stale_from = None
        self.endResetModel()

    def upsertRoom(self, room: StoredRoom) -> None:
        """Add ``room``, or replace the row with its meeting id (moving it if its place changed)."""
        new_row = _Row(room, self._now)
        existing = self.rowOf(room.meeting_id)
        if existing is None:
            position = self._insert_position(new_row)
            self.beginInsertRows(QModelIndex(), position, position)
            self._rows.insert(position, new_row)
            self._row_of[room.meeting_id] = position
            self._mark_index_stale(position + 1)
            self.endInsertRows()
            return
        target = self._insert_position(new_row, skip=existing)
        if target != existing:
            # Qt counts the destination before the move: moving down lands one row further.
            destination = target if target < existing else target + 1
            self.beginMoveRows(QModelIndex(), existing, existing, QModelIndex(), destination)
            self._rows.insert(target, self._rows.pop(existing))
            self._mark_index_stale(min(existing, target))
            self.endMoveRows()
        self._rows[target] = new_row
        self._emit_rows_changed(target, target)

    def removeRooms(self, meeting_ids: Iterable[str]) -> None:
        """Remove the rows of ``meeting_ids`` (unknown ids are ignored), one signal per run."""
        rows = sorted(
            {row for meeting_id in meeting_ids if (row := self.rowOf(meeting_id)) is not None},
            reverse=True,
        )
        # Bottom run first, so the row numbers of the runs still to go stay right.
        for first, last in _runs_descending(rows):
            self.beginRemoveRows(QModelIndex(), first, last)
            for row in self._rows[first : last + 1]:
                del self._row_of[row.room.meeting_id]
            del self._rows[first : last + 1]
            self._mark_index_stale(first)
            self.endRemoveRows()

    def roomAt(self, row: int) -> StoredRoom | None:
        return self._rows[row].room if 0 <= row < len(self._rows) else None

    def rowOf(self, meeting_id: str) -> int | None:
        """The row showing ``meeting_id``, or None."""
        if self._index_stale_from is not None:
            for position in range(self._index_stale_from, len(self._rows)):
                self._row_of[self._rows[position].room.meeting_id] = position
            self._index_stale_from = None
        return self._row_of.get(meeting_id)

    def rooms(self) -> list[StoredRoom]:
        """Every room, in row order."""
        return [row.room for row in self._rows]

    def sortColumn(self) -> int:
        return -1 if self._sort_column is None else int(self._sort_column)

    def sortOrder(self) -> Qt.SortOrder:
        return self._sort_order

    # -- clock and zone ------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._now

    def setNow(self, now: datetime) -> None:
        """Move the model's clock to ``now`` (aware) and update the statuses that changed."""
        self._now = require_aware(now, "now")
        self.refreshStatuses()

    def refreshStatuses(self) -> None:
        """Recompute every status at the model's clock; only rows that changed are signalled."""
        now = self._now
        changed: list[int] = []
        for position, row in enumerate(self._rows):
            status = row.room.status(now)
            if status is not row.status:
                row.status = status
                changed.append(position)
        if not changed:
            return
        for first, last in _runs_ascending(changed):
            self._emit_rows_changed(first, last)
        if self._sort_column in (Column.ENDS, Column.STATUS):
            self._reorder()

    def displayZone(self) -> str:
        return self._zone_name

    def setDisplayZone(self, zone_name: str) -> None:
        """Show end dates in the IANA zone ``zone_name`` (RequestValidationError if unknown)."""
        zone = get_zone(zone_name)
        if zone_name == self._zone_name:
            return
        self._zone_name, self._zone = zone_name, zone
        self._end_texts.clear()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, Column.ENDS),
                self.index(len(self._rows) - 1, Column.ENDS),
                [_DISPLAY, _TOOLTIP, _ACCESSIBLE_TEXT],
            )
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, Column.ENDS, Column.ENDS)

    # -- internals -----------------------------------------------------------------------------

    def _end_texts_of(self, row: _Row) -> EndTexts:
        texts = self._end_texts.get(row.end_sort)
        if texts is None:
            texts = format_end(row.room.end_date, self._zone)
            self._end_texts[row.end_sort] = texts
        return texts

    def _display_text(self, row: _Row, column: int) -> str:
        if column == Column.LABEL:
            return row.room.label
        if column == Column.ROOM:
            return row.room_text
        if column == Column.ENDS:
            return self._end_texts_of(row).display
        if column == Column.STATUS:
            return row.status.label
        if column == Column.MODE:
            return mode_text(row.room)
        return links_text(row.room)

    def _custom_role(self, row: _Row, role: int) -> Any:
        if role == RoomRole.ROOM:
            return row.room
        if role == RoomRole.MEETING_ID:
            return row.room.meeting_id
        if role == RoomRole.END_SORT:
            return row.end_sort
        if role == RoomRole.STATUS:
            return row.status
        if role == RoomRole.STATUS_RANK:
            return STATUS_RANK[row.status]
        if role == RoomRole.SEARCH_TEXT:
            return row.search_text
        return None

    def _tooltip(self, row: _Row, column: int) -> str | None:
        room = row.room
        if column == Column.LABEL:
            return room.notes or None
        if column == Column.ROOM:
            return room.room_url
        if column == Column.ENDS:
            return self._end_texts_of(row).tooltip
        if column == Column.STATUS:
            return self._status_description(row)
        if column == Column.MODE:
            return None if room.room_mode else "Not known: Whereby does not say for imported rooms"
        return "\n".join(f"{kind.label}: {url}" for kind, url in room.links.items()) or None

    def _status_description(self, row: _Row) -> str:
        room, status = row.room, row.status
        if status is RoomStatus.ACTIVE:
            return "Active: people can join"
        if status is RoomStatus.ENDS_SOON:
            return f"Ends soon: less than {_duration_text(ENDS_SOON_WINDOW)} left"
        if status is RoomStatus.ENDED:
            return f"Ended: people can still join for {_duration_text(ROOM_GRACE_PERIOD)}"
        if status is RoomStatus.DELETED and room.deleted_at is not None:
            deleted = room.deleted_at.astimezone(self._zone)
            return f"Deleted {deleted:%Y-%m-%d %H:%M} {deleted.tzname()}"
        if room.server_missing_at is not None:
            return "Expired: Whereby no longer lists this room"
        return "Expired: Whereby has removed this room"

    def _accessible_text(self, row: _Row, column: int) -> str | None:
        if column == Column.LABEL:
            return row.room.label or "No label"
        if column == Column.ENDS:
            return self._end_texts_of(row).tooltip
        if column == Column.STATUS:
            return row.status.label
        if column == Column.MODE:
            return mode_text(row.room) or "Mode not known"
        if column == Column.LINKS:
            names = [kind.label for kind in row.room.links]
            return ", ".join(names) if names else "No links"
        return None

    def _header_tooltip(self, column: Column) -> str:
        grace = _duration_text(ROOM_GRACE_PERIOD)
        return {
            Column.LABEL: "Your own name for the room, kept on this computer (F2 to edit)",
            Column.ROOM: "The room's name on Whereby",
            Column.ENDS: f"When the room ends, in {self._zone_name}; "
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

    def _emit_rows_changed(self, first: int, last: int) -> None:
        # Every role of every column: a status change also changes the dimmed colour, the font
        # and the sort and filter inputs, and an empty role list makes the proxy re-filter.
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1), [])

    def _mark_index_stale(self, first_row: int) -> None:
        if first_row < len(self._rows) and (
            self._index_stale_from is None or first_row < self._index_stale_from
        ):
            self._index_stale_from = first_row

    def _insert_position(self, new_row: _Row, *, skip: int | None = None) -> int:
        """Where ``new_row`` belongs in sort order, counting rows as if ``skip`` were absent."""
        rows = self._rows
        count = len(rows) - (skip is not None)
        if self._sort_column is None:
            return count if skip is None else skip
        key, reverse = _sort_spec(self._sort_column, self._sort_order)
        new_key = key(new_row)
        low, high = 0, count
        while low < high:
            middle = (low + high) // 2
            actual = middle + 1 if skip is not None and middle >= skip else middle
            other = key(rows[actual])
            if (other < new_key) if reverse else (new_key < other):
                high = middle
            else:
                low = middle + 1
        return low

    def _reorder(self) -> None:
        """Put the rows in sort order with one layout change, keeping persistent indexes."""
        if self._sort_column is None or len(self._rows) < 2:
            return
        key, reverse = _sort_spec(self._sort_column, self._sort_order)
        ordered = sorted(self._rows, key=key, reverse=reverse)
        if all(new is old for new, old in zip(ordered, self._rows, strict=True)):
            return
        hint = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
        self.layoutAboutToBeChanged[_LAYOUT_SIGNATURE].emit([], hint)
        old_rows = self._rows
        self._rows = ordered
        self._row_of = {row.room.meeting_id: position for position, row in enumerate(ordered)}
        self._index_stale_from = None
        persistent = self.persistentIndexList()
        moved = [
            self.index(self._row_of[old_rows[index.row()].room.meeting_id], index.column())
            for index in persistent
        ]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged[_LAYOUT_SIGNATURE].emit([], hint)


def _runs_ascending(rows: list[int]) -> Iterable[tuple[int, int]]:
    """Contiguous (first, last) runs of the sorted row numbers ``rows``."""
    first = previous = rows[0]
    for row in rows[1:]:
        if row != previous + 1:
            yield first, previous
            first = row
        previous = row
    yield first, previous


def _runs_descending(rows: list[int]) -> Iterable[tuple[int, int]]:
    """Contiguous (first, last) runs of the reverse-sorted row numbers ``rows``, bottom first."""
    if not rows:
        return
    last = previous = rows[0]
    for row in rows[1:]:
        if row != previous - 1:
            yield previous, last
            last = row
        previous = row
    yield previous, last


class RoomFilterProxyModel(QSortFilterProxyModel):
    """Filters a :class:`RoomTableModel` by search terms and by whether past rooms show.

    ``sort()`` is passed on to the source model (see the module notes), so this proxy keeps the
    source's order and its sort role plays no part. Past rooms (expired, deleted) are shown until
    :meth:`setShowPast` says otherwise.
    """

    # Above this many rooms a filter change rebuilds the mapping in one layout change: Qt's
    # incremental update signals every run of hidden or shown rows, which for scattered changes
    # among 100,000 rows takes several times longer.
    INCREMENTAL_FILTER_LIMIT = 20_000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rooms: RoomTableModel | None = None
        self._filter_text = ""
        self._terms: tuple[str, ...] = ()
        self._show_past = True
        self.setDynamicSortFilter(True)

    def setSourceModel(self, model: QAbstractItemModel | None) -> None:
        if model is not None and not isinstance(model, RoomTableModel):
            raise TypeError("RoomFilterProxyModel filters a RoomTableModel")
        self._rooms = model
        super().setSourceModel(model)

    def filterText(self) -> str:
        return self._filter_text

    def setFilterText(self, text: str) -> None:
        """Show rooms whose label, room name, links or meeting id contain every word of ``text``."""
        self._filter_text = text
        terms = tuple(text.casefold().split())
        if terms != self._terms:
            self._change_filter(lambda: setattr(self, "_terms", terms))

    def showPast(self) -> bool:
        return self._show_past

    def setShowPast(self, show: bool) -> None:
        """Whether expired and deleted rooms are shown."""
        show = bool(show)
        if show != self._show_past:
            self._change_filter(lambda: setattr(self, "_show_past", show))

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        # Reads the source's rows directly: going through index().data() for 100,000 rows per
        # keystroke would cost several times more.
        row = self._rooms._rows[source_row]  # type: ignore[union-attr]
        if not self._show_past and row.status in PAST_STATUSES:
            return False
        text = row.search_text
        return all(term in text for term in self._terms)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._rooms is not None:
            self._rooms.sort(column, order)

    def sortColumn(self) -> int:
        """The column the rooms are sorted by (the source's; Qt's own stays -1)."""
        return -1 if self._rooms is None else self._rooms.sortColumn()

    def sortOrder(self) -> Qt.SortOrder:
        if self._rooms is None:
            return Qt.SortOrder.AscendingOrder
        return self._rooms.sortOrder()

    def roomAt(self, row: int) -> StoredRoom | None:
        """The room in this proxy's ``row``, or None."""
        if self._rooms is None or not 0 <= row < self.rowCount():
            return None
        return self._rooms.roomAt(self.mapToSource(self.index(row, 0)).row())

    def _change_filter(self, apply: Callable[[], None]) -> None:
        if self._rooms is not None and self._rooms.rowCount() > self.INCREMENTAL_FILTER_LIMIT:
            apply()
            self.invalidate()
        elif hasattr(self, "beginFilterChange"):  # Qt 6.10+
            self.beginFilterChange()
            apply()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            apply()
            self.invalidateFilter()
