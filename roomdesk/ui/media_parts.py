"""What the tabs of a room's "After the session" window share: how it is tuned, where a file goes,
a table of texts, a line for messages, a download's progress, and how times are written.

Made when that window first opens, never before the main window's first frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QWidget,
)

from roomdesk.services.downloads import DownloadProgress, DownloadTuning
from roomdesk.services.media import MediaService

# Asks where to save: calls ``chosen`` with the path picked, and not at all on Cancel.
PathChooser = Callable[[QWidget, str, Path, Sequence[str], Callable[[Path], None]], None]


def file_dialog_chooser(
    parent: QWidget,
    title: str,
    suggested: Path,
    filters: Sequence[str],
    chosen: Callable[[Path], None],
) -> None:
    """Ask with a file dialog opened with open(): no nested event loop under a coroutine. The
    dialog asks before replacing a file."""
    dialog = QFileDialog(parent, title, str(suggested.parent))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilters(list(filters))
    dialog.selectFile(suggested.name)
    if suggested.suffix:
        dialog.setDefaultSuffix(suggested.suffix.lstrip("."))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(lambda name: chosen(Path(name)))
    dialog.open()


def open_with_desktop(url: QUrl) -> bool:
    return QDesktopServices.openUrl(url)


@dataclass(frozen=True)
class MediaTuning:
    """How the window works; tests pass their own.

    ``poll_interval``: between questions about a transcription being made; ``sync_wait``:
    between looks at whether the room list's refresh has ended (the window fetches nothing
    meanwhile); ``choose_path`` asks where a file goes; ``open_url`` opens a downloaded file;
    ``open_folder`` is where files to open are downloaded (a new temporary folder when None).
    """

    poll_interval: timedelta = timedelta(seconds=10)
    poll_timeout: timedelta = timedelta(minutes=30)
    sync_wait: float = 0.25
    download: DownloadTuning | None = None
    choose_path: PathChooser = file_dialog_chooser
    open_url: Callable[[QUrl], bool] = open_with_desktop
    open_folder: Path | None = None


class Tasks:
    """The window's running work: cancelled together when it closes; an error nobody handled
    goes to the loop's handler, which the app turns into a log entry and a message."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def start(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._running.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            task.get_loop().call_exception_handler(
                {"message": "Unhandled error in a window's work", "exception": error, "task": task}
            )

    def running(self) -> set[asyncio.Task[Any]]:
        return set(self._running)

    def cancel_all(self) -> set[asyncio.Task[Any]]:
        running = self.running()
        for task in running:
            task.cancel()
        return running


@dataclass(frozen=True)
class MediaContext:
    """One room's window: its service, meeting, the person's zone and the tuning."""

    service: MediaService
    meeting_id: str
    zone: tzinfo
    tuning: MediaTuning
    # Returns once the room list is not being refreshed: the window never fetches during one.
    not_syncing: Callable[[], Awaitable[None]]
    clock: Callable[[], datetime]
    tasks: Tasks


# -- texts ---------------------------------------------------------------------------------------


def local_time(moment: datetime | None, zone: tzinfo, *, date: bool = True) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return local.strftime("%a %d %b %Y, %H:%M" if date else "%H:%M")


def duration_text(span: timedelta | None) -> str:
    if span is None:
        return "going on"
    minutes = round(span.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02} min" if hours else f"{minutes} min"


def size_text(megabytes: float) -> str:
    return DownloadProgress(round(megabytes * 1e6), None, 0.0, None).describe()


def fetched_text(moment: datetime | None, zone: tzinfo) -> str:
    if moment is None:
        return "Not fetched yet"
    return f"fetched {local_time(moment, zone, date=False)}"


# -- widgets -------------------------------------------------------------------------------------


class TextTableModel(QAbstractTableModel):
    """Rows of texts, each with the item it shows; columns in ``numeric`` are right-aligned."""

    def __init__(self, headers: Sequence[str], numeric: Sequence[int] = ()) -> None:
        super().__init__()
        self._headers = list(headers)
        self._numeric = set(numeric)
        self._rows: list[tuple[str, ...]] = []
        self._items: list[Any] = []

    def setRows(self, rows: Sequence[tuple[str, ...]], items: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> Any:
        return self._items[row] if 0 <= row < len(self._items) else None

    def items(self) -> list[Any]:
        return list(self._items)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._headers)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self._numeric:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None


def text_table(model: TextTableModel, name: str) -> QTableView:
    """A read-only table of whole rows, one selected at a time, reached with Tab."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    # Rows as tall as their text: a session's people fit without scrolling far.
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def selected_row(view: QTableView) -> int:
    rows = view.selectionModel().selectedRows()
    return rows[0].row() if rows else -1


class MessageLine(QLabel):
    """What happened last, in the window itself: a problem or a plain note."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName(name)
        self.hide()

    def say(self, text: str) -> None:
        self.setForegroundRole(QPalette.ColorRole.WindowText)
        self.setText(text)
        self.setVisible(bool(text))

    def problem(self, text: str) -> None:
        self.say(text)
        font = self.font()
        font.setBold(True)
        self.setFont(font)

    def clear_message(self) -> None:
        font = self.font()
        font.setBold(False)
        self.setFont(font)
        self.say("")


class DownloadBar(QWidget):
    """A download's progress (percent, speed, time left) and its Cancel button; hidden
    between downloads. Cancel cancels the task the download runs in."""

    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel()
        self.label.setAccessibleName("Download")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Download progress")
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.setAccessibleName("Cancel download")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 2)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.cancel_button)
        self._task: asyncio.Task[Any] | None = None
        self.hide()

    @property
    def busy(self) -> bool:
        return self._task is not None

    def begin(self, text: str) -> None:
        self._task = asyncio.current_task()
        self.label.setText(text)
        self.progress.setRange(0, 0)  # busy until the size is known
        self.show()

    def show_progress(self, step: DownloadProgress) -> None:
        if step.fraction is not None:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(step.fraction * 1000))
        self.progress.setToolTip(step.describe())
        self.label.setText(step.describe())

    def end(self) -> None:
        self._task = None
        self.hide()

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
