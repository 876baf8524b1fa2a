"""The rooms table: a column-oriented model of rooms and a filtering proxy, built for 100,000 rooms.

Storage. Each room has a *slot*: an index into parallel columns (label, end, state, status,
mode, links, search text, where the room's name stands in that search text and, when the caller
gave one, the :class:`StoredRoom`). Slots never move; ``_order`` maps rows to slots, so sorting
rewrites one list of ints. Nothing else is made per room: a table of rooms costs their search
texts, and a few list and array entries each (ends and the end and status sorts' keys are
machine floats, statuses and modes a byte). A room's meeting id is the last line of its search
text (kept apart only where it is not there as it is), and a room is found by it through an
array of slots sorted by meeting id, not a dict. A search text is kept without the origin of
its first link ("https://acme.whereby.com"), which an account's rooms share: the table keeps
that once. A large list's kept strings are made again together once its load is done (see
:func:`pack_kept_strings`).

Loading. :func:`prepare_rooms` turns rooms (StoredRoom values, or the store's column snapshot
:class:`~roomdesk.store.db.RoomRows`) into those columns, sorted, without touching Qt, so it may run
in a worker thread; :meth:`RoomTableModel.setPreparedRooms` then swaps them in with one reset.
:meth:`RoomTableModel.setRooms` and :meth:`RoomTableModel.setRoomRows` do both on the spot. Rows
loaded from a snapshot get their StoredRoom from the snapshot's loader when first asked for it.

Status is derived from the model's clock (:meth:`RoomTableModel.setNow`); an index of rooms by end
date finds the few rooms whose status a clock step can change, so a tick costs nothing per room.

Sorting happens in :class:`RoomTableModel` (``list.sort`` on one precomputed key per room, with ties
broken by meeting id through a stable sort over rooms in meeting id order). The source keeps its
rows in sort order: new rooms are inserted in place and moved when they change. Orders (ascending;
descending reverses them, except where noted):

* Ends: live rooms (active or ending soon) first, then ended, expired and deleted ones; by end date
  within each group. Descending keeps that grouping and reverses only the dates, so the live rooms
  stay on top. This is the default order: "active rooms by end date", soonest first.
* Status: by status rank (active, ends soon, ended, expired, deleted), then end date.
* Label, room, mode and links: case-insensitive text (rooms without a label last).

Ties are broken by meeting id, so the order never depends on arrival order.

Filtering. :class:`RoomFilterProxyModel` is not a QSortFilterProxyModel: that one asks a Python
``filterAcceptsRow`` once per row (about 0.1 s per keystroke at 100,000 rooms). This proxy works
out the accepted rows in one pass over the rows' search texts, and when a query only narrows the
previous one (typing on), it checks just the rows that matched before. Its rows map to the source's
through a sorted array of source rows; no filter at all maps them one to one with no array.
"""

from __future__ import annotations

import dataclasses
import gc
import heapq
import json
import operator
import queue
import sys
import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from itertools import compress, filterfalse, groupby, islice, repeat
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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

from roomdesk.api.models import ROOM_GRACE_PERIOD, RoomMode, TemplateType, get_zone
from roomdesk.heap import give_back_free_memory
from roomdesk.store.db import ROW_DELETED, ROW_MISSING, RoomRows
from roomdesk.store.records import (
    ENDS_SOON_WINDOW,
    LinkKind,
    RoomStatus,
    StoredRoom,
    require_aware,
    status_at,
)
from roomdesk.timezones import system_zone_name
from roomdesk.ui import icons

LABEL_MAX_LENGTH = 200

AnyIndex = QModelIndex | QPersistentModelIndex
RoomLoader = Callable[[str], StoredRoom | None]

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
# Plain ints for the hot paths: comparing an int with an IntEnum member costs more.
_LABEL, _ROOM, _ENDS, _STATUS, _MODE, _LINKS = range(6)
_COLUMN_COUNT = len(Column)


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

# Group and rank keys are spaced this far apart, beyond any epoch-seconds end date.
_KEY_GROUP_SPAN = 1e12
_ENDS_SOON_SECONDS = ENDS_SOON_WINDOW.total_seconds()
_GRACE_SECONDS = ROOM_GRACE_PERIOD.total_seconds()
# The links a room has, as bits: which LinkKind values are present.
_LINK_BITS = {LinkKind.ROOM: 1, LinkKind.HOST: 2, LinkKind.VIEWER: 4}
_LINK_KINDS_OF = {
    bits: tuple(kind for kind, bit in _LINK_BITS.items() if bits & bit) for bits in range(8)
}
_LINKS_TEXT = {
    bits: " · ".join(kind.value for kind in kinds) for bits, kinds in _LINK_KINDS_OF.items()
}
_MODE_UNKNOWN_TIP = "Not known: Whereby does not say for imported rooms"
# Above this many rows changing in one step, one layout change is cheaper than row signals.
_ROW_SIGNAL_LIMIT = 16


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


def _mode_text_of(room_mode: str | None, template_type: str | None) -> str:
    if template_type == TemplateType.VIEWER_MODE.value:
        return "Viewer"
    if room_mode is None:
        return ""
    if room_mode == RoomMode.NORMAL.value:
        return "Normal"
    if room_mode == RoomMode.GROUP.value:
        return "Group"
    return room_mode.capitalize()


def mode_text(room: StoredRoom) -> str:
    """ "Normal", "Group", "Viewer" or "" when not known (imported rooms)."""
    template = room.options.get("templateType") if room.options else None
    return _mode_text_of(room.room_mode, template)


def links_text(room: StoredRoom) -> str:
    """ "room · host · viewer", for the links the room has."""
    return " · ".join(kind.value for kind in room.links)


def search_text(
    label: str,
    room_text: str,
    room_url: str,
    host_room_url: str | None,
    viewer_room_url: str | None,
    meeting_id: str,
) -> str:
    """What the filter searches: the case-folded links, label, room name and meeting id, one
    per line, starting with the room's first link, whose origin (scheme and host,
    "https://acme.whereby.com") an account's rooms share and the table keeps once (see
    split_origin and _Columns.slots_with).

    A part contained in another part is left out (the room name is part of its link, the room
    link part of the host link): filter terms never hold the newline between parts, so they
    match exactly the same rooms, and the text is about half as long.
    """
    host = host_room_url
    if host and not viewer_room_url and room_url and room_url in host and room_text in room_url:
        # The usual room: its host link holds the room link, which holds its name.
        text = f"{host}\n{label}\n{meeting_id}" if label else f"{host}\n{meeting_id}"
    else:
        parts = [url for url in (host_room_url, viewer_room_url) if url]
        if room_url and not any(room_url in url for url in parts):
            parts.append(room_url)
        links = len(parts)
        if label:
            parts.append(label)
        if room_text and not any(room_text in url for url in parts[:links]):
            parts.append(room_text)
        parts.append(meeting_id)
        text = "\n".join(parts)
    return text.casefold()


_SCHEMES = ("https://", "http://")


def split_origin(text: str) -> tuple[str, str]:
    """A search text as (origin, rest): ("https://host", the rest) for a text that starts with
    a link with a path, else ("", text). The rest starts with the path's "/", so a room name is
    found in it whole."""
    if text.startswith(_SCHEMES):
        slash = text.find("/", 8 if text[4] == "s" else 7)
        line_end = text.find("\n")
        if slash > 0 and (line_end < 0 or slash < line_end):
            return text[:slash], text[slash:]
    return "", text


def _keep_search_texts(columns: _Columns, texts: Iterator[str]) -> None:
    """Fill ``columns``' empty search columns from whole search texts, each kept without its
    origin (see search_text). The origin most rooms share (that of the first ones) is cut in C
    passes, _SORT_STEP texts at a time (short holds of the GIL, and the whole texts freed as it
    goes); other texts pay for a call of their own."""
    origin = prefix = ""
    cut, numbers = slice(0), b""
    while chunk := list(islice(texts, _SORT_STEP)):
        if not columns.search:
            sample = (found for found, _ in map(split_origin, chunk[:_ORIGIN_SAMPLE]) if found)
            origin = next(sample, "")
            prefix, cut = origin + "/", slice(len(origin), None)
            numbers = bytes([0, columns.origin_id(origin)]).ljust(256, b"\0")
        base = len(columns.search)
        if not origin:
            columns.search.extend(chunk)
            columns.origin_ids.extend(bytes(len(chunk)))
            continue
        starts = bytearray(map(str.startswith, chunk, repeat(prefix)))
        columns.search.extend(map(operator.getitem, chunk, repeat(cut)))
        columns.origin_ids.extend(starts.translate(numbers))
        slot = starts.find(0)
        while slot >= 0:  # a text with another origin, or none
            columns.set_search_text(base + slot, *split_origin(chunk[slot]))
            slot = starts.find(0, slot + 1)


def _status_at(state: int, end: float, now: float) -> RoomStatus:
    """StoredRoom.status, from a row's state bits and end (epoch seconds) at ``now``."""
    return status_at(end, now, state & ROW_DELETED != 0, state & ROW_MISSING != 0)


# The table keeps a room's status as one byte: its place here.
_STATUSES = tuple(RoomStatus)
_STATUS_CODES = {status: code for code, status in enumerate(_STATUSES)}
_DELETED_CODE = _STATUS_CODES[RoomStatus.DELETED]


def _status_code_at(state: int, end: float, now: float) -> int:
    """:func:`_status_at` as its code (see _STATUSES)."""
    return _STATUS_CODES[_status_at(state, end, now)]


# -- columns ---------------------------------------------------------------------------------------


