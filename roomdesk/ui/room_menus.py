"""The main window's actions, its menus and toolbar, and the room list's context menu.

The actions are the window's attributes of the same names (``window.copy_room_action``, …): what
they do is the window's, or that of the helpers it makes at their first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QToolBar

from roomdesk.store.records import LinkKind
from roomdesk.ui.icons import icon

if TYPE_CHECKING:
    from roomdesk.ui.main_window import MainWindow


def make_action(
    window: MainWindow,
    text: str,
    slot: Callable[..., Any],
    *,
    icon_name: str | None = None,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    tip: str = "",
) -> QAction:
    """An action of ``window``, its shortcut working wherever the focus is in the window."""
    action = QAction(text, window)
    if icon_name:
        action.setIcon(icon(icon_name))
        window.action_icons.append((action, icon_name))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def export_rooms(window: MainWindow) -> QDialog:
    """Export rooms…; its module is loaded at the first use (see :mod:`export_rooms`)."""
    from roomdesk.ui.export_rooms import ask_export

    return ask_export(window)


def build_actions(window: MainWindow) -> None:
    """Make every action of ``window``."""
    window.new_action = make_action(
        window,
        "&New room…",
        window.open_create_dialog,
        icon_name="new-room",
        shortcut=QKeySequence.StandardKey.New,
        tip="Create a Whereby room (Ctrl+N)",
    )
    window.new_batch_action = make_action(
        window,
        "New roo&ms…",
        lambda: window.open_batch_dialog(),
        icon_name="new-room",
        shortcut="Ctrl+Shift+N",
        tip="Create many rooms at once, previewed first (Ctrl+Shift+N)",
    )
    window.export_action = make_action(
        window,
        "&Export rooms…",
        lambda: export_rooms(window),
        tip="Save the selected rooms, or all rooms shown, as CSV or JSON",
    )
    window.copy_room_action = make_action(
        window,
        "&Copy room link",
        lambda: window.room_actions.copy_link(LinkKind.ROOM),
        icon_name="copy",
        shortcut=QKeySequence.StandardKey.Copy,
        tip="Copy the participant link (Ctrl+C)",
    )
    window.copy_host_action = make_action(
        window,
        "Copy &host link",
        lambda: window.room_actions.copy_link(LinkKind.HOST),
        icon_name="copy-host",
        shortcut="Ctrl+Shift+C",
        tip="Copy the host link (Ctrl+Shift+C)",
    )
    window.copy_viewer_action = make_action(
        window,
        "Copy &viewer link",
        lambda: window.room_actions.copy_link(LinkKind.VIEWER),
        icon_name="copy-viewer",
        shortcut="Ctrl+Alt+C",
        tip="Copy the viewer link (Ctrl+Alt+C)",
    )
    window.open_host_action = make_action(
        window,
        "&Open host link",
        lambda: window.room_actions.open_link(LinkKind.HOST),
        icon_name="open-browser",
        shortcut="Ctrl+O",
        tip="Open the host link in your browser (Ctrl+O)",
    )
    window.open_room_action = make_action(
        window,
        "Open &room link",
        lambda: window.room_actions.open_link(LinkKind.ROOM),
        icon_name="open-browser",
        shortcut="Ctrl+Shift+O",
        tip="Open the participant link in your browser (Ctrl+Shift+O)",
    )
    window.edit_action = make_action(
        window,
        "&Edit label and notes…",
        window.edit_current_room,
        icon_name="edit",
        shortcut="F2",
        tip="Edit the room's local label and notes (F2)",
    )
    window.delete_action = make_action(
        window,
        "&Delete…",
        window.delete_selected,
        icon_name="delete",
        shortcut=QKeySequence.StandardKey.Delete,
        tip="End the selected rooms on Whereby (Delete)",
    )
    window.find_action = make_action(
        window,
        "&Find",
        window.focus_filter,
        icon_name="search",
        shortcut=QKeySequence.StandardKey.Find,
        tip="Filter the list (Ctrl+F)",
    )
    window.refresh_action = make_action(
        window,
        "&Refresh from Whereby",
        window.refresh,
        icon_name="refresh",
        shortcut="F5",
        tip="Fetch the organisation's rooms from Whereby (F5)",
    )
    window.stop_refresh_action = make_action(
        window,
        "&Stop refresh",
        window.stop_refresh,
        icon_name="refresh",
        shortcut="Esc",
        tip="Stop refreshing; rooms found so far are kept (Esc)",
    )
    # Hidden actions have no working shortcut: Esc only stops a refresh, F5 starts only one.
    window.stop_refresh_action.setVisible(False)
    window.settings_action = make_action(
        window,
        "&Settings…",
        window.open_settings,
        icon_name="settings",
        shortcut="Ctrl+,",
        tip="API key and defaults for new rooms",
    )
    window.quit_action = make_action(
        window, "&Quit", window.quit, shortcut=QKeySequence.StandardKey.Quit
    )
    window.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    window.about_action = make_action(window, "&About roomdesk", window.show_about)
    window.show_past_action = QAction("Show &past rooms", window)
    window.show_past_action.setCheckable(True)
    window.show_past_action.setChecked(window.settings.show_past)
    window.show_past_action.setShortcut(QKeySequence("Ctrl+H"))
    window.show_past_action.toggled.connect(window.set_show_past)
    window.addAction(window.show_past_action)
    build_hand_out_actions(window)
    window.details_pane_action = QAction("&Details pane", window)
    window.details_pane_action.setCheckable(True)
    window.details_pane_action.setChecked(window.settings.details_pane_visible)
    window.details_pane_action.setShortcut(QKeySequence("F9"))
    window.details_pane_action.setStatusTip("Show or hide the selected room's details (F9)")
    window.addAction(window.details_pane_action)


def build_hand_out_actions(window: MainWindow) -> None:
    """What is handed out about the selected rooms: an invitation, a calendar file, a QR code
    and personal links; and what came of the current room's sessions."""
    window.copy_invitation_action = make_action(
        window,
        "Copy &invitation",
        lambda: window.hand_outs.copy_invitation(),
        shortcut="Ctrl+I",
        tip="Copy the invitation to the selected rooms' sessions (Ctrl+I)",
    )
    window.save_calendar_action = make_action(
        window,
        "Save &calendar file…",
        lambda: window.hand_outs.save_calendar(),
        shortcut="Ctrl+Shift+S",
        tip="Save the selected rooms' sessions as a calendar file (Ctrl+Shift+S)",
    )
    window.save_qr_action = make_action(
        window,
        "Save &QR code…",
        lambda: window.hand_outs.save_qr(),
        tip="Save a QR code of the link to share, as PNG or SVG",
    )
    window.personal_links_action = make_action(
        window,
        "&Personal links…",
        lambda: window.hand_outs.personal_links(),
        tip="Make a link for each person, with their name in the room",
    )
    window.after_session_action = make_action(
        window,
        "&After the session…",
        window.open_media_window,
        shortcut="Ctrl+R",
        tip="The room's recordings, transcripts and attendance (Ctrl+R)",
    )


