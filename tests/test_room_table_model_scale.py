"""The table model's large-list machinery: batch upserts, store snapshots, off-thread preparation,
and the slot-mapped filter proxy, checked against a plain reference after random changes."""

from __future__ import annotations

import dataclasses
import functools
import random
from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from roomdesk.api.models import Meeting
from roomdesk.domain.status import RoomStatus
from roomdesk.roomlist.preparation import first_rooms_by_end, prepare_rooms
from roomdesk.roomlist.runtime import free_in_steps, pack_kept_strings
from roomdesk.roomlist.texts import PAST_STATUSES, Column, search_text
from roomdesk.roomlist.tuning import DEFAULT_TUNING, RoomListTuning
from roomdesk.store import RoomStore
from roomdesk.store.records import RoomSource, StoredRoom
from roomdesk.ui.room_filter_proxy import RoomFilterProxyModel
from roomdesk.ui.room_table_model import RoomRole, RoomTableModel
from tests.samples import NOW, WORDS, odd_id, room, usual_id


def shown_ids(proxy: RoomFilterProxyModel) -> list[str]:
    return [proxy.index(row, 0).data(RoomRole.MEETING_ID) for row in range(proxy.rowCount())]


def source_ids(model: RoomTableModel) -> list[str]:
    return [model.index(row, 0).data(RoomRole.MEETING_ID) for row in range(model.rowCount())]


def expected_ids(model: RoomTableModel, proxy: RoomFilterProxyModel) -> list[str]:
    """What the proxy should show: the source's rows that pass the filter, in source order."""
    terms = proxy.filterText().casefold().split()
    wanted = []
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        status = RoomStatus(index.data(RoomRole.STATUS))
        text = index.data(RoomRole.SEARCH_TEXT)
        if (proxy.showPast() or status not in PAST_STATUSES) and all(t in text for t in terms):
            wanted.append(index.data(RoomRole.MEETING_ID))
    return wanted


def check_order(model: RoomTableModel) -> None:
    """The source rows are in the order a fresh sort of the same rooms gives."""
    if model.sortColumn() == -1:
        model.sort(Column.ENDS)  # unsorted rows have no order to check: sort them now
    fresh = RoomTableModel(zone_name="UTC", now=model.now())
    fresh.sort(model.sortColumn(), model.sortOrder())
    fresh.setRooms(model.rooms())
    assert source_ids(fresh) == source_ids(model)


@pytest.fixture
def make_pair(qapp):
    """``make_pair(tuning)``: a model with that tuning and a proxy over it, both checked by
    QAbstractItemModelTester throughout."""
    testers = []

    def make(
        tuning: RoomListTuning = DEFAULT_TUNING,
    ) -> tuple[RoomTableModel, RoomFilterProxyModel]:
        model = RoomTableModel(zone_name="UTC", now=NOW, tuning=tuning)
        proxy = RoomFilterProxyModel()
        proxy.setSourceModel(model)
        mode = QAbstractItemModelTester.FailureReportingMode.Fatal
        testers.extend(QAbstractItemModelTester(item, mode) for item in (model, proxy))
        return model, proxy

    yield make
    testers.clear()


@pytest.fixture
def pair(make_pair):
    return make_pair()


# (tuning, ids): each tuning forces a path the usual sizes of this test would not take: big
# batches sorting every row again, removals leaving the id index in one pass, added rooms
# joining it each by a binary search.
RANDOM_VARIANTS = {
    "usual": (DEFAULT_TUNING, usual_id),
    "big-batches-resort": (RoomListTuning(resort_min_moves=3), usual_id),
    "id-index-discards-in-one-pass": (RoomListTuning(index_discard_one_by_one=2), usual_id),
    "both": (RoomListTuning(resort_min_moves=3, index_discard_one_by_one=2), usual_id),
    "id-index-inserts-one-by-one": (RoomListTuning(index_insert_share=0), usual_id),
    "odd-ids": (DEFAULT_TUNING, odd_id),
    "odd-ids-every-path": (
        RoomListTuning(resort_min_moves=3, index_discard_one_by_one=2, index_insert_share=0),
        odd_id,
    ),
}


