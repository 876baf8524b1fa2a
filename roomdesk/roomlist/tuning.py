"""The room list's tuning: sizes and thresholds at which its code takes another path.

Production uses :data:`DEFAULT_TUNING`. Each value only decides how work is done (in one pass or
in steps, one signal per row or one layout change), never what the table holds, so tests pass
small values in to take every path with a few rooms.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class _Tuning(NamedTuple):
    # Items per piece of work done in steps (sorting, building and freeing lists, cutting
    # origins): chunked work, short enough that the GIL changes hands between pieces.
    sort_step: int = 8_192
    # A batch update that adds or moves at least resort_min_moves rooms, and one in
    # resort_share of the rows or more, sorts every row again rather than finding each room's
    # place by binary search: past that many, one sort costs less than the insertions.
    resort_min_moves: int = 2_000
    resort_share: int = 16
    # Slots discarded at once from the meeting id index past which one pass over all its slots
    # is quicker than a binary search and a shift of the array for each.
    index_discard_one_by_one: int = 64
    # Rooms added to the meeting id index are each put in place by binary search while they are
    # at most one in this many of the rooms in it; more, and they are merged in all at once.
    index_insert_share: int = 32
    # Above this many rows changing in one step, one layout change is cheaper than row signals.
    row_signal_limit: int = 16
    # Rooms from which the rows a reset replaces are freed in a background thread.
    release_in_background: int = 20_000
    # Origins kept once for the rooms whose links share them; past this many, further texts are
    # kept whole (an account's rooms share one).
    origins_max: int = 255
    origin_sample: int = 64  # texts looked at for the origin most rooms share


class RoomListTuning(_Tuning):
    """The tuning, its values checked when it is made. A named tuple rather than a frozen
    dataclass: this module loads before the window's first frame, and Python builds a named
    tuple class several times faster."""

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> RoomListTuning:
        self = super().__new__(cls, *args, **kwargs)
        for name in ("sort_step", "origin_sample", "resort_share"):
            if getattr(self, name) < 1:
                raise ValueError(f"RoomListTuning.{name} must be at least 1")
        if not 0 <= self.origins_max <= 255:
            raise ValueError("RoomListTuning.origins_max must be from 0 to 255 (one byte a room)")
        return self


DEFAULT_TUNING = RoomListTuning()

# From this many rooms on, a full pass of Python's garbage collector, which walks every entry of
# the table's columns, would stall the GUI thread: a loaded table is frozen out of its view.
LARGE_LIST_ROOMS = 20_000
