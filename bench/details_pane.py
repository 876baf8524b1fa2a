"""Benchmark 9: from a selection change to a filled details pane, QR code included.

With 100,000 rooms in the main window, the Down arrow is pressed in the room list again and
again (``QTest.keyClick`` into ``window.table``), each press selecting the next room; each is
timed until the window has painted the pane with that room's page: its texts, its links and the
QR code of its link, made for that link the first time it is shown. Each repetition starts at
another place in the list, so no room's code was made by an earlier one. The first selection,
which makes the pane's pages, is left out of the figure and reported apart.

Baseline, interleaved run by run: the same key presses in a plain-Qt window (a QTableView over a
QStringListModel of the same rooms' texts) whose current row sets the very texts the pane
showed on as many bare QLabels beside it: what the key press, the selection and painting those
texts cost without anything of roomdesk's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QStringListModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bench import gui
from bench.core import Options, Result, Summary, at_most
from bench.emulator_child import EmulatorProcess
from bench.fixtures import filled_data_dir

FRAME_BUDGET_MS = 16.0
# As many labels as the pane has texts for a room with a host link.
BASELINE_LABELS = 7


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def time_until_painted(widget: QWidget, action: Callable[[], object]) -> float:
    """Seconds from the start of ``action`` until ``widget`` has painted (forced if Qt did not
    paint it by itself), with the rest of the window painted in the same pass."""
    paints = _Paints()
    widget.installEventFilter(paints)
    app = gui.qt_app()
    started = time.perf_counter()
    action()
    app.processEvents()
    app.processEvents()  # a layout run by the first pass may ask for one more paint
    if paints.count == 0:
        widget.repaint()
    elapsed = time.perf_counter() - started
    widget.removeEventFilter(paints)
    return elapsed


def pane_texts(window: Any) -> list[str]:
    """The texts the details pane shows for its room, in the baseline's label order."""
    pane = window.details_pane
    return [
        pane.title.text(),
        pane.room_name.text(),
        pane.status.text(),
        pane.room_time.text(),
        *(row.field.text() for row in pane.link_rows.values() if row.field.isVisible()),
        pane.qr_caption.text(),
    ]


class BaselinePane(QMainWindow):
    """A plain-Qt table and, beside it, bare QLabels set to given texts as the row changes."""

    def __init__(self, rows: Sequence[str], texts: list[list[str]]) -> None:
        super().__init__()
        self.texts = texts
        self.table = QTableView()
        self.table.setModel(QStringListModel(list(rows), self))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.labels = [QLabel() for _ in range(BASELINE_LABELS)]
        side = QWidget()
        side_layout = QVBoxLayout(side)
        for label in self.labels:
            label.setWordWrap(True)
            side_layout.addWidget(label)
        side_layout.addStretch(1)
        side.setFixedWidth(340)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.table, 1)
        layout.addWidget(side)
        self.setCentralWidget(central)
        self.resize(*gui.WINDOW_SIZE)
        self.step = 0
        self.table.selectionModel().currentRowChanged.connect(self._show)

    def _show(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if self.step >= len(self.texts):
            return
        texts = self.texts[self.step]
        self.step += 1
        for label, text in zip(self.labels, texts, strict=False):
            label.setText(text)


def press_down(table: QTableView, sentinel: Callable[[], QWidget], presses: int) -> list[float]:
    """Milliseconds per Down key press in ``table`` until ``sentinel()`` has painted."""
    return [
        time_until_painted(sentinel(), lambda: QTest.keyClick(table, Qt.Key.Key_Down)) * 1000
        for _ in range(presses)
    ]


def run_details_pane(options: Options) -> list[Result]:
    size = 300 if options.quick else 100_000
    repeat = options.repetitions(full=5, quick=1)
    presses = 20 if options.quick else 200
    times: list[float] = []
    base_times: list[float] = []
    texts: list[list[str]] = []
    with (
        EmulatorProcess(force_status=403) as emulator,
        filled_data_dir(size) as data_dir,
        gui.main_window(data_dir, emulator.base_url) as window,
    ):
        shown = window.proxy.rowCount()
        pane = window.details_pane
        window.table.setFocus()
        # The first selection makes the pane's pages: once per window, timed apart.
        first_selection = time_until_painted(pane, lambda: window.table.selectRow(0)) * 1000
        qr_in_view = not pane.qr.visibleRegion().isEmpty()
        baseline = BaselinePane(window.model.rowSearchTexts(), texts)
        baseline.show()
        gui.settle(0.2)
        try:
            for number in range(repeat):
                start = (number + 1) * shown // (repeat + 1)
                window.table.selectRow(start)
                window.table.setFocus()
                gui.settle(0.02)
                for _ in range(presses):
                    times += press_down(window.table, lambda: pane.room_name, 1)
                    texts.append(pane_texts(window))
                # The same presses in the baseline, showing the texts the pane just showed.
                baseline.table.selectRow(start)
                baseline.table.setFocus()
                gui.settle(0.02)
                baseline.step = len(texts) - presses
                base_times += press_down(baseline.table, lambda: baseline.labels[1], presses)
        finally:
            baseline.close()
            baseline.deleteLater()
            gui.settle(0.05)
    label = "plain-Qt table, the same texts set on bare QLabels"
    notes = (
        f"{size:,} rooms, {shown:,} shown (past hidden); {repeat} runs of {presses} Down presses "
        f"from different places; the first selection, which makes the pane's pages, took "
        f"{first_selection:.1f} ms; the QR code {'in view' if qr_in_view else 'scrolled out'}"
    )
    extra: dict[str, Any] = {"first_selection_ms": first_selection, "qr_in_view": qr_in_view}
    return [
        Result(
            benchmark="pane",
            figure="Selection to a filled details pane, QR included (p95)",
            value=Summary.of(times, "ms"),
            statistic="p95",
            baseline=Summary.of(base_times, "ms"),
            baseline_label=label,
            target=at_most(FRAME_BUDGET_MS, "ms"),
            notes=notes,
            extra=extra,
        ),
        Result(
            benchmark="pane",
            figure="Selection to a filled details pane, QR included (p50)",
            value=Summary.of(times, "ms"),
            baseline=Summary.of(base_times, "ms"),
            baseline_label=label,
            notes=notes,
        ),
    ]