@pytest.mark.parametrize(
    ("variant", "seed"),
    [(name, seed) for name in RANDOM_VARIANTS for seed in range(3 if "id" in name else 6)],
)
def test_random_changes_keep_the_proxy_in_step(make_pair, variant: str, seed: int) -> None:
    tuning, ids = RANDOM_VARIANTS[variant]
    model, proxy = make_pair(tuning)
    room = functools.partial(globals()["room"], meeting_id=ids)
    rng = random.Random(seed)
    rooms = {n: room(n, minutes=rng.randrange(-600, 600)) for n in range(60)}
    model.setRooms(rooms.values())
    held = QPersistentModelIndex(proxy.index(0, Column.LABEL))
    held_id = held.data(RoomRole.MEETING_ID)
    for _ in range(120):
        action = rng.randrange(9)
        if action == 0:
            number = rng.randrange(90)
            rooms[number] = room(
                number,
                minutes=rng.randrange(-600, 600),
                label=rng.choice(("", "Kiwi talk", "mango day")),
                deleted=rng.random() < 0.1,
            )
            model.upsertRoom(rooms[number])
        elif action == 1:
            batch = []
            in_place = rng.random() < 0.5  # same end: the rows change where they are
            for number in rng.sample(range(90), rng.randrange(3, 20)):
                if in_place and number in rooms:
                    rooms[number] = replace(rooms[number], label=rng.choice(("", "Kiwi", "x")))
                else:
                    rooms[number] = room(number, minutes=rng.randrange(-600, 600))
                batch.append(rooms[number])
            model.upsertRooms(batch)
        elif action == 2 and rooms:
            gone = rng.sample(sorted(rooms), min(len(rooms), rng.randrange(1, 25)))
            model.removeRooms(ids(number) for number in gone)
            for number in gone:
                del rooms[number]
        elif action == 3:
            model.setNow(model.now() + timedelta(minutes=rng.randrange(-90, 240)))
        elif action in (4, 5):
            # Some terms lie in the links' shared origin or run across its end.
            terms = ("", "k", "ki", "kiwi", "m", "ma", "mango d", "0001", "acme", "m/ki", "s:/")
            proxy.setFilterText(rng.choice(terms))
        elif action == 6:
            proxy.setShowPast(not proxy.showPast())
        elif action == 7:
            column = rng.choice([*Column, -1])  # -1: unsorted, rows stay as they are
            order = rng.choice((Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder))
            proxy.sort(column, order)
        else:
            model.setRooms(rooms.values())
            held = QPersistentModelIndex(proxy.index(0, Column.LABEL))
            held_id = held.data(RoomRole.MEETING_ID)
        model.table().check()
        assert shown_ids(proxy) == expected_ids(model, proxy)
        for number in range(90):  # every room found by its meeting id, and no other
            row = model.rowOf(ids(number))
            if number in rooms:
                assert model.index(row, 0).data(RoomRole.MEETING_ID) == ids(number)
            else:
                assert row is None
        if held.isValid():  # a held index stays with its room while the room is shown
            assert held.data(RoomRole.MEETING_ID) == held_id
    check_order(model)
    for row in range(model.rowCount()):
        assert model.rowOf(model.index(row, 0).data(RoomRole.MEETING_ID)) == row


def test_upsert_rooms_in_one_layout_change_keeps_the_selection(pair) -> None:
    model, proxy = pair
    model.setRooms(room(n, minutes=60 + n) for n in range(10))
    held = QPersistentModelIndex(proxy.index(4, Column.ROOM))
    layouts: list[int] = []
    model.layoutChanged.connect(lambda *_: layouts.append(1))
    inserted: list[int] = []
    model.rowsInserted.connect(lambda *_: inserted.append(1))
    model.upsertRooms([room(n, minutes=65 + n * 3) for n in range(10, 30)])
    assert layouts == [1] and inserted == []
    assert model.rowCount() == 30
    assert held.data(RoomRole.MEETING_ID) == "m00004"
    check_order(model)


