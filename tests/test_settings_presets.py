"""Settings' Presets page: rename, duplicate and delete (asked first), kept with OK only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from roomdesk.paths import app_paths
from roomdesk.secrets import NamedSecrets
from roomdesk.services.preset_file import PresetFile, PresetLibrary
from roomdesk.services.presets import Preset
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.settings_dialog import SettingsDialog


@pytest.fixture
def file(tmp_path) -> PresetFile:
    file = PresetFile(tmp_path / "presets.json")
    file.save([Preset(name="Coaching 1:1"), Preset(name="Workshop", duration_minutes=90)])
    return file


@pytest.fixture
def dialog(app_session, qtbot, file, keyring_backend) -> SettingsDialog:
    library = PresetLibrary(file, NamedSecrets(keyring_backend))
    dialog = SettingsDialog(app_session, AppSettings(app_paths()), presets=library)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.pages.setCurrentWidget(dialog.presets_page)
    return dialog


def names(dialog) -> list[str]:
    page = dialog.presets_page
    return [page.list.item(row).text() for row in range(page.list.count())]


def saved(file) -> list[str]:
    return [p.name for p in file.load().presets]


def rename(qtbot, dialog, row: int, name: str) -> None:
    page = dialog.presets_page
    page.list.setCurrentRow(row)
    page.rename_button.click()
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, name)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_the_presets_page_lists_them_by_name(dialog):
    assert dialog.pages.tabText(dialog.pages.indexOf(dialog.presets_page)) == "&Presets"
    assert names(dialog) == ["Coaching 1:1", "Workshop"]


def test_rename_and_duplicate_are_kept_with_ok_only(qtbot, dialog, file):
    rename(qtbot, dialog, 1, "Workshop + breakouts")
    qtbot.waitUntil(lambda: names(dialog) == ["Coaching 1:1", "Workshop + breakouts"])
    dialog.presets_page.duplicate_button.click()
    assert names(dialog) == ["Coaching 1:1", "Workshop + breakouts", "Workshop + breakouts (copy)"]
    assert saved(file) == ["Coaching 1:1", "Workshop"]
    dialog.ok_button.click()
    assert saved(file) == ["Coaching 1:1", "Workshop + breakouts", "Workshop + breakouts (copy)"]
    assert file.load().presets[2].duration_minutes == 90


def test_a_name_in_use_is_refused_and_said(qtbot, dialog):
    rename(qtbot, dialog, 1, "coaching 1:1")
    qtbot.waitUntil(lambda: dialog.presets_page.problem.text() != "")
    assert dialog.presets_page.problem.text() == "There is already a preset called “coaching 1:1”."
    assert names(dialog) == ["Coaching 1:1", "Workshop"]


def test_delete_asks_first_and_cancel_keeps_the_file(qtbot, dialog, file):
    page = dialog.presets_page
    page.list.setCurrentRow(0)
    page.delete_button.click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert "Delete the preset “Coaching 1:1”?" in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    assert names(dialog) == ["Coaching 1:1", "Workshop"]
    page.delete_button.click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    QApplication.activeModalWidget().button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: names(dialog) == ["Workshop"])
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert saved(file) == ["Coaching 1:1", "Workshop"]
