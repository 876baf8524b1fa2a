"""RoomTableModel and RoomFilterProxyModel, checked by QAbstractItemModelTester throughout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPersistentModelIndex, QStringListModel, Qt
from PySide6.QtGui import QFont, QGuiApplication, QIcon, QPalette
from PySide6.QtTest import QAbstractItemModelTester

from roomdesk.api.errors import RequestValidationError
from roomdesk.domain.rooms import LABEL_MAX_LENGTH
from roomdesk.domain.status import RoomStatus
from roomdesk.roomlist.texts import Column
from roomdesk.store.records import RoomSource, StoredRoom
from roomdesk.ui.room_filter_proxy import RoomFilterProxyModel
from roomdesk.ui.room_table_model import RoomRole, RoomTableModel

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ZONE = "Europe/Oslo"  # CET (UTC+1) in December
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


def make_room(
    meeting_id: str = "m1",
    *,
    label: str = "",
    end: datetime = NOW + timedelta(hours=3),
    room_name: str | None = "",
    host: bool = True,
    viewer: bool = False,
    room_mode: str | None = "normal",
    options: dict[str, Any] | None = None,
    notes: str = "",
    deleted_at: datetime | None = None,
    server_missing_at: datetime | None = None,
) -> StoredRoom:
    name = f"/{meeting_id}-room" if room_name == "" else room_name
    url = f"https://acme.whereby.com/{meeting_id}-room"
    return StoredRoom(
        id=abs(hash(meeting_id)) % 10_000_000,
        meeting_id=meeting_id,
        room_name=name,
        room_url=url,
        host_room_url=f"{url}?roomKey=host-{meeting_id}" if host else None,
        viewer_room_url=f"https://acme.whereby.com/v-{meeting_id}" if viewer else None,
        start_date=None,
        end_date=end,
        room_mode=room_mode,
        options=options,
        label=label,
        notes=notes,
        created_at=NOW - timedelta(days=1),
        source=RoomSource.CREATED,
        deleted_at=deleted_at,
        server_missing_at=server_missing_at,
        updated_at=NOW - timedelta(days=1),
    )


def attach_testers(*models: Any) -> list[QAbstractItemModelTester]:
    """Fatal testers: any broken model invariant aborts the test run loudly."""
    mode = QAbstractItemModelTester.FailureReportingMode.Fatal
    return [QAbstractItemModelTester(model, mode) for model in models]


@pytest.fixture
def model(qapp) -> RoomTableModel:
    return RoomTableModel(zone_name=ZONE, now=NOW)


@pytest.fixture
def proxy(model: RoomTableModel) -> Iterator[RoomFilterProxyModel]:
    proxy = RoomFilterProxyModel()
    proxy.setSourceModel(model)
    checked = attach_testers(model, proxy)
    yield proxy
    del checked


def ids_in(proxy: RoomFilterProxyModel) -> list[str]:
    return [proxy.index(row, 0).data(RoomRole.MEETING_ID) for row in range(proxy.rowCount())]


def source_ids(model: RoomTableModel) -> list[str]:
    return [model.index(row, 0).data(RoomRole.MEETING_ID) for row in range(model.rowCount())]


def record_data_changes(model: RoomTableModel) -> list[tuple[int, int, int, int]]:
    changes: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda top, bottom, _roles: changes.append(
            (top.row(), bottom.row(), top.column(), bottom.column())
        )
    )
    return changes


def text(model: Any, row: int, column: Column, role: Qt.ItemDataRole = DISPLAY) -> Any:
    return model.index(row, column).data(role)


# --- columns, headers, text ---


def test_columns_and_headers(model: RoomTableModel) -> None:
    assert model.columnCount() == 7
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
    assert titles == ["Label", "Room", "Ends", "Status", "Mode", "Links", "Session"]
    assert [column.title for column in Column] == titles
    for column in Column:
        assert model.headerData(column, Qt.Orientation.Horizontal, TOOLTIP)
    assert ZONE in model.headerData(Column.ENDS, Qt.Orientation.Horizontal, TOOLTIP)


def test_display_text_and_tooltips_per_column(model: RoomTableModel) -> None:
    end = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    room = make_room("abc", label="Team sync", end=end, viewer=True, notes="Bring slides")
    model.setRooms([room])

    assert text(model, 0, Column.LABEL) == "Team sync"
    assert text(model, 0, Column.ROOM) == "/abc-room"
    assert text(model, 0, Column.ENDS) == "2026-12-01 15:30 CET"
    assert text(model, 0, Column.STATUS) == "Active"
    assert text(model, 0, Column.MODE) == "Normal"
    assert text(model, 0, Column.LINKS) == "room · host · viewer"

    assert text(model, 0, Column.ENDS, TOOLTIP) == (
        "Ends 2026-12-01 15:30 CET (14:30 UTC); usable until 16:30 CET"
    )
    links_tip = text(model, 0, Column.LINKS, TOOLTIP)
    for url in room.links.values():
        assert url in links_tip
    assert text(model, 0, Column.ROOM, TOOLTIP) == room.room_url
    assert text(model, 0, Column.LABEL, TOOLTIP) == "Bring slides"
    assert text(model, 0, Column.LINKS, Qt.ItemDataRole.AccessibleTextRole) == (
        "Participant link, Host link, Viewer link"
    )


def test_custom_roles(model: RoomTableModel) -> None:
    room = make_room("abc", label="Sync", end=NOW + timedelta(minutes=30))
    model.setRooms([room])
    index = model.index(0, Column.MODE)
    assert index.data(RoomRole.ROOM) is room
    assert index.data(RoomRole.MEETING_ID) == "abc"
    assert index.data(RoomRole.END_SORT) == room.end_date.timestamp()
    # A StrEnum crosses QVariant as its plain value, which still compares equal.
    assert index.data(RoomRole.STATUS) == RoomStatus.ENDS_SOON
    assert index.data(RoomRole.STATUS_RANK) == 1
    search = index.data(RoomRole.SEARCH_TEXT)
    for part in ("sync", "/abc-room", room.room_url, "roomkey=host-abc", "abc"):
        assert part in search


def test_empty_label_shows_nothing_and_room_name_falls_back_to_url(
    model: RoomTableModel,
) -> None:
    model.setRooms([make_room("abc", room_name=None, room_mode=None)])
    assert text(model, 0, Column.LABEL) == ""
    assert text(model, 0, Column.ROOM) == "abc-room"  # the URL's last part
    assert text(model, 0, Column.MODE) == ""
    assert "imported" in text(model, 0, Column.MODE, TOOLTIP)


def test_mode_column_names_viewer_rooms(model: RoomTableModel) -> None:
    viewer = make_room("v", room_mode="group", options={"templateType": "viewerMode"})
    model.setRooms([viewer, make_room("g", room_mode="group")])
    modes = {text(model, row, Column.MODE) for row in range(2)}
    assert modes == {"Viewer", "Group"}


def test_end_tooltip_gives_dates_when_days_differ(qapp) -> None:
    model = RoomTableModel(zone_name="Pacific/Auckland", now=NOW)  # UTC+13 in December
    model.setRooms([make_room(end=datetime(2026, 12, 1, 10, 30, tzinfo=UTC))])
    assert text(model, 0, Column.ENDS) == "2026-12-01 23:30 NZDT"
    assert text(model, 0, Column.ENDS, TOOLTIP) == (
        "Ends 2026-12-01 23:30 NZDT (10:30 UTC); usable until 2026-12-02 00:30 NZDT"
    )


def test_utc_zone_has_no_repeated_utc_time(qapp) -> None:
    model = RoomTableModel(zone_name="UTC", now=NOW)
    model.setRooms([make_room(end=datetime(2026, 12, 1, 14, 30, tzinfo=UTC))])
    assert text(model, 0, Column.ENDS, TOOLTIP) == (
        "Ends 2026-12-01 14:30 UTC; usable until 15:30 UTC"
    )


def test_set_display_zone_reformats_only_the_ends_and_session_columns(
    model: RoomTableModel,
) -> None:
    model.setRooms([make_room("a"), make_room("b", end=NOW + timedelta(days=2))])
    changes = record_data_changes(model)
    model.setDisplayZone("America/New_York")
    assert changes == [(0, 1, Column.ENDS, Column.ENDS), (0, 1, Column.SESSION, Column.SESSION)]
    assert text(model, 0, Column.ENDS) == "2026-12-01 10:00 EST"
    assert model.displayZone() == "America/New_York"
    with pytest.raises(RequestValidationError):
        model.setDisplayZone("Mars/Olympus_Mons")
    assert model.displayZone() == "America/New_York"


def test_flags_make_only_the_label_editable(model: RoomTableModel) -> None:
    model.setRooms([make_room()])
    for column in Column:
        flags = model.flags(model.index(0, column))
        assert flags & Qt.ItemFlag.ItemIsSelectable
        assert flags & Qt.ItemFlag.ItemIsEnabled
        assert bool(flags & Qt.ItemFlag.ItemIsEditable) == (column == Column.LABEL)


# --- status and the clock ---


def test_status_follows_the_clock_and_only_changed_rows_are_signalled(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    early = make_room("early", end=NOW + timedelta(hours=2))
    late = make_room("late", end=NOW + timedelta(days=10))
    model.setRooms([early, late])
    signalled: list[str] = []  # meeting ids of the rows dataChanged covered, when it fired
    model.dataChanged.connect(
        lambda top, bottom, _roles: signalled.extend(
            model.index(row, 0).data(RoomRole.MEETING_ID)
            for row in range(top.row(), bottom.row() + 1)
        )
    )

    def status_of(meeting_id: str) -> RoomStatus:
        row = model.rowOf(meeting_id)
        assert row is not None
        return RoomStatus(model.index(row, Column.STATUS).data(RoomRole.STATUS))

    steps = [
        (timedelta(minutes=30), RoomStatus.ACTIVE, []),
        (timedelta(hours=1, minutes=30), RoomStatus.ENDS_SOON, ["early"]),
        (timedelta(hours=2, minutes=30), RoomStatus.ENDED, ["early"]),
        (timedelta(hours=2, minutes=45), RoomStatus.ENDED, []),
        (timedelta(hours=3, minutes=30), RoomStatus.EXPIRED, ["early"]),
    ]
    for offset, expected, changed_ids in steps:
        signalled.clear()
        # It says whether a row changed, so the window redraws only then.
        assert model.setNow(NOW + offset) is bool(changed_ids)
        assert status_of("early") is expected
        assert status_of("late") is RoomStatus.ACTIVE
        assert signalled == changed_ids
    assert text(model, model.rowOf("early"), Column.STATUS) == "Expired"


def test_refresh_without_a_status_change_signals_nothing(model: RoomTableModel) -> None:
    model.setRooms([make_room("a"), make_room("b", end=NOW + timedelta(days=1))])
    changes = record_data_changes(model)
    assert model.refreshStatuses() is False
    assert model.setNow(NOW + timedelta(minutes=5)) is False
    assert changes == []


def test_set_now_needs_an_aware_time(model: RoomTableModel) -> None:
    with pytest.raises(ValueError):
        model.setNow(datetime(2026, 12, 1, 12, 0))


def test_past_rows_are_dimmed_and_deleted_ones_italic(model: RoomTableModel) -> None:
    model.setRooms(
        [
            make_room("active"),
            make_room("expired", end=NOW - timedelta(days=1)),
            make_room("deleted", deleted_at=NOW - timedelta(minutes=5)),
            make_room("missing", server_missing_at=NOW - timedelta(minutes=5)),
        ]
    )
    dimmed = QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
    for meeting_id in ("expired", "deleted", "missing"):
        brush = text(model, model.rowOf(meeting_id), Column.ROOM, Qt.ItemDataRole.ForegroundRole)
        assert brush.color() == dimmed
    active_row = model.rowOf("active")
    assert text(model, active_row, Column.ROOM, Qt.ItemDataRole.ForegroundRole) is None

    font = text(model, model.rowOf("deleted"), Column.LABEL, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.italic()
    assert text(model, model.rowOf("expired"), Column.LABEL, Qt.ItemDataRole.FontRole) is None
    missing_tip = text(model, model.rowOf("missing"), Column.STATUS, TOOLTIP)
    assert "no longer lists" in missing_tip


def test_status_column_has_a_status_icon(model: RoomTableModel) -> None:
    model.setRooms([make_room()])
    decoration = text(model, 0, Column.STATUS, Qt.ItemDataRole.DecorationRole)
    assert isinstance(decoration, QIcon)
    assert not decoration.isNull()
    assert text(model, 0, Column.ROOM, Qt.ItemDataRole.DecorationRole) is None


# --- label editing ---


def test_label_edit_emits_the_request_and_changes_nothing(model: RoomTableModel) -> None:
    room = make_room("abc", label="Old")
    model.setRooms([room, make_room("other")])
    row = model.rowOf("abc")
    edits: list[tuple[str, str]] = []
    model.labelEdited.connect(lambda meeting_id, label: edits.append((meeting_id, label)))
    changes = record_data_changes(model)

    index = model.index(row, Column.LABEL)
    assert index.data(Qt.ItemDataRole.EditRole) == "Old"
    assert model.setData(index, "  New label  ")
    assert edits == [("abc", "New label")]
    assert changes == []
    assert index.data() == "Old"  # until the window stores it and upserts the room

    assert not model.setData(index, "Old")  # unchanged: nothing to store
    assert not model.setData(index, "x" * (LABEL_MAX_LENGTH + 1))
    assert not model.setData(model.index(row, Column.ROOM), "renamed")
    assert edits == [("abc", "New label")]

    model.upsertRoom(replace(room, label="New label"))
    assert model.index(model.rowOf("abc"), Column.LABEL).data() == "New label"


# --- upsert, remove, lookups ---


def test_upsert_inserts_in_sort_order_and_updates_in_place(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms([make_room("a", end=NOW + timedelta(hours=2)), make_room("c")])
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))

    model.upsertRoom(make_room("b", end=NOW + timedelta(hours=2, minutes=30)))
    assert inserted == [(1, 1)]
    assert source_ids(model) == ["a", "b", "c"]

    changes = record_data_changes(model)
    model.upsertRoom(make_room("b", label="Renamed", end=NOW + timedelta(hours=2, minutes=30)))
    assert changes == [(1, 1, 0, len(Column) - 1)]
    assert model.rowCount() == 3
    assert model.index(1, Column.LABEL).data() == "Renamed"
    assert ids_in(proxy) == ["a", "b", "c"]


def test_upsert_moves_a_room_whose_end_changed(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    rooms = [make_room(f"r{n}", end=NOW + timedelta(hours=2 + n)) for n in range(5)]
    model.setRooms(rooms)
    selected = QPersistentModelIndex(proxy.index(0, 0))  # r0

    model.upsertRoom(replace(rooms[0], end_date=NOW + timedelta(hours=20)))
    assert source_ids(model) == ["r1", "r2", "r3", "r4", "r0"]
    assert selected.data(RoomRole.MEETING_ID) == "r0"
    model.upsertRoom(replace(rooms[3], end_date=NOW + timedelta(hours=1, minutes=30)))
    assert source_ids(model) == ["r3", "r1", "r2", "r4", "r0"]
    assert ids_in(proxy) == source_ids(model)
    assert [model.rowOf(f"r{n}") for n in range(5)] == [4, 1, 2, 0, 3]


def test_remove_rooms_signals_each_contiguous_run(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms([make_room(f"r{n}", end=NOW + timedelta(hours=2 + n)) for n in range(8)])
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))

    model.removeRooms(["r1", "r2", "r5", "unknown", "r7"])
    assert sorted(removed) == [(1, 2), (5, 5), (7, 7)]
    assert source_ids(model) == ["r0", "r3", "r4", "r6"]
    assert [model.rowOf(meeting_id) for meeting_id in source_ids(model)] == [0, 1, 2, 3]
    assert model.rowOf("r1") is None
    assert ids_in(proxy) == ["r0", "r3", "r4", "r6"]
    model.removeRooms([])
    assert model.rowCount() == 4


def test_room_at_and_row_of_stay_in_step(model: RoomTableModel) -> None:
    rooms = [make_room(f"r{n}", end=NOW + timedelta(hours=2 + n)) for n in range(6)]
    model.setRooms(rooms)
    model.upsertRoom(make_room("first", end=NOW + timedelta(hours=1, minutes=10)))
    model.removeRooms(["r2"])
    model.upsertRoom(make_room("middle", end=NOW + timedelta(hours=4, minutes=30)))
    for row in range(model.rowCount()):
        room = model.roomAt(row)
        assert room is not None
        assert model.rowOf(room.meeting_id) == row
    assert model.roomAt(-1) is None
    assert model.roomAt(model.rowCount()) is None
    assert len(model.rooms()) == model.rowCount() == 7


def test_set_rooms_keeps_the_last_room_per_meeting_id(model: RoomTableModel) -> None:
    model.setRooms([make_room("a", label="first"), make_room("a", label="second")])
    assert model.rowCount() == 1
    assert model.index(0, Column.LABEL).data() == "second"


# --- sorting ---


def sorting_rooms() -> list[StoredRoom]:
    return [
        make_room("expired", label="delta", end=NOW - timedelta(days=2)),
        make_room("ended", label="Alpha", end=NOW - timedelta(minutes=30)),
        make_room("soon", label="", end=NOW + timedelta(minutes=20)),
        make_room("late", label="charlie", end=NOW + timedelta(days=3)),
        make_room("early", label="bravo", end=NOW + timedelta(hours=5)),
        make_room("deleted", label="echo", end=NOW + timedelta(days=1), deleted_at=NOW),
    ]


def test_default_order_is_live_rooms_first_by_end(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms(sorting_rooms())
    assert proxy.sortColumn() == Column.ENDS
    assert ids_in(proxy) == ["soon", "early", "late", "ended", "expired", "deleted"]


def test_sorting_by_ends_descending_keeps_live_rooms_on_top(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms(sorting_rooms())
    proxy.sort(Column.ENDS, Qt.SortOrder.DescendingOrder)
    assert ids_in(proxy) == ["late", "early", "soon", "ended", "expired", "deleted"]
    assert proxy.sortOrder() == Qt.SortOrder.DescendingOrder


def test_sorting_by_status_label_and_room(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms(sorting_rooms())
    proxy.sort(Column.STATUS)
    assert ids_in(proxy) == ["early", "late", "soon", "ended", "expired", "deleted"]
    proxy.sort(Column.LABEL)
    assert ids_in(proxy) == ["ended", "early", "late", "expired", "deleted", "soon"]
    proxy.sort(Column.LABEL, Qt.SortOrder.DescendingOrder)
    assert ids_in(proxy) == ["soon", "deleted", "expired", "late", "early", "ended"]
    proxy.sort(Column.ROOM)
    assert ids_in(proxy) == sorted(ids_in(proxy), key=lambda meeting_id: f"/{meeting_id}-room")
    assert proxy.sortColumn() == Column.ROOM


ODD_NAMES = {
    "caps": "/Team-Room",  # capitals: not in the case-folded search text as it is
    "sharp": "/straße",  # folds to "strasse", a different length
    "plain": "/plain-name",  # not part of the room's link, but kept in the search text
    "link": "/link-room",  # the last part of its own link
}


def odd_name_rooms() -> list[StoredRoom]:
    return [make_room(mid, room_name=name) for mid, name in ODD_NAMES.items()]


def shown_names(model: RoomTableModel) -> dict[str, str]:
    return {
        model.roomAt(row).meeting_id: text(model, row, Column.ROOM)
        for row in range(model.rowCount())
    }


def test_room_names_show_as_given_whatever_their_case(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.sort(Column.ROOM)  # so the rooms are also sorted by name as they are prepared
    model.setRooms(odd_name_rooms())
    assert shown_names(model) == ODD_NAMES
    assert ids_in(proxy) == ["link", "plain", "sharp", "caps"]  # case-folded order
    proxy.setFilterText("team-room")
    assert ids_in(proxy) == ["caps"]
    proxy.setFilterText("STRASSE")
    assert ids_in(proxy) == ["sharp"]
    proxy.setFilterText("")

    # Names change, in both directions, one by one and in a batch.
    model.upsertRoom(make_room("caps", room_name="/team-room"))
    model.upsertRoom(make_room("plain", room_name="/Plain-Name"))
    assert shown_names(model) == {**ODD_NAMES, "caps": "/team-room", "plain": "/Plain-Name"}
    batch = [make_room(mid, room_name=name.upper()) for mid, name in ODD_NAMES.items()]
    model.upsertRooms(batch)
    assert shown_names(model) == {mid: name.upper() for mid, name in ODD_NAMES.items()}
    assert ids_in(proxy) == ["link", "plain", "sharp", "caps"]

    # A removed room's place, taken by a new room, shows the new room's name.
    model.removeRooms(["caps", "sharp"])
    model.upsertRoom(make_room("new", room_name="/new-room"))
    model.upsertRoom(make_room("newer", room_name="/Newer-Room"))
    assert shown_names(model) == {
        "link": "/LINK-ROOM",
        "plain": "/PLAIN-NAME",
        "new": "/new-room",
        "newer": "/Newer-Room",
    }


def test_sorting_keeps_persistent_indexes(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms(sorting_rooms())
    held = [QPersistentModelIndex(proxy.index(row, Column.LABEL)) for row in range(6)]
    before = [index.data(RoomRole.MEETING_ID) for index in held]
    proxy.sort(Column.LABEL)
    assert [index.data(RoomRole.MEETING_ID) for index in held] == before
    assert all(index.column() == Column.LABEL for index in held)


def test_new_rooms_land_in_the_current_sort_order(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms(sorting_rooms())
    proxy.sort(Column.LABEL, Qt.SortOrder.DescendingOrder)
    model.upsertRoom(make_room("new", label="Bravissimo"))
    # "bravissimo" sorts before "bravo", so it lands after it in descending order.
    assert ids_in(proxy) == ["soon", "deleted", "expired", "late", "early", "new", "ended"]


def test_a_status_change_reorders_rooms_sorted_by_end(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms(
        [
            make_room("soon", end=NOW + timedelta(minutes=10)),
            make_room("later", end=NOW + timedelta(hours=5)),
        ]
    )
    assert ids_in(proxy) == ["soon", "later"]
    model.setNow(NOW + timedelta(minutes=30))  # "soon" has ended: no longer live
    assert ids_in(proxy) == ["later", "soon"]
    assert model.rowOf("later") == 0


# --- filtering ---


def filter_rooms() -> list[StoredRoom]:
    return [
        make_room("alpha", label="Board Meeting"),
        make_room("beta", label="board games night", viewer=True),
        make_room("gamma", label="Standup"),
        make_room("old", label="Board retro", end=NOW - timedelta(days=3)),
        make_room("gone", label="Board review", deleted_at=NOW - timedelta(hours=1)),
        make_room("done", label="Board lunch", end=NOW - timedelta(minutes=20)),
    ]


@pytest.mark.parametrize("from_scratch", [False, True])
def test_filter_matches_every_term_across_fields(
    model: RoomTableModel, proxy: RoomFilterProxyModel, from_scratch: bool
) -> None:
    model.setRooms(filter_rooms())

    def matching(filter_text: str) -> set[str]:
        if from_scratch:  # a full pass each time, rather than narrowing the previous matches
            proxy.setFilterText("")
        proxy.setFilterText(filter_text)
        return set(ids_in(proxy))

    assert matching("BOARD") == {"alpha", "beta", "old", "gone", "done"}
    assert matching("  board   night ") == {"beta"}
    assert matching("board v-beta") == {"beta"}  # the viewer link's address
    assert matching("roomkey=host-gamma") == {"gamma"}
    assert matching("alpha-room meeting") == {"alpha"}
    assert matching("board nothing-like-this") == set()
    assert matching("") == {"alpha", "beta", "gamma", "old", "gone", "done"}
    assert proxy.filterText() == ""


def test_show_past_hides_expired_and_deleted_rooms(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms(filter_rooms())
    assert proxy.showPast()
    proxy.setShowPast(False)
    assert set(ids_in(proxy)) == {"alpha", "beta", "gamma", "done"}  # ended rooms still show
    proxy.setFilterText("board")
    assert set(ids_in(proxy)) == {"alpha", "beta", "done"}
    proxy.setShowPast(True)
    assert set(ids_in(proxy)) == {"alpha", "beta", "old", "gone", "done"}


def test_rooms_that_expire_leave_the_filtered_view(
    model: RoomTableModel, proxy: RoomFilterProxyModel
) -> None:
    model.setRooms(filter_rooms())
    proxy.setShowPast(False)
    model.setNow(NOW + timedelta(minutes=50))  # "done" passes its grace period
    assert set(ids_in(proxy)) == {"alpha", "beta", "gamma"}
    model.upsertRoom(make_room("fresh", label="New"))
    assert "fresh" in ids_in(proxy)
    assert proxy.roomAt(ids_in(proxy).index("fresh")).label == "New"
    assert proxy.roomAt(proxy.rowCount()) is None


def test_proxy_accepts_only_a_room_table_model(qapp) -> None:
    with pytest.raises(TypeError):
        RoomFilterProxyModel().setSourceModel(QStringListModel(["a"]))


def test_a_hundred_thousand_rooms_load_filter_and_sort(qapp) -> None:
    model = RoomTableModel(zone_name=ZONE, now=NOW)
    proxy = RoomFilterProxyModel()
    proxy.setSourceModel(model)
    topics = ("Kiwi", "Mango", "Papaya", "Quince", "Lychee", "Durian", "Feijoa")
    colours = ("amber", "teal", "ochre", "indigo", "umber")
    count = 100_000
    rooms = [
        make_room(
            f"m{n:06d}",
            label=f"{topics[n % 7]} course, {colours[n % 5]} group",
            end=NOW + timedelta(minutes=(n * 7919) % 20_000 - 5_000),
        )
        for n in range(count)
    ]
    model.setRooms(rooms)
    assert proxy.rowCount() == count

    proxy.setFilterText("kiwi AMBER")
    wanted = [room for room in rooms if room.label == "Kiwi course, amber group"]
    assert proxy.rowCount() == len(wanted) > 0
    proxy.setShowPast(False)
    current = [room for room in wanted if room.status(NOW) is not RoomStatus.EXPIRED]
    assert 0 < len(current) < len(wanted)

    live = (RoomStatus.ACTIVE, RoomStatus.ENDS_SOON)
    expected = sorted(
        current, key=lambda room: (room.status(NOW) not in live, room.end_date, room.meeting_id)
    )
    assert ids_in(proxy) == [room.meeting_id for room in expected]
    assert model.rowOf("m099999") is not None
