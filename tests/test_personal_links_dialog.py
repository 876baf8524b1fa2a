"""The personal links dialog, driven as a user would: names typed or pasted, options, ids edited,
the list copied or saved."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
)

from roomdesk.sessions.facts import VIEWER_MODE
from roomdesk.ui.personal_links_dialog import (
    EXTERNAL_ID,
    LINK,
    NAME,
    LinksDialogTuning,
    PersonalLinksDialog,
    ask_for_csv_path,
)
from tests.session_samples import LINK as ROOM_LINK
from tests.session_samples import VIEWER_LINK, session

pytestmark = [
    pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints\(\)|raise\(\))")
]

FAST = LinksDialogTuning(refresh_delay_ms=20)


class Chooser:
    """Stands in for the save dialog: answers with ``path`` at once (or never, when None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.asked: list[str] = []

    def __call__(self, parent, suggested, chosen) -> None:
        self.asked.append(suggested)
        if self.path is not None:
            chosen(self.path)


@pytest.fixture
def make_dialog(qtbot, qapp):
    quits = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)

    def make(facts=None, **options) -> PersonalLinksDialog:
        options.setdefault("tuning", FAST)
        dialog = PersonalLinksDialog(facts or session(), **options)
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    yield make
    qapp.setQuitOnLastWindowClosed(quits)


@pytest.fixture
def dialog(make_dialog) -> PersonalLinksDialog:
    return make_dialog()


def type_names(qtbot, dialog: PersonalLinksDialog, *names: str) -> None:
    dialog.names_edit.setPlainText("\n".join(names))  # as pasted
    qtbot.waitUntil(lambda: [row[NAME] for row in rows(dialog)] == list(names))


def rows(dialog: PersonalLinksDialog) -> list[list[str]]:
    table = dialog.table
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def test_the_table_follows_the_names_once_typing_pauses(dialog, qtbot):
    assert dialog.windowTitle() == "Personal links — Coaching with Sam"
    assert dialog.message.text().startswith("Type or paste the names")
    assert not dialog.copy_button.isEnabled() and not dialog.save_button.isEnabled()
    dialog.names_edit.setPlainText("Jørn Ødegård\n\n  Kim  \n")
    assert dialog.table.rowCount() == 0  # not before the pause
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)
    table = rows(dialog)
    assert [row[:2] for row in table] == [["Jørn Ødegård", "jorn-odegard"], ["Kim", "kim"]]
    assert table[0][LINK].startswith(f"{ROOM_LINK}?displayName=J%C3%B8rn")
    assert query(table[1][LINK]) == {"displayName": ["Kim"], "externalId": ["kim"]}
    assert dialog.message.text() == "2 links ready."
    assert dialog.copy_button.isEnabled() and dialog.save_button.isEnabled()
    assert [link.name for link in dialog.links] == ["Jørn Ødegård", "Kim"]


def test_typing_only_refreshes_once_it_pauses(make_dialog, qtbot):
    dialog = make_dialog(tuning=LinksDialogTuning(refresh_delay_ms=60_000))
    qtbot.keyClicks(dialog.names_edit, "Sam")
    assert dialog.table.rowCount() == 0 and dialog.links == []
    dialog.camera_off.setChecked(True)  # an option takes effect at once, and reads the names
    assert rows(dialog)[0][NAME] == "Sam" and dialog.copy_button.isEnabled()
    qtbot.keyClick(dialog.names_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.names_edit, "Kim")
    assert dialog.table.rowCount() == 1
    # Copy pressed before the pause still hands out everything typed.
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text().splitlines()
    assert [line.split("\t")[0] for line in copied] == ["name", "Sam", "Kim"]


def test_a_viewer_mode_room_hands_out_its_viewer_link(make_dialog, qtbot):
    dialog = make_dialog(session(room_mode=VIEWER_MODE, viewer_room_url=VIEWER_LINK))
    type_names(qtbot, dialog, "Sam")
    assert rows(dialog)[0][LINK].startswith(f"{VIEWER_LINK}?displayName=Sam")


def test_the_options_go_into_every_link(dialog, qtbot):
    type_names(qtbot, dialog, "Sam", "Kim")
    combo = dialog.language
    assert combo.itemText(0) == "Room default"
    combo.setCurrentIndex(combo.findData("nb"))
    assert combo.currentText() == "Norwegian (nb)"
    dialog.camera_off.setChecked(True)
    dialog.microphone_off.setChecked(True)
    for row in rows(dialog):
        assert query(row[LINK])["lang"] == ["nb"]
        assert query(row[LINK])["video"] == ["off"] and query(row[LINK])["audio"] == ["off"]
    combo.setCurrentIndex(0)
    dialog.camera_off.setChecked(False)
    assert "lang" not in query(rows(dialog)[0][LINK])
    assert "video" not in query(rows(dialog)[0][LINK])


