"""The create dialog's view of what it would send: the request body as JSON, shown on demand,
and the same request as a curl command copied to the clipboard.

The curl command names shell variables instead of the API key and an S3 secret, so no secret
reaches the clipboard.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QPlainTextEdit, QPushButton

from roomdesk.api.errors import RequestValidationError
from roomdesk.ui.create_room_form import API_KEY_VARIABLE, S3_SECRET_VARIABLE, CreateRoomForm
from roomdesk.ui.form_rows import small_label


class RequestPreview:
    """The JSON view (``view``), its button (``show_button``), the curl button and its note."""

    def __init__(self, *, line_spacing: int) -> None:
        self.view = QPlainTextEdit()
        self.view.setObjectName("requestView")
        self.view.setReadOnly(True)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setAccessibleName("Request body (JSON)")
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setMaximumHeight(line_spacing * 14)
        self.view.hide()

        self.note = small_label("copyNote")

        self.show_button = QPushButton("Show &request")
        self.show_button.setObjectName("showRequestButton")
        self.show_button.setCheckable(True)
        self.show_button.setAccessibleName("Show request")
        self.copy_button = QPushButton("Copy as c&url")
        self.copy_button.setObjectName("copyCurlButton")
        self.copy_button.setAccessibleName("Copy as curl")
        self.copy_button.setToolTip(
            f"Copies a curl command; the API key is read from ${API_KEY_VARIABLE} "
            f"(and an S3 secret from ${S3_SECRET_VARIABLE}) in your shell"
        )
        # Connected first, so the view is shown before the dialog fills it and measures it.
        self.show_button.toggled.connect(self._on_shown)

    def _on_shown(self, on: bool) -> None:
        self.view.setVisible(on)
        self.show_button.setText("Hide &request" if on else "Show &request")

    def set_enabled(self, enabled: bool) -> None:
        self.show_button.setEnabled(enabled)
        self.copy_button.setEnabled(enabled)

    def show_form(self, form: CreateRoomForm, now: datetime) -> None:
        """Fill the view with the request the form makes, while the view is shown."""
        if not self.view.isVisible():
            return
        try:
            text = form.request_json(now)
        except RequestValidationError as exc:
            text = f"(The request can be shown once the end is valid: {exc.issues[0].message})"
        if text != self.view.toPlainText():
            self.view.setPlainText(text)

    def copy_curl(self, form: CreateRoomForm, now: datetime, base_url: str) -> None:
        try:
            command = form.curl(now, base_url)
        except RequestValidationError as exc:
            self.note.setText(f"Nothing copied: {exc.issues[0].message}")
            return
        QGuiApplication.clipboard().setText(command)
        self.note.setText(
            f"Copied. Set ${API_KEY_VARIABLE}"
            + (f" and ${S3_SECRET_VARIABLE}" if f"${S3_SECRET_VARIABLE}" in command else "")
            + " in your shell before running it."
        )