def test_room_rows_from_the_store_load_rooms_on_demand(qapp, tmp_path) -> None:
    with RoomStore(tmp_path / "rooms.sqlite3") as store:
        meetings = [
            Meeting(
                meeting_id=f"id{n}",
                room_url=f"https://acme.whereby.com/r-{n}",
                end_date=NOW + timedelta(hours=n + 1),
                room_name=f"/r-{n}",
                host_room_url=f"https://acme.whereby.com/r-{n}?roomKey=K{n}",
            )
            for n in range(5)
        ]
        assert store.upsert_many_imported(meetings) == 5
        store.add_created(
            meetings[0]._replace(meeting_id="created"),
            room_mode="group",
            options={"templateType": "viewerMode"},
            label="Viewer room",
        )
        store.mark_deleted(["id3"], when=NOW)
        model = RoomTableModel(zone_name="UTC", now=NOW)
        rows = store.room_rows(own_connection=True)
        assert len(rows) == 6
        model.setRoomRows(rows)
        direct = RoomTableModel(zone_name="UTC", now=NOW)
        direct.setRooms(store.list_rooms(include_past=True, now=NOW))
        for row in range(6):
            for column in Column:
                for role in (Qt.ItemDataRole.DisplayRole, RoomRole.SEARCH_TEXT, RoomRole.STATUS):
                    assert model.index(row, column).data(role) == direct.index(row, column).data(
                        role
                    )
        loaded = model.index(model.rowOf("id1"), 0).data(RoomRole.ROOM)
        assert loaded == store.get("id1")
        assert model.index(model.rowOf("created"), Column.MODE).data() == "Viewer"
    # A closed store answers no more rooms; the rows stay shown.
    assert model.index(model.rowOf("id2"), 0).data(RoomRole.ROOM) is None
    assert model.index(model.rowOf("id2"), Column.ROOM).data() == "/r-2"


def test_prepared_rooms_catch_up_with_the_clock_and_the_order(qapp) -> None:
    model = RoomTableModel(zone_name="UTC", now=NOW)
    rooms = [room(n, minutes=30 + 20 * n) for n in range(8)]
    prepared = model.prepare(rooms)  # what a worker thread would do
    model.sort(Column.LABEL, Qt.SortOrder.DescendingOrder)
    model.setNow(NOW + timedelta(minutes=75))
    model.setPreparedRooms(prepared)
    check_order(model)
    assert model.index(model.rowOf("m00000"), 0).data(RoomRole.STATUS) == RoomStatus.ENDED


def origin_room(number: int, origin: str, *, host: bool = True, label: str = "") -> StoredRoom:
    url = f"{origin}/{WORDS[number % 4]}-{number:05d}"
    return replace(
        room(number, label=label),
        room_name=None,
        room_url=url,
        host_room_url=f"{url}?roomKey=K{number}" if host else None,
    )


ORIGINS = (
    "https://acme.whereby.com",
    "http://Beta.Whereby.com",  # capitals: kept case-folded
    "https://gamma.example",
)


@pytest.mark.parametrize("step", [None, 4], ids=["one-pass", "in-steps-of-4"])
def test_filter_matches_whole_texts_across_shared_origins(make_pair, step) -> None:
    """Each text is kept without its origin; every term, across or inside an origin, still
    matches exactly the rooms whose whole search text holds it."""
    # In steps, texts are cut a few at a time: other origins fall in several steps.
    model, proxy = make_pair(DEFAULT_TUNING if step is None else RoomListTuning(sort_step=step))
    proxy.setShowPast(True)
    rooms = [
        origin_room(n, ORIGINS[n % 3], host=n % 5 != 0, label="Kiwi" * (n % 2)) for n in range(30)
    ]
    rooms.append(replace(room(99), room_url="https://nopath.whereby.com", host_room_url=None))
    model.setRooms(rooms)
    whole = {
        r.meeting_id: search_text(r.label, name, r.room_url, r.host_room_url, None, r.meeting_id)
        for r in rooms
        for name in [r.room_name or r.room_url.rsplit("/", 1)[-1]]
    }
    texts = [whole[meeting_id] for meeting_id in source_ids(model)]  # worked out apart
    assert texts == [model.index(row, 0).data(RoomRole.SEARCH_TEXT) for row in range(len(texts))]
    assert len(model.table().columns.origins) == 3
    terms = {"", "s://", "https", "http:", "acme", "m/ki", ".com/", "com/mango-0", "e/k", "/"}
    for text in texts:  # every piece around the end of each origin
        cut = text.find("/", 8)
        if cut > 0:
            terms.update(text[cut - size : cut + after] for size in range(4) for after in range(4))
    for term in sorted(terms):
        proxy.setFilterText(term)
        wanted = {
            meeting_id
            for meeting_id, text in zip(source_ids(model), texts, strict=True)
            if all(word in text for word in term.casefold().split())
        }
        assert set(shown_ids(proxy)) == wanted, repr(term)


def test_texts_without_an_origin_are_kept_whole(pair) -> None:
    model, proxy = pair
    bare = [
        replace(room(n), room_url=f"https://r{n}.example", host_room_url=None) for n in range(4)
    ]
    model.setRooms([*bare, origin_room(7, ORIGINS[0])])
    assert model.table().columns.origins == ["https://acme.whereby.com"]
    for term, count in (("example", 4), ("s://r2.ex", 1), ("acme.whereby.com/quince", 1)):
        proxy.setFilterText(term)
        assert proxy.rowCount() == count, term


