"""What an operation of :class:`~roomdesk.roomlist.table.RoomTable` changed, as small values.

A view layer turns each into its own signals: rows inserted, removed or moved, cells changed, or
the rows laid out again. Rows are counted as they were just before the change.

Plain dataclasses, not frozen ones: Python builds a frozen dataclass in about twice the time,
this module loads before the window's first frame, and a change is handled once and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class RowsInserted:
    first: int
    count: int


@dataclass(slots=True)
class RowsRemoved:
    first: int
    count: int


@dataclass(slots=True)
class RowMoved:
    """The row ``row`` moves so that it ends up at ``to`` (counted once it has moved)."""

    row: int
    to: int


@dataclass(slots=True)
class CellsChanged:
    """Rows ``first`` to ``last`` changed in ``columns`` (None: every column).

    ``texts_only``: only how the cells read changed (the display zone), nothing the filter or
    the sort looks at."""

    first: int
    last: int
    columns: tuple[int, ...] | None = None
    texts_only: bool = False


@dataclass(slots=True)
class Relayout:
    """The rows were put in another order, some perhaps added or removed, all at once.

    ``sort``: a sort of the same rooms. Otherwise, when ``patch`` is set, it holds the slots
    ``(added, moved, removed)``: a view filtering the rows may patch its own list with them
    instead of filtering every row again."""

    sort: bool = False
    patch: tuple[tuple[int, ...], tuple[int, ...], frozenset[int]] | None = None


@dataclass(slots=True)
class Reset:
    """Every row was replaced."""


Change = RowsInserted | RowsRemoved | RowMoved | CellsChanged | Relayout | Reset
