"""The dialog for a room's local label and notes (F2 or double-click in the rooms table).

Only this computer's label and notes change: the room on Whereby stays as it is. The caller shows
the dialog with ``open()`` and, once it is accepted, saves :meth:`EditRoomDialog.values`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.models import get_zone
from roomdesk.roomlist.texts import LABEL_MAX_LENGTH, format_end
from roomdesk.store.records import StoredRoom
from roomdesk.timezones import system_zone_name


def label_problem(label: str) -> str | None:
    """Why ``label`` cannot be saved, or None when it can."""
    length = len(label.strip())
    if length > LABEL_MAX_LENGTH:
        return f"The label is {length} characters long; at most {LABEL_MAX_LENGTH} are allowed."
    return None


class EditRoomDialog(QDialog):
    """Edit one room's label and notes. Ctrl+Enter saves from anywhere, Enter from the label."""

    def __init__(
        self,
        room: StoredRoom,
        parent: QWidget | None = None,
        *,
        zone_name: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.room = room
        name = room.room_name or room.room_url
        self.setWindowTitle(f"Edit “{room.label or name}”")
        self.setMinimumWidth(460)

        self.label_edit = QLineEdit(room.label)
        self.label_edit.setPlaceholderText("A name only you see, e.g. Weekly planning")
        self.label_edit.setAccessibleName("Label")
        self.label_edit.setAccessibleDescription(
            f"Kept on this computer only; at most {LABEL_MAX_LENGTH} characters"
        )
        self.label_edit.setClearButtonEnabled(True)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName("Label problem")
        self.message_label.setVisible(False)

        self.notes_edit = QPlainTextEdit(room.notes)
        self.notes_edit.setAccessibleName("Notes")
        self.notes_edit.setPlaceholderText("Anything worth remembering about this room")
        # Tab moves on instead of typing a tab, so the dialog stays usable without a mouse.
        self.notes_edit.setTabChangesFocus(True)

        zone = get_zone(zone_name or system_zone_name())
        ends = format_end(room.end_date, zone)
        room_value = _info_label(name, "Room name")
        ends_value = _info_label(ends.tooltip, "Ends")
        links = "\n".join(f"{kind.label}: {url}" for kind, url in room.links.items())
        links_value = _info_label(links or "None", "Links")

        form = QFormLayout()
        label_caption = QLabel("&Label:")
        label_caption.setBuddy(self.label_edit)
        notes_caption = QLabel("&Notes:")
        notes_caption.setBuddy(self.notes_edit)
        form.addRow(label_caption, self.label_edit)
        form.addRow("", self.message_label)
        form.addRow(notes_caption, self.notes_edit)
        form.addRow("Room:", room_value)
        form.addRow("Ends:", ends_value)
        form.addRow("Links:", links_value)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self.accept)

        QWidget.setTabOrder(self.label_edit, self.notes_edit)
        QWidget.setTabOrder(self.notes_edit, self.buttons)
        self.label_edit.textChanged.connect(self._validate)
        self._validate()
        self.label_edit.setFocus()
        self.label_edit.selectAll()

    def values(self) -> tuple[str, str]:
        """The label (without surrounding spaces) and the notes, as entered."""
        return self.label_edit.text().strip(), self.notes_edit.toPlainText()

    def accept(self) -> None:
        if label_problem(self.label_edit.text()) is None:
            super().accept()

    def _validate(self) -> None:
        problem = label_problem(self.label_edit.text())
        self.message_label.setText(problem or "")
        self.message_label.setVisible(problem is not None)
        self.ok_button.setEnabled(problem is None)


def _info_label(text: str, accessible_name: str) -> QLabel:
    label = QLabel(text)
    label.setAccessibleName(accessible_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
