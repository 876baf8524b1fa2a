"""The room list's Session column: its text in the list's zone, its order, its filter, and a
header saved before it existed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QTableView

from roomdesk.roomlist.ordering import SortOrder
from roomdesk.roomlist.table import RoomTable
from roomdesk.roomlist.texts import SESSION_COL, Column
from roomdesk.ui.room_filter_proxy import RoomFilterProxyModel
from roomdesk.ui.room_table_model import RoomTableModel
from tests.test_room_table_model import (
    NOW,
    ZONE,
    attach_testers,
    ids_in,
    make_room,
    record_data_changes,
    source_ids,
    text,
)

TOOLTIP = Qt.ItemDataRole.ToolTipRole
ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole


def planned(meeting_id: str, start: datetime | None, end: datetime, zone: str | None = None):
    return replace(make_room(meeting_id, end=end), planned_start=start, time_zone=zone)


# Tue 1 Dec 2026 12:00 UTC is 13:00 in Oslo.
COACHING = planned("coaching", NOW + timedelta(hours=1), NOW + timedelta(hours=2, minutes=30))
LATE = planned("late", NOW + timedelta(hours=10), NOW + timedelta(hours=11, minutes=30), "UTC")
NONE = planned("none", None, NOW + timedelta(hours=1))


@pytest.fixture
def model(qapp) -> Iterator[RoomTableModel]:
    model = RoomTableModel(zone_name=ZONE, now=NOW)
    proxy = RoomFilterProxyModel()
    proxy.setSourceModel(model)
    model.setProperty("proxy", proxy)
    checked = attach_testers(model, proxy)
    yield model
    del checked


def proxy_of(model: RoomTableModel) -> RoomFilterProxyModel:
    proxy = model.property("proxy")
    assert isinstance(proxy, RoomFilterProxyModel)
    return proxy


def test_the_session_shows_in_the_lists_zone_and_a_room_without_one_shows_nothing(model):
    model.setRooms([COACHING, LATE, NONE])
    row = {meeting_id: n for n, meeting_id in enumerate(source_ids(model))}
    assert text(model, row["coaching"], Column.SESSION) == "Tue 1 Dec 14:00–15:30"
    # 22:00 to 23:30 UTC is 23:00 to 00:30 in Oslo: the next day is named.
    assert text(model, row["late"], Column.SESSION) == "Tue 1 Dec 23:00–Wed 2 Dec 00:30"
    assert text(model, row["none"], Column.SESSION) == ""
    assert text(model, row["none"], Column.SESSION, TOOLTIP) is None
    assert text(model, row["none"], Column.SESSION, ACCESSIBLE) == "No planned start"
    assert "planned in UTC" in text(model, row["late"], Column.SESSION, TOOLTIP)
    assert "planned in" not in text(model, row["coaching"], Column.SESSION, TOOLTIP)
    assert ZONE in model.headerData(Column.SESSION, Qt.Orientation.Horizontal, TOOLTIP)

    changes = record_data_changes(model)
    model.setDisplayZone("UTC")
    assert text(model, model.rowOf("late"), Column.SESSION) == "Tue 1 Dec 22:00–23:30"
    assert (0, 2, Column.SESSION, Column.SESSION) in changes


def test_sorting_by_session_puts_rooms_without_a_start_after_the_others(model):
    early = planned("early", NOW + timedelta(minutes=5), NOW + timedelta(days=3))
    other_none = planned("another-none", None, NOW + timedelta(hours=5))
    model.setRooms([COACHING, LATE, NONE, early, other_none])
    model.sort(SESSION_COL, Qt.SortOrder.AscendingOrder)
    assert source_ids(model) == ["early", "coaching", "late", "another-none", "none"]
    model.sort(SESSION_COL, Qt.SortOrder.DescendingOrder)
    assert source_ids(model) == ["none", "another-none", "late", "coaching", "early"]
    # A start planned later moves its row.
    model.sort(SESSION_COL, Qt.SortOrder.AscendingOrder)
    model.upsertRoom(replace(early, planned_start=NOW + timedelta(hours=20)))
    assert source_ids(model) == ["coaching", "late", "early", "another-none", "none"]
    model.upsertRoom(replace(early, planned_start=None))
    assert source_ids(model) == ["coaching", "late", "another-none", "early", "none"]


def test_the_filter_matches_the_session_text(model):
    proxy = proxy_of(model)
    model.setRooms([COACHING, LATE, NONE])
    proxy.setFilterText("wed 2 dec")
    assert ids_in(proxy) == ["late"]
    proxy.setFilterText("14:00")
    assert ids_in(proxy) == ["coaching"]
    proxy.setFilterText("TUE 1")
    assert sorted(ids_in(proxy)) == ["coaching", "late"]
    # In another zone the same session reads, and so matches, differently.
    proxy.setFilterText("wed 2 dec")
    model.setDisplayZone("UTC")
    assert ids_in(proxy) == []
    proxy.setFilterText("22:00")
    assert ids_in(proxy) == ["late"]


def test_the_table_keeps_starts_from_a_snapshot_and_an_upsert():
    table = RoomTable(now=NOW, zone_name="UTC")
    table.set_rooms([COACHING, NONE])
    table.sort(SESSION_COL, SortOrder.ASCENDING)
    assert table.start(table.slot_at(0)) == COACHING.planned_start.timestamp()
    assert table.start(table.slot_at(1)) is None
    table.upsert(replace(NONE, planned_start=NOW))
    assert [table.meeting_id(table.slot_at(row)) for row in range(2)] == ["none", "coaching"]
    table.check()


def test_a_header_saved_before_the_session_column_restores_with_it_visible(model):
    old_model = QStandardItemModel(0, 6)  # the list as it was: Label … Links
    old = QTableView()
    old.setModel(old_model)
    old.setColumnWidth(Column.ROOM, 333)
    old.horizontalHeader().setSortIndicator(Column.STATUS, Qt.SortOrder.DescendingOrder)
    state = old.horizontalHeader().saveState()

    view = QTableView()
    view.setModel(model)
    header = view.horizontalHeader()
    assert header.restoreState(state)
    assert header.count() == len(Column)
    assert not header.isSectionHidden(Column.SESSION) and header.sectionSize(Column.SESSION) > 0
    assert header.sectionSize(Column.ROOM) == 333  # the old columns keep what was saved
    assert header.sortIndicatorSection() == Column.STATUS
    assert header.visualIndex(Column.SESSION) == Column.SESSION


def test_a_new_window_shows_the_session_next_to_the_label(app_session, qtbot):
    from roomdesk.paths import app_paths
    from roomdesk.ui.app_settings import AppSettings
    from roomdesk.ui.main_window import MainWindow

    window = MainWindow(app_session, AppSettings(app_paths()))
    qtbot.addWidget(window)
    header = window.table.horizontalHeader()
    assert [header.logicalIndex(i) for i in range(3)] == [
        Column.LABEL,
        Column.SESSION,
        Column.ROOM,
    ]
