"""First start without a key: enter an API key, or try the demo."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from roomdesk.ui.async_slot import async_slot
from roomdesk.ui.icons import app_icon, icon
from roomdesk.ui.key_feedback import describe_key_failure


class WelcomeChoice(StrEnum):
    KEY = "key"
    DEMO = "demo"


class WelcomeDialog(QDialog):
    """Offers "Enter API key" (checked, then saved in the keychain) or "Try demo mode"."""

    def __init__(
        self,
        verify_key: Callable[[str], Awaitable[Any]],
        start_demo: Callable[[], Awaitable[None]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._verify_key = verify_key
        self._start_demo = start_demo
        self._task: asyncio.Task[Any] | None = None
        self.choice: WelcomeChoice | None = None
        self.setWindowTitle("Welcome to roomdesk")
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(520)

        heading = QLabel("<h2>Welcome to roomdesk</h2>")
        intro = QLabel(
            "roomdesk creates a Whereby room for each of your sessions and keeps their links "
            "at hand. Enter your organisation's API key from the Whereby dashboard "
            "(Configure → API), or try everything first with a demo server on this computer."
        )
        intro.setWordWrap(True)

        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste your Whereby API key")
        self.key_edit.setAccessibleName("Whereby API key")
        self.key_edit.textChanged.connect(self._update_buttons)
        reveal = QAction(icon("key"), "Show key", self.key_edit)
        reveal.setCheckable(True)
        reveal.toggled.connect(
            lambda shown: self.key_edit.setEchoMode(
                QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
            )
        )
        self.key_edit.addAction(reveal, QLineEdit.ActionPosition.TrailingPosition)
        key_label = QLabel("&API key:")
        key_label.setBuddy(self.key_edit)

        self.save_button = QPushButton("&Check and save key")
        self.save_button.setDefault(True)
        self.save_button.setAccessibleName("Check and save the API key")
        self.save_button.clicked.connect(self._on_save)
        self.demo_button = QPushButton(icon("demo"), "Try &demo mode")
        self.demo_button.setAccessibleName("Try demo mode without an account")
        self.demo_button.clicked.connect(self._on_demo)
        self.quit_button = QPushButton("&Quit")
        self.quit_button.clicked.connect(self.reject)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.feedback.setAccessibleName("Result of the key check")

        note = QLabel(
            "The key is checked with Whereby, then kept in your system's keychain — never in a "
            "plain file. Demo mode runs a local imitation of Whereby; its rooms are not real "
            "and are gone when you quit."
        )
        note.setWordWrap(True)

        key_row = QHBoxLayout()
        key_row.addWidget(key_label)
        key_row.addWidget(self.key_edit, 1)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(key_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.feedback)
        layout.addWidget(note)
        layout.addWidget(separator)
        layout.addLayout(buttons)
        self.setTabOrder(self.key_edit, self.save_button)
        self.setTabOrder(self.save_button, self.demo_button)
        self.setTabOrder(self.demo_button, self.quit_button)
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self._task is not None and not self._task.done()
        self.save_button.setEnabled(bool(self.key_edit.text().strip()) and not running)
        self.demo_button.setEnabled(not running)
        self.key_edit.setEnabled(not running)
        self.progress.setVisible(running)

    async def _run(self, work: Awaitable[Any], busy_text: str) -> bool:
        self.feedback.setText(busy_text)
        self._task = asyncio.ensure_future(work)
        self._update_buttons()
        try:
            await self._task
        except asyncio.CancelledError:
            self.feedback.setText("Cancelled.")
            return False
        except Exception as exc:  # each kind gets its own words; unknown ones re-raise
            self.feedback.setText(describe_key_failure(exc))
            return False
        finally:
            self._task = None
            self._update_buttons()
            # The field was disabled while busy, which moved focus; give it back for a retry.
            self.key_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            self.key_edit.selectAll()
        return True

    @async_slot
    async def _on_save(self) -> None:
        if self._task is not None or not self.key_edit.text().strip():
            return
        if await self._run(
            self._verify_key(self.key_edit.text()), "Checking the key with Whereby…"
        ):
            self.choice = WelcomeChoice.KEY
            self.key_edit.clear()
            self.accept()

    @async_slot
    async def _on_demo(self) -> None:
        if self._task is not None:
            return
        if await self._run(self._start_demo(), "Starting the demo server…"):
            self.choice = WelcomeChoice.DEMO
            self.accept()

    def reject(self) -> None:
        # Esc while a check runs stops the check; a second Esc closes the dialog.
        if self._task is not None and not self._task.done():
            self._task.cancel()
            return
        super().reject()
