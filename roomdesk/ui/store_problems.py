"""How the window says that the room list could not be written or read (a full disk, a
read-only folder, a lock another program held too long): a line in the status bar and a
message box that does not block, while the app keeps running with what is stored."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox

from roomdesk.store import StoreError

log = logging.getLogger("roomdesk.ui")


def report_store_error(window: QMainWindow, action: str, error: StoreError) -> QMessageBox:
    """Tell the person that ``action`` ("The label was not saved.") failed because of
    ``error``; returns the message box, already open."""
    log.warning("%s %s", action, error)
    window.statusBar().showMessage(f"{action} {error}")
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Room list problem",
        f"{action}\n\n{error}",
        QMessageBox.StandardButton.Ok,
        window,
    )
    box.setObjectName("storeProblemBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # never exec(): this may run inside a coroutine
    return box


__all__ = ["report_store_error"]
