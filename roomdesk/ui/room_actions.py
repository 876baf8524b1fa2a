"""What the window does to rooms: copy and open their links (checked to be Whereby room links
first), and delete them, asking before and selecting the next room after, as a file manager does.

The window owns one :class:`RoomActions`; its actions and menus call these methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QMessageBox

from roomdesk.api.models import room_link_problem
from roomdesk.store import StoredRoom, StoreError
from roomdesk.store.records import LinkKind
from roomdesk.ui.async_slot import async_slot
from roomdesk.ui.room_table_model import RoomRole
from roomdesk.ui.status_bar import STATUS_MESSAGE_MS
from roomdesk.ui.store_problems import report_store_error

# More rooms than this are deleted with a progress dialog: each outcome shown, cancellable.
FEW_ROOMS = 3

if TYPE_CHECKING:
    from roomdesk.services.rooms import DeleteOutcome
    from roomdesk.ui.main_window import MainWindow


class RoomActions:
    """The room actions of ``window``: its selection, status bar and dialogs are theirs."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self.last_delete_dialog: QDialog | None = None  # the progress of the last many deleted

    def _safe_link(self, kind: LinkKind) -> tuple[StoredRoom, str] | None:
        """The current room and its ``kind`` link, if it has one that is a Whereby room link.

        Checked again here, not only when the link arrived: a store written by an older
        version, or edited by hand, may hold anything, and a browser opens what it is given.
        """
        w = self._window
        room = w.current_room()
        url = room.links.get(kind) if room else None
        if room is None or not url:
            w.statusBar().showMessage(f"This room has no {kind.label.lower()}.", 4000)
            return None
        if room_link_problem(url) is not None:
            w.statusBar().showMessage(
                f"The {kind.label.lower()} stored for this room is not a Whereby room link "
                "(https://….whereby.com/…); it was not used. Refresh (F5) to fetch it again.",
                STATUS_MESSAGE_MS * 2,
            )
            return None
        return room, url

    def copy_link(self, kind: LinkKind) -> None:
        w = self._window
        if (found := self._safe_link(kind)) is None:
            return
        room, url = found
        QGuiApplication.clipboard().setText(url)
        name = room.label or room.room_name or room.meeting_id
        w.statusBar().showMessage(f"{kind.label} of {name} copied.", STATUS_MESSAGE_MS)

    def open_link(self, kind: LinkKind) -> None:
        w = self._window
        if (found := self._safe_link(kind)) is None:
            return
        _room, url = found
        if not QDesktopServices.openUrl(QUrl(url)):
            w.statusBar().showMessage("Could not open a web browser.", STATUS_MESSAGE_MS)
            return
        w.statusBar().showMessage(f"Opened the {kind.label.lower()}.", STATUS_MESSAGE_MS)

    def delete_selected(self) -> QMessageBox | None:
        w = self._window
        rooms = [room for room in w.selected_rooms() if room.deleted_at is None]
        if not rooms:
            w.statusBar().showMessage("The selected rooms are already deleted.", 4000)
            return None
        names = [room.label or room.room_name or room.meeting_id for room in rooms]
        shown = "\n".join(f"• {name}" for name in names[:12])
        if len(names) > 12:
            shown += f"\n… and {len(names) - 12} more"
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete rooms" if len(rooms) > 1 else "Delete room",
            (
                f"End these {len(rooms)} rooms on Whereby now? People in them will be "
                "disconnected and their links stop working."
                if len(rooms) > 1
                else "End this room on Whereby now? People in it will be disconnected and its "
                "links stop working."
            )
            + f"\n\n{shown}",
            QMessageBox.StandardButton.Cancel,
            w,
        )
        delete_button = box.addButton("&Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        ids = [room.meeting_id for room in rooms]

        def finished(_result: int) -> None:
            if box.clickedButton() is not delete_button:
                return
            if len(ids) > FEW_ROOMS:
                self.delete_with_progress(ids, names)
            else:
                self._delete(ids, self._room_after(set(ids)))

        box.finished.connect(finished)
        w.show_dialog(box)
        return box

    def delete_with_progress(self, meeting_ids: list[str], names: list[str]) -> QDialog:
        """Delete many rooms with each one's outcome shown as it comes, cancellable."""
        from roomdesk.ui.delete_progress import DeleteProgressDialog

        w = self._window
        dialog = DeleteProgressDialog(w.session, meeting_ids, names, parent=w)
        w.show_dialog(dialog)
        dialog.start()
        self.last_delete_dialog = dialog
        return dialog

    def _room_after(self, meeting_ids: set[str]) -> str | None:
        """The room to select once ``meeting_ids`` are deleted, as a file manager does: the first
        shown after the last selected row, else the nearest before, skipping deleted rooms."""
        w = self._window
        rows = sorted(index.row() for index in w.table.selectionModel().selectedRows())
        if not rows:
            return None
        after = range(rows[-1] + 1, w.proxy.rowCount())
        before = range(rows[0] - 1, -1, -1)
        for row in (*after, *before):
            room = w.proxy.index(row, 0).data(RoomRole.ROOM)
            if room is not None and room.deleted_at is None and room.meeting_id not in meeting_ids:
                return str(room.meeting_id)
        return None

    @async_slot
    async def _delete(self, meeting_ids: list[str], then_select: str | None = None) -> None:
        w = self._window
        count = len(meeting_ids)
        w.statusBar().showMessage(f"Deleting {count} room{'s' if count != 1 else ''}…")
        try:
            outcomes = await w.session.delete_rooms(meeting_ids)
        except StoreError as exc:
            # Whereby may have ended them: a refresh marks what it no longer lists.
            report_store_error(w, "The deleted rooms could not be marked in the list.", exc)
            return
        # Move on to the next room, so Delete and the copy keys go on working from the keyboard;
        # unless some were not deleted (they stay selected) or the selection moved meanwhile.
        _current, selected = w.selection_ids()
        if all(outcome.ok for outcome in outcomes) and set(selected) <= set(meeting_ids):
            if then_select is not None:
                w.select_ids(then_select, [then_select])
            else:
                w.table.selectionModel().clearSelection()
                w.update_actions()
        self._report_deletes(outcomes)

    def _report_deletes(self, outcomes: list[DeleteOutcome]) -> None:
        w = self._window
        failed = [outcome for outcome in outcomes if not outcome.ok]
        done = len(outcomes) - len(failed)
        w.statusBar().showMessage(
            (
                f"Deleted {done} of {len(outcomes)} rooms."
                if len(outcomes) > 1
                else f"Deleted {done} of 1 room."
            )
            + (f" {len(failed)} failed." if failed else ""),
            STATUS_MESSAGE_MS * 2,
        )
        if failed:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Some rooms were not deleted",
                "\n".join(outcome.describe() for outcome in outcomes),
                QMessageBox.StandardButton.Ok,
                w,
            )
            w.show_dialog(box)
