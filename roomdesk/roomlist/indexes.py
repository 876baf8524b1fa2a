"""The table's indexes: rooms by the hour they end, and rooms by meeting id.

Both are kept without an object per room (arrays of machine ints), and both must agree with the
columns and the rows: :meth:`~roomdesk.roomlist.table.RoomTable.check` verifies that.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import filterfalse, groupby
from typing import TYPE_CHECKING

from roomdesk.roomlist.ordering import sorted_in_steps
from roomdesk.roomlist.tuning import RoomListTuning

if TYPE_CHECKING:
    from roomdesk.roomlist.columns import Columns


class EndIndex:
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
    def build(cls, ends: Sequence[float], slots: list[int], step: int) -> EndIndex:
        index = cls()
        # Machine ints: a list would make an int object per room, freed right after (holes).
        hours = array("l", [int(end // cls.SPAN) for end in ends])
        by_hour = sorted_in_steps(slots, key=hours.__getitem__, step=step)
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


class IdIndex:
    """Finds a room's slot by its meeting id, with no dict entry and no int object per room.

    The slots of the rooms a full load brought are kept sorted by meeting id in a compact array
    of machine ints and found by binary search, each step cutting an id out of a search text.
    Rooms added since are in a dict until the next sort of every row folds them in
    (:meth:`complete`). The sorted slots are also the tie-break order of every sort
    (see :mod:`roomdesk.roomlist.ordering`).

    Slots must leave the index (:meth:`discard`) before their meeting id is cleared: the binary
    search reads the ids of the slots it passes.
    """

    __slots__ = ("_columns", "_tuning", "added", "by_id")

    def __init__(self, columns: Columns, by_id: array[int], tuning: RoomListTuning) -> None:
        self._columns = columns
        self._tuning = tuning
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
        if len(sorted_ones) > self._tuning.index_discard_one_by_one:
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
        if len(added) * self._tuning.index_insert_share <= len(self.by_id):
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