def test_texts_beyond_the_kept_origins_stay_whole(make_pair) -> None:
    model, proxy = make_pair(RoomListTuning(origins_max=2))
    proxy.setShowPast(True)
    model.setRooms(origin_room(n, ORIGINS[n % 3]) for n in range(9))
    assert len(model.table().columns.origins) == 2
    model.upsertRoom(origin_room(50, "https://delta.example"))
    for term, count in (("gamma", 3), ("a.example/", 4), ("delta", 1), ("https://", 7)):
        proxy.setFilterText(term)
        assert proxy.rowCount() == count, term


def test_meeting_ids_match_list_rooms(tmp_path) -> None:
    with RoomStore(tmp_path / "rooms.sqlite3") as store:
        for n in range(6):
            meeting = Meeting(
                meeting_id=f"id{n}",
                room_url=f"https://acme.whereby.com/r-{n}",
                end_date=NOW + timedelta(hours=n - 2),
            )
            if n % 2:
                store.add_created(meeting, room_mode="normal", options=None)
            else:
                store.upsert_many_imported([meeting])
        store.mark_deleted(["id5"], when=NOW)
        for include_past in (False, True):
            listed = store.list_rooms(include_past=include_past, now=NOW)
            ids = store.meeting_ids(include_past=include_past, now=NOW)
            assert sorted(ids) == sorted(room.meeting_id for room in listed)
        created = store.meeting_ids(include_past=True, source=RoomSource.CREATED)
        assert sorted(created) == ["id1", "id3", "id5"]


def test_a_snapshot_is_freed_in_steps_and_the_prepared_rooms_stay_whole(qapp, tmp_path) -> None:
    count = DEFAULT_TUNING.sort_step * 2 + 5  # more than one step of every list
    with RoomStore(tmp_path / "rooms.sqlite3") as store:
        store.upsert_many_imported(
            Meeting(f"m{number:06d}", f"https://acme.whereby.com/r{number}", NOW)
            for number in range(count)
        )
        rows = store.room_rows()
        model = RoomTableModel()
        model.setNow(NOW)
        prepared = model.prepare(rows)
        free_in_steps(rows)
        lists = [getattr(rows, field.name) for field in dataclasses.fields(rows)]
        lists = [value for value in lists if isinstance(value, list)]
        assert len(lists) == 11 and not any(lists)
        assert rows.loader("m000007") is not None  # the loader is not a list: left alone
        pack_kept_strings(prepared)
        model.setPreparedRooms(prepared)
        assert model.rowCount() == count
        assert model.index(0, Column.ROOM).data() == "r0"
        assert model.rowOf("m000007") is not None


def test_packed_strings_are_equal_new_objects_and_a_chunk_with_the_separator_stays() -> None:
    step = DEFAULT_TUNING.sort_step
    labels = [f"Group {number}" if number % 3 else "" for number in range(2 * step + 3)]
    labels[step + 1] = "odd\x00label"  # in the second chunk of the labels
    rooms = [room(number, label=label) for number, label in enumerate(labels)]
    prepared = prepare_rooms(rooms, now=NOW, in_worker=True)
    columns = prepared.columns
    names = ("search", "labels")
    before = {name: list(getattr(columns, name)) for name in names}
    pack_kept_strings(prepared)
    for name in names:
        assert getattr(columns, name) == before[name], name
    fresh = {
        name: [a is not b for a, b in zip(before[name], getattr(columns, name), strict=True)]
        for name in names
    }
    assert [columns.meeting_id(slot) for slot in range(len(rooms))] == [
        each.meeting_id for each in rooms
    ]
    # The label is in its room's search text too: that chunk of both lists is kept as it was
    # (rows are in meeting id order here, as the rooms end together). The empty labels are
    # Python's one empty string, whichever way.
    second = range(step, 2 * step)
    for name in ("search", "labels"):
        for slot, text in enumerate(before[name]):
            assert fresh[name][slot] == (bool(text) and slot not in second), (name, slot)
    model = RoomTableModel()
    model.setNow(NOW)
    model.setPreparedRooms(prepared)
    proxy = RoomFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterText("odd")
    assert shown_ids(proxy) == [f"m{step + 1:05d}"]
    proxy.setFilterText("m00007")
    assert shown_ids(proxy) == ["m00007"]
    assert model.rowOf(f"m{2 * step:05d}") is not None


