"""Personal links for one room: names pasted one a line become a table of each person's name,
externalId (editable) and link, to copy into a spreadsheet or save as a CSV file.

The rules and the text formats are those of :mod:`roomdesk.sessions.personal_links`, which the
command line shares; this module only shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from roomdesk.sessions.facts import SessionFacts, shared_link
from roomdesk.sessions.files import OutputFileError, write_atomically
from roomdesk.sessions.invitation import FALLBACK_LABEL
from roomdesk.sessions.personal_links import (
    FALLBACK_ID,
    LANGUAGES,
    LinkOptions,
    PersonalLink,
    PersonProblems,
    as_csv,
    as_tsv,
    derive_external_id,
    parse_names,
    people_problems,
    personal_links,
    unique_external_ids,
)
from roomdesk.ui.timezone_picker import negative_color

NAME, EXTERNAL_ID, LINK = range(3)
# The message line names this many problems; a pasted list full of them must not flood it.
SHOWN_PROBLEMS = 3
NO_NAMES_TEXT = "Type or paste the names above, one person a line."

# Asks where to save (the dialog, a suggested file name) and calls back with the chosen path;
# it may return at once and call back later, or never when the person cancels.
PathChooser = Callable[[QWidget, str, Callable[[Path], object]], None]


class LinksDialogTuning(NamedTuple):
    # How long typing in the names box must pause before the table follows it: a pasted list
    # or a fast typist is read once, not at every keystroke.
    refresh_delay_ms: int = 150


def ask_for_csv_path(parent: QWidget, suggested: str, chosen: Callable[[Path], object]) -> None:
    """Qt's save dialog, window-modal over ``parent``; ``chosen`` gets the path once picked."""
    dialog = QFileDialog(parent, "Save personal links")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter("CSV files (*.csv)")
    dialog.setDefaultSuffix("csv")
    dialog.selectFile(suggested)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(lambda path: chosen(Path(path)))
    dialog.open()