def test_problems_are_named_and_their_cells_marked_and_block_copy_and_save(dialog, qtbot):
    type_names(qtbot, dialog, "Sam", "Kim: host", "sam")
    message = dialog.message.text()
    assert message.startswith("2 problems to fix first: ")
    assert "“Kim: host” contains :; Whereby allows none of $ ! < > : ; in a name" in message
    assert "“sam” is listed twice (as “Sam” before)" in message
    assert not dialog.copy_button.isEnabled() and not dialog.save_button.isEnabled()
    assert dialog.links == []
    bad = dialog.table.item(1, NAME)
    assert bad.font().bold() and "contains :" in bad.toolTip()
    assert "contains :" in bad.data(Qt.ItemDataRole.AccessibleDescriptionRole)
    assert bad.foreground().color() != dialog.table.item(0, NAME).foreground().color()
    assert not dialog.table.item(0, NAME).font().bold()
    assert not dialog.table.item(1, EXTERNAL_ID).font().bold()  # the name is wrong, not the id
    # The good row keeps its link meanwhile; the bad ones have none.
    assert [bool(row[LINK]) for row in rows(dialog)] == [True, False, False]

    type_names(qtbot, dialog, "Sam", "Kim (host)", "Sam Lee")
    assert dialog.message.text() == "3 links ready."
    assert dialog.copy_button.isEnabled()
    assert not dialog.table.item(1, NAME).font().bold()
    assert dialog.table.item(1, NAME).toolTip() == ""


def test_a_long_list_of_problems_names_a_few_and_counts_the_rest(dialog, qtbot):
    type_names(qtbot, dialog, *(f"Person {n}:" for n in range(6)))
    message = dialog.message.text()
    assert message.startswith("6 problems to fix first: ")
    assert message.count("contains :") == 3
    assert message.endswith("; and 3 more (marked in the table)")


def edit_id(qtbot, dialog: PersonalLinksDialog, row: int, text: str) -> None:
    table = dialog.table
    table.setFocus()
    table.setCurrentCell(row, EXTERNAL_ID)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The item view commits what was typed once control is back in the event loop.
    qtbot.waitUntil(lambda: table.item(row, EXTERNAL_ID).text() == text.strip())


def test_an_edited_id_is_used_checked_and_kept_while_names_change(dialog, qtbot):
    type_names(qtbot, dialog, "Sam", "Kim")
    assert not dialog.table.item(0, NAME).flags() & Qt.ItemFlag.ItemIsEditable
    assert dialog.table.item(0, EXTERNAL_ID).flags() & Qt.ItemFlag.ItemIsEditable
    edit_id(qtbot, dialog, 1, "SAM")
    assert "the externalId of “Kim”, “SAM”, is also that of “Sam”" in dialog.message.text()
    assert dialog.table.item(1, EXTERNAL_ID).font().bold()
    assert not dialog.copy_button.isEnabled()
    edit_id(qtbot, dialog, 1, "k p")
    assert "may only hold A-Z, a-z, 0-9, '-' and '_'" in dialog.message.text()
    edit_id(qtbot, dialog, 1, "kp-01")
    assert dialog.message.text() == "2 links ready."
    assert query(rows(dialog)[1][LINK])["externalId"] == ["kp-01"]

    type_names(qtbot, dialog, "Jo", "Kim", "Sam")
    assert [row[EXTERNAL_ID] for row in rows(dialog)] == ["jo", "kp-01", "sam"]
    # Typing the id made from the name again undoes the edit.
    edit_id(qtbot, dialog, 1, "kim")
    type_names(qtbot, dialog, "Kim")
    assert rows(dialog)[0][EXTERNAL_ID] == "kim"


def test_copy_puts_a_table_on_the_clipboard_that_no_spreadsheet_runs(dialog, qtbot):
    type_names(qtbot, dialog, "=1+2", "Kim")
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0] == "name\texternalId\tlink"
    assert lines[1].startswith("'=1+2\t12\t")
    assert lines[2] == f"Kim\tkim\t{dialog.links[1].link}"
    assert dialog.message.text() == "Copied 2 links as a table: paste it into a spreadsheet."


