"""Process-wide runtime tuning for large room lists: the one place that touches the garbage
collector, the interpreter's switch interval and the allocator.

What the app calls:

* :func:`prepare_in_worker`, in a worker thread: reads a room list and prepares it for the
  table with the collector off, a short switch interval, the snapshot freed in steps, the kept
  strings packed and the freed memory given back; what it made is frozen (``gc.freeze``).
* :meth:`HeapFreezer.after_load` on the GUI thread once a table is swapped in or has grown by a
  large list, and :func:`freeze_start_up` once the first frame is drawn: both move what lives
  on out of the collector's full passes.

The table itself uses :func:`bulk_work` (preparing in a worker) and :func:`release_in_background`
(freeing a replaced table off the GUI thread).
"""

from __future__ import annotations

import dataclasses
import gc
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from roomdesk.heap import give_back_free_memory
from roomdesk.roomlist.columns import Columns
from roomdesk.roomlist.tuning import DEFAULT_TUNING, LARGE_LIST_ROOMS
from roomdesk.store.rows import RoomRows

if TYPE_CHECKING:
    from roomdesk.roomlist.preparation import PreparedRooms

# The GIL's switch interval during bulk work in a worker thread (Python's default is 5 ms).
BULK_WORK_SWITCH_INTERVAL = 0.001
_bulk_lock = threading.Lock()
_bulk_depth = 0  # bulk_work sections running, in any thread
_bulk_saved: tuple[bool, float] = (True, 0.005)  # collector on?, switch interval: from before


@contextmanager
def bulk_work(*, freeze_new: bool = False) -> Iterator[None]:
    """Settings for bulk work on many rooms in a worker thread, while the GUI thread draws.

    * The cyclic garbage collector is off (for the whole process). It walks every element of
      each new container it sees, and reading and preparing rooms builds a dozen lists of
      100,000: each pass would hold the GIL for tens of milliseconds, a stall of the GUI thread.
      Nothing built there forms a cycle; reference counting frees it.
    * A shorter GIL switch interval: handling one event, the GUI thread takes the GIL several
      times, and waiting out the default interval each time added up to visible stalls.

    ``freeze_new``: at the end, move everything the collector tracks to its permanent generation
    (``gc.freeze()``). Otherwise its first pass afterwards looks at every container made
    meanwhile, a large table's columns included.

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


class Releaser:
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
                [getattr(item, name) for name in Columns.__slots__]
                if isinstance(item, Columns)
                else [item]
            )
            for column in columns:
                if isinstance(column, list | bytearray):
                    while column:
                        del column[-4096:]
                        time.sleep(0.001)  # the GIL is free meanwhile: no waiting for it


_releaser = Releaser()


def release_in_background(*items: object) -> None:
    """Free ``items`` (lists, bytearrays, column stores) in the releaser's thread, a slice at a
    time; they must not be used again."""
    _releaser.release(*items)


def free_in_steps(rows: RoomRows, step: int = DEFAULT_TUNING.sort_step) -> None:
    """Empty the lists of ``rows`` (which must not be used again) here, a slice at a time: for
    a worker thread that is done with a snapshot (see :func:`pack_kept_strings`)."""
    for field in dataclasses.fields(rows):
        column = getattr(rows, field.name)
        if isinstance(column, list):
            empty_in_steps(column, step)


def empty_in_steps(column: list[Any], step: int) -> None:
    # Each slice is freed in one short C call; the GIL changes hands between them.
    while column:
        del column[-step:]


# Joins a chunk of kept strings while they are packed (see pack_kept_strings).
_PACK_SEPARATOR = "\x00"


def _packed_pieces(strings: list[str], step: int) -> list[str | list[str]]:
    """``strings`` as pieces of ``step``: each joined by _PACK_SEPARATOR, or a list of the
    strings themselves where one of them holds it."""
    pieces: list[str | list[str]] = []
    for start in range(0, len(strings), step):
        chunk = strings[start : start + step]
        joined = _PACK_SEPARATOR.join(chunk)
        pieces.append(joined if joined.count(_PACK_SEPARATOR) == len(chunk) - 1 else chunk)
    return pieces


def pack_kept_strings(prepared: PreparedRooms) -> None:
    """Make the strings ``prepared`` keeps for each room again, one right after the other in
    memory, once everything else made for it is freed (its snapshot included).

    Heap compaction for pymalloc: the short-lived objects of a load, freed, leave the kept
    strings (search texts, labels) scattered over arenas that go back to the system only when
    wholly empty. Each kept list is joined into a few long strings (allocated outside the
    arenas) and emptied, so the load's arenas empty and are returned; splitting the long strings
    again fills fresh arenas densely. A chunk holding the separator itself is kept as it is.

    Not for shared strings: each entry becomes an object of its own.
    """
    columns, step = prepared.columns, prepared.tuning.sort_step
    kept = [columns.search, columns.labels]
    packed = [_packed_pieces(strings, step) for strings in kept]
    for strings in kept:
        empty_in_steps(strings, step)
    for strings, pieces in zip(kept, packed, strict=True):
        for piece in pieces:
            strings.extend(piece.split(_PACK_SEPARATOR) if isinstance(piece, str) else piece)
        pieces.clear()


def prepare_in_worker(
    read_rows: Callable[[], RoomRows | None],
    prepare: Callable[[RoomRows], PreparedRooms],
) -> PreparedRooms | None:
    """Read a room list with ``read_rows()`` and ``prepare`` it, in a worker thread, each step
    short enough for the GUI thread to keep drawing; None when ``read_rows`` finds no list.

    The new table is frozen as it is made (where :meth:`HeapFreezer.after_load` would put it),
    the snapshot is freed in steps once prepared, the kept strings packed and the freed memory
    given back to the system (see :func:`pack_kept_strings`).
    """
    with bulk_work(freeze_new=True):
        rows = read_rows()
        if rows is None:
            return None
        prepared = prepare(rows)
        free_in_steps(rows, prepared.tuning.sort_step)
        del rows
        pack_kept_strings(prepared)
        give_back_free_memory()
        return prepared


class HeapFreezer:
    """Keeps a large table's columns out of the garbage collector's full passes.

    They live until the next reload and hold no cycles, so nothing is lost by it; frozen again
    each time the table has grown by a large list's size (a first sync filling it).
    """

    def __init__(self, large: int = LARGE_LIST_ROOMS) -> None:
        self._large = large
        self._rows_when_frozen = 0  # the table's size when the heap was last frozen

    def after_load(self, rows: int) -> bool:
        """Call once a table of ``rows`` rows is in place; True if it froze the heap."""
        if rows >= self._large and abs(rows - self._rows_when_frozen) >= self._large:
            gc.freeze()
            self._rows_when_frozen = rows
            return True
        return False


# Whether what start-up made has been moved out of the collector's view (once per process).
start_up_frozen = False


def freeze_start_up() -> bool:
    """Move what start-up made out of the collector's view, once per process; True the first
    time. Modules, classes and the window live as long as the app, so the collector's full
    passes need not walk them on the GUI thread (``gc.freeze``)."""
    global start_up_frozen
    if start_up_frozen:
        return False
    start_up_frozen = True
    gc.freeze()
    return True
