"""In-process Qt for the window benchmarks: the real main window, a plain-Qt baseline, timing.

Qt runs on the offscreen platform (set by ``python -m bench`` before Qt loads), so painting is
real software rasterisation into an image but nothing reaches a screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, QStringListModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bench.emulator_child import EmulatorProcess
from bench.fixtures import BENCH_API_KEY, filled_data_dir

WINDOW_SIZE = (960, 600)  # the main window's own default size
T = TypeVar("T")


def qt_app() -> QApplication:
    app = QApplication.instance() or QApplication(["roomdesk-bench"])
    assert isinstance(app, QApplication)  # the benchmarks make the only application, a GUI one
    app.setQuitOnLastWindowClosed(False)
    return app


_loop: asyncio.AbstractEventLoop | None = None


def event_loop() -> asyncio.AbstractEventLoop:
    """One qasync loop on the QApplication, as the app runs: asyncio and Qt on one thread.

    Between :func:`run` calls the benchmarks drive Qt by hand (key clicks, processEvents). The
    loop is then marked as running, as the test harness does, so that asyncio callbacks Qt
    delivers meanwhile (the window's own tasks) find their loop.
    """
    global _loop
    if _loop is None:
        from roomdesk.ui.event_loop import AppEventLoop

        _loop = AppEventLoop(qt_app())
        asyncio.set_event_loop(_loop)
        asyncio.events._set_running_loop(_loop)
    return _loop


def run(awaitable: Awaitable[T]) -> T:
    """Run ``awaitable`` on the qasync loop until it completes; Qt keeps processing events."""
    loop = event_loop()
    asyncio.events._set_running_loop(None)
    try:
        return loop.run_until_complete(awaitable)
    finally:
        asyncio.events._set_running_loop(loop)


def shutdown() -> None:
    """Close the loop, if one was made: its executor's QThreads must end before Qt does."""
    global _loop
    if _loop is not None:
        asyncio.events._set_running_loop(None)
        _loop.close()
        asyncio.set_event_loop(None)
        _loop = None


def settle(seconds: float = 0.05) -> None:
    """Let Qt finish what is pending (layouts, paints, the window's tasks) for ``seconds``."""
    run(asyncio.sleep(seconds))


class _PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


class FrameTimer:
    """Times an action until ``view`` shows its result: the action, Qt's pending work (layouts,
    paints), and a forced repaint of the viewport if Qt painted nothing by itself."""

    def __init__(self, view: QAbstractItemView) -> None:
        self.view = view
        self._counter = _PaintCounter()
        view.viewport().installEventFilter(self._counter)

    def time(self, action: Callable[[], object]) -> float:
        """Seconds from the start of ``action`` until the view shows its result."""
        app = qt_app()
        painted = self._counter.count
        started = time.perf_counter()
        action()
        app.processEvents()
        app.processEvents()  # a layout run by the first pass may ask for one more paint
        if self._counter.count == painted:
            self.view.viewport().repaint()
        return time.perf_counter() - started

    def close(self) -> None:
        self.view.viewport().removeEventFilter(self._counter)


@contextlib.contextmanager
def main_window(
    data_dir: Path, api_url: str, client_options: dict[str, Any] | None = None
) -> Iterator[Any]:
    """roomdesk's MainWindow over the store in ``data_dir``, shown, as the app builds it
    (``client_options`` as AppSession takes them, e.g. a scheduler with a shorter window).

    Waits for the list to be loaded and for the refresh the window starts once shown to end
    (see bench.emulator_child).
    """
    from roomdesk.paths import app_paths
    from roomdesk.secrets import ApiKey, KeyStore
    from roomdesk.ui.app_settings import AppSettings
    from roomdesk.ui.main_window import MainWindow
    from roomdesk.ui.session import AppSession

    paths = app_paths({"ROOMDESK_DATA_DIR": str(data_dir)}).ensure()
    session = AppSession(
        paths,
        keys=KeyStore(environ={"ROOMDESK_API_KEY": BENCH_API_KEY}),
        api_url=api_url,
        client_options=client_options,
    )
    run(session.start_with_key(ApiKey(BENCH_API_KEY)))
    window = MainWindow(session, AppSettings(paths))
    window.resize(*WINDOW_SIZE)
    window.show()
    deadline = time.monotonic() + 30

    def starting() -> bool:
        # A large list loads in the background; the start-up refresh follows the first paint.
        loading = window.list_loader.loading_rooms
        return bool(loading) or not getattr(window, "startup_refresh_done", True)

    while starting() and time.monotonic() < deadline:
        settle(0.02)
    settle(0.2)
    try:
        yield window
    finally:
        window.close()
        run(session.shutdown())
        window.deleteLater()
        settle(0.05)


class BaselineWindow(QMainWindow):
    """The same job done by plain Qt in C++: a QLineEdit filtering a QTableView through Qt's
    QSortFilterProxyModel over a QStringListModel (one column holding each room's text)."""

    def __init__(self, texts: Sequence[str]) -> None:
        super().__init__()
        self.source = QStringListModel(list(texts), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter_edit = QLineEdit()
        # A C++ to C++ connection: no Python runs per keystroke.
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table)
        self.setCentralWidget(central)
        self.resize(*WINDOW_SIZE)


@contextlib.contextmanager
def baseline_window(texts: Sequence[str]) -> Iterator[BaselineWindow]:
    window = BaselineWindow(texts)
    window.show()
    settle(0.2)
    try:
        yield window
    finally:
        window.close()
        window.deleteLater()
        settle(0.05)


@contextlib.contextmanager
def window_and_baseline(rooms: int) -> Iterator[tuple[Any, BaselineWindow]]:
    """roomdesk's window over ``rooms`` rooms (no server answering) and the plain-Qt baseline
    holding the same rooms' texts, both shown: what the filter and sort benchmarks compare."""
    with (
        EmulatorProcess(force_status=403) as emulator,
        filled_data_dir(rooms) as data_dir,
        main_window(data_dir, emulator.base_url) as window,
        baseline_window(window.model.rowSearchTexts()) as baseline,
    ):
        yield window, baseline
