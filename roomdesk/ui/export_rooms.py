"""Export rooms…: the selected rooms, or every room the list shows when none is selected, as a
CSV or JSON file (by the name's suffix, else the kind picked).

Host links make whoever opens them a host, so they are left out unless "Include host links" is
ticked, which shows a warning. The file is written whole or not at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from roomdesk.domain.times import get_zone
from roomdesk.services.export import HOST_LINK_WARNING, rooms_csv, rooms_json
from roomdesk.sessions.files import OutputFileError, write_atomically
from roomdesk.store import StoredRoom
from roomdesk.ui.form_rows import small_label
from roomdesk.ui.hand_outs import file_dialog_chooser, with_suffix
from roomdesk.ui.room_table_model import RoomRole
from roomdesk.ui.status_bar import STATUS_MESSAGE_MS

if TYPE_CHECKING:
    from roomdesk.ui.main_window import MainWindow

EXPORT_FILTERS = ("CSV file (*.csv)", "JSON file (*.json)")


def rooms_to_export(window: MainWindow) -> list[StoredRoom]:
    """The selected rooms; with none selected, every room the filter shows, in list order."""
    if selected := window.selected_rooms():
        return selected
    proxy = window.proxy
    rooms = (proxy.index(row, 0).data(RoomRole.ROOM) for row in range(proxy.rowCount()))
    return [room for room in rooms if room is not None]


def export_bytes(rooms: list[StoredRoom], path: Path, *, zone_name: str, host_links: bool) -> bytes:
    """The file's contents: JSON for a ``.json`` name, CSV otherwise."""
    zone = get_zone(zone_name or "UTC")
    if path.suffix.lower() == ".json":
        return rooms_json(rooms, fallback_zone=zone, host_links=host_links).encode()
    # With a byte-order mark, so a spreadsheet opens the file as UTF-8.
    return rooms_csv(rooms, fallback_zone=zone, host_links=host_links).encode("utf-8-sig")


def export_summary(count: int, *, selected: bool) -> str:
    """What Export rooms… will write: "Export the 3 selected rooms.", "Export the room shown
    in the list.", "No room is shown in the list: nothing to export." """
    rooms = "room" if count == 1 else "rooms"
    where = "selected" if selected else "shown in the list"
    if count == 0:
        return f"No room is {where}: nothing to export."
    if selected:
        return (
            f"Export the {count:,} selected {rooms}." if count > 1 else "Export the selected room."
        )
    return f"Export the {count:,} {rooms} {where}." if count > 1 else f"Export the room {where}."


class ExportDialog(QDialog):
    """How many rooms are exported, and "Include host links" (off), with its warning."""

    def __init__(self, count: int, parent: MainWindow) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export rooms")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(export_summary(count, selected=bool(parent.selected_rooms()))))
        self.host_links = QCheckBox("Include &host links")
        self.host_links.setObjectName("exportHostLinks")
        layout.addWidget(self.host_links)
        self.warning = small_label("exportWarning")
        self.warning.setText(HOST_LINK_WARNING[0].upper() + HOST_LINK_WARNING[1:] + ".")
        self.warning.hide()
        self.host_links.toggled.connect(self.warning.setVisible)
        layout.addWidget(self.warning)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("&Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def ask_export(window: MainWindow) -> QDialog:
    """Ask whether to include host links, then where, then write the file."""
    rooms = rooms_to_export(window)
    dialog = ExportDialog(len(rooms), window)
    if not rooms:
        dialog.export_button.setEnabled(False)

    def accepted() -> None:
        host_links = dialog.host_links.isChecked()
        chooser = window.save_path_chooser or file_dialog_chooser
        chooser(
            window,
            "Export rooms",
            Path.home() / "rooms.csv",
            EXPORT_FILTERS,
            lambda path, name_filter: _write(
                window, rooms, with_suffix(path, name_filter), host_links
            ),
        )

    dialog.accepted.connect(accepted)
    window.show_dialog(dialog)
    return dialog


def _write(window: MainWindow, rooms: list[StoredRoom], path: Path, host_links: bool) -> None:
    data = export_bytes(rooms, path, zone_name=window.settings.default_zone, host_links=host_links)
    try:
        write_atomically(path, data)
    except OutputFileError as exc:
        window.statusBar().showMessage("The rooms were not exported.", STATUS_MESSAGE_MS * 2)
        window.show_error("Rooms not exported", str(exc))
        return
    count = len(rooms)
    window.statusBar().showMessage(
        f"{count:,} room{'s' if count != 1 else ''} exported to {path}", STATUS_MESSAGE_MS * 2
    )