# A room's name is kept as where it stands in its search text (which holds it in all but odd
# cases): start << 16 | length, 4 bytes instead of a string of some 100. _OWN_ROOM_TEXT: the
# name is not there as it is (capitals, say) and is kept in _Columns.own_room_texts instead.
_SPAN_LIMIT = 0xFFFF
# Origins kept once for the rooms whose links share them (see _Columns.origin_ids): an account's
# rooms share one; past this many, further texts are kept whole.
_ORIGINS_MAX = 255
_ORIGIN_SAMPLE = 64  # texts looked at for the origin most rooms share
_OWN_ROOM_TEXT = 0xFFFFFFFF


def _room_span(search: str, room_text: str) -> int:
    """Where ``room_text`` stands in ``search`` (see _SPAN_LIMIT), or _OWN_ROOM_TEXT.

    Found as it is, so the span gives back exactly ``room_text``: a name with capitals is not
    found in the case-folded search text, and is kept whole."""
    if len(room_text) <= _SPAN_LIMIT:
        start = search.find(room_text)
        if 0 <= start <= _SPAN_LIMIT:
            return start << 16 | len(room_text)
    return _OWN_ROOM_TEXT


def _id_line_holds(search: str, meeting_id: str) -> bool:
    """Whether the last line of ``search`` (a kept search text) is ``meeting_id`` as it is."""
    return search.endswith(meeting_id) and search.rfind("\n") == len(search) - len(meeting_id) - 1


def _own_meeting_ids(search: list[str], meeting_ids: list[str]) -> dict[int, str]:
    """The meeting ids that the last lines of their search texts do not hold as they are (see
    _Columns.meeting_id), by slot: in C passes, _SORT_STEP rooms at a time, for the usual ids
    (no capitals, no line break); a chunk with others pays for a call per room."""
    own: dict[int, str] = {}
    for start in range(0, len(meeting_ids), _SORT_STEP):
        ids = meeting_ids[start : start + _SORT_STEP]
        joined = "".join(ids)
        if "\n" not in joined and "://" not in joined and joined.casefold() == joined:
            # Each text ends with "\n" and the id case-folded, which is the id itself (the text
            # is the id alone only for a room with no link and no name, and "://" would be
            # needed for split_origin to cut such an id).
            continue
        for slot, meeting_id in enumerate(ids, start):
            if not _id_line_holds(search[slot], meeting_id):
                own[slot] = meeting_id
    return own


class _Columns:
    """The rooms' data by slot (see the module notes): lists and arrays, no object per room."""

    __slots__ = (
        "ends",
        "labels",
        "links",
        "mode_numbers",
        "mode_texts",
        "modes",
        "origin_ids",
        "origin_numbers",
        "origins",
        "own_meeting_ids",
        "own_room_texts",
        "room_spans",
        "rooms",
        "search",
        "states",
        "statuses",
    )

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.room_spans = array("I")  # see _room_span
        self.own_room_texts: dict[int, str] = {}  # slot -> name, for spans of _OWN_ROOM_TEXT
        self.ends = array("d")  # epoch seconds
        self.states = bytearray()  # ROW_DELETED | ROW_MISSING
        self.statuses = bytearray()  # see _STATUSES
        # Mode texts by number ("" is 0): a room's is one byte, or 4 once there are more than
        # 256 of them, which a server that sends only the modes it documents never makes.
        self.modes: bytearray | array[int] = bytearray()
        self.mode_texts: list[str] = [""]
        self.mode_numbers: dict[str, int] = {"": 0}
        self.links = bytearray()  # _LINK_BITS of the links the room has
        # Search texts (see search_text), each without its first link's origin where that is one
        # of ``origins``: origin_ids[slot] is its number there plus one, or 0 for a whole text.
        # A room's meeting id is the last line of its search text ("" marks a slot no room
        # uses), except where that line is not the id as it is (capitals, say): see meeting_id.
        self.search: list[str] = []
        self.own_meeting_ids: dict[int, str] = {}  # slot -> meeting id, for those exceptions
        self.origin_ids = bytearray()
        self.origins: list[str] = []  # at most _ORIGINS_MAX
        self.origin_numbers: dict[str, int] = {}  # origin -> its origin id
        # slot -> the StoredRoom given, or loaded when first asked for (a snapshot has none).
        self.rooms: dict[int, StoredRoom] = {}

    def __len__(self) -> int:
        return len(self.search)

    def mode_text(self, slot: int) -> str:
        return self.mode_texts[self.modes[slot]]

    def mode_number(self, text: str) -> int:
        """The number of mode text ``text`` (new ones are added)."""
        number = self.mode_numbers.get(text)
        if number is None:
            number = self.mode_numbers[text] = len(self.mode_texts)
            self.mode_texts.append(text)
            if number == 256 and isinstance(self.modes, bytearray):
                self.modes = array("I", iter(self.modes))  # not the bytes as raw items
        return number

    def mode_column(self, texts: list[str]) -> bytearray | array[int]:
        """The numbers of ``texts`` (mode texts, the same few many times over), as a column."""
        for text in set(texts):
            self.mode_number(text)
        numbers = map(self.mode_numbers.__getitem__, texts)
        return bytearray(numbers) if len(self.mode_texts) <= 256 else array("I", numbers)

    def meeting_id(self, slot: int) -> str:
        """The meeting id of the room in ``slot``; "" for a slot no room uses."""
        if self.own_meeting_ids and slot in self.own_meeting_ids:
            return self.own_meeting_ids[slot]
        text = self.search[slot]
        return text[text.rfind("\n") + 1 :]

    def keep_meeting_id(self, slot: int, meeting_id: str) -> None:
        """Note ``meeting_id`` for ``slot``, whose search text is written already."""
        if _id_line_holds(self.search[slot], meeting_id):
            self.own_meeting_ids.pop(slot, None)
        else:
            self.own_meeting_ids[slot] = meeting_id

    def room_text(self, slot: int) -> str:
        span = self.room_spans[slot]
        if span == _OWN_ROOM_TEXT:
            return self.own_room_texts[slot]
        start = span >> 16
        return self.search[slot][start : start + (span & _SPAN_LIMIT)]

    def room_texts(self) -> Iterator[str]:
        """Every slot's :meth:`room_text`, in slot order."""
        own = self.own_room_texts
        for slot, (text, span) in enumerate(zip(self.search, self.room_spans, strict=True)):
            if span == _OWN_ROOM_TEXT:
                yield own[slot]
            else:
                start = span >> 16
                yield text[start : start + (span & _SPAN_LIMIT)]

    def set_room_text(self, slot: int, room_text: str) -> None:
        """Keep ``room_text`` for ``slot``, whose search text is written already."""
        span = self.room_spans[slot] = _room_span(self.search[slot], room_text)
        if span == _OWN_ROOM_TEXT:
            self.own_room_texts[slot] = room_text
        else:
            self.own_room_texts.pop(slot, None)

    def full_search_text(self, slot: int) -> str:
        """The slot's whole search text, its origin put back."""
        number = self.origin_ids[slot]
        return self.origins[number - 1] + self.search[slot] if number else self.search[slot]

    def origin_id(self, origin: str) -> int:
        """The id that stands for ``origin`` (new ones are added); 0 for "" and once the table
        holds _ORIGINS_MAX (the text is then kept whole)."""
        number = self.origin_numbers.get(origin)
        if number is None:
            if not origin or len(self.origins) >= _ORIGINS_MAX:
                return 0
            self.origins.append(origin)
            number = self.origin_numbers[origin] = len(self.origins)
        return number

    def set_search_text(self, slot: int, origin: str, rest: str) -> None:
        number = self.origin_id(origin)
        self.search[slot] = rest if number else origin + rest
        self.origin_ids[slot] = number

    def slots_with(self, term: str, slots: Iterable[int]) -> list[int]:
        """Those of ``slots`` whose whole search text holds ``term`` (which holds no newline).

        The usual term cannot touch an origin (it is not inside one, and no start of it ends
        one), so the kept texts answer alone. Otherwise an origin the term is inside matches all
        its rooms, and a term that runs across an origin's end matches a text starting with the
        rest of the term."""
        texts, ids = self.search, self.origin_ids
        inside = [False] * (len(self.origins) + 1)  # by origin id; 0: a whole text
        tails: list[tuple[str, ...]] = [()] * (len(self.origins) + 1)
        for number, origin in enumerate(self.origins, 1):
            if term in origin:
                inside[number] = True
            else:
                tails[number] = tuple(
                    term[cut:] for cut in range(1, len(term)) if origin.endswith(term[:cut])
                )
        if not any(inside) and not any(tails):
            return [slot for slot in slots if term in texts[slot]]
        if len(self.origins) == 1:
            if inside[1]:
                return [slot for slot in slots if ids[slot] or term in texts[slot]]
            tail = tails[1]
            return [
                slot
                for slot in slots
                if term in texts[slot] or (ids[slot] and texts[slot].startswith(tail))
            ]
        return [
            slot
            for slot in slots
            if inside[ids[slot]] or term in texts[slot] or texts[slot].startswith(tails[ids[slot]])
        ]

    def add_blank(self) -> int:
        for column in (self.labels, self.search):
            column.append("")
        self.modes.append(0)
        self.origin_ids.append(0)
        self.room_spans.append(0)
        self.ends.append(0.0)
        self.states.append(0)
        self.statuses.append(_STATUS_CODES[RoomStatus.ACTIVE])
        self.links.append(0)
        return len(self.search) - 1

    def write(self, slot: int, room: StoredRoom, now: float, *, keep: bool) -> None:
        """Put ``room`` in ``slot``; ``keep``: hold on to the StoredRoom itself."""
        room_text = _room_text(room)
        self.labels[slot] = room.label
        self.ends[slot] = room.end_date.timestamp()
        self.states[slot] = _state_bits(room)
        self.statuses[slot] = _status_code_at(self.states[slot], self.ends[slot], now)
        self.modes[slot] = self.mode_number(mode_text(room))
        self.links[slot] = _link_bits(room.room_url, room.host_room_url, room.viewer_room_url)
        self.set_search_text(slot, *split_origin(_room_search_text(room, room_text)))
        self.keep_meeting_id(slot, room.meeting_id)
        self.set_room_text(slot, room_text)
        if keep:
            self.rooms[slot] = room
        else:
            self.rooms.pop(slot, None)

    def shows(self, slot: int, room: StoredRoom) -> bool:
        """Whether ``slot`` already holds what :meth:`write` would put there for ``room`` (the
        status follows from the end and the state bits, so it needs no look of its own)."""
        if (
            self.labels[slot] != room.label
            or self.states[slot] != _state_bits(room)
            or self.ends[slot] != room.end_date.timestamp()
        ):
            return False
        room_text = _room_text(room)
        return (
            self.room_text(slot) == room_text
            and self.mode_text(slot) == mode_text(room)
            and self.links[slot]
            == _link_bits(room.room_url, room.host_room_url, room.viewer_room_url)
            and self.full_search_text(slot) == _room_search_text(room, room_text)
        )

    def clear(self, slot: int) -> None:
        """Let go of a removed room's strings and object; the slot becomes unused."""
        for column in (self.labels, self.search):
            column[slot] = ""
        self.own_meeting_ids.pop(slot, None)
        self.origin_ids[slot] = 0
        self.room_spans[slot] = 0
        self.own_room_texts.pop(slot, None)
        self.rooms.pop(slot, None)


