"""The system tray icon: where reminders appear, and where the app keeps running when the
window is closed in tray mode.

The icon is shown while tray mode or reminders are on, and only where the desktop has a
system tray; without one (some Linux desktops, the offscreen platform) nothing is made, and
closing the window quits as always.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.icons import app_icon

# How long a tray message stays, in milliseconds; desktops may keep it shorter or longer.
TRAY_MESSAGE_MS = 30_000


class AppTray(QObject):
    """The tray icon with its menu, "Open roomdesk" and "Quit"; a click on the icon opens the
    window too. ``available`` says whether the desktop has a tray (Qt asks it by default)."""

    openRequested = Signal()
    quitRequested = Signal()
    messageClicked = Signal()

    def __init__(
        self,
        settings: AppSettings,
        *,
        available: Callable[[], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._available = available or QSystemTrayIcon.isSystemTrayAvailable
        self.icon: QSystemTrayIcon | None = None
        self.menu = QMenu(parent)
        self.menu.setAccessibleName("roomdesk")
        self.open_action = QAction("&Open roomdesk", self.menu)
        self.open_action.triggered.connect(self.openRequested)
        self.quit_action = QAction("&Quit", self.menu)
        self.quit_action.triggered.connect(self.quitRequested)
        self.menu.addAction(self.open_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.update_from_settings()

    def update_from_settings(self) -> None:
        """Show the icon while tray mode or reminders are on and a tray exists; hide it
        otherwise."""
        wanted = self._settings.keep_in_tray or self._settings.reminder_minutes > 0
        if wanted and self._available():
            if self.icon is None:
                self.icon = self._make_icon()
            self.icon.show()
        elif self.icon is not None:
            self.icon.hide()

    def _make_icon(self) -> QSystemTrayIcon:
        tray_icon = QSystemTrayIcon(app_icon(), self)
        tray_icon.setToolTip("roomdesk")
        tray_icon.setContextMenu(self.menu)
        tray_icon.activated.connect(self._on_activated)
        tray_icon.messageClicked.connect(self.messageClicked)
        return tray_icon

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A right click opens the menu by itself; a click or double click opens the window.
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.openRequested.emit()

    @property
    def is_shown(self) -> bool:
        return self.icon is not None and self.icon.isVisible()

    @property
    def keeps_app_running(self) -> bool:
        """Whether closing the window should leave the app running here: tray mode is on and
        the icon is there to bring the window back (or quit)."""
        return self._settings.keep_in_tray and self.is_shown

    def show_message(self, title: str, text: str) -> bool:
        """Show a message by the icon; False when there is no icon to show it by."""
        if self.icon is None or not self.is_shown:
            return False
        self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, TRAY_MESSAGE_MS)
        return True

    def remove(self) -> None:
        """Take the icon away (at quit): some desktops leave a dead one behind otherwise."""
        if self.icon is not None:
            self.icon.hide()
