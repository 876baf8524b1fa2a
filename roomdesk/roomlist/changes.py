"""What an operation of :class:`~roomdesk.roomlist.table.RoomTable` changed, as small values.

A view layer turns each into its own signals: rows inserted, removed or moved, cells changed, or
the rows laid out again. Rows are counted as they were just before the change.

Plain classes with ``__slots__`` rather than dataclasses: this module loads before the window's
first frame, and a dataclass is built by compiling generated code, several times slower. Two
changes are equal when they are of the same kind with the same values.
"""

from __future__ import annotations


class _Change:
    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({values})"


class RowsInserted(_Change):
    __slots__ = ("count", "first")

    def __init__(self, first: int, count: int) -> None:
        self.first = first
        self.count = count


class RowsRemoved(_Change):
    __slots__ = ("count", "first")

    def __init__(self, first: int, count: int) -> None:
        self.first = first
        self.count = count


class RowMoved(_Change):
    """The row ``row`` moves so that it ends up at ``to`` (counted once it has moved)."""

    __slots__ = ("row", "to")

    def __init__(self, row: int, to: int) -> None:
        self.row = row
        self.to = to


class CellsChanged(_Change):
    """Rows ``first`` to ``last`` changed in ``columns`` (None: every column).

    ``texts_only``: only how the cells read changed (the display zone), nothing the filter or
    the sort looks at."""

    __slots__ = ("columns", "first", "last", "texts_only")

    def __init__(
        self,
        first: int,
        last: int,
        columns: tuple[int, ...] | None = None,
        texts_only: bool = False,
    ) -> None:
        self.first = first
        self.last = last
        self.columns = columns
        self.texts_only = texts_only


class Relayout(_Change):
    """The rows were put in another order, some perhaps added or removed, all at once.

    ``sort``: a sort of the same rooms. Otherwise, when ``patch`` is set, it holds the slots
    ``(added, moved, removed)``: a view filtering the rows may patch its own list with them
    instead of filtering every row again."""

    __slots__ = ("patch", "sort")

    def __init__(
        self,
        sort: bool = False,
        patch: tuple[tuple[int, ...], tuple[int, ...], frozenset[int]] | None = None,
    ) -> None:
        self.sort = sort
        self.patch = patch


class Reset(_Change):
    """Every row was replaced."""

    __slots__ = ()


Change = RowsInserted | RowsRemoved | RowMoved | CellsChanged | Relayout | Reset