def _state_bits(room: StoredRoom) -> int:
    """The :data:`ROW_DELETED` and :data:`ROW_MISSING` bits of ``room``, as a snapshot has them."""
    deleted = ROW_DELETED if room.deleted_at is not None else 0
    return deleted | (ROW_MISSING if room.server_missing_at is not None else 0)


def _room_text(room: StoredRoom) -> str:
    return room.room_name or _name_from_url(room.room_url)


def _room_search_text(room: StoredRoom, room_text: str) -> str:
    return search_text(
        room.label,
        room_text,
        room.room_url,
        room.host_room_url,
        room.viewer_room_url,
        room.meeting_id,
    )


def _link_bits(room_url: str | None, host: str | None, viewer: str | None) -> int:
    return (1 if room_url else 0) | (2 if host else 0) | (4 if viewer else 0)


class PreparedRooms:
    """Rooms as the model's columns, sorted, ready for :meth:`RoomTableModel.setPreparedRooms`.

    Made by :func:`prepare_rooms` without touching Qt, so it can be built in a worker thread.
    """

    __slots__ = (
        "by_id",
        "columns",
        "end_index",
        "loader",
        "now",
        "order",
        "sort_column",
        "sort_keys",
        "sort_order",
    )

    def __init__(self, now: datetime, loader: RoomLoader | None = None) -> None:
        self.now = now
        self.loader = loader
        self.columns = _Columns()
        self.order: list[int] = []  # row -> slot
        self.by_id = array("i")  # slots in meeting id order: see _IdIndex
        self.sort_column: int | None = None
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.sort_keys: list[Any] | array[float] = []  # slot -> primary key of the sort
        self.end_index = _EndIndex()

    def __len__(self) -> int:
        return len(self.order)


def prepare_rooms(
    rooms: Iterable[StoredRoom] | RoomRows,
    *,
    now: datetime,
    sort_column: int | None = _ENDS,
    sort_order: Qt.SortOrder = Qt.SortOrder.AscendingOrder,
    in_worker: bool = False,
) -> PreparedRooms:
    """Turn ``rooms`` into model columns, in the given order. Thread-safe: no Qt involved.

    A meeting id given twice keeps its last room. StoredRoom values are kept (the model hands out
    those very objects); a :class:`RoomRows` snapshot keeps only what the table shows, and its
    ``loader`` fetches a StoredRoom when one is asked for. ``in_worker``: sort in short steps
    (see :func:`_sorted_in_steps`), slower in all but never holding the GIL for long.
    """
    require_aware(now, "now")
    if not in_worker:
        return _prepare(rooms, now, sort_column, sort_order, _sorted)
    with bulk_work():
        return _prepare(rooms, now, sort_column, sort_order, _sorted_in_steps)


# The GIL's switch interval during bulk work in a worker thread (Python's default is 5 ms).
BULK_WORK_SWITCH_INTERVAL = 0.001
_bulk_lock = threading.Lock()
_bulk_depth = 0  # bulk_work sections running, in any thread
_bulk_saved: tuple[bool, float] = (True, 0.005)  # collector on?, switch interval: from before


def first_rooms_by_end(
    rooms_with_status: Callable[[RoomStatus, int, bool], list[StoredRoom]],
    limit: int,
    *,
    show_past: bool,
    descending: bool = False,
) -> list[StoredRoom]:
    """The first ``limit`` rooms of a table sorted by Ends (in ``descending`` order if asked)
    and filtered only by ``show_past``, in row order: what such a table of many rooms shows at
    the top, found without reading the others.

    ``rooms_with_status(status, limit, latest_first)`` gives up to ``limit`` rooms with that
    status by end date, then meeting id (as :meth:`RoomStore.rooms_with_status`). The groups of
    the Ends order are asked for in turn, each only while fewer than ``limit`` rooms are found,
    so a query that has to pass over the rooms of other groups passes over fewer than ``limit``.
    """
    live = [RoomStatus.ENDS_SOON, RoomStatus.ACTIVE]  # one group, ordered by end: ends soon first
    if descending:
        live.reverse()
    statuses = [*live, RoomStatus.ENDED]
    if show_past:
        statuses += [RoomStatus.EXPIRED, RoomStatus.DELETED]
    found: list[StoredRoom] = []
    for status in statuses:
        if len(found) >= limit:
            break
        found += rooms_with_status(status, limit - len(found), descending)
    return found


@contextmanager
def bulk_work(*, freeze_new: bool = False) -> Iterator[None]:
    """Settings for bulk work on many rooms in a worker thread, while the GUI thread draws.

    * The cyclic garbage collector is off (for the whole process). It walks every element of
      each new container it sees, and reading and preparing rooms builds a dozen lists of
      100,000: each pass would hold the GIL for tens of milliseconds, a stall of the GUI thread.
      Nothing built there forms a cycle; reference counting frees it.
    * The GIL changes hands every millisecond rather than every 5: handling one event, the GUI
      thread takes the GIL several times, and waiting 5 ms each time added up to 25 ms stalls.

    ``freeze_new``: at the end, move everything the collector tracks to its permanent generation
    (``gc.freeze()``). Otherwise its first pass afterwards looks at every container made
    meanwhile, a large table's columns included (26 ms at 100,000 rooms).

    Sections may overlap (in several threads); the settings from before come back when the last
    one ends.
    """
    global _bulk_depth, _bulk_saved
    with _bulk_lock:
        if _bulk_depth == 0:
            _bulk_saved = (gc.isenabled(), sys.getswitchinterval())
            gc.disable()
            sys.setswitchinterval(BULK_WORK_SWITCH_INTERVAL)
        _bulk_depth += 1
    try:
        yield
    finally:
        with _bulk_lock:
            _bulk_depth -= 1
            if freeze_new:
                gc.freeze()
            if _bulk_depth == 0:
                collecting, interval = _bulk_saved
                sys.setswitchinterval(interval)
                if collecting:
                    gc.enable()


def free_in_steps(rows: RoomRows) -> None:
    """Empty the lists of ``rows`` (which must not be used again) here, a slice at a time: for
    a worker thread that is done with a snapshot (see :func:`pack_kept_strings`)."""
    for field in dataclasses.fields(rows):
        column = getattr(rows, field.name)
        if isinstance(column, list):
            _empty_in_steps(column)


def _empty_in_steps(column: list[Any]) -> None:
    # Each slice is freed in one short C call; the GIL changes hands between them.
    while column:
        del column[-_SORT_STEP:]


# Joins a chunk of kept strings while they are packed (see pack_kept_strings).
_PACK_SEPARATOR = "\x00"


def _packed_pieces(strings: list[str]) -> list[str | list[str]]:
    """``strings`` as pieces of _SORT_STEP: each joined by _PACK_SEPARATOR, or a list of the
    strings themselves where one of them holds it."""
    pieces: list[str | list[str]] = []
    for start in range(0, len(strings), _SORT_STEP):
        chunk = strings[start : start + _SORT_STEP]
        joined = _PACK_SEPARATOR.join(chunk)
        pieces.append(joined if joined.count(_PACK_SEPARATOR) == len(chunk) - 1 else chunk)
    return pieces


def pack_kept_strings(prepared: PreparedRooms) -> None:
    """Make the strings ``prepared`` keeps for each room again, one right after the other in
    memory, once everything else made for it is freed (its snapshot included).

    Reading and preparing a large list makes several short-lived strings and tuples for each
    room among the ones the table keeps (search texts, which hold the meeting ids, and labels).
    Freed, they leave holes in Python's 1 MB arenas, which go back to the system only when
    wholly empty: at 100,000 rooms some 10 MB stayed resident that way. Here each kept list is
    first joined into a few long strings (long ones live outside those arenas) and emptied,
    which empties the arenas of the load; Python returns them, and splitting the long strings
    again fills fresh ones densely. A chunk holding the separator itself is kept as it is.

    Not for shared strings: each entry becomes an object of its own.
    """
    columns = prepared.columns
    kept = [columns.search, columns.labels]
    packed = [_packed_pieces(strings) for strings in kept]
    for strings in kept:
        _empty_in_steps(strings)
    for strings, pieces in zip(kept, packed, strict=True):
        for piece in pieces:
            strings.extend(piece.split(_PACK_SEPARATOR) if isinstance(piece, str) else piece)
        pieces.clear()


