"""Ordering the rows: sort keys, sorting in steps, and merging rooms into sorted rows.

Orders (ascending; descending reverses them, except where noted):

* Ends: live rooms (active or ending soon) first, then ended, expired and deleted ones; by end date
  within each group. Descending keeps that grouping and reverses only the dates, so the live rooms
  stay on top. This is the default order: "active rooms by end date", soonest first.
* Status: by status rank (active, ends soon, ended, expired, deleted), then end date.
* Label, room, mode and links: case-insensitive text (rooms without a label last).
* Session: by planned start (rooms without one last, as rooms without a label are).

Ties are broken by meeting id, so the order never depends on arrival order. A sort is
``list.sort`` on one precomputed key per room, stable over the rooms in meeting id order (the id
index's), so ties need no (key, meeting id) tuple per room.
"""

from __future__ import annotations

import heapq
import operator
from array import array
from collections.abc import Callable, Iterable, Iterator
from enum import IntEnum
from itertools import islice, repeat
from typing import TYPE_CHECKING, Any

from roomdesk.domain.status import STATUS_RANK
from roomdesk.roomlist.texts import (
    END_GROUP,
    ENDS_COL,
    KEY_GROUP_SPAN,
    LABEL_COL,
    LINKS_TEXT,
    MODE_COL,
    ROOM_COL,
    SESSION_COL,
    STATUS_COL,
    STATUSES,
)

if TYPE_CHECKING:
    from roomdesk.roomlist.columns import Columns


class SortOrder(IntEnum):
    """Ascending or descending (the same numbers as Qt's sort orders)."""

    ASCENDING = 0
    DESCENDING = 1


def sorted_at_once(
    items: Iterable[int], *, key: Callable[[int], Any], reverse: bool = False, step: int = 0
) -> list[int]:
    """``sorted()``, with the signature of :func:`sorted_in_steps` (``step`` unused)."""
    return sorted(items, key=key, reverse=reverse)


def sorted_in_steps(
    items: Iterable[int], *, key: Callable[[int], Any], reverse: bool = False, step: int
) -> list[int]:
    """``sorted()``, made of short steps, for preparing rooms in a worker thread.

    One ``sorted()`` over 100,000 rooms with a C key function holds the GIL for tens of
    milliseconds, and the GUI thread stalls that long. Sorting pieces and merging them (Python
    code, which lets the GIL go every few milliseconds) gives the same stable result.
    """
    items = list(items)
    if len(items) <= step:
        return sorted(items, key=key, reverse=reverse)
    pieces = [
        sorted(items[start : start + step], key=key, reverse=reverse)
        for start in range(0, len(items), step)
    ]
    return list(heapq.merge(*pieces, key=key, reverse=reverse))


def stepwise(items: Iterator[Any], step: int) -> list[Any]:
    """``list(items)`` in steps of ``step`` items.

    ``list(map(f, ...))`` with a C function ``f`` runs in C to the end, holding the GIL all along:
    over 100,000 rooms in a worker thread, a stall of the GUI thread of several milliseconds per
    call (and a dict built in one go, over ten). Between steps the GIL can change hands.
    """
    found: list[Any] = []
    while True:
        before = len(found)
        found.extend(islice(items, step))
        if len(found) == before:
            return found


# The Session key of a room without a planned start: after every start, like an empty label.
NO_START = float("inf")
_END_GROUP_BASE = tuple(END_GROUP[status] * KEY_GROUP_SPAN for status in STATUSES)
_RANK_BASE = tuple(STATUS_RANK[status] * KEY_GROUP_SPAN for status in STATUSES)


def sort_key_list(
    columns: Columns,
    column: int,
    order: SortOrder,
    step: int,
    room_texts: Iterable[str] | None = None,
) -> list[Any]:
    """The primary sort key of every slot for ``column``; ``room_texts``: the rooms' names by
    slot, where the columns do not hold them yet.

    Ties are broken by meeting id without a (key, meeting id) tuple per room: the slots are
    sorted stably by key starting from meeting id order (reversed for a reverse sort).
    """
    if column == ENDS_COL:
        groups = map(_END_GROUP_BASE.__getitem__, columns.statuses)
        combine = operator.sub if order == SortOrder.DESCENDING else operator.add
        return stepwise(map(combine, groups, columns.ends), step)
    if column == STATUS_COL:
        ranks = map(_RANK_BASE.__getitem__, columns.statuses)
        return stepwise(map(operator.add, ranks, columns.ends), step)
    if column == LABEL_COL:
        # Labelled rooms first ("0…" sorts before "1"), then by case-folded label.
        return ["0" + label.casefold() if label else "1" for label in columns.labels]
    if column == ROOM_COL:
        texts = columns.room_texts() if room_texts is None else room_texts
        return stepwise(map(str.casefold, texts), step)
    if column == MODE_COL:
        folded = [text.casefold() for text in columns.mode_texts]
        return stepwise(map(folded.__getitem__, columns.modes), step)
    if column == SESSION_COL:
        slots = range(len(columns.ends))  # the search texts may not be written yet
        return stepwise(map(columns.starts.get, slots, repeat(NO_START)), step)
    return stepwise(map(LINKS_TEXT.__getitem__, columns.links), step)


# The key a slot without one has in a float array of keys (a list holds None).
NO_KEY = float("nan")


def key_column(keys: list[Any], column: int) -> list[Any] | array[float]:
    """``keys`` of a sort by ``column`` as the model keeps them: the end, status and session
    sorts' keys (numbers) in a float array, 8 bytes each instead of a float object and a list
    entry."""
    return array("d", keys) if column in (ENDS_COL, STATUS_COL, SESSION_COL) else keys


def sort_key_of(columns: Columns, column: int, order: SortOrder, slot: int) -> Any:
    """:func:`sort_key_list` for one slot."""
    if column == ENDS_COL:
        end = columns.ends[slot]
        group = _END_GROUP_BASE[columns.statuses[slot]]
        return group - end if order == SortOrder.DESCENDING else group + end
    if column == STATUS_COL:
        return _RANK_BASE[columns.statuses[slot]] + columns.ends[slot]
    if column == LABEL_COL:
        label = columns.labels[slot]
        return "0" + label.casefold() if label else "1"
    if column == ROOM_COL:
        return columns.room_text(slot).casefold()
    if column == MODE_COL:
        return columns.mode_text(slot).casefold()
    if column == SESSION_COL:
        return columns.starts.get(slot, NO_START)
    return LINKS_TEXT[columns.links[slot]]


def sort_reverses(column: int | None, order: SortOrder) -> bool:
    """Whether the sort runs in reverse (Ends keeps its groups and reverses through its key)."""
    return column != ENDS_COL and order == SortOrder.DESCENDING


def merged(items: list[int], incoming: list[int], positions: list[int]) -> list[int]:
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


def runs_ascending(rows: list[int]) -> Iterable[tuple[int, int]]:
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


def runs_descending(rows: list[int]) -> Iterable[tuple[int, int]]:
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
