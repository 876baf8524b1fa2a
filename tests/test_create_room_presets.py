"""The create dialog's presets, driven like a user would: the combo fills the form, "Save as
preset…" asks for a name and, for a name in use, whether to replace it."""

from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
)

from roomdesk.domain.rooms import RoomMode
from roomdesk.secrets import NamedSecrets
from roomdesk.services.preset_file import PresetFile, PresetLibrary
from roomdesk.services.presets import Preset
from roomdesk.ui.create_room_presets import PresetChoices
from tests.memory_keyring import GatedKeyring
from tests.preset_samples import WORKSHOP

# make_dialog and the fixtures it uses (clock, fake) come from the dialog's own tests.
from tests.test_create_room_dialog import child, clock, fake, make_dialog  # noqa: F401

pytestmark = [
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)"
    )
]


@pytest.fixture
def library(tmp_path, keyring_backend) -> PresetLibrary:
    file = PresetFile(tmp_path / "presets.json")
    file.save([Preset(name="Coaching 1:1", duration_minutes=45), WORKSHOP])
    return PresetLibrary(file, NamedSecrets(keyring_backend))


@pytest.fixture
def remembered() -> list[str]:
    return []


@pytest.fixture
def open_with(make_dialog, library, remembered, aloop):  # noqa: F811
    def open_with(last_used: str = ""):
        dialog = make_dialog(presets=PresetChoices(library, last_used, remembered.append))
        aloop.wait_until(lambda: not dialog.isBusy())  # a preset's secrets read and filled in
        return dialog

    return open_with


def combo(dialog) -> QComboBox:
    return child(dialog, QComboBox, "presetCombo")


def test_the_combo_lists_no_preset_then_the_names_and_is_reached_first(qtbot, open_with):
    dialog = open_with()
    box = combo(dialog)
    assert [box.itemText(i) for i in range(box.count())] == [
        "No preset",
        "Coaching 1:1",
        "Workshop",
    ]
    assert box.accessibleName() == "Preset"
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Tab)
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() is child(dialog, QPushButton, "savePresetButton")
    )
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is child(dialog, QLineEdit, "labelEdit"))
    assert dialog.form().start_wall is None


def test_the_last_used_preset_is_chosen_and_fills_the_form(open_with, keyring_backend):
    NamedSecrets(keyring_backend).set("Workshop / recording S3 key", "wJalr-s3cr3t")
    dialog = open_with("Workshop")
    assert combo(dialog).currentText() == "Workshop"
    form = dialog.form()
    assert (form.room_mode, form.viewer_link, form.start_locked) == (RoomMode.GROUP, True, True)
    assert form.prefix == "workshop"
    assert form.recording.storage.access_key_secret == "wJalr-s3cr3t"
    # 12:00 in Oslo now: 09:30 is tomorrow's, for an hour and a half.
    assert (form.start_wall, form.end_wall) == (
        datetime(2024, 5, 15, 9, 30),
        datetime(2024, 5, 15, 11),
    )
    assert not child(dialog, QLabel, "errorArea").isVisible()


def test_choosing_with_the_keyboard_fills_the_form_and_is_remembered(qtbot, open_with, remembered):
    dialog = open_with()
    qtbot.keyClicks(child(dialog, QLineEdit, "labelEdit"), "Sam")
    box = combo(dialog)
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: dialog.form().room_mode == RoomMode.GROUP)
    assert remembered[-1] == "Workshop"
    assert dialog.form().label == "Sam"
    qtbot.keyClick(box, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: dialog.form().room_mode == RoomMode.NORMAL)
    assert remembered[-1] == ""
    assert (dialog.form().label, dialog.form().prefix) == ("Sam", "")


def test_a_removed_keychain_secret_is_said_when_the_preset_is_chosen(open_with):
    dialog = open_with("Workshop")
    area = child(dialog, QLabel, "errorArea")
    assert area.isVisible()
    assert "kept in the keychain as “Workshop / recording S3 key”, which is no longer there" in (
        area.text()
    )
    assert dialog.form().recording.storage.access_key_secret == ""
    # Grown for what the preset filled in: the line saying why Create waits overlaps nothing.
    reason = child(dialog, QLabel, "reasonLabel")
    assert reason.isVisible()
    assert reason.geometry().top() > dialog.findChild(QScrollArea).geometry().bottom()