def _prepare(
    rooms: Iterable[StoredRoom] | RoomRows,
    now: datetime,
    sort_column: int | None,
    sort_order: Qt.SortOrder,
    sort: Callable[..., list[int]],
) -> PreparedRooms:
    now_ts = now.timestamp()
    if isinstance(rooms, RoomRows):
        prepared = PreparedRooms(now, rooms.loader)
        # Meeting ids are unique in the store. The labels' list is copied: the model changes its
        # columns later.
        mids, labels, names = rooms.meeting_ids, list(rooms.labels), rooms.room_names
        urls, hosts, viewers = rooms.room_urls, rooms.host_room_urls, rooms.viewer_room_urls
        ends, states_ = array("d", rooms.ends), rooms.states
        room_modes, options = rooms.room_modes, rooms.options
        room_texts = [name or _name_from_url(url) for name, url in zip(names, urls, strict=True)]
        states = bytearray(states_)
        modes = list(map(_ModeTexts().text, room_modes, options))
        kept: list[StoredRoom] = []
    else:
        prepared = PreparedRooms(now)
        kept = list({room.meeting_id: room for room in rooms}.values())
        mids = [room.meeting_id for room in kept]
        labels = [room.label for room in kept]
        urls = [room.room_url for room in kept]
        hosts = [room.host_room_url for room in kept]
        viewers = [room.viewer_room_url for room in kept]
        room_texts = list(map(_room_text, kept))
        ends = array("d", [room.end_date.timestamp() for room in kept])
        states = bytearray(map(_state_bits, kept))
        modes = [mode_text(room) for room in kept]
    columns = prepared.columns
    columns.labels = labels
    columns.ends, columns.states = ends, states
    columns.modes = columns.mode_column(modes)
    del modes
    columns.statuses = bytearray(map(_status_code_at, states, ends, repeat(now_ts)))
    columns.links = bytearray(map(_link_bits, urls, hosts, viewers))
    prepared.sort_column, prepared.sort_order = sort_column, Qt.SortOrder(sort_order)
    # One int object per slot, shared by every list below (an int above 256 costs 28 bytes).
    slots = list(range(len(mids)))
    by_id = sort(slots, key=mids.__getitem__)
    if sort_column is not None:
        keys = _sort_key_list(columns, sort_column, sort_order, room_texts)
        reverse = _sort_reverses(sort_column, sort_order)
        perm = sort(by_id[::-1] if reverse else by_id, key=keys.__getitem__, reverse=reverse)
        # Slots in row order: rows next to each other are next to each other in memory.
        for name in _Columns.__slots__:
            if name not in _NOT_PERMUTED:
                setattr(columns, name, _permuted(getattr(columns, name), perm))
        mids, urls, hosts, viewers, room_texts = (
            _permuted(texts, perm) for texts in (mids, urls, hosts, viewers, room_texts)
        )
        if kept:
            kept = _permuted(kept, perm)
        prepared.sort_keys = _key_column(_stepwise(map(keys.__getitem__, perm)), sort_column)
        new_slot = [0] * len(perm)
        for slot, old in zip(slots, perm, strict=True):
            new_slot[old] = slot
        by_id = _stepwise(map(new_slot.__getitem__, by_id))
    else:
        prepared.sort_keys = [None] * len(mids)
    prepared.by_id = array("i", by_id)
    del by_id
    columns.rooms = dict(enumerate(kept))
    # Made last and in row order, so a filter pass reads them front to back in memory.
    labels = columns.labels
    _keep_search_texts(columns, map(search_text, labels, room_texts, urls, hosts, viewers, mids))
    search = columns.search
    columns.own_meeting_ids = _own_meeting_ids(search, mids)
    del mids  # the ids stay only inside the search texts
    columns.room_spans = array("I", _stepwise(map(_room_span, search, room_texts)))
    columns.own_room_texts = {
        slot: room_texts[slot]
        for slot in compress(slots, map(_OWN_ROOM_TEXT.__eq__, columns.room_spans))
    }
    del room_texts  # the names stay only inside the search texts
    prepared.order = slots
    prepared.end_index = _EndIndex.build(columns.ends, slots)
    return prepared


# A batch update that adds or moves at least _RESORT_MIN_MOVES rooms, and one in _RESORT_SHARE
# of the rows or more, sorts every row again rather than finding each room's place: a sort of
# 100,000 rooms takes some 60 ms, a place found by binary search some 8 µs (a sync's 60,000
# missing marks took half a second).
_RESORT_MIN_MOVES = 2_000
_RESORT_SHARE = 16

# Items per piece of _sorted_in_steps and _stepwise: a millisecond or two of work each.
_SORT_STEP = 8_192


def _sorted(items: Iterable[int], *, key: Callable[[int], Any], reverse: bool = False) -> list[int]:
    return sorted(items, key=key, reverse=reverse)


def _sorted_in_steps(
    items: Iterable[int], *, key: Callable[[int], Any], reverse: bool = False
) -> list[int]:
    """``sorted()``, made of short steps, for preparing rooms in a worker thread.

    One ``sorted()`` over 100,000 rooms with a C key function holds the GIL for tens of
    milliseconds, and the GUI thread stalls that long. Sorting pieces and merging them (Python
    code, which lets the GIL go every few milliseconds) gives the same stable result.
    """
    items = list(items)
    if len(items) <= _SORT_STEP:
        return sorted(items, key=key, reverse=reverse)
    pieces = [
        sorted(items[start : start + _SORT_STEP], key=key, reverse=reverse)
        for start in range(0, len(items), _SORT_STEP)
    ]
    return list(heapq.merge(*pieces, key=key, reverse=reverse))


# What _prepare does not permute: columns it makes after the rows are in order, and tables
# that are not by slot.
_NOT_PERMUTED = frozenset(
    {
        "mode_numbers",
        "mode_texts",
        "search",
        "origin_ids",
        "origins",
        "origin_numbers",
        "own_meeting_ids",
        "room_spans",
        "own_room_texts",
        "rooms",
    }
)


def _permuted(column: Any, perm: list[int]) -> Any:
    """``column`` (a list, bytearray or array) in the order of ``perm``."""
    items = _stepwise(map(column.__getitem__, perm))
    if isinstance(column, list):
        return items
    return array(column.typecode, items) if isinstance(column, array) else bytearray(items)


def _stepwise(items: Iterator[Any]) -> list[Any]:
    """``list(items)`` in steps of _SORT_STEP items.

    ``list(map(f, ...))`` with a C function ``f`` runs in C to the end, holding the GIL all along:
    over 100,000 rooms in a worker thread, a stall of the GUI thread of several milliseconds per
    call (and a dict built in one go, over ten). Between steps the GIL can change hands.
    """
    found: list[Any] = []
    while True:
        before = len(found)
        found.extend(islice(items, _SORT_STEP))
        if len(found) == before:
            return found


class _ModeTexts:
    """Mode texts for (room_mode, options JSON) pairs; the few distinct ones are shared."""

    def __init__(self) -> None:
        self._known: dict[str | None, dict[str | None, str]] = {}

    def text(self, room_mode: str | None, options: str | None) -> str:
        by_options = self._known.setdefault(room_mode, {})
        found = by_options.get(options)
        if found is None:
            template = json.loads(options).get("templateType") if options else None
            found = by_options[options] = _mode_text_of(room_mode, template)
        return found


# By status code (see _STATUSES).
_END_GROUP_BASE = tuple(_END_GROUP[status] * _KEY_GROUP_SPAN for status in _STATUSES)
_RANK_BASE = tuple(STATUS_RANK[status] * _KEY_GROUP_SPAN for status in _STATUSES)


def _sort_key_list(
    columns: _Columns,
    column: int,
    order: Qt.SortOrder,
    room_texts: Iterable[str] | None = None,
) -> list[Any]:
    """The primary sort key of every slot for ``column``; ``room_texts``: the rooms' names by
    slot, where the columns do not hold them yet.

    Ties are broken by meeting id without a (key, meeting id) tuple per room: the slots are
    sorted stably by key starting from meeting id order (reversed for a reverse sort).
    """
    if column == _ENDS:
        groups = map(_END_GROUP_BASE.__getitem__, columns.statuses)
        combine = operator.sub if order == Qt.SortOrder.DescendingOrder else operator.add
        return _stepwise(map(combine, groups, columns.ends))
    if column == _STATUS:
        ranks = map(_RANK_BASE.__getitem__, columns.statuses)
        return _stepwise(map(operator.add, ranks, columns.ends))
    if column == _LABEL:
        # Labelled rooms first ("0…" sorts before "1"), then by case-folded label.
        return ["0" + label.casefold() if label else "1" for label in columns.labels]
    if column == _ROOM:
        texts = columns.room_texts() if room_texts is None else room_texts
        return _stepwise(map(str.casefold, texts))
    if column == _MODE:
        folded = [text.casefold() for text in columns.mode_texts]
        return _stepwise(map(folded.__getitem__, columns.modes))
    return _stepwise(map(_LINKS_TEXT.__getitem__, columns.links))


# The key a slot without one has in a float array of keys (a list holds None).
_NO_KEY = float("nan")


def _key_column(keys: list[Any], column: int) -> list[Any] | array[float]:
    """``keys`` of a sort by ``column`` as the model keeps them: the end and status sorts' keys
    (numbers) in a float array, 8 bytes each instead of a float object and a list entry."""
    return array("d", keys) if column in (_ENDS, _STATUS) else keys


