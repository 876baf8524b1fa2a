"""What the window hands out about the selected rooms: the invitation on the clipboard (as plain
text and as HTML, for a mail program to keep the link clickable), a calendar file, a QR code of
the link to share, and personal links.

The window owns one :class:`HandOuts`, made at its first use; its actions call these methods.
Where a file goes is asked through a :data:`SavePathChooser`, a file dialog unless the window
was given another (tests give a path).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from roomdesk.api.models import room_link_problem
from roomdesk.sessions.facts import SessionFacts, shared_link
from roomdesk.sessions.files import OutputFileError, write_atomically
from roomdesk.sessions.invitation import FALLBACK_LABEL, TemplateError, render
from roomdesk.store import StoredRoom
from roomdesk.ui.room_facts import facts_of
from roomdesk.ui.status_bar import STATUS_MESSAGE_MS

if TYPE_CHECKING:
    from roomdesk.ui.main_window import MainWindow

CALENDAR_FILTERS = ("Calendar files (*.ics)",)
QR_FILTERS = ("PNG image (*.png)", "SVG image (*.svg)")
# Between the invitations to several rooms, in the text and in the HTML copied.
TEXT_SEPARATOR = "\n\n" + "-" * 40 + "\n\n"
HTML_SEPARATOR = "<br>\n<hr>\n"
# Characters no file name may hold on some system, and control characters.
_NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_FILE_STEM_MAX = 80


class SavePathChooser(Protocol):
    """Asks where to save a file, without waiting for the answer: calls ``chosen`` with the
    path and the name filter picked, and not at all when the person cancels."""

    def __call__(
        self,
        window: MainWindow,
        title: str,
        suggested: Path,
        filters: Sequence[str],
        chosen: Callable[[Path, str], None],
    ) -> None: ...


def file_dialog_chooser(
    window: MainWindow,
    title: str,
    suggested: Path,
    filters: Sequence[str],
    chosen: Callable[[Path, str], None],
) -> None:
    """Ask with a file dialog, opened window-modal without a nested event loop."""
    dialog = QFileDialog(window, title, str(suggested))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilters(list(filters))
    dialog.selectFile(suggested.name)
    dialog.setDefaultSuffix(suggested.suffix.lstrip("."))
    dialog.fileSelected.connect(lambda name: chosen(Path(name), dialog.selectedNameFilter()))
    window.show_dialog(dialog)


def file_stem(label: str) -> str:
    """A file name (without suffix) made from a room's label, fit for any file system."""
    stem = " ".join(_NOT_IN_FILE_NAMES.sub(" ", label).split())[:_FILE_STEM_MAX].strip(" .")
    return stem or FALLBACK_LABEL


def _filter_suffix(name_filter: str) -> str:
    found = re.search(r"\*(\.\w+)", name_filter)
    return found.group(1) if found else ""


def with_suffix(path: Path, name_filter: str) -> Path:
    """``path``, with the suffix of ``name_filter`` added when it has none."""
    if path.suffix:
        return path
    return path.with_name(path.name + _filter_suffix(name_filter))


