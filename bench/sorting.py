"""Benchmark 3: sorting 100,000 rooms by end date, and the frame time while scrolling them.

Sorting: a mouse click on the Ends column's header (``QTest.mouseClick``), which reverses the
order each time, timed until the view has repainted. Scrolling: the vertical scroll bar
is moved a page at a time (``setValue``) from the top, then in jumps spread over the whole list
(rows never shown before: their end dates are formatted on the way), each step timed until the
viewport has repainted.

Baseline, interleaved: the same in a plain-Qt window (Qt's C++ QSortFilterProxyModel sorting a
QStringListModel of the rooms' search texts; scrolling the same number of rows).
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableView

from bench import gui
from bench.core import Options, Result, Summary, at_most

SORT_BUDGET_MS = 100.0
FRAME_BUDGET_MS = 16.0


def time_sorts(table: QTableView, column: int, clicks: int) -> list[float]:
    """Milliseconds per click on ``column``'s header (each click reverses the order)."""
    header = table.horizontalHeader()
    middle = QPoint(
        header.sectionViewportPosition(column) + header.sectionSize(column) // 2,
        header.height() // 2,
    )
    timer = gui.FrameTimer(table)
    times = [
        timer.time(
            lambda: QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)
        )
        * 1000
        for _ in range(clicks)
    ]
    timer.close()
    return times


def time_scrolling(table: QTableView, pages: int, jumps: int) -> list[float]:
    """Milliseconds per step: ``pages`` page-downs from the top, then ``jumps`` far jumps."""
    bar = table.verticalScrollBar()
    timer = gui.FrameTimer(table)
    timer.time(lambda: bar.setValue(0))
    times = []
    for _ in range(pages):
        step = min(bar.value() + bar.pageStep(), bar.maximum())
        times.append(timer.time(functools.partial(bar.setValue, step)) * 1000)
    for jump in range(1, jumps + 1):
        value = bar.maximum() * jump // jumps
        times.append(timer.time(functools.partial(bar.setValue, value)) * 1000)
    timer.close()
    return times


def run_sort_scroll(options: Options) -> list[Result]:
    from roomdesk.roomlist.texts import Column

    size = 300 if options.quick else 100_000
    repeat = options.repetitions(full=5, quick=1)
    pages, jumps = (10, 5) if options.quick else (300, 100)
    sorts: list[float] = []
    base_sorts: list[float] = []
    frames: list[float] = []
    base_frames: list[float] = []
    with gui.window_and_baseline(size) as (window, baseline):
        shown = window.proxy.rowCount()
        for _ in range(repeat):  # two clicks each: descending, then ascending again
            sorts += time_sorts(window.table, Column.ENDS, 2)
            base_sorts += time_sorts(baseline.table, 0, 2)
        frames += time_scrolling(window.table, pages, jumps)
        base_frames += time_scrolling(baseline.table, pages, jumps)
    label = "plain-Qt QSortFilterProxyModel (C++)"
    notes = f"{size:,} rooms, {shown:,} shown (past hidden)"
    return [
        Result(
            benchmark="sort",
            figure="Sort by end date (header click)",
            value=Summary.of(sorts, "ms"),
            statistic="max",
            baseline=Summary.of(base_sorts, "ms"),
            baseline_label=label,
            target=at_most(SORT_BUDGET_MS, "ms"),
            notes=f"{notes}; {len(sorts)} header clicks, descending and ascending in turn",
        ),
        Result(
            benchmark="scroll",
            figure="Scrolling, frame time (max)",
            value=Summary.of(frames, "ms"),
            statistic="max",
            baseline=Summary.of(base_frames, "ms"),
            baseline_label=label,
            target=at_most(FRAME_BUDGET_MS, "ms"),
            notes=f"{notes}; {pages} pages down, then {jumps} jumps across the list",
        ),
        Result(
            benchmark="scroll",
            figure="Scrolling, frame time (p95)",
            value=Summary.of(frames, "ms"),
            statistic="p95",
            baseline=Summary.of(base_frames, "ms"),
            baseline_label=label,
            notes=notes,
        ),
    ]