def _sort_key_of(columns: _Columns, column: int, order: Qt.SortOrder, slot: int) -> Any:
    """:func:`_sort_key_list` for one slot."""
    if column == _ENDS:
        end = columns.ends[slot]
        group = _END_GROUP_BASE[columns.statuses[slot]]
        return group - end if order == Qt.SortOrder.DescendingOrder else group + end
    if column == _STATUS:
        return _RANK_BASE[columns.statuses[slot]] + columns.ends[slot]
    if column == _LABEL:
        label = columns.labels[slot]
        return "0" + label.casefold() if label else "1"
    if column == _ROOM:
        return columns.room_text(slot).casefold()
    if column == _MODE:
        return columns.mode_text(slot).casefold()
    return _LINKS_TEXT[columns.links[slot]]


def _sort_reverses(column: int | None, order: Qt.SortOrder) -> bool:
    """Whether the sort runs in reverse (Ends keeps its groups and reverses through its key)."""
    return column != _ENDS and order == Qt.SortOrder.DescendingOrder


class _EndIndex:
    """Slots by the hour their room ends, to find the rooms whose status a clock step may change.

    Hour buckets rather than a sorted list: adding and removing a room touches one small bucket,
    not a shift of 100,000 entries, and a step of the clock looks at a few buckets. A bucket is
    an array of machine ints (4 bytes a room): no object per room.
    """

    __slots__ = ("buckets",)
    SPAN = 3600.0

    def __init__(self) -> None:
        self.buckets: dict[int, array[int]] = {}

    @classmethod
    def build(cls, ends: Sequence[float], slots: list[int]) -> _EndIndex:
        index = cls()
        # Machine ints: a list would make an int object per room, freed right after (holes).
        hours = array("l", [int(end // cls.SPAN) for end in ends])
        by_hour = _sorted_in_steps(slots, key=hours.__getitem__)
        index.buckets = {
            hour: array("i", members) for hour, members in groupby(by_hour, hours.__getitem__)
        }
        return index

    def add(self, slot: int, end: float) -> None:
        hour = int(end // self.SPAN)
        bucket = self.buckets.get(hour)
        if bucket is None:
            self.buckets[hour] = array("i", (slot,))
        else:
            bucket.append(slot)

    def discard(self, slot: int, end: float) -> None:
        bucket = self.buckets.get(int(end // self.SPAN))
        if bucket is not None and slot in bucket:
            bucket.remove(slot)

    def between(self, low: float, high: float) -> list[int]:
        """The slots ending from ``low`` to ``high`` (and some a little outside: callers check)."""
        first, last = int(low // self.SPAN), int(high // self.SPAN)
        hours: Iterable[int]
        if last - first > len(self.buckets):  # a long jump: fewer buckets than hours
            hours = [hour for hour in self.buckets if first <= hour <= last]
        else:
            hours = range(first, last + 1)
        found: list[int] = []
        for hour in hours:
            found.extend(self.buckets.get(hour, ()))
        return found


# Slots discarded at once from an _IdIndex past which one pass over all its slots is quicker
# than a binary search and a shift of the array for each.
_INDEX_DISCARD_ONE_BY_ONE = 64
# Rooms added to an _IdIndex are each put in place by binary search while they are at most one
# in this many of the rooms in it; more, and they are merged in all at once.
_INDEX_INSERT_SHARE = 32


class _IdIndex:
    """Finds a room's slot by its meeting id, with no dict entry and no int object per room.

    The slots of the rooms a full load brought are kept sorted by meeting id in an array of
    machine ints (4 bytes a room, against some 70 for a dict entry and its int) and found by
    binary search, each step cutting an id out of a search text (some microseconds at 100,000
    rooms). Rooms added since are in a dict until the next sort of every row folds them in
    (:meth:`complete`). The sorted slots are also the tie-break order of every sort
    (:meth:`RoomTableModel._reorder`).

    Slots must leave the index (:meth:`discard`) before their meeting id is cleared: the binary
    search reads the ids of the slots it passes.
    """

    __slots__ = ("_columns", "added", "by_id")

    def __init__(self, columns: _Columns, by_id: array[int]) -> None:
        self._columns = columns
        self.by_id = by_id  # slots in meeting id order
        self.added: dict[str, int] = {}  # meeting id -> slot, for rooms not in by_id

    def get(self, meeting_id: str) -> int | None:
        slot = self.added.get(meeting_id)
        if slot is not None or not meeting_id:
            return slot
        return self._position(meeting_id)[1]

    def _position(self, meeting_id: str) -> tuple[int, int | None]:
        """Where ``meeting_id`` stands or would stand in by_id, and its slot if it is there."""
        by_id, id_of = self.by_id, self._columns.meeting_id
        at = bisect_left(by_id, meeting_id, key=id_of)
        if at < len(by_id) and id_of(by_id[at]) == meeting_id:
            return at, by_id[at]
        return at, None

    def add(self, meeting_id: str, slot: int) -> None:
        self.added[meeting_id] = slot

    def discard(self, slots: Iterable[int]) -> None:
        """Take ``slots`` (rooms in the index) out of it."""
        id_of, added = self._columns.meeting_id, self.added
        sorted_ones = []
        for slot in slots:
            meeting_id = id_of(slot)
            if added.get(meeting_id) == slot:
                del added[meeting_id]
            else:
                sorted_ones.append(slot)
        if len(sorted_ones) > _INDEX_DISCARD_ONE_BY_ONE:
            gone = set(sorted_ones)
            self.by_id = array("i", filterfalse(gone.__contains__, self.by_id))
            return
        for slot in sorted_ones:
            at, found = self._position(id_of(slot))
            if found == slot:
                del self.by_id[at]

    def complete(self) -> array[int]:
        """``by_id`` once every room is in it, the added ones folded in: each by a binary search
        when they are few beside the others, else by one merge of all."""
        added, self.added = self.added, {}
        if not added:
            return self.by_id
        if len(added) * _INDEX_INSERT_SHARE <= len(self.by_id):
            for meeting_id, slot in added.items():
                self.by_id.insert(self._position(meeting_id)[0], slot)
        else:
            # Two sorted runs, which Python's sort merges (by string keys: sorting tuples would
            # take three times as long). Only the ids of the rooms in by_id are cut out of their
            # texts: after a first sync, few of them.
            new_ids = sorted(added)
            slots = [*self.by_id, *map(added.__getitem__, new_ids)]
            if self.by_id:
                ids = [*map(self._columns.meeting_id, self.by_id), *new_ids]
                slots = list(map(slots.__getitem__, sorted(range(len(ids)), key=ids.__getitem__)))
            self.by_id = array("i", slots)
        return self.by_id


# -- the model ---------------------------------------------------------------------------------


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
        self._now = datetime.now(UTC) if now is None else require_aware(now, "now")
        self._zone_name = zone_name or system_zone_name()
        self._zone = get_zone(self._zone_name)
        self._end_texts: dict[float, EndTexts] = {}
        self._sort_column: int | None = _ENDS
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._italic: QFont | None = None
        self._adopt(PreparedRooms(self._now))

    def _adopt(self, prepared: PreparedRooms) -> None:
        self._cols = prepared.columns
        self._loader = prepared.loader
        self._order = prepared.order  # row -> slot
        self._sort_keys = prepared.sort_keys  # slot -> primary key of the current sort
        self._end_index = prepared.end_index
        self._index = _IdIndex(prepared.columns, prepared.by_id)
        self._free: list[int] = []  # slots of removed rooms, reused by the next new rooms
        self._status_time = prepared.now.timestamp()  # the clock the statuses were worked out at
        # (added, moved, removed) slots while _rearrange's layout change is being signalled.
        self._rearranged: tuple[list[int], list[int], set[int]] | None = None
        self._invalidate_row_caches()

    def _invalidate_row_caches(self) -> None:
        self._row_of_slot: array[int] | None = None  # machine ints: no int object per row
        self._row_search: list[str] | None = None
        self._row_past: bytearray | None = None

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._order)

    def columnCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else _COLUMN_COUNT

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        return self._cell(self._order[index.row()], index.column(), role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < _COLUMN_COUNT:
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
        if not index.isValid() or index.column() != _LABEL or role != _EDIT:
            return False
        label = str(value or "").strip()
        slot = self._order[index.row()]
        if len(label) > LABEL_MAX_LENGTH or label == self._cols.labels[slot]:
            return False
        self.labelEdited.emit(self._cols.meeting_id(slot), label)
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column`` (see the module notes); -1 keeps the current order."""
        wanted = (int(column) if 0 <= column < _COLUMN_COUNT else None, Qt.SortOrder(order))
        if wanted == (self._sort_column, self._sort_order):
            return  # the rows are kept in this order already (QTableView often asks twice)
        self._sort_column, self._sort_order = wanted
        self._reorder()

    # -- rooms ---------------------------------------------------------------------------------

    def setRooms(self, rooms: Iterable[StoredRoom]) -> None:
        """Replace every row (a model reset). A meeting id given twice keeps its last room."""
        self.setPreparedRooms(self.prepare(rooms, in_worker=False))

    def setRoomRows(self, rows: RoomRows) -> None:
        """Replace every row from the store's snapshot (a model reset).

        Far lighter than :meth:`setRooms` for many rooms: no StoredRoom is made until one is
        asked for (``RoomRole.ROOM``, some tooltips), through ``rows.loader``.
        """
        self.setPreparedRooms(self.prepare(rows, in_worker=False))

    def prepare(
        self, rooms: Iterable[StoredRoom] | RoomRows, *, in_worker: bool = True
    ) -> PreparedRooms:
        """:func:`prepare_rooms` with this model's clock and order. Touches no Qt object, so it
        is meant to run in a worker thread; hand the result to :meth:`setPreparedRooms`."""
        return prepare_rooms(
            rooms,
            now=self._now,
            sort_column=self._sort_column,
            sort_order=self._sort_order,
            in_worker=in_worker,
        )

    def setPreparedRooms(self, prepared: PreparedRooms) -> None:
        """Replace every row with ``prepared`` (a model reset). Statuses are brought to the
        model's clock and rows to its order if either moved while it was being prepared."""
        self.beginResetModel()
        self._end_texts.clear()  # only the ends shown get formatted again: keeps the cache small
        retired = (self._cols, self._order, self._sort_keys, self._index.added)
        self._adopt(prepared)
        if len(retired[0]) >= _RELEASE_IN_BACKGROUND:
            _releaser.release(*retired)
        del retired
        self._update_statuses(signal=False)
        if (prepared.sort_column, prepared.sort_order) != (self._sort_column, self._sort_order):
            self._reorder(signal=False)
        self.endResetModel()

    def upsertRoom(self, room: StoredRoom) -> None:
        """Add ``room``, or replace the row with its meeting id (moving it if its place changed)."""
        slot = self._index.get(room.meeting_id)
        if slot is None:
            slot = self._new_slot(room)
            position = self._insert_position(slot)
            self.beginInsertRows(QModelIndex(), position, position)
            self._order.insert(position, slot)
            self._invalidate_row_caches()
            self.endInsertRows()
            return
        existing = self._row_of(slot)
        self._write_slot(slot, room)
        target = self._insert_position(slot, skip=existing)
        if target != existing:
            self._move_row(existing, target)
        else:
            self._patch_row_caches(target, slot)
        self._emit_rows_changed(target, target)

    def upsertRooms(self, rooms: Iterable[StoredRoom]) -> None:
        """:meth:`upsertRoom` for many rooms at once (a sync's page), with few signals.

        Rooms whose row stays put are signalled as changed, and rooms showing just what they
        showed not at all; if any is new or moves, the rows are rearranged in one layout change
        instead of one signal per room.
        """
        unique = list({room.meeting_id: room for room in rooms}.values())
        if len(unique) <= 2:
            for room in unique:
                self.upsertRoom(room)
            return
        in_place: list[tuple[int, int]] = []  # (row, slot)
        relocate: list[int] = []  # slots to take out and insert again in sort order
        added: list[int] = []
        keep = self._loader is None
        for room in unique:
            slot = self._index.get(room.meeting_id)
            if slot is None:
                added.append(self._new_slot(room))
                continue
            if self._cols.shows(slot, room):
                # Nothing shown changes (a refresh stores every room it lists again): no write,
                # no signal, which for a hidden row would cost the proxy a search.
                if keep:
                    self._cols.rooms[slot] = room
                continue
            row = self._row_of(slot)
            old_key = self._sort_keys[slot]
            self._write_slot(slot, room)
            if self._sort_column is not None and self._sort_keys[slot] != old_key:
                relocate.append(slot)
            else:
                in_place.append((row, slot))
        for row, slot in in_place:
            self._patch_row_caches(row, slot)
        moved = len(added) + len(relocate)
        if moved >= _RESORT_MIN_MOVES and moved * _RESORT_SHARE >= len(self._order):
            self._resort_adding(added)
        elif moved:
            self._rearrange(added=added, relocate=relocate)
        if moved:  # rows have shifted: look each one up again
            rows = sorted(self._row_of(slot) for _, slot in in_place)
        else:
            rows = sorted(row for row, _ in in_place)
        for first, last in _runs_ascending(rows):
            self._emit_rows_changed(first, last)

    def removeRooms(self, meeting_ids: Iterable[str]) -> None:
        """Remove the rows of ``meeting_ids`` (unknown ids are ignored), one signal per run
        (one layout change when the rows are scattered widely)."""
        slots = {slot for mid in meeting_ids if (slot := self._index.get(mid)) is not None}
        if not slots:
            return
        rows = sorted((self._row_of(slot) for slot in slots), reverse=True)
        runs = list(_runs_descending(rows))
        if len(runs) > _ROW_SIGNAL_LIMIT:
            self._rearrange(remove=slots)
            return
        # Bottom run first, so the row numbers of the runs still to go stay right.
        for first, last in runs:
            self.beginRemoveRows(QModelIndex(), first, last)
            self._free_slots(self._order[first : last + 1])
            del self._order[first : last + 1]
            self._invalidate_row_caches()
            self.endRemoveRows()

    def roomAt(self, row: int) -> StoredRoom | None:
        return self._room_of(self._order[row]) if 0 <= row < len(self._order) else None

    def rowOf(self, meeting_id: str) -> int | None:
        """The row showing ``meeting_id``, or None."""
        slot = self._index.get(meeting_id)
        return None if slot is None else self._row_of(slot)

    def rooms(self) -> list[StoredRoom]:
        """Every room, in row order (rows from a snapshot are loaded: slow for many)."""
        found = (self._room_of(slot) for slot in self._order)
        return [room for room in found if room is not None]

    def sortColumn(self) -> int:
        return -1 if self._sort_column is None else self._sort_column

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
        """Bring every status to the model's clock; only rows that changed are signalled."""
        self._update_statuses(signal=True)

    def displayZone(self) -> str:
        return self._zone_name

    def setDisplayZone(self, zone_name: str) -> None:
        """Show end dates in the IANA zone ``zone_name`` (RequestValidationError if unknown)."""
        zone = get_zone(zone_name)
        if zone_name == self._zone_name:
            return
        self._zone_name, self._zone = zone_name, zone
        self._end_texts.clear()
        if self._order:
            self.dataChanged.emit(
                self.index(0, _ENDS),
                self.index(len(self._order) - 1, _ENDS),
                [_DISPLAY, _TOOLTIP, _ACCESSIBLE_TEXT],
            )
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, _ENDS, _ENDS)

    # -- what the proxy reads --------------------------------------------------------------------

    def rowSearchTexts(self) -> list[str]:
        """The search text of every row, in row order (cached until the rows change)."""
        if self._row_search is None:
            self._row_search = list(map(self._cols.full_search_text, self._order))
        return self._row_search

    def rowPastFlags(self) -> bytearray:
        """1 for each row whose room is past (expired or deleted), in row order (cached)."""
        if self._row_past is None:
            statuses = map(self._cols.statuses.__getitem__, self._order)
            self._row_past = bytearray(map(_IS_PAST.__getitem__, statuses))
        return self._row_past

    def slotAt(self, row: int) -> int:
        """The storage slot of ``row``: it stays with its room while rows move (for the proxy)."""
        return self._order[row]

    def rowOfSlot(self, slot: int) -> int | None:
        """The row of the room in ``slot``, or None when that room is gone."""
        if not (0 <= slot < len(self._cols) and self._cols.search[slot]):
            return None
        return self._row_of(slot)

    def slotAccepted(self, slot: int, terms: Sequence[str], show_past: bool) -> bool:
        """Whether the room in ``slot`` passes a filter of ``terms`` and ``show_past``."""
        if not show_past and _IS_PAST[self._cols.statuses[slot]]:
            return False
        text = self._cols.full_search_text(slot)
        return all(term in text for term in terms)

    # -- cells ---------------------------------------------------------------------------------

    def _cell(self, slot: int, column: int, role: int) -> Any:
        cols = self._cols
        if role == _DISPLAY:
            if column == _LABEL:
                return cols.labels[slot]
            if column == _ROOM:
                return cols.room_text(slot)
            if column == _ENDS:
                return self._end_texts_of(slot).display
            if column == _STATUS:
                return _STATUSES[cols.statuses[slot]].label
            if column == _MODE:
                return cols.mode_text(slot)
            return _LINKS_TEXT[cols.links[slot]]
        if role == _FONT:
            return self._italic_font() if cols.statuses[slot] == _DELETED_CODE else None
        if role == _FOREGROUND:
            return self._dimmed_brush() if _IS_PAST[cols.statuses[slot]] else None
        if role == _DECORATION:
            if column != _STATUS:
                return None
            return icons.icon(STATUS_ICON_NAMES[_STATUSES[cols.statuses[slot]]])
        if role >= _USER:
            return self._custom_role(slot, role)
        if role == _TOOLTIP:
            return self._tooltip(slot, column)
        if role == _ACCESSIBLE_TEXT:
            return self._accessible_text(slot, column)
        if role == _EDIT and column == _LABEL:
            return cols.labels[slot]
        return None

    def _custom_role(self, slot: int, role: int) -> Any:
        cols = self._cols
        if role == RoomRole.ROOM:
            return self._room_of(slot)
        if role == RoomRole.MEETING_ID:
            return cols.meeting_id(slot)
        if role == RoomRole.END_SORT:
            return cols.ends[slot]
        if role == RoomRole.STATUS:
            return _STATUSES[cols.statuses[slot]]
        if role == RoomRole.STATUS_RANK:
            return STATUS_RANK[_STATUSES[cols.statuses[slot]]]
        if role == RoomRole.SEARCH_TEXT:
            return cols.full_search_text(slot)
        return None

    def _room_of(self, slot: int) -> StoredRoom | None:
        cols = self._cols
        room = cols.rooms.get(slot)
        if room is None and self._loader is not None and cols.search[slot]:
            room = self._loader(cols.meeting_id(slot))
            if room is not None:
                cols.rooms[slot] = room
        return room

    def _end_texts_of(self, slot: int) -> EndTexts:
        end = self._cols.ends[slot]
        texts = self._end_texts.get(end)
        if texts is None:
            moment = datetime.fromtimestamp(end, UTC)
            texts = self._end_texts[end] = format_end(moment, self._zone)
        return texts

    def _tooltip(self, slot: int, column: int) -> str | None:
        if column == _ENDS:
            return self._end_texts_of(slot).tooltip
        if column == _STATUS:
            return self._status_description(slot)
        if column == _MODE:
            return None if self._cols.modes[slot] else _MODE_UNKNOWN_TIP  # 0: ""
        room = self._room_of(slot)
        if room is None:
            return None
        if column == _LABEL:
            return room.notes or None
        if column == _ROOM:
            return room.room_url
        return "\n".join(f"{kind.label}: {url}" for kind, url in room.links.items()) or None

    def _status_description(self, slot: int) -> str:
        status = _STATUSES[self._cols.statuses[slot]]
        if status is RoomStatus.ACTIVE:
            return "Active: people can join"
        if status is RoomStatus.ENDS_SOON:
            return f"Ends soon: less than {_duration_text(ENDS_SOON_WINDOW)} left"
        if status is RoomStatus.ENDED:
            return f"Ended: people can still join for {_duration_text(ROOM_GRACE_PERIOD)}"
        if status is RoomStatus.DELETED:
            room = self._room_of(slot)
            if room is not None and room.deleted_at is not None:
                deleted = room.deleted_at.astimezone(self._zone)
                return f"Deleted {deleted:%Y-%m-%d %H:%M} {deleted.tzname()}"
            return "Deleted"
        if self._cols.states[slot] & ROW_MISSING:
            return "Expired: Whereby no longer lists this room"
        return "Expired: Whereby has removed this room"

    def _accessible_text(self, slot: int, column: int) -> str | None:
        cols = self._cols
        if column == _LABEL:
            return cols.labels[slot] or "No label"
        if column == _ENDS:
            return self._end_texts_of(slot).tooltip
        if column == _STATUS:
            return _STATUSES[cols.statuses[slot]].label
        if column == _MODE:
            return cols.mode_text(slot) or "Mode not known"
        if column == _LINKS:
            names = [kind.label for kind in _LINK_KINDS_OF[cols.links[slot]]]
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

    # -- slots ---------------------------------------------------------------------------------

    def _new_slot(self, room: StoredRoom) -> int:
        """A slot holding ``room``, not yet in any row."""
        if self._free:
            slot = self._free.pop()
        else:
            slot = self._cols.add_blank()
            if isinstance(self._sort_keys, array):
                self._sort_keys.append(_NO_KEY)
            else:
                self._sort_keys.append(None)
        self._index.add(room.meeting_id, slot)
        self._write_slot(slot, room, indexed=False)
        return slot

    def _write_slot(self, slot: int, room: StoredRoom, *, indexed: bool = True) -> None:
        if indexed:
            self._end_index.discard(slot, self._cols.ends[slot])
        # With a loader the room can be fetched again when asked for: not keeping 100,000 room
        # objects saves memory and keeps the garbage collector's full passes short.
        self._cols.write(slot, room, self._status_time, keep=self._loader is None)
        self._end_index.add(slot, self._cols.ends[slot])
        self._put_key(slot, self._key_of(slot))

    def _free_slots(self, slots: Collection[int]) -> None:
        """Let go of the rooms in ``slots``, which are leaving the rows."""
        self._index.discard(slots)  # first: it reads their meeting ids
        for slot in slots:
            self._end_index.discard(slot, self._cols.ends[slot])
            self._cols.clear(slot)
            self._put_key(slot, None)
            self._free.append(slot)

    def _put_key(self, slot: int, key: Any) -> None:
        keys = self._sort_keys
        if key is None and isinstance(keys, array):
            key = _NO_KEY
        keys[slot] = key

    def _key_of(self, slot: int) -> Any:
        if self._sort_column is None:
            return None
        return _sort_key_of(self._cols, self._sort_column, self._sort_order, slot)

    # -- rows ----------------------------------------------------------------------------------

    def _row_of(self, slot: int) -> int:
        """The row of ``slot`` (which must be in a row): found by its sort key, else by index."""
        order = self._order
        if self._row_of_slot is None and self._sort_column is not None:
            position = self._search_position(self._sort_keys[slot], slot)
            if position < len(order) and order[position] == slot:
                return position
        if self._row_of_slot is None:
            inverse = array("l", [-1]) * len(self._cols)
            for row, each in enumerate(order):
                inverse[each] = row
            self._row_of_slot = inverse
        return self._row_of_slot[slot]

    def _search_position(
        self, key: Any, slot: int, *, skip: int | None = None, within: Sequence[int] | None = None
    ) -> int:
        """Where a room with sort key ``key`` and ``slot``'s meeting id goes among the rows (or
        among ``within``: slots of some rows, in row order), counting as if the entry ``skip``
        were absent; for a slot that is there (and no skip), its own position."""
        order = self._order if within is None else within
        keys, id_of = self._sort_keys, self._cols.meeting_id
        reverse = _sort_reverses(self._sort_column, self._sort_order)
        mid = ""  # the slot's meeting id, cut out of its text when a tie first needs it
        low, high = 0, len(order) - (skip is not None)
        while low < high:
            middle = (low + high) // 2
            other = order[middle + 1 if skip is not None and middle >= skip else middle]
            if other == slot and skip is None:
                return middle
            # (key, meeting id) order, without a tuple per step: ids only break ties.
            other_key: Any = keys[other]
            wanted: Any
            if other_key == key:
                mid = mid or id_of(slot)
                other_key, wanted = id_of(other), mid
            else:
                wanted = key
            if (other_key < wanted) if reverse else (other_key > wanted):
                high = middle
            else:
                low = middle + 1
        return low

    def slotPosition(
        self, slots: Sequence[int], slot: int, *, skip: int | None = None
    ) -> int | None:
        """Where ``slot`` goes among ``slots`` (slots of some rows, in row order), counting as
        if the entry ``skip`` were absent; None when the rows have no sort order to search by.

        Found by the slot's current sort key, so the other slots must be in their places.
        """
        if self._sort_column is None:
            return None
        return self._search_position(self._sort_keys[slot], slot, skip=skip, within=slots)

    def _insert_position(self, slot: int, *, skip: int | None = None) -> int:
        """Where ``slot`` belongs in sort order, counting rows as if ``skip`` were absent."""
        if self._sort_column is None:
            return len(self._order) if skip is None else skip
        return self._search_position(self._sort_keys[slot], slot, skip=skip)

    def _move_row(self, existing: int, target: int) -> None:
        """Move the row ``existing`` so it ends up at ``target``, with a row move signal."""
        # Qt counts the destination before the move: moving down lands one row further.
        destination = target if target < existing else target + 1
        self.beginMoveRows(QModelIndex(), existing, existing, QModelIndex(), destination)
        self._order.insert(target, self._order.pop(existing))
        self._invalidate_row_caches()
        self.endMoveRows()

    def _patch_row_caches(self, row: int, slot: int) -> None:
        """Keep the row caches right after the room in ``row`` changed in place."""
        if self._row_search is not None:
            self._row_search[row] = self._cols.full_search_text(slot)
        if self._row_past is not None:
            self._row_past[row] = _IS_PAST[self._cols.statuses[slot]]

    def _emit_rows_changed(self, first: int, last: int) -> None:
        # Every role of every column: a status change also changes the dimmed colour, the font
        # and the sort and filter inputs, and an empty role list makes the proxy re-filter.
        self.dataChanged.emit(self.index(first, 0), self.index(last, _COLUMN_COUNT - 1), [])

    def _update_statuses(self, *, signal: bool) -> None:
        """Recompute the statuses a move of the clock may have changed (see _EndIndex)."""
        before, now = self._status_time, self._now.timestamp()
        self._status_time = now
        # A status changes when the clock passes end - "ends soon", end, or end + grace.
        low = min(before, now) - _GRACE_SECONDS - 1.0
        high = max(before, now) + _ENDS_SOON_SECONDS + 1.0
        cols = self._cols
        states, ends, statuses = cols.states, cols.ends, cols.statuses
        changed = [
            slot
            for slot in self._end_index.between(low, high)
            if _status_code_at(states[slot], ends[slot], now) != statuses[slot]
        ]
        if not changed:
            return
        rows = {slot: self._row_of(slot) for slot in changed} if signal else {}
        for slot in changed:
            statuses[slot] = _status_code_at(states[slot], ends[slot], now)
        if not signal:
            self._invalidate_row_caches()
            if self._sort_column in (_ENDS, _STATUS):
                self._reorder(signal=False)
            return
        for slot, row in rows.items():
            self._patch_row_caches(row, slot)
        for first, last in _runs_ascending(sorted(rows.values())):
            self._emit_rows_changed(first, last)
        if self._sort_column not in (_ENDS, _STATUS):
            return
        if len(changed) > _ROW_SIGNAL_LIMIT:
            self._reorder()
            return
        for slot in changed:  # one at a time: the rows stay in order around each move
            existing = self._row_of(slot)
            self._put_key(slot, self._key_of(slot))
            target = self._insert_position(slot, skip=existing)
            if target != existing:
                self._move_row(existing, target)

    def _reorder(self, *, signal: bool = True) -> None:
        """Put the rows in sort order with one layout change, keeping persistent indexes."""
        column = self._sort_column
        if column is None:
            return
        keys = self._sort_keys = _key_column(
            _sort_key_list(self._cols, column, self._sort_order), column
        )
        if len(self._order) < 2:
            return
        by_id = self._index.complete()
        reverse = _sort_reverses(column, self._sort_order)
        by_id = by_id[::-1] if reverse else by_id
        ordered = sorted(by_id, key=keys.__getitem__, reverse=reverse)
        if ordered == self._order:
            return
        if not signal:
            self._order = ordered
            self._invalidate_row_caches()
            return
        self._change_layout(lambda: ordered, hint=_SORT_HINT)

    def _resort_adding(self, added: Sequence[int]) -> None:
        """Add ``added`` slots and put every row in sort order again, in one layout change: for a
        batch that moves many rooms, quicker than finding each one's place (see _RESORT_SHARE)."""

        def new_order() -> list[int]:
            if self._sort_column is None:
                return self._order + list(added)
            by_id = self._index.complete()  # the added slots are in the index already
            keys = self._sort_keys
            reverse = _sort_reverses(self._sort_column, self._sort_order)
            return sorted(by_id[::-1] if reverse else by_id, key=keys.__getitem__, reverse=reverse)

        self._rearranged = None  # the proxy filters every row again
        self._change_layout(new_order, hint=_NO_HINT)

    def _rearrange(
        self,
        *,
        added: Sequence[int] = (),
        relocate: Sequence[int] = (),
        remove: set[int] | frozenset[int] = frozenset(),
    ) -> None:
        """Insert ``added`` slots, move ``relocate`` ones and drop ``remove`` ones in one layout
        change (a batch: signalling each row would cost the proxy and the view far more)."""

        def new_order() -> list[int]:
            gone = set(relocate) | remove
            order = [slot for slot in self._order if slot not in gone] if gone else self._order
            self._order = order
            self._free_slots(remove)
            incoming = [*relocate, *added]
            if self._sort_column is None:
                return order + incoming
            id_of = self._cols.meeting_id
            incoming.sort(
                key=lambda slot: (self._sort_keys[slot], id_of(slot)),
                reverse=_sort_reverses(self._sort_column, self._sort_order),
            )
            return _merged(order, incoming, [self._insert_position(slot) for slot in incoming])

        # What changed, for the proxy to patch its rows instead of filtering them all again.
        self._rearranged = (list(added), list(relocate), set(remove))
        try:
            self._change_layout(new_order, hint=_NO_HINT)
        finally:
            self._rearranged = None

    def _change_layout(self, new_order: Callable[[], list[int]], *, hint: Any) -> None:
        """Swap in the row order ``new_order()`` makes, between the layout signals, moving the
        persistent indexes with their rooms (those of removed rooms become invalid)."""
        # PySide6's stubs leave out the indexing that picks a signal's overload.
        self.layoutAboutToBeChanged[_LAYOUT_SIGNATURE].emit([], hint)  # type: ignore[index]
        persistent = self.persistentIndexList()
        id_of = self._cols.meeting_id
        held = [(self._order[index.row()], index.column()) for index in persistent]
        held_ids = [id_of(slot) for slot, _ in held]
        self._order = new_order()
        self._invalidate_row_caches()
        moved = [
            self.index(self._row_of(slot), column) if id_of(slot) == meeting_id else QModelIndex()
            for (slot, column), meeting_id in zip(held, held_ids, strict=True)
        ]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged[_LAYOUT_SIGNATURE].emit([], hint)  # type: ignore[index]


_IS_PAST = bytes(status in PAST_STATUSES for status in _STATUSES)  # by status code


_FLAGS = {
    column: Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
    | (Qt.ItemFlag.ItemIsEditable if column == _LABEL else Qt.ItemFlag.NoItemFlags)
    for column in range(_COLUMN_COUNT)
}


# Rooms from which the rows a reset replaces are let go of in a thread (see _Releaser).
_RELEASE_IN_BACKGROUND = 20_000


class _Releaser:
    """One thread that frees replaced rows, a slice at a time.

    Freeing 100,000 rooms' strings and objects takes tens of milliseconds and, as one C call,
    holds the GIL all along: on the GUI thread that is a stall. Handed to this thread, lists are
    emptied a few thousand items at a time, with a pause between slices in which the GIL is free.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[object, ...]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def release(self, *items: object) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="release replaced rooms", daemon=True
                )
                self._thread.start()
        self._queue.put(items)

    def _run(self) -> None:
        while True:
            self._release(self._queue.get())
            if self._queue.empty():
                # The allocator keeps most of the freed pages otherwise (see roomdesk.heap).
                give_back_free_memory()

    @staticmethod
    def _release(items: tuple[object, ...]) -> None:
        for item in items:
            columns = (
                [getattr(item, name) for name in _Columns.__slots__]
                if isinstance(item, _Columns)
                else [item]
            )
            for column in columns:
                if isinstance(column, list | bytearray):
                    while column:
                        del column[-4096:]
                        time.sleep(0.001)  # the GIL is free meanwhile: no waiting for it


_releaser = _Releaser()


def _merged(items: list[int], incoming: list[int], positions: list[int]) -> list[int]:
    """``items`` with each of ``incoming`` inserted before the item at its (ascending) position
    in ``positions``: one pass of slice copies instead of a list shift per insert."""
    merged: list[int] = []
    start = 0
    for item, position in zip(incoming, positions, strict=True):
        merged.extend(items[start:position])
        merged.append(item)
        start = position
    merged.extend(items[start:])
    return merged


def _runs_ascending(rows: list[int]) -> Iterable[tuple[int, int]]:
    """Contiguous (first, last) runs of the sorted row numbers ``rows``."""
    if not rows:
        return
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


# -- the proxy ---------------------------------------------------------------------------------


class RoomFilterProxyModel(QAbstractProxyModel):
    """Filters a :class:`RoomTableModel` by search terms and by whether past rooms show.

    ``sort()`` is passed on to the source model (see the module notes), so this proxy keeps the
    source's order. Past rooms (expired, deleted) are shown until :meth:`setShowPast` says
    otherwise.

    Its rows are a list of the source's storage slots, in the source's row order. Slots do not
    shift when the source inserts or removes rows, so following such a change costs a binary
    search (by the source's sort key) and one list insert or delete, not a pass over the rows.
    """

    # Results of recent queries kept for going back (backspace) while the rows stay the same.
    MEMO_SIZE = 8

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rooms: RoomTableModel | None = None
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
        if model is not None and not isinstance(model, RoomTableModel):
            raise TypeError("RoomFilterProxyModel filters a RoomTableModel")
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
        source = self._rooms
        if source is None:
            return []
        slots = None
        if not self._show_past:
            past = source.rowPastFlags()
            if 1 in past:
                slots = list(compress(source._order, past.translate(_NOT)))
        return self._narrowed(slots, self._terms)

    def _narrowed(self, slots: list[int] | None, terms: Sequence[str]) -> list[int] | None:
        """Those of ``slots`` (None: every row's) whose search text holds each of ``terms``."""
        if not terms:
            return slots
        assert self._rooms is not None
        columns = self._rooms._cols
        if slots is None:
            slots = self._rooms._order
        for term in terms:
            slots = columns.slots_with(term, slots)
        return slots

    def _patched_slots(
        self, added: list[int], moved: list[int], removed: set[int]
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
        incoming.sort(key=source._row_of)  # their new rows: the order they take among the rest
        positions = [source.slotPosition(slots, slot) for slot in incoming]
        if None in positions:  # unsorted: the source appended them in this order
            return slots + incoming
        return _merged(slots, incoming, positions)  # type: ignore[arg-type]

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
        return self._rooms._order[row]

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
        row_of = self._rooms._row_of
        if not self._slots or row_of(self._slots[-1]) < row_of(slot):
            return len(self._slots)
        return bisect_left(self._slots, row_of(slot), key=row_of)

    def mapToSource(self, proxy_index: AnyIndex) -> QModelIndex:
        if self._rooms is None or not proxy_index.isValid():
            return QModelIndex()
        row = self._rooms.rowOfSlot(self._slot_at(proxy_index.row()))
        return QModelIndex() if row is None else self._rooms.index(row, proxy_index.column())

    def mapFromSource(self, source_index: AnyIndex) -> QModelIndex:
        if self._rooms is None or not source_index.isValid():
            return QModelIndex()
        if self._slots is None:
            return self.createIndex(source_index.row(), source_index.column())
        return self._index_of_slot(self._rooms.slotAt(source_index.row()), source_index.column())

    def index(self, row: int, column: int, parent: AnyIndex | None = None) -> QModelIndex:
        if (parent is not None and parent.isValid()) or not (
            0 <= row < self.rowCount() and 0 <= column < _COLUMN_COUNT
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
        return _COLUMN_COUNT

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
            slot = source._order[row]
        else:
            slot = self._slot_at(row)
        return source._cell(slot, index.column(), role)

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
        return self._rooms._room_of(self._slot_at(row))

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
        change = self._rooms._rearranged
        self._set_slots(self._filtered_slots() if change is None else self._patched_slots(*change))
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
        new_slots = source._order[first : last + 1]
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
            self._slots = [slot for slot in source._order if slot not in fresh]
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
        going = self._rooms._order[first : last + 1]
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
        for slot in source._order[first : last + 1]:
            accepted = source.slotAccepted(slot, self._terms, self._show_past)
            row = self._row_of_slot(slot)
            if accepted and row is None:
                row = self._show_slot(slot)
            elif row is not None and not accepted:
                self._hide_row(row)
                row = None
            if row is not None:
                rows.append(row)
        for top, bottom in _runs_ascending(sorted(rows)):
            self.dataChanged.emit(self.index(top, left), self.index(bottom, right), roles)

    def _shown_range(self, first: int, last: int) -> tuple[int, int]:
        """The proxy rows covering the source rows ``first``…``last`` (empty when top > bottom)."""
        if self._slots is None:
            return first, last
        if last - first >= _ROW_SIGNAL_LIMIT:  # a wide range: all shown rows, cheaper than looking
            return 0, len(self._slots) - 1
        assert self._rooms is not None
        going = self._rooms._order[first : last + 1]
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
            self._slots = list(self._rooms._order)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._slots[row]
        self.endRemoveRows()


_NOT = bytes.maketrans(b"\x00\x01", b"\x01\x00")  # flips 0/1 flags
