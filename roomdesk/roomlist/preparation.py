"""Preparing rooms for the table: the columns, indexes and order of a whole list, built at once.

:func:`prepare_rooms` turns rooms (StoredRoom values, or the store's column snapshot
:class:`~roomdesk.store.db.RoomRows`) into a :class:`PreparedRooms`, sorted, touching nothing
but its own objects, so it may run in a worker thread; the table then swaps it in whole (see
:meth:`~roomdesk.roomlist.table.RoomTable.adopt`). Rows loaded from a snapshot get their
StoredRoom from the snapshot's loader when first asked for it.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import compress, repeat
from typing import Any

from roomdesk.domain.status import RoomStatus
from roomdesk.domain.times import require_aware
from roomdesk.roomlist.columns import (
    OWN_ROOM_TEXT,
    Columns,
    keep_search_texts,
    link_bits,
    own_meeting_ids,
    room_span,
    room_text_of,
    state_bits,
)
from roomdesk.roomlist.indexes import EndIndex
from roomdesk.roomlist.ordering import (
    SortOrder,
    key_column,
    sort_key_list,
    sort_reverses,
    sorted_at_once,
    sorted_in_steps,
    stepwise,
)
from roomdesk.roomlist.runtime import bulk_work
from roomdesk.roomlist.texts import (
    ENDS_COL,
    ModeTexts,
    mode_text,
    name_from_url,
    search_text,
    status_code_at,
)
from roomdesk.roomlist.tuning import DEFAULT_TUNING, RoomListTuning
from roomdesk.store.records import StoredRoom
from roomdesk.store.rows import RoomRows

RoomLoader = Callable[[str], StoredRoom | None]


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
        "tuning",
    )

    def __init__(
        self,
        now: datetime,
        loader: RoomLoader | None = None,
        tuning: RoomListTuning = DEFAULT_TUNING,
    ) -> None:
        self.now = now
        self.loader = loader
        self.tuning = tuning
        self.columns = Columns(tuning.origins_max)
        self.order: list[int] = []  # row -> slot
        self.by_id = array("i")  # slots in meeting id order: see IdIndex
        self.sort_column: int | None = None
        self.sort_order = SortOrder.ASCENDING
        self.sort_keys: list[Any] | array[float] = []  # slot -> primary key of the sort
        self.end_index = EndIndex()

    def __len__(self) -> int:
        return len(self.order)


def prepare_rooms(
    rooms: Iterable[StoredRoom] | RoomRows,
    *,
    now: datetime,
    sort_column: int | None = ENDS_COL,
    sort_order: SortOrder = SortOrder.ASCENDING,
    in_worker: bool = False,
    tuning: RoomListTuning = DEFAULT_TUNING,
) -> PreparedRooms:
    """Turn ``rooms`` into model columns, in the given order. Thread-safe: no Qt involved.

    A meeting id given twice keeps its last room. StoredRoom values are kept (the model hands out
    those very objects); a :class:`RoomRows` snapshot keeps only what the table shows, and its
    ``loader`` fetches a StoredRoom when one is asked for. ``in_worker``: sort in short steps
    (see :func:`sorted_in_steps`), slower in all but never holding the GIL for long.
    """
    require_aware(now, "now")
    if not in_worker:
        return _prepare(rooms, now, sort_column, sort_order, tuning, sorted_at_once)
    with bulk_work():
        return _prepare(rooms, now, sort_column, sort_order, tuning, sorted_in_steps)


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


def _prepare(
    rooms: Iterable[StoredRoom] | RoomRows,
    now: datetime,
    sort_column: int | None,
    sort_order: SortOrder,
    tuning: RoomListTuning,
    sort_steps: Callable[..., list[int]],
) -> PreparedRooms:
    now_ts = now.timestamp()
    step = tuning.sort_step
    sort = functools.partial(sort_steps, step=step)
    if isinstance(rooms, RoomRows):
        prepared = PreparedRooms(now, rooms.loader, tuning)
        # Meeting ids are unique in the store. The labels' list is copied: the model changes its
        # columns later.
        mids, labels, names = rooms.meeting_ids, list(rooms.labels), rooms.room_names
        urls, hosts, viewers = rooms.room_urls, rooms.host_room_urls, rooms.viewer_room_urls
        ends, states_ = array("d", rooms.ends), rooms.states
        room_modes, options = rooms.room_modes, rooms.options
        room_texts = [name or name_from_url(url) for name, url in zip(names, urls, strict=True)]
        states = bytearray(states_)
        modes = list(map(ModeTexts().text, room_modes, options))
        kept: list[StoredRoom] = []
        starts = {slot: start for slot, start in enumerate(rooms.starts) if start is not None}
    else:
        prepared = PreparedRooms(now, tuning=tuning)
        kept = list({room.meeting_id: room for room in rooms}.values())
        mids = [room.meeting_id for room in kept]
        labels = [room.label for room in kept]
        urls = [room.room_url for room in kept]
        hosts = [room.host_room_url for room in kept]
        viewers = [room.viewer_room_url for room in kept]
        room_texts = list(map(room_text_of, kept))
        ends = array("d", [room.end_date.timestamp() for room in kept])
        states = bytearray(map(state_bits, kept))
        modes = [mode_text(room) for room in kept]
        starts = {
            slot: room.planned_start.timestamp()
            for slot, room in enumerate(kept)
            if room.planned_start is not None
        }
    columns = prepared.columns
    columns.starts = starts
    columns.labels = labels
    columns.ends, columns.states = ends, states
    columns.modes = columns.mode_column(modes)
    del modes
    columns.statuses = bytearray(map(status_code_at, states, ends, repeat(now_ts)))
    columns.links = bytearray(map(link_bits, urls, hosts, viewers))
    prepared.sort_column, prepared.sort_order = sort_column, SortOrder(sort_order)
    # One int object per slot, shared by every list below (an int above 256 costs 28 bytes).
    slots = list(range(len(mids)))
    by_id = sort(slots, key=mids.__getitem__)
    if sort_column is not None:
        keys = sort_key_list(columns, sort_column, sort_order, step, room_texts)
        reverse = sort_reverses(sort_column, sort_order)
        perm = sort(by_id[::-1] if reverse else by_id, key=keys.__getitem__, reverse=reverse)
        # Slots in row order: rows next to each other are next to each other in memory.
        for name in Columns.__slots__:
            if name not in _NOT_PERMUTED:
                setattr(columns, name, permuted(getattr(columns, name), perm, step))
        mids, urls, hosts, viewers, room_texts = (
            permuted(texts, perm, step) for texts in (mids, urls, hosts, viewers, room_texts)
        )
        if kept:
            kept = permuted(kept, perm, step)
        prepared.sort_keys = key_column(stepwise(map(keys.__getitem__, perm), step), sort_column)
        new_slot = [0] * len(perm)
        for slot, old in zip(slots, perm, strict=True):
            new_slot[old] = slot
        by_id = stepwise(map(new_slot.__getitem__, by_id), step)
        columns.starts = {new_slot[old]: start for old, start in starts.items()}
    else:
        prepared.sort_keys = [None] * len(mids)
    prepared.by_id = array("i", by_id)
    del by_id
    columns.rooms = dict(enumerate(kept))
    # Made last and in row order, so a filter pass reads them front to back in memory.
    labels = columns.labels
    texts = map(search_text, labels, room_texts, urls, hosts, viewers, mids)
    keep_search_texts(columns, texts, tuning)
    search = columns.search
    columns.own_meeting_ids = own_meeting_ids(search, mids, step)
    del mids  # the ids stay only inside the search texts
    columns.room_spans = array("I", stepwise(map(room_span, search, room_texts), step))
    columns.own_room_texts = {
        slot: room_texts[slot]
        for slot in compress(slots, map(OWN_ROOM_TEXT.__eq__, columns.room_spans))
    }
    del room_texts  # the names stay only inside the search texts
    prepared.order = slots
    prepared.end_index = EndIndex.build(columns.ends, slots, step)
    return prepared


# What _prepare does not permute: columns it makes after the rows are in order, and tables
# that are not by slot.
_NOT_PERMUTED = frozenset(
    {
        "mode_numbers",
        "mode_texts",
        "search",
        "origin_ids",
        "origins",
        "origins_max",
        "origin_numbers",
        "own_meeting_ids",
        "room_spans",
        "own_room_texts",
        "rooms",
        "starts",
    }
)


def permuted(column: Any, perm: list[int], step: int) -> Any:
    """``column`` (a list, bytearray or array) in the order of ``perm``."""
    items = stepwise(map(column.__getitem__, perm), step)
    if isinstance(column, list):
        return items
    return array(column.typecode, items) if isinstance(column, array) else bytearray(items)
