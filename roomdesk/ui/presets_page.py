"""Settings' "Presets" page: the presets by name, to rename, duplicate or delete; the changes
are kept when Settings is closed with OK, and only then."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from roomdesk.secrets import KeychainError
from roomdesk.services.preset_file import PresetFileError, PresetLibrary
from roomdesk.services.presets import Preset, name_problem


class PresetsPage(QWidget):
    def __init__(self, library: PresetLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.presets = library.presets
        self.confirm_box: QMessageBox | None = None

        self.list = QListWidget()
        self.list.setObjectName("presetList")
        self.list.setAccessibleName("Presets")
        self.rename_button = QPushButton("Re&name")
        self.rename_button.setAccessibleName("Rename the selected preset")
        self.duplicate_button = QPushButton("D&uplicate")
        self.duplicate_button.setAccessibleName("Duplicate the selected preset")
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setAccessibleName("Delete the selected preset")
        self.problem = QLabel()
        self.problem.setObjectName("presetProblem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Preset problem")
        note = QLabel(
            "Presets are saved from the New room dialog (Save as preset…) or with "
            "'roomdesk-cli presets save'. Changes here are kept when you press OK."
        )
        note.setWordWrap(True)
        buttons = QVBoxLayout()
        for button in (self.rename_button, self.duplicate_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        if library.warnings:
            self.problem.setText(" ".join(library.warnings))

        self.rename_button.clicked.connect(self._rename)
        self.duplicate_button.clicked.connect(self._duplicate)
        self.delete_button.clicked.connect(self._ask_delete)
        self.list.itemChanged.connect(self._renamed)
        self.list.currentRowChanged.connect(self._update_buttons)
        self._show()

    def _show(self, row: int = 0) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for preset in self.presets:
            item = QListWidgetItem(preset.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.setCurrentRow(min(row, len(self.presets) - 1))
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        chosen = self.list.currentRow() >= 0
        for button in (self.rename_button, self.duplicate_button, self.delete_button):
            button.setEnabled(chosen)

    def _rename(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _renamed(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        others = [p.name for index, p in enumerate(self.presets) if index != row]
        problem = name_problem(item.text(), others)
        if problem is None:
            self.presets[row] = self.presets[row].renamed(item.text())
        self.problem.setText(problem or "")
        self._show(row)

    def _duplicate(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        original = self.presets[row]
        taken = [p.name for p in self.presets]
        name, number = f"{original.name} (copy)", 2
        while name_problem(name, taken) is not None:
            name, number = f"{original.name} (copy {number})", number + 1
        self.presets.insert(row + 1, original.renamed(name))
        self._show(row + 1)

    def _ask_delete(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        preset = self.presets[row]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete preset",
            f"Delete the preset “{preset.name}”? Rooms made with it are not changed.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda _result: self._delete_answered(box, preset))
        box.finished.connect(box.deleteLater)
        self.confirm_box = box
        box.open()

    def _delete_answered(self, box: QMessageBox, preset: Preset) -> None:
        if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
            row = self.presets.index(preset)
            self.presets.remove(preset)
            self._show(row)

    def save(self) -> bool:
        """Keep the changes; False (and the reason shown) when they could not be saved."""
        if self.presets == self.library.presets:
            return True
        try:
            self.library.replace_all(self.presets)
        except (PresetFileError, KeychainError) as exc:
            self.problem.setText(f"The presets were not saved. {exc}")
            return False
        return True


__all__ = ["PresetsPage"]
