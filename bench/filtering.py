"""Benchmark 2: filter latency, from each keystroke in the filter field to the repainted table.

A six-character query is typed key by key (``QTest.keyClick`` into ``window.filter_edit``) with
100,000 rooms in the main window, then deleted with Backspace. Each keystroke is timed until the
proxy has re-filtered and the table's viewport has repainted (see :class:`bench.gui.FrameTimer`).
Every repetition types a different query, each starting with a letter the others do not, so no
repetition profits from results an earlier one left behind.

Baseline, interleaved: the same keystrokes in a plain-Qt window whose QLineEdit drives Qt's own
QSortFilterProxyModel (C++, ``setFilterFixedString``) over a QStringListModel holding the same
rooms' search texts: what filtering costs when no Python runs at all.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QLineEdit

from bench import gui
from bench.core import Options, Result, Summary, at_most

# Six characters each, distinct first letters: room name topics, a label word, a meeting id.
QUERIES = (
    "review",
    "coachi",
    "standu",
    "planni",
    "onboar",
    "interv",
    "worksh",
    "yoga-a",
    "maths-",
    "kiwi c",
    "100004",
    "durian",
    "quince",
    "lychee",
    "feijoa",
)
FRAME_BUDGET_MS = 16.0


def type_and_delete(
    edit: QLineEdit, view: QAbstractItemView, query: str
) -> tuple[list[float], list[float]]:
    """Milliseconds per keystroke typing ``query`` into ``edit``, then deleting it."""
    timer = gui.FrameTimer(view)
    edit.clear()
    gui.settle(0.02)
    typing = [timer.time(functools.partial(QTest.keyClick, edit, char)) * 1000 for char in query]
    deleting = [
        timer.time(lambda: QTest.keyClick(edit, Qt.Key.Key_Backspace)) * 1000 for _ in query
    ]
    timer.close()
    return typing, deleting


def run_filter(options: Options) -> list[Result]:
    size = 300 if options.quick else 100_000
    repeat = options.repetitions(full=len(QUERIES), quick=1)
    typing: list[float] = []
    deleting: list[float] = []
    base_typing: list[float] = []
    base_deleting: list[float] = []
    with gui.window_and_baseline(size) as (window, baseline):
        shown = window.proxy.rowCount()
        for number in range(repeat):
            query = QUERIES[number % len(QUERIES)]
            typed, deleted = type_and_delete(window.filter_edit, window.table, query)
            typing += typed
            deleting += deleted
            typed, deleted = type_and_delete(baseline.filter_edit, baseline.table, query)
            base_typing += typed
            base_deleting += deleted
    label = "plain-Qt QSortFilterProxyModel (C++), all rows"
    common: dict[str, Any] = {
        "benchmark": "filter",
        "baseline_label": label,
        "notes": f"{size:,} rooms, {shown:,} shown (past hidden); {repeat} queries",
    }
    return [
        Result(
            figure="Filter keystroke, typing (p50)",
            value=Summary.of(typing, "ms"),
            baseline=Summary.of(base_typing, "ms"),
            **common,
        ),
        Result(
            figure="Filter keystroke, typing (p95)",
            value=Summary.of(typing, "ms"),
            statistic="p95",
            baseline=Summary.of(base_typing, "ms"),
            target=at_most(FRAME_BUDGET_MS, "ms"),
            **common,
        ),
        Result(
            figure="Filter keystroke, Backspace (p95)",
            value=Summary.of(deleting, "ms"),
            statistic="p95",
            baseline=Summary.of(base_deleting, "ms"),
            **common,
        ),
    ]