def test_a_presets_secrets_are_read_off_the_gui_thread_while_the_form_waits(
    tmp_path,
    make_dialog,  # noqa: F811
    aloop,
):
    keychain = GatedKeyring()  # locked until the test opens it
    NamedSecrets(keychain).set("Workshop / recording S3 key", "wJalr-s3cr3t")
    file = PresetFile(tmp_path / "presets.json")
    file.save([WORKSHOP])
    dialog = make_dialog(
        presets=PresetChoices(PresetLibrary(file, NamedSecrets(keychain)), "Workshop")
    )
    aloop.wait_until(lambda: keychain.readers)
    assert threading.main_thread() not in keychain.readers
    assert dialog.isBusy() and not child(dialog, QPushButton, "createButton").isEnabled()
    assert not combo(dialog).isEnabled()
    assert (
        child(dialog, QLabel, "busyLabel").text()
        == "Reading the preset's secrets from the keychain…"
    )
    keychain.gate.set()
    aloop.wait_until(lambda: not dialog.isBusy())
    assert dialog.form().recording.storage.access_key_secret == "wJalr-s3cr3t"
    assert dialog.form().room_mode == RoomMode.GROUP and combo(dialog).isEnabled()
    assert QApplication.focusWidget() is child(dialog, QLineEdit, "labelEdit")


def test_closing_the_dialog_while_the_keychain_is_asked_fills_nothing(
    tmp_path,
    make_dialog,  # noqa: F811
    aloop,
):
    keychain = GatedKeyring()
    file = PresetFile(tmp_path / "presets.json")
    file.save([WORKSHOP])
    dialog = make_dialog(
        presets=PresetChoices(PresetLibrary(file, NamedSecrets(keychain)), "Workshop")
    )
    aloop.wait_until(lambda: keychain.readers)
    dialog.reject()
    keychain.gate.set()
    aloop.wait_until(lambda: not dialog.isBusy())
    assert dialog.form().room_mode == RoomMode.NORMAL  # left as it was
    assert not child(dialog, QLabel, "errorArea").isVisible()


def save_as(qtbot, dialog, name: str):
    child(dialog, QPushButton, "savePresetButton").click()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not dialog)
    asker = QApplication.activeModalWidget()
    edit = asker.findChild(QLineEdit, "presetNameEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, name)
    save = asker.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    return asker, save


def test_save_as_preset_keeps_the_form_and_its_secret_apart(
    qtbot, open_with, library, keyring_backend
):
    dialog = open_with()
    qtbot.keyClicks(child(dialog, QLineEdit, "prefixEdit"), "teamsync")
    asker, save = save_as(qtbot, dialog, "   ")
    assert not save.isEnabled()
    assert asker.findChild(QLabel, "presetNameProblem").text() == "A preset needs a name."
    asker.findChild(QLineEdit, "presetNameEdit").setText("Team sync")
    assert save.isEnabled()
    save.click()
    qtbot.waitUntil(lambda: combo(dialog).currentText() == "Team sync")
    data = json.loads(library.file.path.read_text(encoding="utf-8"))
    assert [p["name"] for p in data["presets"]] == ["Coaching 1:1", "Workshop", "Team sync"]
    assert data["presets"][2]["prefix"] == "teamsync"
    assert child(dialog, QLabel, "presetNote").text() == "Saved."


def test_saving_over_a_preset_asks_first(qtbot, open_with, library):
    dialog = open_with()
    qtbot.keyClicks(child(dialog, QLineEdit, "prefixEdit"), "other")
    _asker, save = save_as(qtbot, dialog, "coaching 1:1")
    save.click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert "already a preset called “Coaching 1:1”" in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog)
    assert PresetFile(library.file.path).load().presets[0].prefix == ""
    _asker, save = save_as(qtbot, dialog, "coaching 1:1")
    save.click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    QApplication.activeModalWidget().button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: PresetFile(library.file.path).load().presets[0].prefix == "other")
    assert [p.name for p in library.presets] == ["Coaching 1:1", "Workshop"]