def room_menu_actions(window: MainWindow) -> list[QAction | None]:
    """The actions on the selected rooms in menu order; None stands for a separator."""
    return [
        window.copy_room_action,
        window.copy_host_action,
        window.copy_viewer_action,
        window.open_host_action,
        window.open_room_action,
        None,
        window.copy_invitation_action,
        window.save_calendar_action,
        window.save_qr_action,
        window.personal_links_action,
        window.after_session_action,
        None,
        window.edit_action,
        window.delete_action,
    ]


def _add_actions(menu: QMenu, actions: list[QAction | None]) -> None:
    for action in actions:
        if action is None:
            menu.addSeparator()
        else:
            menu.addAction(action)


def build_menus_and_toolbar(window: MainWindow) -> QToolBar:
    """Fill ``window``'s menu bar and make its toolbar."""
    menus = window.menuBar()
    file_menu = menus.addMenu("&File")
    file_menu.addAction(window.new_action)
    file_menu.addAction(window.new_batch_action)
    file_menu.addAction(window.export_action)
    file_menu.addSeparator()
    file_menu.addAction(window.refresh_action)
    file_menu.addAction(window.stop_refresh_action)
    file_menu.addSeparator()
    file_menu.addAction(window.settings_action)
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)
    edit_menu = menus.addMenu("&Edit")
    _add_actions(edit_menu, room_menu_actions(window))
    edit_menu.addSeparator()
    edit_menu.addAction(window.find_action)
    view_menu = menus.addMenu("&View")
    view_menu.addAction(window.show_past_action)
    view_menu.addAction(window.details_pane_action)
    view_menu.addSeparator()
    view_menu.addAction(window.refresh_action)
    view_menu.addAction(window.stop_refresh_action)
    help_menu = menus.addMenu("&Help")
    help_menu.addAction(window.about_action)

    toolbar = QToolBar("Main toolbar")
    toolbar.setObjectName("main-toolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.setMovable(False)
    toolbar.addAction(window.new_action)
    toolbar.addAction(window.refresh_action)
    toolbar.addAction(window.stop_refresh_action)
    toolbar.addSeparator()
    toolbar.addAction(window.copy_room_action)
    toolbar.addAction(window.copy_host_action)
    toolbar.addAction(window.open_host_action)
    toolbar.addSeparator()
    toolbar.addAction(window.delete_action)
    toolbar.addSeparator()
    toolbar.addAction(window.settings_action)
    window.addToolBar(toolbar)
    return toolbar


def show_context_menu(window: MainWindow, position: QPoint) -> None:
    """The room list's context menu at ``position``, for the row there (selected first)."""
    index: QModelIndex = window.table.indexAt(position)
    if index.isValid() and not window.table.selectionModel().isRowSelected(index.row()):
        window.table.selectRow(index.row())
    window.update_actions()
    menu = QMenu(window)
    _add_actions(menu, room_menu_actions(window))
    menu.addSeparator()
    menu.addAction(window.new_action)
    menu.popup(window.table.viewport().mapToGlobal(position))