def test_save_writes_a_csv_file_where_the_person_chose(make_dialog, qtbot, tmp_path):
    target = tmp_path / "links.csv"
    chooser = Chooser(target)
    dialog = make_dialog(choose_path=chooser)
    type_names(qtbot, dialog, "Jørn Ødegård", "@Kim")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert chooser.asked == ["coaching-with-sam-links.csv"]
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # spreadsheets then read it as UTF-8
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == [
        ["name", "externalId", "link"],
        ["Jørn Ødegård", "jorn-odegard", dialog.links[0].link],
        ["'@Kim", "kim", dialog.links[1].link],
    ]
    assert dialog.message.text() == f"Saved 2 links to {target}."


def test_a_place_that_cannot_be_written_is_named_and_nothing_is_left_there(
    make_dialog, qtbot, tmp_path
):
    target = tmp_path / "missing" / "links.csv"
    dialog = make_dialog(choose_path=Chooser(target))
    type_names(qtbot, dialog, "Sam")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == (
        f"Could not write {target}: its folder does not exist. "
        "The links were not saved; choose another place."
    )
    assert not target.parent.exists()
    assert dialog.isVisible() and dialog.save_button.isEnabled()


def test_cancelling_the_save_dialog_changes_nothing(make_dialog, qtbot):
    chooser = Chooser(None)
    dialog = make_dialog(choose_path=chooser)
    type_names(qtbot, dialog, "Sam")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert len(chooser.asked) == 1 and dialog.message.text() == "1 link ready."


def test_a_label_without_latin_letters_still_suggests_a_file_name(make_dialog):
    assert make_dialog(session(label="李雷")).suggested_file_name() == "personal-links.csv"
    assert make_dialog(session(label="")).windowTitle() == "Personal links — Video session"


def test_the_save_dialog_is_window_modal_and_reports_the_chosen_path(dialog, qtbot, tmp_path):
    chosen: list[Path] = []
    ask_for_csv_path(dialog, "coaching-links.csv", chosen.append)
    file_dialog = dialog.findChild(QFileDialog)
    assert file_dialog is not None and file_dialog.isVisible()
    assert file_dialog.windowModality() == Qt.WindowModality.WindowModal
    assert file_dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert file_dialog.defaultSuffix() == "csv"
    file_dialog.fileSelected.emit(str(tmp_path / "a.csv"))
    assert chosen == [tmp_path / "a.csv"]
    file_dialog.reject()


# -- keyboard and accessibility ------------------------------------------------------------------


def test_every_control_has_an_accessible_name(dialog):
    kinds = (QPlainTextEdit, QComboBox, QCheckBox, QPushButton, QTableWidget)
    controls = [widget for kind in kinds for widget in dialog.findChildren(kind)]
    assert len(controls) >= 8
    assert [type(w).__name__ for w in controls if not w.accessibleName()] == []


def test_tab_goes_through_names_options_table_and_buttons(dialog, qtbot):
    expected = [
        dialog.names_edit,
        dialog.language,
        dialog.camera_off,
        dialog.microphone_off,
        dialog.table,
        dialog.copy_button,
        dialog.save_button,
        dialog.close_button,
    ]
    # The buttons take focus only when enabled: give them something to hand out.
    type_names(qtbot, dialog, "Sam")
    dialog.names_edit.setFocus()
    qtbot.waitUntil(lambda: dialog.names_edit.hasFocus())
    seen = []
    for _ in expected:
        seen.append(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert seen == expected
    # A tab in the names box moves on, it does not end up in a name.
    assert "\t" not in dialog.names_edit.toPlainText()
    assert not dialog.table.tabKeyNavigation()
    assert dialog.table.editTriggers() & QAbstractItemView.EditTrigger.EditKeyPressed


def test_escape_closes_the_dialog(dialog, qtbot):
    dialog.names_edit.setFocus()
    qtbot.keyClick(dialog.names_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_the_dialog_renders_at_a_sensible_size(dialog, qtbot):
    type_names(qtbot, dialog, "Jørn Ødegård", "Kim: host")
    image = dialog.grab()
    assert 760 <= image.width() <= 1000 and 520 <= image.height() <= 800
    assert QFont(dialog.font()).pointSizeF() > 0


def test_problems_stay_readable_in_a_dark_palette(dialog, qtbot):
    from PySide6.QtGui import QColor, QPalette

    type_names(qtbot, dialog, "Kim: host")
    light = dialog.message.palette().color(QPalette.ColorRole.WindowText)
    dialog.setPalette(QPalette(QColor("#202020")))
    dark = dialog.message.palette().color(QPalette.ColorRole.WindowText)
    assert dark.lightnessF() > 0.5 > light.lightnessF()
    marked = dialog.table.item(0, NAME).foreground().color()
    assert marked == dark
