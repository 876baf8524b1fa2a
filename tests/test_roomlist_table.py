"""RoomTable without Qt: its changes, its invariants (checked after every operation), its filter
and its order, against plain references after random changes."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from roomdesk.roomlist.changes import (
    CellsChanged,
    Change,
    Relayout,
    Reset,
    RowMoved,
    RowsInserted,
    RowsRemoved,
)
from roomdesk.roomlist.ordering import SortOrder
from roomdesk.roomlist.table import RoomTable, TableInconsistent
from roomdesk.roomlist.texts import ENDS_COL, LABEL_COL, PAST_STATUSES, SESSION_COL, Column
from roomdesk.roomlist.tuning import DEFAULT_TUNING, RoomListTuning
from roomdesk.store.records import StoredRoom
from tests.samples import NOW, odd_id, room, usual_id


def ids_of(table: RoomTable) -> list[str]:
    return [table.meeting_id(table.slot_at(row)) for row in range(len(table))]


class Replay:
    """Follows a table by its changes alone, as a view would: a list of meeting ids per row,
    updated from each change (and read from the table only where a change says to lay out
    again). Also checks that each change is announced before it is made."""

    def __init__(self) -> None:
        self.rows: list[str] = []
        self.pending: Change | None = None
        self.heard: list[Change] = []

    def follow(self, table: RoomTable) -> None:
        self.table = table
        self.rows = ids_of(table)

    def about_to_change(self, change: Change) -> None:
        assert self.pending is None
        assert ids_of(self.table) == self.rows  # nothing has changed yet
        self.pending = change

    def changed(self, change: Change) -> None:
        assert change is self.pending
        self.pending = None
        self.heard.append(change)
        rows, table = self.rows, self.table
        if isinstance(change, RowsInserted):
            new = range(change.first, change.first + change.count)
            rows[change.first : change.first] = [table.meeting_id(table.slot_at(r)) for r in new]
        elif isinstance(change, RowsRemoved):
            del rows[change.first : change.first + change.count]
        elif isinstance(change, RowMoved):
            rows.insert(change.to, rows.pop(change.row))
        elif isinstance(change, Relayout | Reset):
            self.rows = ids_of(table)
        else:
            assert isinstance(change, CellsChanged)
            assert 0 <= change.first <= change.last < len(rows)
        assert ids_of(table) == self.rows


def fresh_order(table: RoomTable) -> list[str]:
    """The rows a fresh table sorts the same rooms into."""
    fresh = RoomTable(now=table.now, zone_name="UTC")
    fresh.sort(ENDS_COL if table.sort_column is None else table.sort_column, table.sort_order)
    fresh.set_rooms(table.rooms())
    return ids_of(fresh)


def expected_filter(table: RoomTable, terms: list[str], show_past: bool) -> list[str]:
    return [
        meeting_id
        for row, meeting_id in enumerate(ids_of(table))
        for slot in (table.slot_at(row),)
        if (show_past or table.status(slot) not in PAST_STATUSES)
        and all(term in table.search_text(slot) for term in terms)
    ]


# (tuning, ids): each tuning forces a path the usual sizes of this test would not take.
VARIANTS = {
    "usual": (DEFAULT_TUNING, usual_id),
    "big-batches-resort": (RoomListTuning(resort_min_moves=3), usual_id),
    "id-index-discards-in-one-pass": (RoomListTuning(index_discard_one_by_one=2), usual_id),
    "id-index-inserts-one-by-one": (RoomListTuning(index_insert_share=0), usual_id),
    "few-row-changes": (RoomListTuning(row_signal_limit=1), usual_id),
    "small-steps": (RoomListTuning(sort_step=3, origin_sample=1), usual_id),
    "odd-ids-every-path": (
        RoomListTuning(
            resort_min_moves=3, index_discard_one_by_one=2, index_insert_share=0, sort_step=3
        ),
        odd_id,
    ),
}


@pytest.mark.parametrize(
    ("variant", "seed"), [(name, seed) for name in VARIANTS for seed in range(5)]
)
def test_random_changes_keep_the_table_consistent_and_sorted(variant: str, seed: int) -> None:
    tuning, ids = VARIANTS[variant]
    replay = Replay()
    table = RoomTable(now=NOW, zone_name="UTC", tuning=tuning, listener=replay)
    replay.follow(table)
    rng = random.Random(seed)

    def make(number: int, **fields: object) -> StoredRoom:
        # A third of the rooms have a planned session, up to a day long (some cross midnight).
        start = rng.choice((None, None, rng.randrange(0, 24 * 60)))
        return room(number, meeting_id=ids, start=start, **fields)  # type: ignore[arg-type]

    rooms = {n: make(n, minutes=rng.randrange(-600, 600)) for n in range(60)}
    assert table.set_rooms(rooms.values()) == (Reset(),)
    replay.heard.clear()
    for _ in range(150):
        action = rng.randrange(8)
        if action == 0:
            number = rng.randrange(90)
            rooms[number] = make(
                number,
                minutes=rng.randrange(-600, 600),
                label=rng.choice(("", "Kiwi talk", "mango day")),
                deleted=rng.random() < 0.1,
            )
            changes = table.upsert(rooms[number])
        elif action == 1:
            batch = []
            in_place = rng.random() < 0.5  # rooms there, same end: they change where they are
            numbers = sorted(rooms) if in_place else range(90)
            for number in rng.sample(numbers, min(len(numbers), rng.randrange(3, 20))):
                if in_place and number in rooms:
                    rooms[number] = replace(
                        rooms[number],
                        label=rng.choice(("", "Kiwi", "x")),
                        planned_start=rng.choice((None, rooms[number].end_date)),
                    )
                else:
                    rooms[number] = make(number, minutes=rng.randrange(-600, 600))
                batch.append(rooms[number])
            changes = table.upsert_many(batch)
        elif action == 2 and rooms:
            gone = rng.sample(sorted(rooms), min(len(rooms), rng.randrange(1, 25)))
            changes = table.remove(ids(number) for number in gone)
            for number in gone:
                del rooms[number]
        elif action == 3:
            changes = table.set_now(table.now + timedelta(minutes=rng.randrange(-90, 240)))
        elif action == 4:
            column = rng.choice([*Column, None])  # None: unsorted, rows stay as they are
            changes = table.sort(column, rng.choice(list(SortOrder)))
        elif action == 5:
            changes = table.set_rooms(rooms.values())
        elif action == 6:
            # Sessions read differently in another zone: the filter must follow.
            changes = table.set_zone(rng.choice(("UTC", "Asia/Tokyo", "America/New_York")))
        else:
            terms = rng.choice(
                (
                    [], ["k"], ["kiwi"], ["ma", "0001"], ["acme"], ["m/ki"], ["s:/"],
                    ["tue"], ["wed 2 dec"], ["dec 1", "kiwi"], ["–"], ["12:"],
                )
            )  # fmt: skip
            # The caches a filter pass reads are made here, to be kept right by later changes.
            assert len(table.row_search_texts()) == len(table.row_past_flags()) == len(table)
            for show_past in (False, True):
                found = table.filter_slots(terms, show_past)
                shown = ids_of(table) if found is None else [table.meeting_id(s) for s in found]
                assert shown == expected_filter(table, terms, show_past)
            changes = ()
        table.check()
        # What an operation returns is what the listener heard, in order.
        assert changes == tuple(replay.heard)
        replay.heard.clear()
        assert replay.rows == ids_of(table) and replay.pending is None
        assert sorted(table.meeting_id(table.slot_at(r)) for r in range(len(table))) == sorted(
            room.meeting_id for room in rooms.values()
        )
        for number in range(90):  # every room found by its meeting id, and no other
            row = table.row_of(ids(number))
            if number in rooms:
                assert row is not None and table.room_at(row) == rooms[number]
            else:
                assert row is None
        if table.sort_column is not None:
            assert ids_of(table) == fresh_order(table)


def test_each_operation_says_what_it_changed() -> None:
    table = RoomTable(now=NOW, zone_name="UTC")
    assert table.set_rooms(room(n, minutes=60 * (n + 1)) for n in range(10)) == (Reset(),)
    assert table.upsert(room(20, minutes=90)) == (RowsInserted(1, 1),)
    # Ends later: moves from row 0 to the end, and its cells change there.
    assert table.upsert(room(0, minutes=6000)) == (RowMoved(0, 10), CellsChanged(10, 10))
    assert table.upsert(room(0, minutes=6000, label="Kept")) == (CellsChanged(10, 10),)
    assert table.remove(["m00020", "nobody"]) == (RowsRemoved(0, 1),)
    assert table.remove([]) == ()
    assert table.sort(LABEL_COL, SortOrder.DESCENDING) == (Relayout(sort=True),)
    assert table.sort(LABEL_COL, SortOrder.DESCENDING) == ()  # in this order already
    with pytest.raises(ValueError, match="no column 7"):
        table.sort(7)
    assert table.set_zone("Europe/Oslo") == (
        CellsChanged(0, 9, (ENDS_COL, SESSION_COL), texts_only=True),
    )
    assert table.set_zone("Europe/Oslo") == ()
    table.sort(ENDS_COL)
    batch = [room(n, minutes=5 + n) for n in range(30, 35)]
    (change,) = table.upsert_many(batch)
    assert isinstance(change, Relayout) and change.patch is not None
    added, moved, removed = change.patch
    assert sorted(table.meeting_id(slot) for slot in added) == [r.meeting_id for r in batch]
    assert moved == () and removed == frozenset()
    table.check()


def test_big_batches_and_scattered_removals_lay_out_once() -> None:
    tuning = RoomListTuning(resort_min_moves=3, resort_share=4, row_signal_limit=2)
    table = RoomTable(now=NOW, zone_name="UTC", tuning=tuning)
    table.set_rooms(room(n, minutes=10 * n) for n in range(20))
    # Enough rooms move (one in four): every row is sorted again, and a filter looks at all.
    assert table.upsert_many(room(n, minutes=1000 - n) for n in range(5)) == (Relayout(),)
    gone = [usual_id(n) for n in (6, 9, 12, 15)]  # four runs, above the limit of two
    (change,) = table.remove(gone)
    assert isinstance(change, Relayout) and change.patch is not None
    assert len(change.patch[2]) == 4 and len(table) == 16
    table.check()


def test_a_clock_step_changes_only_the_rooms_it_touches() -> None:
    table = RoomTable(now=NOW, zone_name="UTC", tuning=RoomListTuning(row_signal_limit=0))
    table.set_rooms(room(n, minutes=30 + 60 * n) for n in range(10))
    assert table.set_now(NOW) == ()
    changes = table.set_now(NOW + timedelta(minutes=31))  # room 0 ends; room 1 ends soon
    assert CellsChanged(0, 1) in changes
    # Above the limit of rows changing (none here), the rooms whose place changed move in one
    # layout change, each found its place by search, and a filter is told which they are.
    [relayout] = [change for change in changes if isinstance(change, Relayout)]
    assert relayout.patch is not None and not relayout.sort
    added, moved, removed = relayout.patch
    assert [table.meeting_id(slot) for slot in moved] == [usual_id(0)]  # ended: last now
    assert added == () and removed == frozenset()
    assert table.meeting_id(table.slot_at(len(table) - 1)) == usual_id(0)
    table.check()


def test_a_clock_step_moving_many_rooms_sorts_them_all_again() -> None:
    tuning = RoomListTuning(row_signal_limit=0, resort_min_moves=2, resort_share=4)
    table = RoomTable(now=NOW, zone_name="UTC", tuning=tuning)
    table.set_rooms(room(n, minutes=30 + n) for n in range(8))
    # Five of eight end, and ended rooms come after the others: one sort costs less than five
    # searches at this tuning.
    changes = table.set_now(NOW + timedelta(minutes=34))
    assert Relayout(sort=True) in changes
    assert [table.meeting_id(table.slot_at(row)) for row in range(8)] == [
        usual_id(n) for n in (5, 6, 7, 0, 1, 2, 3, 4)
    ]
    table.check()


def test_check_finds_rows_out_of_order() -> None:
    table = RoomTable(now=NOW, zone_name="UTC")
    table.set_rooms(room(n, minutes=10 * n) for n in range(5))
    table.check()
    order = table.row_slots()
    assert isinstance(order, list)
    order[0], order[1] = order[1], order[0]  # what a bug in a move would leave behind
    with pytest.raises(TableInconsistent, match="out of sort order"):
        table.check()


def test_check_finds_a_room_the_id_index_lost() -> None:
    table = RoomTable(now=NOW, zone_name="UTC")
    table.set_rooms(room(n) for n in range(5))
    table.upsert(room(7))
    table.check()
    order = table.row_slots()
    assert isinstance(order, list)
    order.pop()  # a row gone without leaving the indexes
    with pytest.raises(TableInconsistent):
        table.check()


def test_tuning_refuses_values_that_cannot_work() -> None:
    for fields in ({"sort_step": 0}, {"origin_sample": 0}, {"resort_share": 0}):
        with pytest.raises(ValueError, match=next(iter(fields))):
            RoomListTuning(**fields)
    with pytest.raises(ValueError, match="origins_max"):
        RoomListTuning(origins_max=256)


def test_the_room_list_loads_without_qt() -> None:
    code = (
        "import pkgutil, sys, importlib, roomdesk.roomlist as package\n"
        "for module in pkgutil.iter_modules(package.__path__):\n"
        "    importlib.import_module(f'roomdesk.roomlist.{module.name}')\n"
        "print(sorted(name for name in sys.modules if name.startswith('PySide6')))\n"
        "print(len([m for m in pkgutil.iter_modules(package.__path__)]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded, count = result.stdout.splitlines()
    assert loaded == "[]"
    assert int(count) >= 8  # every module of the package was imported
