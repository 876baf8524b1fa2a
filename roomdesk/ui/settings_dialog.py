"""Settings: the API key (replace / remove), default time zone, default links and room size."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from roomdesk.domain.rooms import RoomMode
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.async_slot import async_slot
from roomdesk.ui.key_feedback import describe_key_failure
from roomdesk.ui.session import AppSession
from roomdesk.ui.timezone_picker import TimeZonePicker

ROOM_MODE_TEXT = {
    RoomMode.NORMAL: "Normal (up to 4 people)",
    RoomMode.GROUP: "Group (up to 200 people)",
}


class SettingsDialog(QDialog):
    """Key actions take effect at once; the room defaults are saved with OK."""

    def __init__(
        self, session: AppSession, settings: AppSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self._task: asyncio.Task[Any] | None = None
        self.setWindowTitle("roomdesk settings")
        self.setMinimumWidth(520)

        # -- API key
        self.key_status = QLabel()
        self.key_status.setWordWrap(True)
        self.key_status.setAccessibleName("API key status")
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste a new API key to replace the current one")
        self.key_edit.setAccessibleName("New API key")
        self.key_edit.textChanged.connect(self._update_buttons)
        self.replace_button = QPushButton("&Check and save")
        self.replace_button.setAccessibleName("Check and save the new API key")
        self.replace_button.clicked.connect(self._on_replace)
        self.remove_button = QPushButton("&Remove key")
        self.remove_button.setAccessibleName("Remove the API key from the keychain")
        self.remove_button.clicked.connect(self._on_remove)
        self.key_feedback = QLabel()
        self.key_feedback.setWordWrap(True)
        self.key_feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.replace_button)
        key_box = QGroupBox("API key")
        key_layout = QVBoxLayout(key_box)
        key_layout.addWidget(self.key_status)
        key_layout.addLayout(key_row)
        remove_row = QHBoxLayout()
        remove_row.addWidget(self.key_feedback, 1)
        remove_row.addWidget(self.remove_button)
        key_layout.addLayout(remove_row)

        # -- defaults for new rooms
        self.zone_picker = TimeZonePicker()
        self.zone_picker.setZoneName(settings.default_zone)
        self.zone_picker.setAccessibleName("Default time zone")
        self.host_link = QCheckBox("&Host link")
        self.host_link.setChecked(settings.default_host_link)
        self.viewer_link = QCheckBox("&Viewer link")
        self.viewer_link.setChecked(settings.default_viewer_link)
        self.room_mode = QComboBox()
        for mode, text in ROOM_MODE_TEXT.items():
            self.room_mode.addItem(text, mode.value)
        self.room_mode.setCurrentIndex(self.room_mode.findData(settings.default_room_mode.value))
        self.room_mode.setAccessibleName("Default room size")
        links = QHBoxLayout()
        links.addWidget(self.host_link)
        links.addWidget(self.viewer_link)
        links.addStretch(1)
        defaults_box = QGroupBox("New rooms")
        form = QFormLayout(defaults_box)
        zone_label = QLabel("Default &time zone:")
        zone_label.setBuddy(self.zone_picker)
        form.addRow(zone_label, self.zone_picker)
        form.addRow("Links:", links)
        size_label = QLabel("Room &size:")
        size_label.setBuddy(self.room_mode)
        form.addRow(size_label, self.room_mode)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(key_box)
        layout.addWidget(defaults_box)
        layout.addWidget(self.buttons)
        self._show_key_status()
        self._update_buttons()

    def _show_key_status(self) -> None:
        if self.session.is_demo:
            text = "Demo mode: no key is used. Saving a key here leaves demo mode."
        elif self.session.keys.environment_overrides:
            text = "The key comes from ROOMDESK_API_KEY, which overrides the keychain."
        elif self.session.is_ready:
            text = f"In use: {self.session.account_text}, kept in your system's keychain."
        else:
            text = "No API key is set."
        self.key_status.setText(text)

    def _update_buttons(self) -> None:
        running = self._task is not None and not self._task.done()
        self.replace_button.setEnabled(bool(self.key_edit.text().strip()) and not running)
        self.remove_button.setEnabled(not running)
        self.key_edit.setEnabled(not running)

    async def _run(self, work: Any, busy_text: str) -> Any:
        self.key_feedback.setText(busy_text)
        self._task = asyncio.ensure_future(work)
        self._update_buttons()
        try:
            return await self._task
        except asyncio.CancelledError:
            self.key_feedback.setText("Cancelled.")
            return None
        except Exception as exc:
            self.key_feedback.setText(describe_key_failure(exc))
            return None
        finally:
            self._task = None
            self._update_buttons()
            self._show_key_status()

    @async_slot
    async def _on_replace(self) -> None:
        secret = self.key_edit.text()
        if not secret.strip() or self._task is not None:
            return
        key = await self._run(self.session.verify_key(secret), "Checking the key with Whereby…")
        if key is not None:
            self.key_edit.clear()
            self.key_feedback.setText(f"Key {key.fingerprint} checked and saved.")

    @async_slot
    async def _on_remove(self) -> None:
        if self._task is not None:
            return
        removed = await self._run(self.session.remove_key(), "Removing the key…")
        if removed is True:
            self.key_feedback.setText("The key was removed from the keychain.")
        elif removed is False:
            self.key_feedback.setText("No key was stored in the keychain.")

    def accept(self) -> None:
        if self.zone_picker.zoneName():
            self.settings.default_zone = self.zone_picker.zoneName()
        self.settings.default_host_link = self.host_link.isChecked()
        self.settings.default_viewer_link = self.viewer_link.isChecked()
        self.settings.default_room_mode = RoomMode(self.room_mode.currentData())
        self.settings.sync()
        super().accept()

    def reject(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            return
        super().reject()
