"""The create dialog's presets: a "Preset" combo at the top ("No preset", then the names) that
fills the form, and "Save as preset…", which asks for a name in a small dialog.

The combo and the button live in :class:`PresetBar`; what a preset does to the form is
:mod:`roomdesk.ui.preset_form`'s, and the presets file and keychain are
:class:`~roomdesk.services.preset_file.PresetLibrary`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from roomdesk.secrets import KeychainError
from roomdesk.services.preset_file import PresetFile, PresetFileError, PresetLibrary
from roomdesk.services.presets import (
    NAME_MAX_LENGTH,
    Preset,
    PresetSecrets,
    find_preset,
    name_problem,
)
from roomdesk.ui.create_room_form import CreateRoomForm
from roomdesk.ui.preset_form import preset_from_form

if TYPE_CHECKING:
    from roomdesk.ui.app_settings import AppSettings
    from roomdesk.ui.session import AppSession


@dataclass
class PresetChoices:
    """What the create dialog needs for presets: the library, the name last chosen, and where
    to remember the next one chosen ("" for no preset)."""

    library: PresetLibrary
    last_used: str = ""
    remember: Callable[[str], None] = field(default=lambda _name: None)


class SavePresetDialog(QDialog):
    """Asks for a preset's name; says why a name cannot be used. ``name()`` after ``accepted``."""

    def __init__(self, suggestion: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save as preset")
        self.setObjectName("savePresetDialog")
        self.name_edit = QLineEdit(suggestion)
        self.name_edit.setObjectName("presetNameEdit")
        self.name_edit.setAccessibleName("Preset name")
        self.name_edit.setMaxLength(NAME_MAX_LENGTH + 20)  # longer is said to be too long
        self.name_edit.selectAll()
        label = QLabel("Preset &name:")
        label.setBuddy(self.name_edit)
        self.problem = QLabel()
        self.problem.setObjectName("presetNameProblem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Why this name cannot be used")
        self.problem.hide()
        note = QLabel(
            "Keeps every choice of the form except the label; the time of day of a planned "
            "start and the room's length are kept, the day is not. Secrets go to the keychain."
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.name_edit, 1)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._check)
        self._check()
        self.resize(420, self.sizeHint().height())

    def name(self) -> str:
        return self.name_edit.text().strip()

    def _check(self) -> None:
        # An existing name is fine here: saving then asks before replacing it.
        problem = name_problem(self.name_edit.text()) if self.name_edit.text() else None
        self.problem.setText(problem or "")
        self.problem.setVisible(bool(problem))
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(bool(self.name()) and problem is None)


class PresetBar(QObject):
    """The "Preset" row. ``chosen(preset or None)`` when the person picks one; ``message(text)``
    when a save failed (the text says why) or succeeded (empty: an earlier problem is over)."""

    chosen = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        choices: PresetChoices,
        read_form: Callable[[], CreateRoomForm],
        clock: Callable[[], datetime],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._choices = choices
        self._read_form = read_form
        self._clock = clock
        self._owner = parent
        self.save_dialog: SavePresetDialog | None = None
        self.replace_box: QMessageBox | None = None

        self.combo = QComboBox()
        self.combo.setObjectName("presetCombo")
        self.combo.setAccessibleName("Preset")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.save_button = QPushButton("Save as p&reset…")
        self.save_button.setObjectName("savePresetButton")
        self.save_button.setAccessibleName("Save the form as a preset")
        self.note = QLabel()
        self.note.setObjectName("presetNote")
        self.note.setAccessibleName("Preset saved")
        label = QLabel("&Preset:")
        label.setBuddy(self.combo)
        self.layout = QHBoxLayout()
        self.layout.addWidget(label)
        self.layout.addWidget(self.combo, 1)
        self.layout.addWidget(self.note)
        self.layout.addWidget(self.save_button)
        self._fill(choices.last_used)
        self.combo.activated.connect(self._on_activated)
        self.save_button.clicked.connect(self._ask_name)

    def tab_chain(self) -> list[QWidget]:
        return [self.combo, self.save_button]

    def current(self) -> Preset | None:
        name = self.combo.currentData()
        return find_preset(self._choices.library.presets, name) if name else None

    def secrets_of(self, preset: Preset) -> PresetSecrets:
        return self._choices.library.secrets_of(preset)

    async def secrets_of_async(self, preset: Preset) -> PresetSecrets:
        return await self._choices.library.secrets_of_async(preset)

    def set_enabled(self, enabled: bool) -> None:
        self.combo.setEnabled(enabled)
        self.save_button.setEnabled(enabled)

    def warnings(self) -> list[str]:
        """What reading the presets found wrong, to say once when the dialog opens."""
        return self._choices.library.warnings

    def _fill(self, selected: str) -> None:
        self.combo.clear()
        self.combo.addItem("No preset", "")
        for preset in self._choices.library.presets:
            self.combo.addItem(preset.name, preset.name)
        index = self.combo.findData(selected) if selected else 0
        self.combo.setCurrentIndex(max(index, 0))

    def _on_activated(self, _index: int) -> None:
        preset = self.current()
        self._choices.remember(preset.name if preset else "")
        self.chosen.emit(preset)

    # -- saving ---------------------------------------------------------------------------------

    def _ask_name(self) -> None:
        current = self.current()
        dialog = SavePresetDialog(current.name if current else "", self._owner)
        dialog.accepted.connect(lambda: self._named(dialog.name()))
        dialog.finished.connect(dialog.deleteLater)
        self.save_dialog = dialog
        dialog.open()

    def _named(self, name: str) -> None:
        existing = find_preset(self._choices.library.presets, name)
        if existing is None:
            self._save(name, None)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Replace preset",
            f"There is already a preset called “{existing.name}”. Replace it with the form "
            "as it is now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self._owner,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda _result: self._replace_answered(box, existing))
        box.finished.connect(box.deleteLater)
        self.replace_box = box
        box.open()

    def _replace_answered(self, box: QMessageBox, existing: Preset) -> None:
        if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
            self._save(existing.name, existing)

    def _save(self, name: str, replaced: Preset | None) -> None:
        template = replaced.invitation_template if replaced else None
        preset, secrets = preset_from_form(
            name, self._read_form(), self._clock(), invitation_template=template
        )
        try:
            self._choices.library.put(preset.check(), secrets)
        except (PresetFileError, KeychainError, ValueError) as exc:
            self.message.emit(f"The preset was not saved. {exc}")
            return
        self._fill(preset.name)
        self._choices.remember(preset.name)
        kept = " (its secrets in the keychain)" if secrets else ""
        self.note.setText(f"Saved{kept}.")
        self.message.emit("")


__all__ = ["PresetBar", "PresetChoices", "SavePresetDialog", "presets_for"]


def presets_for(settings: AppSettings, session: AppSession) -> PresetChoices:
    """The window's presets: its session's file and keychain, the last one chosen in its
    settings."""
    file = PresetFile(session.paths.presets_file)
    library = PresetLibrary(file, session.keys.named_secrets())

    def remember(name: str) -> None:
        settings.last_preset = name
        settings.sync()

    return PresetChoices(library, settings.last_preset, remember)