def test_rooms_stored_again_unchanged_send_no_signal(pair) -> None:
    model, proxy = pair
    rooms = [room(number, minutes=30 * number, deleted=number % 3 == 0) for number in range(12)]
    model.setRooms(rooms)
    proxy.setShowPast(False)  # deleted rooms hidden: their rows are the costly ones to look up
    signals: list[str] = []
    model.dataChanged.connect(lambda *_args: signals.append("dataChanged"))
    model.layoutChanged.connect(lambda *_args: signals.append("layoutChanged"))
    again = [replace(each) for each in rooms]  # equal values, new objects (a refresh's)
    model.upsertRooms(again)
    assert signals == []
    assert model.roomAt(model.rowOf("m00004")) is again[4]  # the newer object is kept
    changed = [replace(again[4], label="Renamed"), replace(again[3], label="Hidden renamed")]
    model.upsertRooms([*changed, *again[5:8]])
    assert "dataChanged" in signals and "layoutChanged" not in signals  # sorted by end: no move
    assert model.roomAt(model.rowOf("m00004")).label == "Renamed"
    assert shown_ids(proxy) == expected_ids(model, proxy)
    check_order(model)


@pytest.mark.parametrize("seed", range(4))
def test_the_top_rows_read_by_status_are_the_top_rows_of_the_whole_table(
    qapp, tmp_path, seed: int
) -> None:
    """first_rooms_by_end over the store's per-status queries gives exactly the first rows of a
    table holding every room, sorted by Ends either way, with past rooms shown or not."""
    rng = random.Random(seed)
    now = NOW + timedelta(seconds=0.5)  # the clock between two whole seconds, as it usually is
    ends = [rng.randrange(-3 * 3600, 3 * 3600) for _ in range(12)]  # few ends: many ties
    meetings = [
        Meeting(
            f"m{rng.randrange(10**6):06d}-{number}",
            f"https://acme.whereby.com/r{number}",
            NOW + timedelta(seconds=rng.choice(ends)),
        )
        for number in range(150)
    ]
    with RoomStore(tmp_path / "rooms.sqlite3") as store:
        store.upsert_many_imported(meetings)
        ids = [meeting.meeting_id for meeting in meetings]
        store.mark_deleted(rng.sample(ids, 20), when=NOW)
        store.mark_server_missing(rng.sample(ids, 15), when=NOW)
        rooms = store.list_rooms(include_past=True, now=now)
        assert {room.status(now) for room in rooms} == set(RoomStatus)
        for descending in (False, True):
            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            model = RoomTableModel(zone_name="UTC", now=now)
            model.sort(Column.ENDS, order)
            model.setRooms(rooms)
            proxy = RoomFilterProxyModel()
            proxy.setSourceModel(model)
            for show_past in (False, True):
                proxy.setShowPast(show_past)
                for limit in (1, 7, 40, 130, 500):

                    def fetch(status: RoomStatus, wanted: int, latest: bool) -> list[StoredRoom]:
                        return store.rooms_with_status(
                            status, now=now, limit=wanted, latest_first=latest
                        )

                    top = first_rooms_by_end(
                        fetch, limit, show_past=show_past, descending=descending
                    )
                    assert [room.meeting_id for room in top] == shown_ids(proxy)[:limit]


def test_more_mode_texts_than_a_byte_numbers_keep_each_room_its_own(pair) -> None:
    model, proxy = pair
    odd = [replace(room(n), room_mode=f"mode {n:03d}") for n in range(200)]
    model.setRooms(odd)  # 200 texts and "Normal": numbered in a byte
    assert isinstance(model.table().columns.modes, bytearray)
    # Upserted one at a time, the 257th text makes the column wider in the middle of it all.
    more = [replace(room(n), room_mode=f"mode {n:03d}") for n in range(200, 300)]
    for each in more:
        model.upsertRoom(each)
    assert not isinstance(model.table().columns.modes, bytearray)
    prepared = prepare_rooms([*odd, *more], now=NOW)  # and all at once: wider from the start
    assert not isinstance(prepared.columns.modes, bytearray)
    for table in (model, RoomTableModel()):
        if table is not model:
            table.setNow(NOW)
            table.setPreparedRooms(prepared)
        shown = {
            table.index(row, 0).data(RoomRole.MEETING_ID): table.index(row, Column.MODE).data()
            for row in range(table.rowCount())
        }
        assert shown == {f"m{n:05d}": f"Mode {n:03d}" for n in range(300)}
    proxy.sort(Column.MODE, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, Column.MODE).data() == "Mode 299"