class PersonalLinksDialog(QDialog):
    """A link per person for the room of ``facts``; Copy and Save wait until every name and
    externalId can be used."""

    def __init__(
        self,
        facts: SessionFacts,
        parent: QWidget | None = None,
        *,
        tuning: LinksDialogTuning | None = None,
        choose_path: PathChooser = ask_for_csv_path,
    ) -> None:
        super().__init__(parent)
        self.facts = facts
        self._link = shared_link(facts)
        self._choose_path = choose_path
        self._names: list[str] = []
        self._ids: list[str] = []
        # Ids typed over the one made from a name, by name: they survive editing the names.
        self._edited_ids: dict[str, str] = {}
        self._links: list[PersonalLink] = []
        self._ready = False  # palette changes can arrive while the widgets are being built
        label = facts.label.strip() or FALLBACK_LABEL
        self.setWindowTitle(f"Personal links — {label}")
        self.setMinimumSize(760, 520)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval((tuning or LinksDialogTuning()).refresh_delay_ms)
        self._timer.timeout.connect(self._refresh)

        intro = QLabel(
            "Each person gets the room's link with their name filled in, so they join under "
            "it, and an externalId that names them in Whereby's Insights. Made from "
            f"{self._link}"
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.names_edit = QPlainTextEdit()
        self.names_edit.setObjectName("namesEdit")
        self.names_edit.setAccessibleName("Names, one person a line")
        self.names_edit.setPlaceholderText("Sam Lee\nKim Park")
        # Tab leaves the box: a name holds no tab, and the keyboard must reach the rest.
        self.names_edit.setTabChangesFocus(True)
        self.names_edit.setMaximumHeight(140)
        self.names_edit.textChanged.connect(self._timer.start)
        names_label = QLabel("&Names (one person a line):")
        names_label.setBuddy(self.names_edit)

        self.language = QComboBox()
        self.language.setObjectName("languageCombo")
        self.language.setAccessibleName("Language of the room")
        self.language.addItem("Room default", "")
        for code, name in sorted(LANGUAGES.items(), key=lambda item: item[1]):
            self.language.addItem(f"{name} ({code})", code)
        self.language.currentIndexChanged.connect(lambda _index: self._refresh())
        language_label = QLabel("&Language:")
        language_label.setBuddy(self.language)
        self.camera_off = QCheckBox("Camera o&ff")
        self.camera_off.setObjectName("cameraOffCheck")
        self.camera_off.setAccessibleName("Join with the camera off")
        self.camera_off.toggled.connect(lambda _on: self._refresh())
        self.microphone_off = QCheckBox("&Microphone off")
        self.microphone_off.setObjectName("microphoneOffCheck")
        self.microphone_off.setAccessibleName("Join with the microphone off")
        self.microphone_off.toggled.connect(lambda _on: self._refresh())
        options = QHBoxLayout()
        options.addWidget(language_label)
        options.addWidget(self.language)
        options.addSpacing(16)
        options.addWidget(self.camera_off)
        options.addWidget(self.microphone_off)
        options.addStretch(1)

        self.table = self._build_table()
        table_label = QLabel("Lin&ks (edit an externalId with F2 or a double-click):")
        table_label.setBuddy(self.table)

        self.message = QLabel(NO_NAMES_TEXT)
        self.message.setObjectName("problemLine")
        self.message.setAccessibleName("Problems")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.copy_button = QPushButton("&Copy as table")
        self.copy_button.setObjectName("copyButton")
        self.copy_button.setAccessibleName("Copy the links as a table for a spreadsheet")
        self.copy_button.clicked.connect(self._copy)
        self.save_button = QPushButton("&Save as CSV…")
        self.save_button.setObjectName("saveButton")
        self.save_button.setAccessibleName("Save the links as a CSV file")
        self.save_button.clicked.connect(self._ask_where_to_save)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(names_label)
        layout.addWidget(self.names_edit)
        layout.addLayout(options)
        layout.addWidget(table_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        chain = [
            self.names_edit,
            self.language,
            self.camera_off,
            self.microphone_off,
            self.table,
            self.copy_button,
            self.save_button,
            self.close_button,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self._ready = True
        self._apply_message_colour()
        self._refresh()

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, 3)
        table.setObjectName("linksTable")
        table.setAccessibleName("Personal links: name, externalId and link of each person")
        table.setHorizontalHeaderLabels(["Name", "externalId", "Link"])
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        # Tab leaves the table for the buttons; the arrow keys move between its cells.
        table.setTabKeyNavigation(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(EXTERNAL_ID, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(LINK, QHeaderView.ResizeMode.Stretch)
        table.setColumnWidth(NAME, 180)
        table.setColumnWidth(EXTERNAL_ID, 170)
        table.itemChanged.connect(self._on_item_changed)
        return table

    # -- reading the names -------------------------------------------------------------------

    @property
    def links(self) -> list[PersonalLink]:
        """The links as they are shown; empty while there are problems or no names."""
        return list(self._links)

    def _options(self) -> LinkOptions:
        return LinkOptions(
            self.language.currentData() or None,
            self.camera_off.isChecked(),
            self.microphone_off.isChecked(),
        )

    def _refresh(self) -> None:
        """Make the table, the message and the buttons follow the names, ids and options."""
        self._timer.stop()
        names = parse_names(self.names_edit.toPlainText())
        made = unique_external_ids(names)
        ids = [self._edited_ids.get(name, own) for name, own in zip(names, made, strict=True)]
        problems = people_problems(names, ids)
        options = self._options()
        self._links = []
        if names and not any(any(found) for found in problems):
            self._links = personal_links(self._link, names, options=options, external_ids=ids)
            shown = [link.link for link in self._links]
        else:
            # The rows that can be used still show their link while the others are fixed.
            shown = [
                "" if any(found) else self._one_link(name, own, options)
                for name, own, found in zip(names, ids, problems, strict=True)
            ]
        self._names, self._ids = names, ids
        self._fill(names, ids, shown, problems)
        self._show_problems(names, problems)

    def _one_link(self, name: str, external_id: str, options: LinkOptions) -> str:
        (made,) = personal_links(self._link, [name], options=options, external_ids=[external_id])
        return made.link

    def _fill(
        self, names: list[str], ids: list[str], links: list[str], problems: list[PersonProblems]
    ) -> None:
        table = self.table
        colour = negative_color(self.palette())
        table.blockSignals(True)
        try:
            table.setRowCount(len(names))
            for row, (name, own, link, found) in enumerate(
                zip(names, ids, links, problems, strict=True)
            ):
                self._set_cell(row, NAME, name, found.name, colour)
                self._set_cell(row, EXTERNAL_ID, own, found.external_id, colour)
                self._set_cell(row, LINK, link, None, colour)
        finally:
            table.blockSignals(False)
        if names and not table.currentIndex().isValid():
            table.setCurrentCell(0, EXTERNAL_ID)

    def _set_cell(
        self, row: int, column: int, text: str, problem: str | None, colour: QColor
    ) -> None:
        item = self.table.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            if column == EXTERNAL_ID:
                flags |= Qt.ItemFlag.ItemIsEditable
            item.setFlags(flags)
            self.table.setItem(row, column, item)
        item.setText(text)
        # A cell with a problem is marked three ways: colour, weight, and words to hover or hear.
        item.setToolTip(problem or (text if column == LINK else ""))
        item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, problem or "")
        item.setData(Qt.ItemDataRole.ForegroundRole, colour if problem else None)
        font = item.font()
        font.setBold(problem is not None)
        item.setFont(font)

    def _show_problems(self, names: list[str], problems: list[PersonProblems]) -> None:
        texts = [text for found in problems for text in found if text]
        if not names:
            message, is_problem = NO_NAMES_TEXT, False
        elif texts:
            count = len(texts)
            message = f"{count} problem{'s' if count != 1 else ''} to fix first: "
            message += "; ".join(texts[:SHOWN_PROBLEMS])
            if count > SHOWN_PROBLEMS:
                message += f"; and {count - SHOWN_PROBLEMS} more (marked in the table)"
            is_problem = True
        else:
            count = len(names)
            message, is_problem = f"{count} link{'s' if count != 1 else ''} ready.", False
        self._set_message(message, is_problem)
        self.copy_button.setEnabled(bool(self._links))
        self.save_button.setEnabled(bool(self._links))

    def _set_message(self, text: str, is_problem: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("isProblem", is_problem)
        self._apply_message_colour()

    def _apply_message_colour(self) -> None:
        palette = self.message.palette()
        if self.message.property("isProblem"):
            palette.setColor(QPalette.ColorRole.WindowText, negative_color(self.palette()))
        else:
            palette.setColor(
                QPalette.ColorRole.WindowText, self.palette().color(QPalette.ColorRole.WindowText)
            )
        self.message.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._ready:
            self._apply_message_colour()
            self._refresh()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        row = item.row()
        if item.column() != EXTERNAL_ID or row >= len(self._names):
            return
        name = self._names[row]
        typed = item.text().strip()
        if typed == unique_external_ids(self._names)[row]:
            self._edited_ids.pop(name, None)
        else:
            self._edited_ids[name] = typed
        self._refresh()

    # -- handing the links out ---------------------------------------------------------------

    def _current_links(self) -> list[PersonalLink]:
        if self._timer.isActive():  # names typed a moment ago count
            self._refresh()
        return self._links

    def _copy(self) -> None:
        links = self._current_links()
        if not links:
            return
        QGuiApplication.clipboard().setText(as_tsv(links))
        count = len(links)
        self._set_message(
            f"Copied {count} link{'s' if count != 1 else ''} as a table: paste it into a "
            "spreadsheet.",
            False,
        )

    def suggested_file_name(self) -> str:
        stem = derive_external_id(self.facts.label)
        return f"{stem if stem != FALLBACK_ID else 'personal'}-links.csv"

    def _ask_where_to_save(self) -> None:
        if self._current_links():
            self._choose_path(self, self.suggested_file_name(), self.save_to)

    def save_to(self, path: Path) -> bool:
        """Write the links to ``path`` as CSV; says in the message line how that went."""
        links = self._current_links()
        if not links:
            return False
        # With a byte order mark, spreadsheets that guess the encoding read the names right.
        data = as_csv(links).encode("utf-8-sig")
        try:
            write_atomically(path, data)
        except OutputFileError as exc:
            self._set_message(f"{exc}. The links were not saved; choose another place.", True)
            return False
        count = len(links)
        self._set_message(f"Saved {count} link{'s' if count != 1 else ''} to {path}.", False)
        return True