class HandOuts:
    """The hand-outs of ``window``'s selected rooms: its selection, settings, status bar and
    dialogs are theirs."""

    def __init__(self, window: MainWindow, choose_path: SavePathChooser) -> None:
        self._window = window
        self._choose_path = choose_path
        self._folder = Path.home()  # where the last file was saved: the next is offered there

    # -- which rooms ----------------------------------------------------------------------------

    def _joinable(self, rooms: list[StoredRoom], what: str) -> list[SessionFacts]:
        """The facts of the rooms of ``rooms`` someone can still join; the others are named in
        the status bar, since handing out a dead link helps nobody."""
        w = self._window
        now = w.model.now()
        kept = [room for room in rooms if room.status(now).is_usable]
        if not kept and rooms:
            if len(rooms) == 1:
                room = rooms[0]
                name = room.label or room.room_name or room.meeting_id
                text = f"“{name}” is {room.status(now).label.lower()}: nobody can join it any more"
            else:
                text = "Nobody can join the selected rooms any more"
            w.statusBar().showMessage(f"{text}; no {what} was made.", STATUS_MESSAGE_MS * 2)
        return [facts_of(room, w.settings) for room in kept]

    @staticmethod
    def _left_out_text(rooms: int, facts: list[SessionFacts]) -> str:
        left_out = rooms - len(facts)
        if not left_out:
            return ""
        return f" Left out: {left_out} room{'s' if left_out != 1 else ''} nobody can join any more."

    def _selected(self) -> list[StoredRoom]:
        return self._window.selected_rooms()

    def _current(self) -> list[StoredRoom]:
        room = self._window.current_room()
        return [] if room is None else [room]

    # -- the invitation -------------------------------------------------------------------------

    def copy_invitation(self) -> None:
        """Put the invitation to each selected room's session on the clipboard, one after the
        other, as plain text and as HTML."""
        w = self._window
        rooms = self._selected()
        facts_list = self._joinable(rooms, "invitation")
        if not facts_list:
            return
        settings = w.settings
        try:
            invitations = [
                render(
                    facts,
                    facts.template(settings.invitation_template),
                    include_notes=settings.include_notes_in_invitation,
                )
                for facts in facts_list
            ]
        except TemplateError as exc:  # the setting reads as the default when broken: a guard
            w.statusBar().showMessage(f"The invitation template cannot be used: {exc}")
            return
        mime = QMimeData()
        # Each without the blank lines it may end in, so the separator stands alone between them.
        text = TEXT_SEPARATOR.join(invitation.text.rstrip() for invitation in invitations)
        mime.setText(text + "\n")
        mime.setHtml(HTML_SEPARATOR.join(invitation.html for invitation in invitations))
        QGuiApplication.clipboard().setMimeData(mime)
        copied = "Invitation copied" if len(invitations) == 1 else "Invitations copied"
        if len(invitations) > 1:
            copied += f" ({len(invitations)} rooms, one after the other)"
        w.statusBar().showMessage(
            f"{copied}.{self._left_out_text(len(rooms), facts_list)}", STATUS_MESSAGE_MS
        )

    # -- files ----------------------------------------------------------------------------------

    def _suggested(self, facts_list: list[SessionFacts], suffix: str) -> Path:
        stem = file_stem(facts_list[0].label) if len(facts_list) == 1 else "Sessions"
        return self._folder / f"{stem}{suffix}"

    def _write(self, what: str, path: Path, write: Callable[[Path], None]) -> None:
        w = self._window
        try:
            write(path)
        except OutputFileError as exc:
            w.statusBar().showMessage(f"The {what} was not saved.", STATUS_MESSAGE_MS * 2)
            w.show_error(f"{what.capitalize()} not saved", str(exc))
            return
        self._folder = path.parent
        w.statusBar().showMessage(f"{what.capitalize()} saved: {path}", STATUS_MESSAGE_MS * 2)

    def save_calendar(self) -> None:
        """Ask where, then save the selected rooms' sessions as one calendar file, with an
        alarm as long before each start as the app's own reminders (none when they are off)."""
        rooms = self._selected()
        facts_list = self._joinable(rooms, "calendar file")
        if not facts_list:
            return
        self._choose_path(
            self._window,
            "Save calendar file",
            self._suggested(facts_list, ".ics"),
            CALENDAR_FILTERS,
            lambda path, name_filter: self._save_calendar(
                facts_list, with_suffix(path, name_filter)
            ),
        )

    def _save_calendar(self, facts_list: list[SessionFacts], path: Path) -> None:
        # Imported here, as the QR library below: copying an invitation needs neither.
        from roomdesk.sessions.calendar import calendar_bytes

        settings = self._window.settings

        def write(target: Path) -> None:
            try:
                data = calendar_bytes(
                    facts_list,
                    invitation_template=settings.invitation_template,
                    include_notes=settings.include_notes_in_invitation,
                    alarm_minutes=settings.reminder_minutes or None,
                )
            except ValueError as exc:  # TemplateError too: a setting, not the file, is wrong
                raise OutputFileError(f"Could not make the calendar file: {exc}") from None
            write_atomically(target, data)

        self._write("calendar file", path, write)

    def save_qr(self) -> None:
        """Ask where, then save the QR code of the current room's link to share, as PNG or SVG
        by the name's suffix or, without one, by the kind picked."""
        facts_list = self._joinable(self._current(), "QR code")
        if not facts_list:
            return
        (facts,) = facts_list
        link = shared_link(facts)
        if (problem := room_link_problem(link)) is not None:
            self._window.statusBar().showMessage(
                f"No QR code was made: the room's link {problem}. Refresh (F5) to fetch it again.",
                STATUS_MESSAGE_MS * 2,
            )
            return
        self._choose_path(
            self._window,
            "Save QR code",
            self._suggested(facts_list, ".png"),
            QR_FILTERS,
            lambda path, name_filter: self._save_qr(link, with_suffix(path, name_filter)),
        )

    def _save_qr(self, link: str, path: Path) -> None:
        from roomdesk.sessions.qr import save_qr

        self._write("QR code", path, lambda target: save_qr(link, target))

    # -- personal links -------------------------------------------------------------------------

    def personal_links(self) -> None:
        """Open the personal-links dialog for the current room."""
        w = self._window
        facts_list = self._joinable(self._current(), "personal link")
        if not facts_list:
            return
        from roomdesk.ui.personal_links_dialog import PersonalLinksDialog

        w.show_dialog(PersonalLinksDialog(facts_list[0], parent=w))
