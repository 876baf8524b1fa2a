"""Settings: the API key (replace / remove), default time zone, default links and room size,
reminders and the system tray on one page; the invitation template on another; the presets
on a third."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    QSpinBox,
    QSystemTrayIcon,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from roomdesk.domain.rooms import RoomMode
from roomdesk.services.preset_file import PresetLibrary
from roomdesk.services.reminders import MAX_LEAD_MINUTES
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.async_slot import async_slot
from roomdesk.ui.invitation_page import InvitationPage, InvitationPageTuning
from roomdesk.ui.key_feedback import describe_key_failure
from roomdesk.ui.presets_page import PresetsPage
from roomdesk.ui.session import AppSession
from roomdesk.ui.timezone_picker import TimeZonePicker

ROOM_MODE_TEXT = {
    RoomMode.NORMAL: "Normal (up to 4 people)",
    RoomMode.GROUP: "Group (up to 200 people)",
}


class SettingsDialog(QDialog):
    """Key actions take effect at once; the other settings are saved with OK, which waits
    while the invitation template has a problem (each is named under it as it is typed)."""

    def __init__(
        self,
        session: AppSession,
        settings: AppSettings,
        parent: QWidget | None = None,
        *,
        invitation_tuning: InvitationPageTuning | None = None,
        presets: PresetLibrary | None = None,
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

        reminders_box = self._build_reminders(settings)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)

        general = QWidget()
        general_layout = QVBoxLayout(general)
        general_layout.addWidget(key_box)
        general_layout.addWidget(defaults_box)
        general_layout.addWidget(reminders_box)
        general_layout.addStretch(1)
        self.invitation = InvitationPage(
            settings.invitation_template,
            settings.include_notes_in_invitation,
            _zone(settings.default_zone),
            tuning=invitation_tuning,
        )
        self.invitation.problemsChanged.connect(self._show_template_state)
        self.zone_picker.zoneChanged.connect(lambda name: self.invitation.set_zone(_zone(name)))
        self.pages = QTabWidget()
        self.pages.setAccessibleName("Settings pages")
        self.pages.addTab(general, "&General")
        self.pages.addTab(self.invitation, "&Invitation")
        self.presets_page = None if presets is None else PresetsPage(presets)
        if self.presets_page is not None:
            self.pages.addTab(self.presets_page, "&Presets")

        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.buttons)
        self._show_key_status()
        self._update_buttons()
        self._show_template_state(self.invitation.has_problems)

    def _build_reminders(self, settings: AppSettings) -> QGroupBox:
        self.reminder_minutes = QSpinBox()
        self.reminder_minutes.setRange(0, MAX_LEAD_MINUTES)
        self.reminder_minutes.setValue(settings.reminder_minutes)
        self.reminder_minutes.setAccessibleName(
            "Minutes before a planned start to remind you; 0 for no reminders"
        )
        before = QLabel("minutes before a planned start (0: no reminders)")
        remind_label = QLabel("Remind &me")
        remind_label.setBuddy(self.reminder_minutes)
        remind_row = QHBoxLayout()
        remind_row.addWidget(remind_label)
        remind_row.addWidget(self.reminder_minutes)
        remind_row.addWidget(before, 1)
        self.keep_in_tray = QCheckBox("&Keep running in the system tray when the window is closed")
        self.keep_in_tray.setAccessibleName(
            "Keep running in the system tray when the window is closed"
        )
        self.keep_in_tray.setChecked(settings.keep_in_tray)
        box = QGroupBox("Reminders and the system tray")
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(remind_row)
        box_layout.addWidget(self.keep_in_tray)
        self.no_tray_note: QLabel | None = None
        if not QSystemTrayIcon.isSystemTrayAvailable():
            # Kept for a desktop that has one: the setting follows the person, not the session.
            self.no_tray_note = QLabel(
                "This desktop has no system tray: closing the window quits, and reminders "
                "appear in the window's status bar."
            )
            self.no_tray_note.setWordWrap(True)
            box_layout.addWidget(self.no_tray_note)
        return box

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

    def _show_template_state(self, has_problems: bool) -> None:
        # OK waits rather than save a template that cannot be filled in: the problems are named
        # under the editor as they are typed, and the page's title says where to look.
        self.ok_button.setEnabled(not has_problems)
        self.ok_button.setToolTip(
            "The invitation template has a problem; see the Invitation page" if has_problems else ""
        )
        index = self.pages.indexOf(self.invitation)
        self.pages.setTabText(index, "&Invitation (to fix)" if has_problems else "&Invitation")

    def accept(self) -> None:
        # Typing a moment ago may not have been checked yet.
        if not self.invitation.check():
            self.pages.setCurrentWidget(self.invitation)
            self.invitation.template_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if self.presets_page is not None and not self.presets_page.save():
            self.pages.setCurrentWidget(self.presets_page)
            return
        self.settings.invitation_template = self.invitation.template()
        self.settings.include_notes_in_invitation = self.invitation.include_notes.isChecked()
        if self.zone_picker.zoneName():
            self.settings.default_zone = self.zone_picker.zoneName()
        self.settings.default_host_link = self.host_link.isChecked()
        self.settings.default_viewer_link = self.viewer_link.isChecked()
        self.settings.default_room_mode = RoomMode(self.room_mode.currentData())
        self.settings.reminder_minutes = self.reminder_minutes.value()
        self.settings.keep_in_tray = self.keep_in_tray.isChecked()
        self.settings.sync()
        super().accept()

    def reject(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            return
        super().reject()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # A name this computer does not know: the preview still shows, in UTC.
        return ZoneInfo("UTC")
