"""The room list as a table of rows, without Qt: :class:`RoomTable`.

It keeps the rooms in columns (see :mod:`roomdesk.roomlist.columns`), an index by meeting id and
one by end hour, and the row order: ``order`` maps rows to slots, so sorting rewrites one list of
ints and the rows are always in sort order (new rooms are inserted in place and moved when they
change). Status comes from the table's clock (:meth:`RoomTable.set_now`); the end index finds the
few rooms whose status a clock step can change, so a tick costs nothing per room.

Every operation returns what it changed as small values (see :mod:`roomdesk.roomlist.changes`).
A view layer that must announce a change before it happens (Qt's begin/end signals) passes a
:class:`ChangeListener`, told just before and just after each one.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from itertools import compress
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from roomdesk.domain.sessions import session_text
from roomdesk.domain.status import RoomStatus
from roomdesk.domain.times import EndTexts, format_end, get_zone, require_aware
from roomdesk.roomlist.changes import (
    CellsChanged,
    Change,
    Relayout,
    Reset,
    RowMoved,
    RowsInserted,
    RowsRemoved,
)
from roomdesk.roomlist.columns import Columns
from roomdesk.roomlist.indexes import IdIndex
from roomdesk.roomlist.ordering import (
    NO_KEY,
    SortOrder,
    key_column,
    merged,
    runs_ascending,
    runs_descending,
    sort_key_list,
    sort_key_of,
    sort_reverses,
)
from roomdesk.roomlist.preparation import PreparedRooms, prepare_rooms
from roomdesk.roomlist.runtime import release_in_background
from roomdesk.roomlist.texts import (
    COLUMN_COUNT,
    ENDS_COL,
    ENDS_SOON_SECONDS,
    GRACE_SECONDS,
    IS_PAST,
    LINK_KINDS_OF,
    LINKS_TEXT,
    SESSION_COL,
    STATUS_COL,
    STATUSES,
    status_code_at,
)
from roomdesk.roomlist.tuning import DEFAULT_TUNING, RoomListTuning
from roomdesk.store.records import LinkKind, StoredRoom
from roomdesk.store.rows import ROW_MISSING, RoomRows
from roomdesk.timezones import system_zone_name


class ChangeListener(Protocol):
    """Told of each change just before the table makes it and just after."""

    def about_to_change(self, change: Change) -> None: ...

    def changed(self, change: Change) -> None: ...


class TableInconsistent(AssertionError):
    """:meth:`RoomTable.check` found the indexes, the order and the columns disagreeing."""


class RoomTable:
    """The rooms as rows, in sort order (default: Ends ascending), with a clock for statuses.

    Rows are numbered from 0 in the current order. Each room also has a *slot*, which stays with
    it while rows move: views that keep their own list of rows (a filter) hold slots.
    """

    def __init__(
        self,
        *,
        now: datetime | None = None,
        zone_name: str | None = None,
        tuning: RoomListTuning = DEFAULT_TUNING,
        listener: ChangeListener | None = None,
    ) -> None:
        self.tuning = tuning
        self._listener = listener
        self._now = datetime.now(UTC) if now is None else require_aware(now, "now")
        self._zone_name = zone_name or system_zone_name()
        self._zone = get_zone(self._zone_name)
        self._end_texts: dict[float, EndTexts] = {}
        # (start, end) -> the session as shown, and case-folded for the filter: rooms planned
        # alike share one.
        self._session_texts: dict[tuple[float, float], tuple[str, str]] = {}
        self._sort_column: int | None = ENDS_COL
        self._sort_order = SortOrder.ASCENDING
        self._changes: list[Change] = []
        # The change being made while the listener hears of it (None in between).
        self._current: Change | None = None
        self._adopt(PreparedRooms(self._now, tuning=tuning))

    def _adopt(self, prepared: PreparedRooms) -> None:
        self._cols = prepared.columns
        self._loader = prepared.loader
        self._order = prepared.order  # row -> slot
        self._sort_keys = prepared.sort_keys  # slot -> primary key of the current sort
        self._end_index = prepared.end_index
        self._index = IdIndex(prepared.columns, prepared.by_id, self.tuning)
        self._free: list[int] = []  # slots of removed rooms, reused by the next new rooms
        self._status_time = prepared.now.timestamp()  # the clock the statuses were worked out at
        self._invalidate_row_caches()

    def _invalidate_row_caches(self) -> None:
        self._row_of_slot: array[int] | None = None  # machine ints: no int object per row
        self._row_search: list[str] | None = None
        self._row_past: bytearray | None = None

    # -- changes ---------------------------------------------------------------------------

    def _make(self, change: Change, apply: Callable[[], None] | None = None) -> None:
        """Make ``change`` with ``apply()``, telling the listener before and after."""
        listener = self._listener
        self._current = change
        try:
            if listener is not None:
                listener.about_to_change(change)
            if apply is not None:
                apply()
            if listener is not None:
                listener.changed(change)
        finally:
            self._current = None
        self._changes.append(change)

    def _taken_changes(self) -> tuple[Change, ...]:
        changes, self._changes = self._changes, []
        return tuple(changes)

    def current_change(self) -> Change | None:
        """The change the listener is being told of (for views following another view)."""
        return self._current

    @property
    def columns(self) -> Columns:
        """The column store itself, for looking at how the rooms are kept (not to be changed)."""
        return self._cols

    # -- size, order and clock -------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._order)

    @property
    def sort_column(self) -> int | None:
        return self._sort_column

    @property
    def sort_order(self) -> SortOrder:
        return self._sort_order

    def sort(
        self, column: int | None, order: SortOrder = SortOrder.ASCENDING
    ) -> tuple[Change, ...]:
        """Order the rows by ``column`` (None: keep the current order)."""
        if column is not None and not 0 <= column < COLUMN_COUNT:
            raise ValueError(f"no column {column} to sort by")
        # A plain int: the hot paths compare it with ints, cheaper than with an IntEnum member.
        wanted = (None if column is None else int(column), SortOrder(order))
        if wanted != (self._sort_column, self._sort_order):
            self._sort_column, self._sort_order = wanted
            self._reorder()
        return self._taken_changes()

    @property
    def now(self) -> datetime:
        return self._now

    def set_now(self, now: datetime) -> tuple[Change, ...]:
        """Move the clock to ``now`` (aware) and update the statuses that changed."""
        self._now = require_aware(now, "now")
        return self.refresh_statuses()

    def refresh_statuses(self) -> tuple[Change, ...]:
        """Bring every status to the table's clock."""
        self._update_statuses(signal=True)
        return self._taken_changes()

    @property
    def zone_name(self) -> str:
        return self._zone_name

    @property
    def zone(self) -> ZoneInfo:
        """The zone end dates are shown in."""
        return self._zone

    def set_zone(self, zone_name: str) -> tuple[Change, ...]:
        """Show end dates in the IANA zone ``zone_name`` (RequestValidationError if unknown)."""
        zone = get_zone(zone_name)
        if zone_name != self._zone_name:
            self._zone_name, self._zone = zone_name, zone
            self._end_texts.clear()
            self._session_texts.clear()
            if self._order:
                columns = (ENDS_COL, SESSION_COL)
                change = CellsChanged(0, len(self._order) - 1, columns, texts_only=True)
                self._make(change)
            # A session reads differently in another zone, so a filter may match it or not now.
            planned = sorted(map(self._row_of, self._cols.starts))
            for first, last in runs_ascending(planned):
                self._make(CellsChanged(first, last))
        return self._taken_changes()

    # -- rooms -----------------------------------------------------------------------------

    def prepare(
        self, rooms: Iterable[StoredRoom] | RoomRows, *, in_worker: bool = True
    ) -> PreparedRooms:
        """:func:`prepare_rooms` with this table's clock, order and tuning. Touches nothing of
        the table, so it may run in a worker thread; hand the result to :meth:`adopt`."""
        return prepare_rooms(
            rooms,
            now=self._now,
            sort_column=self._sort_column,
            sort_order=self._sort_order,
            in_worker=in_worker,
            tuning=self.tuning,
        )

    def set_rooms(self, rooms: Iterable[StoredRoom] | RoomRows) -> tuple[Change, ...]:
        """Replace every row. A meeting id given twice keeps its last room."""
        return self.adopt(self.prepare(rooms, in_worker=False))

    def adopt(self, prepared: PreparedRooms) -> tuple[Change, ...]:
        """Replace every row with ``prepared``. Statuses are brought to the table's clock and
        rows to its order if either moved while it was being prepared."""

        def apply() -> None:
            self._end_texts.clear()  # only the ends shown get formatted again: a small cache
            self._session_texts.clear()
            retired = (self._cols, self._order, self._sort_keys, self._index.added)
            self._adopt(prepared)
            if len(retired[0]) >= self.tuning.release_in_background:
                release_in_background(*retired)
            del retired
            self._update_statuses(signal=False)
            if (prepared.sort_column, prepared.sort_order) != (
                self._sort_column,
                self._sort_order,
            ):
                self._reorder(signal=False)

        self._make(Reset(), apply)
        return self._taken_changes()

    def upsert(self, room: StoredRoom) -> tuple[Change, ...]:
        """Add ``room``, or replace the row with its meeting id (moving it if its place changed)."""
        self._upsert(room)
        return self._taken_changes()

    def _upsert(self, room: StoredRoom) -> None:
        slot = self._index.get(room.meeting_id)
        if slot is None:
            slot = self._new_slot(room)
            position = self._insert_position(slot)

            def insert() -> None:
                self._order.insert(position, slot)
                self._invalidate_row_caches()

            self._make(RowsInserted(position, 1), insert)
            return
        existing = self._row_of(slot)
        self._write_slot(slot, room)
        target = self._insert_position(slot, skip=existing)
        if target != existing:
            self._move_row(existing, target)
        else:
            self._patch_row_caches(target, slot)
        self._make(CellsChanged(target, target))

    def upsert_many(self, rooms: Iterable[StoredRoom]) -> tuple[Change, ...]:
        """:meth:`upsert` for many rooms at once (a sync's page), with few changes.

        Rooms whose row stays put are told as changed, and rooms showing just what they showed
        not at all; if any is new or moves, the rows are rearranged in one layout change instead
        of one change per room.
        """
        unique = list({room.meeting_id: room for room in rooms}.values())
        if len(unique) <= 2:
            for room in unique:
                self._upsert(room)
            return self._taken_changes()
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
                # no change, which for a hidden row would cost a filter a search.
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
        tuning = self.tuning
        if moved >= tuning.resort_min_moves and moved * tuning.resort_share >= len(self._order):
            self._resort_adding(added)
        elif moved:
            self._rearrange(added=added, relocate=relocate)
        if moved:  # rows have shifted: look each one up again
            rows = sorted(self._row_of(slot) for _, slot in in_place)
        else:
            rows = sorted(row for row, _ in in_place)
        for first, last in runs_ascending(rows):
            self._make(CellsChanged(first, last))
        return self._taken_changes()

    def remove(self, meeting_ids: Iterable[str]) -> tuple[Change, ...]:
        """Remove the rows of ``meeting_ids`` (unknown ids are ignored), one change per run
        (one layout change when the rows are scattered widely)."""
        slots = {slot for mid in meeting_ids if (slot := self._index.get(mid)) is not None}
        if not slots:
            return ()
        rows = sorted((self._row_of(slot) for slot in slots), reverse=True)
        runs = list(runs_descending(rows))
        if len(runs) > self.tuning.row_signal_limit:
            self._rearrange(remove=slots)
            return self._taken_changes()
        # Bottom run first, so the row numbers of the runs still to go stay right.
        for first, last in runs:

            def delete(first: int = first, last: int = last) -> None:
                self._free_slots(self._order[first : last + 1])
                del self._order[first : last + 1]
                self._invalidate_row_caches()

            self._make(RowsRemoved(first, last - first + 1), delete)
        return self._taken_changes()

    # -- rows, slots and rooms -------------------------------------------------------------

    def slot_at(self, row: int) -> int:
        """The slot of ``row``: it stays with its room while rows move."""
        return self._order[row]

    def row_slots(self) -> Sequence[int]:
        """The slot of every row, in row order: the table's own list, not to be changed."""
        return self._order

    def row_of(self, meeting_id: str) -> int | None:
        """The row showing ``meeting_id``, or None."""
        slot = self._index.get(meeting_id)
        return None if slot is None else self._row_of(slot)

    def slot_row(self, slot: int) -> int:
        """The row of ``slot``, which must be in a row (see :meth:`row_of_slot` otherwise)."""
        return self._row_of(slot)

    def row_of_slot(self, slot: int) -> int | None:
        """The row of the room in ``slot``, or None when that room is gone."""
        if not (0 <= slot < len(self._cols) and self._cols.search[slot]):
            return None
        return self._row_of(slot)

    def room_at(self, row: int) -> StoredRoom | None:
        return self.room_of_slot(self._order[row]) if 0 <= row < len(self._order) else None

    def rooms(self) -> list[StoredRoom]:
        """Every room, in row order (rows from a snapshot are loaded: slow for many)."""
        found = (self.room_of_slot(slot) for slot in self._order)
        return [room for room in found if room is not None]

    def room_of_slot(self, slot: int) -> StoredRoom | None:
        """The StoredRoom in ``slot``: the one given, or loaded from the snapshot's store."""
        cols = self._cols
        room = cols.rooms.get(slot)
        if room is None and self._loader is not None and cols.search[slot]:
            room = self._loader(cols.meeting_id(slot))
            if room is not None:
                cols.rooms[slot] = room
        return room

    # -- cells: what a slot shows ----------------------------------------------------------

    def meeting_id(self, slot: int) -> str:
        return self._cols.meeting_id(slot)

    def label(self, slot: int) -> str:
        return self._cols.labels[slot]

    def room_text(self, slot: int) -> str:
        """The room's name on Whereby (the last part of its link when it has none)."""
        return self._cols.room_text(slot)

    def end(self, slot: int) -> float:
        """The end as epoch seconds."""
        return self._cols.ends[slot]

    def end_texts(self, slot: int) -> EndTexts:
        """The end as the Ends column shows it, in the table's zone."""
        end = self._cols.ends[slot]
        texts = self._end_texts.get(end)
        if texts is None:
            moment = datetime.fromtimestamp(end, UTC)
            texts = self._end_texts[end] = format_end(moment, self._zone)
        return texts

    def start(self, slot: int) -> float | None:
        """The planned start as epoch seconds, or None for a room without one."""
        return self._cols.starts.get(slot)

    def session_text(self, slot: int) -> str:
        """The session as the Session column shows it, in the table's zone ("" for none)."""
        return self._session_texts_of(slot)[0]

    def _session_texts_of(self, slot: int) -> tuple[str, str]:
        start = self._cols.starts.get(slot)
        if start is None:
            return "", ""
        key = (start, self._cols.ends[slot])
        texts = self._session_texts.get(key)
        if texts is None:
            shown = session_text(
                datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(key[1], UTC), self._zone
            )
            texts = self._session_texts[key] = (shown, shown.casefold())
        return texts

    def _session_matches(self, term: str) -> set[int]:
        """The slots whose case-folded session text holds ``term``."""
        return {slot for slot in self._cols.starts if term in self._session_texts_of(slot)[1]}

    def status(self, slot: int) -> RoomStatus:
        return STATUSES[self._cols.statuses[slot]]

    def is_past(self, slot: int) -> bool:
        """Whether the room is expired or deleted."""
        return IS_PAST[self._cols.statuses[slot]] == 1

    def missing_on_server(self, slot: int) -> bool:
        """Whether Whereby no longer lists the room."""
        return self._cols.states[slot] & ROW_MISSING != 0

    def mode_text(self, slot: int) -> str:
        """ "Normal", "Group", "Viewer" or "" when not known (imported rooms)."""
        return self._cols.mode_text(slot)

    def links_text(self, slot: int) -> str:
        return LINKS_TEXT[self._cols.links[slot]]

    def link_kinds(self, slot: int) -> tuple[LinkKind, ...]:
        return LINK_KINDS_OF[self._cols.links[slot]]

    def search_text(self, slot: int) -> str:
        """The case-folded label, room name, links and meeting id the filter looks in, and the
        session's text on a line of its own when the room has one."""
        text = self._cols.full_search_text(slot)
        if slot in self._cols.starts:
            return f"{text}\n{self._session_texts_of(slot)[1]}"
        return text

    def sort_key(self, slot: int) -> Any:
        """The slot's primary key in the current sort (None when unsorted)."""
        return None if self._sort_column is None else self._sort_keys[slot]

    # -- filtering -------------------------------------------------------------------------

    def row_search_texts(self) -> list[str]:
        """The search text of every row, in row order (cached until the rows change)."""
        if self._row_search is None:
            self._row_search = list(map(self._cols.full_search_text, self._order))
        return self._row_search

    def row_past_flags(self) -> bytearray:
        """1 for each row whose room is past (expired or deleted), in row order (cached)."""
        if self._row_past is None:
            statuses = map(self._cols.statuses.__getitem__, self._order)
            self._row_past = bytearray(map(IS_PAST.__getitem__, statuses))
        return self._row_past

    def slot_accepted(self, slot: int, terms: Sequence[str], show_past: bool) -> bool:
        """Whether the room in ``slot`` passes a filter of ``terms`` and ``show_past``."""
        if not show_past and IS_PAST[self._cols.statuses[slot]]:
            return False
        text = self.search_text(slot)
        return all(term in text for term in terms)

    def filter_slots(self, terms: Sequence[str], show_past: bool) -> list[int] | None:
        """The slots of the rows that pass a filter of ``terms`` (case-folded, no newline) and
        ``show_past``, in row order; None when that is every row."""
        slots = None
        if not show_past:
            past = self.row_past_flags()
            if 1 in past:
                slots = list(compress(self._order, past.translate(_NOT)))
        return self.narrow_slots(slots, terms)

    def narrow_slots(self, slots: list[int] | None, terms: Sequence[str]) -> list[int] | None:
        """Those of ``slots`` (slots of rows; None: every row's) whose search text holds each of
        ``terms``: a filter that only narrows an earlier one looks at its matches alone."""
        if not terms:
            return slots
        found = self._order if slots is None else slots
        for term in terms:
            # Sessions are looked at apart: few rooms have one, and their text follows the zone.
            in_sessions = self._session_matches(term) if self._cols.starts else None
            if not in_sessions:
                found = self._cols.slots_with(term, found)
                continue
            matched = in_sessions.union(self._cols.slots_with(term, found))
            found = [slot for slot in found if slot in matched]
        return found

    def slot_position(
        self, slots: Sequence[int], slot: int, *, skip: int | None = None
    ) -> int | None:
        """Where ``slot`` goes among ``slots`` (slots of some rows, in row order), counting as
        if the entry ``skip`` were absent; None when the rows have no sort order to search by.

        Found by the slot's current sort key, so the other slots must be in their places.
        """
        if self._sort_column is None:
            return None
        return self._search_position(self._sort_keys[slot], slot, skip=skip, within=slots)

    # -- slots -----------------------------------------------------------------------------

    def _new_slot(self, room: StoredRoom) -> int:
        """A slot holding ``room``, not yet in any row."""
        if self._free:
            slot = self._free.pop()
        else:
            slot = self._cols.add_blank()
            if isinstance(self._sort_keys, array):
                self._sort_keys.append(NO_KEY)
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
            key = NO_KEY
        keys[slot] = key

    def _key_of(self, slot: int) -> Any:
        if self._sort_column is None:
            return None
        return sort_key_of(self._cols, self._sort_column, self._sort_order, slot)

    # -- rows ------------------------------------------------------------------------------

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
        reverse = sort_reverses(self._sort_column, self._sort_order)
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

    def _insert_position(self, slot: int, *, skip: int | None = None) -> int:
        """Where ``slot`` belongs in sort order, counting rows as if ``skip`` were absent."""
        if self._sort_column is None:
            return len(self._order) if skip is None else skip
        return self._search_position(self._sort_keys[slot], slot, skip=skip)

    def _move_row(self, existing: int, target: int) -> None:
        """Move the row ``existing`` so it ends up at ``target``."""

        def move() -> None:
            self._order.insert(target, self._order.pop(existing))
            self._invalidate_row_caches()

        self._make(RowMoved(existing, target), move)

    def _patch_row_caches(self, row: int, slot: int) -> None:
        """Keep the row caches right after the room in ``row`` changed in place."""
        if self._row_search is not None:
            self._row_search[row] = self._cols.full_search_text(slot)
        if self._row_past is not None:
            self._row_past[row] = IS_PAST[self._cols.statuses[slot]]

    def _update_statuses(self, *, signal: bool) -> None:
        """Recompute the statuses a move of the clock may have changed (see EndIndex)."""
        before, now = self._status_time, self._now.timestamp()
        self._status_time = now
        # A status changes when the clock passes end - "ends soon", end, or end + grace.
        low = min(before, now) - GRACE_SECONDS - 1.0
        high = max(before, now) + ENDS_SOON_SECONDS + 1.0
        cols = self._cols
        states, ends, statuses = cols.states, cols.ends, cols.statuses
        changed = [
            slot
            for slot in self._end_index.between(low, high)
            if status_code_at(states[slot], ends[slot], now) != statuses[slot]
        ]
        if not changed:
            return
        rows = {slot: self._row_of(slot) for slot in changed} if signal else {}
        for slot in changed:
            statuses[slot] = status_code_at(states[slot], ends[slot], now)
        if not signal:
            self._invalidate_row_caches()
            if self._sort_column in (ENDS_COL, STATUS_COL):
                self._reorder(signal=False)
            return
        for slot, row in rows.items():
            self._patch_row_caches(row, slot)
        for first, last in runs_ascending(sorted(rows.values())):
            self._make(CellsChanged(first, last))
        if self._sort_column not in (ENDS_COL, STATUS_COL):
            return
        if len(changed) > self.tuning.row_signal_limit:
            self._resettle(changed)
            return
        for slot in changed:  # one at a time: the rows stay in order around each move
            existing = self._row_of(slot)
            self._put_key(slot, self._key_of(slot))
            target = self._insert_position(slot, skip=existing)
            if target != existing:
                self._move_row(existing, target)

    def _resettle(self, slots: Sequence[int]) -> None:
        """Give ``slots`` their new sort keys and move the rows whose key changed, in one layout
        change: each put in place by binary search, or every row sorted again when they are
        many (see the tuning). A clock that jumped (a computer woken from sleep) changes some
        dozens of statuses among 100,000 rows; sorting them all for it was a visible stall."""
        moving = []
        keys = self._sort_keys
        for slot in slots:
            key = self._key_of(slot)
            if key != keys[slot]:
                self._put_key(slot, key)
                moving.append(slot)
        tuning = self.tuning
        if len(moving) >= tuning.resort_min_moves and len(moving) * tuning.resort_share >= len(
            self._order
        ):
            self._reorder()
        elif moving:
            self._rearrange(relocate=moving)

    def _reorder(self, *, signal: bool = True) -> None:
        """Put the rows in sort order with one layout change."""
        column = self._sort_column
        if column is None:
            return
        keys = self._sort_keys = key_column(
            sort_key_list(self._cols, column, self._sort_order, self.tuning.sort_step), column
        )
        if len(self._order) < 2:
            return
        by_id = self._index.complete()
        reverse = sort_reverses(column, self._sort_order)
        by_id = by_id[::-1] if reverse else by_id
        ordered = sorted(by_id, key=keys.__getitem__, reverse=reverse)
        if ordered == self._order:
            return
        if not signal:
            self._order = ordered
            self._invalidate_row_caches()
            return
        self._relayout(Relayout(sort=True), lambda: ordered)

    def _resort_adding(self, added: Sequence[int]) -> None:
        """Add ``added`` slots and put every row in sort order again, in one layout change: for a
        batch that moves many rooms, quicker than finding each one's place (see the tuning)."""

        def new_order() -> list[int]:
            if self._sort_column is None:
                return self._order + list(added)
            by_id = self._index.complete()  # the added slots are in the index already
            keys = self._sort_keys
            reverse = sort_reverses(self._sort_column, self._sort_order)
            return sorted(by_id[::-1] if reverse else by_id, key=keys.__getitem__, reverse=reverse)

        self._relayout(Relayout(), new_order)  # no patch: a filter looks at every row again

    def _rearrange(
        self,
        *,
        added: Sequence[int] = (),
        relocate: Sequence[int] = (),
        remove: set[int] | frozenset[int] = frozenset(),
    ) -> None:
        """Insert ``added`` slots, move ``relocate`` ones and drop ``remove`` ones in one layout
        change (a batch: a change per row would cost the views far more)."""

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
                reverse=sort_reverses(self._sort_column, self._sort_order),
            )
            return merged(order, incoming, [self._insert_position(slot) for slot in incoming])

        # What changed, for a filtering view to patch its rows instead of filtering them all.
        patch = (tuple(added), tuple(relocate), frozenset(remove))
        self._relayout(Relayout(patch=patch), new_order)

    def _relayout(self, change: Relayout, new_order: Callable[[], list[int]]) -> None:
        def apply() -> None:
            self._order = new_order()
            self._invalidate_row_caches()

        self._make(change, apply)

    # -- checking --------------------------------------------------------------------------

    def check(self) -> None:
        """Verify that the order, the indexes, the keys and the caches agree with the columns;
        TableInconsistent if not. For tests: it reads every row (slow for many)."""
        cols, order = self._cols, self._order

        def require(condition: bool, problem: str) -> None:
            if not condition:
                raise TableInconsistent(problem)

        used = [slot for slot in range(len(cols)) if cols.search[slot]]
        require(sorted(order) == used, "the rows are not exactly the slots in use")
        require(
            sorted(self._free) == [s for s in range(len(cols)) if not cols.search[s]],
            "the free slots are not exactly the slots no room uses",
        )
        require(len(self._sort_keys) == len(cols), "a sort key is missing for some slot")
        # The id index: the sorted part in meeting id order, the added part apart from it.
        by_id, added = list(self._index.by_id), self._index.added
        ids = [cols.meeting_id(slot) for slot in by_id]
        require(ids == sorted(ids), "the id index is not in meeting id order")
        require(len(set(ids)) == len(ids), "the id index holds a meeting id twice")
        require(sorted([*by_id, *added.values()]) == used, "the id index misses or adds a slot")
        for meeting_id, slot in added.items():
            require(cols.meeting_id(slot) == meeting_id, f"slot {slot} is indexed by another id")
        for slot in used:
            found = self._index.get(cols.meeting_id(slot))
            require(found == slot, f"slot {slot} is not found by its meeting id")
        # The end index: each room once, in the bucket of its end's hour.
        span = self._end_index.SPAN
        entries = []
        for hour, bucket in self._end_index.buckets.items():
            for slot in bucket:
                require(int(cols.ends[slot] // span) == hour, f"slot {slot} in a wrong hour")
                entries.append(slot)
        require(sorted(entries) == used, "the end index misses, repeats or adds a slot")
        require(set(cols.starts) <= set(used), "a planned start is kept for an unused slot")
        # Statuses follow the clock they were worked out at.
        for slot in used:
            status = status_code_at(cols.states[slot], cols.ends[slot], self._status_time)
            require(cols.statuses[slot] == status, f"slot {slot} has a stale status")
        self._check_order(require)
        if self._row_of_slot is not None:
            for row, slot in enumerate(order):
                require(self._row_of_slot[slot] == row, f"row {row} cached at another row")
        if self._row_search is not None:
            texts = list(map(cols.full_search_text, order))
            require(self._row_search == texts, "the cached search texts are stale")
        if self._row_past is not None:
            past = bytearray(IS_PAST[cols.statuses[slot]] for slot in order)
            require(self._row_past == past, "the cached past flags are stale")

    def _check_order(self, require: Callable[[bool, str], None]) -> None:
        if self._sort_column is None:
            return
        cols, keys = self._cols, self._sort_keys
        reverse = sort_reverses(self._sort_column, self._sort_order)
        previous: tuple[Any, str] | None = None
        for row, slot in enumerate(self._order):
            key = sort_key_of(cols, self._sort_column, self._sort_order, slot)
            require(keys[slot] == key, f"row {row} has a stale sort key")
            entry = (key, cols.meeting_id(slot))
            if previous is not None:
                in_order = previous > entry if reverse else previous < entry
                require(in_order, f"row {row} is out of sort order")
            previous = entry


_NOT = bytes.maketrans(b"\x00\x01", b"\x01\x00")  # flips 0/1 flags
