"""The main window: the room list, its actions, and the status bar."""

from __future__ import annotations

import functools
import itertools
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from roomdesk import __version__
from roomdesk.api.errors import WherebyError
from roomdesk.domain.times import get_zone
from roomdesk.roomlist import runtime
from roomdesk.roomlist.texts import Column
from roomdesk.store import StoredRoom, StoreError
from roomdesk.store.records import LinkKind, describe_pending
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.async_slot import async_slot
from roomdesk.ui.details_pane import DetailsPane, PaneActions
from roomdesk.ui.icons import app_icon, clear_icon_cache, icon
from roomdesk.ui.list_loader import ListLoader, LoadTuning
from roomdesk.ui.pending_creates import PendingCreatesBar
from roomdesk.ui.room_filter_proxy import RoomFilterProxyModel
from roomdesk.ui.room_menus import build_actions, build_menus_and_toolbar, show_context_menu
from roomdesk.ui.room_table_model import RoomRole, RoomTableModel
from roomdesk.ui.status_bar import STATUS_MESSAGE_MS, StatusBar
from roomdesk.ui.store_problems import report_store_error

if TYPE_CHECKING:
    # asyncio is imported lazily, where a coroutine needs it: the window's first frame is drawn
    # before that import's cost is paid, and so before the services' modules load.
    import asyncio
    from datetime import datetime

    from roomdesk.api.requests import MeetingRequest
    from roomdesk.services.reminders import UpcomingSession

    # The dialogs are imported when first opened: their modules would slow every start.
    from roomdesk.ui.batch_dialog import BatchDialog
    from roomdesk.ui.batch_inputs import OpenPathChooser
    from roomdesk.ui.create_room_dialog import CreateRoomDialog
    from roomdesk.ui.edit_room_dialog import EditRoomDialog
    from roomdesk.ui.hand_outs import HandOuts, SavePathChooser
    from roomdesk.ui.media_parts import MediaTuning
    from roomdesk.ui.media_window import MediaWindow
    from roomdesk.ui.room_actions import RoomActions
    from roomdesk.ui.session import AppSession
    from roomdesk.ui.settings_dialog import SettingsDialog
    from roomdesk.ui.tray import AppTray

log = logging.getLogger("roomdesk.ui")

# Statuses change with the clock; this keeps "Ends soon" and "Ended" honest while open.
STATUS_REFRESH_MS = 30_000
# Start-up work waits for the first frame; should none be drawn (a window shown off screen),
# it starts this long after showing anyway.
FIRST_PAINT_FALLBACK_MS = 1_000


def _separator() -> QFrame:
    """A sunken vertical line between the status bar's permanent labels."""
    line = QFrame()
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class MainWindow(QMainWindow):
    """Lists the account's rooms and offers every action on them."""

    # Made by room_menus.build_actions.
    new_action: QAction
    new_batch_action: QAction
    export_action: QAction
    copy_room_action: QAction
    copy_host_action: QAction
    copy_viewer_action: QAction
    open_host_action: QAction
    open_room_action: QAction
    copy_invitation_action: QAction
    save_calendar_action: QAction
    save_qr_action: QAction
    personal_links_action: QAction
    after_session_action: QAction
    edit_action: QAction
    delete_action: QAction
    find_action: QAction
    refresh_action: QAction
    stop_refresh_action: QAction
    settings_action: QAction
    quit_action: QAction
    about_action: QAction
    show_past_action: QAction
    details_pane_action: QAction

    closed = Signal()
    refreshFinished = Signal()  # a refresh from Whereby ended: done, failed or stopped
    roomsLoaded = Signal()  # the stored rooms, read again (reload_rooms), are in the table
    firstFrameDone = Signal()  # the first frame is drawn (or its fallback time has passed)
    settingsSaved = Signal()  # the settings dialog saved its settings

    def __init__(
        self,
        session: AppSession,
        settings: AppSettings,
        *,
        start_work_on_first_frame: bool = True,
        load_tuning: LoadTuning | None = None,
        choose_save_path: SavePathChooser | None = None,
        media_tuning: MediaTuning | None = None,
        choose_open_path: OpenPathChooser | None = None,
    ) -> None:
        """``start_work_on_first_frame``: False when the window is drawn before the asyncio loop
        runs; whoever starts the loop then calls :meth:`start_background_work`.
        ``load_tuning``: where the room list counts as large (see :class:`LoadTuning`).
        ``choose_save_path``: asks where to save a file (default: a file dialog).
        ``media_tuning``: how the rooms' "After the session" windows work (see MediaTuning).
        ``choose_open_path``: asks which file to open (default: a file dialog)."""
        super().__init__()
        self.session = session
        self.settings = settings
        self._start_work_on_first_frame = start_work_on_first_frame
        self._work_started = False  # start_background_work has run
        self._open_dialogs: set[QDialog] = set()
        self.action_icons: list[tuple[QAction, str]] = []  # redrawn when the palette changes
        self.save_path_chooser = choose_save_path
        self.choose_open_path = choose_open_path
        self.media_tuning = media_tuning
        self.media_windows: dict[str, MediaWindow] = {}  # by meeting id, while open
        self._refresh_task: asyncio.Task[Any] | None = None
        self._shown_once = False
        self._first_frame_done = False  # _after_first_paint has run
        self.is_closed = False
        # The tray icon, once the app has one: in tray mode, closing the window only hides it.
        self.tray: AppTray | None = None
        self._quitting = False  # quit() asked: closing really closes
        # True once the refresh that follows the first showing of the window has ended.
        self.startup_refresh_done = False
        # The start-up refresh waits for the key when the window came up before it was in use.
        self._refresh_when_ready = False
        self.setWindowIcon(app_icon())
        self.resize(1120, 640)  # room for the list and the details pane on a 1280×800 screen

        self.model = RoomTableModel(self)
        self.model.setDisplayZone(settings.default_zone)
        self.model.labelEdited.connect(self._on_label_edited)
        self.proxy = RoomFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setShowPast(settings.show_past)
        self.list_loader = ListLoader(
            session,
            self.model,
            self.proxy,
            selection=self.selection_ids,
            select=self.select_ids,
            report_problem=lambda text: self.statusBar().showMessage(text),
            tuning=load_tuning,
            parent=self,
        )
        self.list_loader.loaded.connect(self.roomsLoaded)
        self.list_loader.stateChanged.connect(self._update_list_state)
        self.list_loader.rowsChanged.connect(self._update_rows)

        self.setStatusBar(StatusBar(self))
        build_actions(self)
        self._build_central()
        self.toolbar = build_menus_and_toolbar(self)
        self._build_status_bar()
        self._connect_session()
        self._restore_state()
        self._update_title()

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self._refresh_statuses)
        self._status_timer.start()
        # A child of the window, so it never fires for a window already gone.
        self._first_paint_fallback = QTimer(self)
        self._first_paint_fallback.setSingleShot(True)
        self._first_paint_fallback.setInterval(FIRST_PAINT_FALLBACK_MS)
        self._first_paint_fallback.timeout.connect(self._after_first_paint)
        self.reload_rooms()
        self._update_pending_bar()

    # -- construction ---------------------------------------------------------------------------

    def _build_central(self) -> None:
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by label, room name or link  (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter rooms")
        self.filter_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.filter_edit.returnPressed.connect(self._focus_table)
        self.show_past_check = QCheckBox("Show &past rooms")
        self.show_past_check.setChecked(self.settings.show_past)
        self.show_past_check.setAccessibleName("Show past rooms")
        self.show_past_check.toggled.connect(self.show_past_action.setChecked)
        self.show_past_action.toggled.connect(self.show_past_check.setChecked)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Rooms")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Set before sorting is enabled, or Qt starts with Label descending.
        header.setSortIndicator(Column.ENDS, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        # After the view's own handler has sorted the model (connected first, so called first).
        header.sortIndicatorChanged.connect(lambda *_: self.list_loader.show_first_rows_again())
        for column, width in (
            (Column.LABEL, 200),
            (Column.SESSION, 190),
            (Column.ROOM, 220),
            (Column.ENDS, 170),
            (Column.STATUS, 110),
            (Column.MODE, 80),
        ):
            self.table.setColumnWidth(column, width)
        # The session is what a facilitator looks for next to the label. The model keeps it as
        # the last column, so header states saved before it existed still restore.
        header.moveSection(header.visualIndex(Column.SESSION), 1)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda at: show_context_menu(self, at))
        self.table.doubleClicked.connect(lambda _index: self.edit_current_room())
        self.table.selectionModel().selectionChanged.connect(self.update_actions)

        self.empty_state = QWidget()
        empty_layout = QVBoxLayout(self.empty_state)
        empty_layout.addStretch(1)
        self.empty_title = QLabel("<h2>No rooms yet</h2>")
        self.empty_text = QLabel(
            "Create a room for your next session: pick when it ends, and roomdesk gives you "
            "the participant link to share and a host link for you."
        )
        self.empty_text.setWordWrap(True)
        self.empty_button = QPushButton(icon("new-room"), "Create your first room")
        self.empty_button.setAccessibleName("Create your first room")
        self.empty_button.clicked.connect(self.open_create_dialog)
        for widget in (self.empty_title, self.empty_text):
            widget.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            empty_layout.addWidget(widget)
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.empty_button)
        button_row.addStretch(1)
        empty_layout.addLayout(button_row)
        empty_layout.addStretch(2)

        self.no_match = QLabel()
        self.no_match.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_match.setWordWrap(True)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(self.no_match)

        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_edit, 1)
        filter_row.addWidget(self.show_past_check)
        self.pending_bar = PendingCreatesBar()
        self.pending_bar.retryRequested.connect(self._retry_pending)
        self.pending_bar.dismissRequested.connect(self._dismiss_pending)
        rooms_side = QWidget()
        layout = QVBoxLayout(rooms_side)
        layout.setContentsMargins(8, 8, 0, 0)
        layout.addLayout(filter_row)
        layout.addWidget(self.pending_bar)
        layout.addWidget(self.stack, 1)
        self._build_details_pane(rooms_side)
        self.setTabOrder(self.filter_edit, self.show_past_check)
        self.setTabOrder(self.show_past_check, self.table)

        for model_signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            model_signal.connect(self._update_stack)

    def _build_details_pane(self, rooms_side: QWidget) -> None:
        actions = PaneActions(
            self.copy_invitation_action,
            self.save_calendar_action,
            self.save_qr_action,
            self.personal_links_action,
            self.after_session_action,
        )
        self.details_pane = DetailsPane(self.settings, actions)
        self.details_pane.copyLinkRequested.connect(lambda kind: self.room_actions.copy_link(kind))
        self.details_pane.controlsBuilt.connect(self._update_tab_order)
        self.details_pane.setVisible(self.details_pane_action.isChecked())
        self.details_pane_action.toggled.connect(self._show_details_pane)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(rooms_side)
        self.splitter.addWidget(self.details_pane)
        self.splitter.setContentsMargins(0, 0, 8, 0)  # the window's margin, pane shown or not
        self.splitter.setChildrenCollapsible(False)  # hidden with F9, never dragged out of sight
        self.splitter.setStretchFactor(0, 1)  # a wider window widens the list, not the pane
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([620, 340])
        self.setCentralWidget(self.splitter)

    def _show_details_pane(self, on: bool) -> None:
        self.details_pane.setVisible(on)
        self.settings.details_pane_visible = on
        self.update_actions()

    @functools.cached_property
    def hand_outs(self) -> HandOuts:
        """Invitations, calendar files, QR codes and personal links for the selected rooms,
        made at the first use: their libraries are not needed by the first frame."""
        from roomdesk.ui.hand_outs import HandOuts, file_dialog_chooser

        return HandOuts(self, self.save_path_chooser or file_dialog_chooser)

    @functools.cached_property
    def room_actions(self) -> RoomActions:
        """Copy, open and delete for the selected rooms, made at the first use: none is
        needed by the first frame."""
        from roomdesk.ui.room_actions import RoomActions

        return RoomActions(self)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        # Shown while a large list loads: a permanent widget, which messages do not cover.
        self.loading_label = QLabel()
        self.loading_label.setAccessibleName("Loading")
        self.loading_label.setContentsMargins(4, 0, 4, 0)
        self._loading_separator = _separator()
        for widget in (self.loading_label, self._loading_separator):
            widget.hide()
            bar.addPermanentWidget(widget)
        self.account_label = QLabel()
        self.account_label.setAccessibleName("Account")
        self.connection_label = QLabel()
        self.connection_label.setAccessibleName("Connection")
        self.rate_label = QLabel()
        self.rate_label.setAccessibleName("Rate limit")
        self.rate_label.setToolTip("Whereby's request budget for this minute")
        separators = []
        for position, label in enumerate(
            (self.account_label, self.connection_label, self.rate_label)
        ):
            if position:
                separators.append(_separator())
                bar.addPermanentWidget(separators[-1])
            label.setContentsMargins(4, 0, 4, 0)
            bar.addPermanentWidget(label)
        self._account_separator, self._rate_separator = separators

    def _connect_session(self) -> None:
        session = self.session
        session.roomUpserted.connect(self.list_loader.room_upserted)
        session.roomsReplaced.connect(self.reload_rooms)
        session.roomsStored.connect(self.list_loader.rooms_stored)
        session.syncProgress.connect(self.statusBar().showMessage)
        session.pendingChanged.connect(self._update_pending_bar)
        session.accountChanged.connect(self._on_account_changed)
        session.connectionChanged.connect(self.connection_label.setText)
        session.sessionReady.connect(self._on_session_ready)
        self._rate_figure = self._throttle_text = ""
        self._throttle_timer = QTimer(self)
        self._throttle_timer.setInterval(1000)
        self._throttle_timer.timeout.connect(self._tick_throttle)
        session.rateLimitChanged.connect(self._show_rate_limit)
        session.throttleChanged.connect(self._show_throttle)
        self._on_account_changed(session.account_text)
        self.connection_label.setText(session.connection_text)
        self._show_rate_limit(session.rate_limit_text)

    def _restore_state(self) -> None:
        if (geometry := self.settings.window_geometry) is not None:
            self.restoreGeometry(geometry)
        if (state := self.settings.window_state) is not None:
            self.restoreState(state)
        if (splitter_state := self.settings.details_splitter) is not None:
            self.splitter.restoreState(splitter_state)
        if (header_state := self.settings.table_header) is not None:
            self.table.horizontalHeader().restoreState(header_state)
        header = self.table.horizontalHeader()
        self.proxy.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def save_state(self) -> None:
        self.settings.window_geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        self.settings.table_header = self.table.horizontalHeader().saveState()
        self.settings.details_splitter = self.splitter.saveState()
        self.settings.details_pane_visible = self.details_pane_action.isChecked()
        self.settings.show_past = self.show_past_action.isChecked()
        self.settings.sync()

    # -- list -----------------------------------------------------------------------------------

    def reload_rooms(self) -> None:
        """Show the session's stored rooms, read again (see :meth:`ListLoader.reload`);
        ``roomsLoaded`` says when they are in the table."""
        self.list_loader.reload()

    def _update_list_state(self) -> None:
        loading = self.list_loader.loading_rooms
        self.loading_label.setText(self.list_loader.loading_text())
        for widget in (self.loading_label, self._loading_separator):
            widget.setVisible(bool(loading))
        self._update_title()
        self._update_rows()

    def _update_rows(self) -> None:
        self._update_stack()
        self.update_actions()

    def _refresh_statuses(self) -> None:
        if not self.model.setNow(self.session.now()):
            return  # most ticks: no status changed, nothing to show
        # Laid out now, the table is painted once; Qt would paint it before its delayed layout
        # and again after it.
        self.table.executeDelayedItemsLayout()
        self.update_actions()

    def _on_filter_changed(self, text: str) -> None:
        self.proxy.setFilterText(text)
        self._update_stack()

    def set_show_past(self, on: bool) -> None:
        self.proxy.setShowPast(on)
        self.settings.show_past = on
        self.list_loader.show_first_rows_again()
        self._update_stack()

    def _update_stack(self, *_args: object) -> None:
        if self.list_loader.loading_rooms and (
            self.proxy.rowCount() == 0 or self.filter_edit.text().strip()
        ):  # a filter would only search the first rows: it waits for the list
            self.no_match.setText(self.list_loader.loading_text())
            self.stack.setCurrentWidget(self.no_match)
        elif self.proxy.rowCount() > 0:
            self.stack.setCurrentWidget(self.table)
        elif self.model.rowCount() == 0 or (
            not self.filter_edit.text().strip() and not self._has_visible_past()
        ):
            self.stack.setCurrentWidget(self.empty_state)
        else:
            if self.filter_edit.text().strip():
                self.no_match.setText(
                    f"No room matches “{self.filter_edit.text().strip()}”."
                    + ("" if self.show_past_action.isChecked() else " Past rooms are hidden.")
                )
            else:
                self.no_match.setText(
                    "No current rooms. Turn on “Show past rooms” to see ended ones, "
                    "or create a new room (Ctrl+N)."
                )
            self.stack.setCurrentWidget(self.no_match)

    def _has_visible_past(self) -> bool:
        return self.model.rowCount() > 0 and not self.show_past_action.isChecked()

    def _show_rate_limit(self, text: str) -> None:
        self._rate_figure = text
        self._update_rate_label()

    def _show_throttle(self, text: str) -> None:
        # While requests wait for the budget, that (with a countdown) matters more than the figure.
        self._throttle_text = text
        if text and not self._throttle_timer.isActive():
            self._throttle_timer.start()
        self._update_rate_label()

    def _tick_throttle(self) -> None:
        self._throttle_text = self.session.throttle_text()
        if not self._throttle_text:
            self._throttle_timer.stop()
        self._update_rate_label()

    def _update_rate_label(self) -> None:
        text = self._throttle_text or self._rate_figure
        self.rate_label.setText(text)
        self.rate_label.setVisible(bool(text))
        self._rate_separator.setVisible(bool(text))

    def _update_title(self) -> None:
        mode = " — Demo" if self.session.is_demo else ""  # says so in every window switcher
        self.setWindowTitle(f"roomdesk{mode}")

    def _on_account_changed(self, text: str) -> None:
        self.account_label.setText(f"<b>{text}</b>" if self.session.is_demo else text)
        # None until the key is in use (the connection label says what is going on).
        self.account_label.setVisible(bool(text))
        self._account_separator.setVisible(bool(text))
        self._update_title()

    # -- selection ------------------------------------------------------------------------------

    def selected_rooms(self) -> list[StoredRoom]:
        rows = self.table.selectionModel().selectedRows()
        rooms = [self.proxy.data(index, RoomRole.ROOM) for index in rows]
        return sorted((room for room in rooms if room is not None), key=lambda r: r.end_date)

    def current_room(self) -> StoredRoom | None:
        index = self.table.currentIndex()
        if index.isValid() and self.table.selectionModel().isRowSelected(index.row()):
            return self.proxy.data(index, RoomRole.ROOM)
        selected = self.selected_rooms()
        return selected[0] if len(selected) == 1 else None

    def select_room(self, meeting_id: str) -> None:
        row = self.model.rowOf(meeting_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            # Hidden by the filter: clear it so the new room can be seen.
            self.filter_edit.clear()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index)
        self.update_actions()

    def selection_ids(self) -> tuple[str | None, list[str]]:
        """The current room's meeting id and the selected rooms' (to pick them again later)."""
        current = self.table.currentIndex()
        current_id = current.data(RoomRole.MEETING_ID) if current.isValid() else None
        selected = self.table.selectionModel().selectedRows()
        return current_id, [index.data(RoomRole.MEETING_ID) for index in selected]

    def select_ids(self, current_id: str | None, selected_ids: list[str]) -> None:
        """Select the rooms of ``selected_ids`` and make ``current_id`` current, where shown."""

        def shown_index(meeting_id: str) -> QModelIndex:
            row = self.model.rowOf(meeting_id)
            if row is None:
                return QModelIndex()
            return self.proxy.mapFromSource(self.model.index(row, 0))

        selection = QItemSelection()
        for index in map(shown_index, selected_ids):
            if index.isValid():
                selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag
        selection_model = self.table.selectionModel()
        if not selection.isEmpty():
            selection_model.select(selection, flags.ClearAndSelect | flags.Rows)
        current = shown_index(current_id) if current_id is not None else QModelIndex()
        if current.isValid():
            selection_model.setCurrentIndex(current, flags.NoUpdate)
            self.table.scrollTo(current)
        self.update_actions()

    def update_actions(self, *_args: object) -> None:
        selected = self.selected_rooms()
        single = selected[0] if len(selected) == 1 else self.current_room()
        links = single.links if single else {}
        self.copy_room_action.setEnabled(LinkKind.ROOM in links)
        self.copy_host_action.setEnabled(LinkKind.HOST in links)
        self.copy_viewer_action.setEnabled(LinkKind.VIEWER in links)
        self.open_host_action.setEnabled(LinkKind.HOST in links)
        self.open_room_action.setEnabled(LinkKind.ROOM in links)
        self.edit_action.setEnabled(single is not None)
        self.delete_action.setEnabled(bool(selected) and self.session.is_ready)
        self.new_action.setEnabled(self.session.is_ready)
        self.new_batch_action.setEnabled(self.session.is_ready)
        self.refresh_action.setEnabled(self.session.is_ready)
        for action in (self.copy_invitation_action, self.save_calendar_action):
            action.setEnabled(bool(selected))
        for action in (self.save_qr_action, self.personal_links_action):
            action.setEnabled(single is not None)
        self.after_session_action.setEnabled(single is not None and self.session.is_ready)
        self.details_pane.showRooms(selected, single, self.model.now())

    # -- actions --------------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.selectRow(0)

    def show_dialog(self, dialog: QDialog) -> None:
        """Show a dialog window-modally without a nested event loop (no exec())."""
        self._open_dialogs.add(dialog)
        dialog.finished.connect(lambda _result: self._open_dialogs.discard(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def open_create_dialog(self) -> CreateRoomDialog | None:
        from roomdesk.ui.create_room_dialog import CreateRoomDialog
        from roomdesk.ui.create_room_form import FormDefaults
        from roomdesk.ui.create_room_presets import presets_for

        if not self.session.is_ready:
            return None
        zone_name = self.settings.last_zone
        defaults = FormDefaults(
            zone_name=zone_name,
            host_link=self.settings.default_host_link,
            viewer_link=self.settings.default_viewer_link,
            room_mode=self.settings.default_room_mode,
            plan_start=self.settings.plan_start,
        )
        dialog = CreateRoomDialog(
            self._create_room,
            zone_name=zone_name,
            base_url=self.session.base_url,
            clock=self.session.now,
            defaults=defaults,
            recent_zones=self.settings.recent_zones,
            presets=presets_for(self.settings, self.session),
            parent=self,
        )
        dialog.roomCreated.connect(self._on_room_created)
        dialog.roomCreatedUnread.connect(self._on_room_created_unread)
        dialog.accepted.connect(lambda: self._remember_form(dialog))
        self.show_dialog(dialog)
        return dialog

    def open_batch_dialog(self) -> BatchDialog | None:
        """New rooms…: many rooms at once (see :mod:`roomdesk.ui.batch_dialog`)."""
        from roomdesk.ui.batch_dialog import BatchDialog
        from roomdesk.ui.create_room_presets import presets_for

        if not self.session.is_ready:
            return None
        dialog = BatchDialog(
            self.session,
            zone_name=self.settings.last_zone,
            choose_file=self.choose_open_path,
            presets=presets_for(self.settings, self.session),
            parent=self,
        )
        self.show_dialog(dialog)
        return dialog

    async def _create_room(self, request: MeetingRequest, label: str, **plan: Any) -> StoredRoom:
        return await self.session.create_room(request, label, **plan)

    def _remember_form(self, dialog: CreateRoomDialog) -> None:
        """Offer the next new room the zone and the "Plan a start" choice of this one."""
        zone_name = dialog.chosenZoneName()
        if zone_name:
            self.settings.last_zone = zone_name
        self.settings.plan_start = dialog.plansStart()
        self.settings.sync()

    def _on_room_created(self, room: StoredRoom) -> None:
        self.select_room(room.meeting_id)
        self.table.setFocus()
        name = f"“{room.label}”" if room.label else (room.room_name or room.meeting_id)
        host = " Copy its host link with Ctrl+Shift+C." if room.host_room_url else ""
        self.statusBar().showMessage(f"Room {name} created.{host}", 8000)

    def _on_room_created_unread(self, text: str) -> None:
        # The pending bar lists it meanwhile (without Retry); a refresh brings the room in.
        self.statusBar().showMessage(text, STATUS_MESSAGE_MS * 2)
        self.refresh()

    def edit_current_room(self) -> EditRoomDialog | None:
        from roomdesk.ui.edit_room_dialog import EditRoomDialog

        room = self.current_room()
        if room is None:
            return None
        dialog = EditRoomDialog(room, self, zone_name=self.settings.default_zone)
        dialog.accepted.connect(lambda: self._save_edit(room.meeting_id, dialog))
        self.show_dialog(dialog)
        return dialog

    def _save_edit(self, meeting_id: str, dialog: EditRoomDialog) -> None:
        label, notes = dialog.values()
        if self._set_label(meeting_id, label, notes, **dialog.plan()):
            self.statusBar().showMessage("Changes saved.", STATUS_MESSAGE_MS)

    def _on_label_edited(self, meeting_id: str, label: str) -> None:
        self._set_label(meeting_id, label)

    def _set_label(
        self, meeting_id: str, label: str, notes: str | None = None, **plan: Any
    ) -> bool:
        try:
            self.session.set_label(meeting_id, label, notes, **plan)
        except StoreError as exc:
            # The edit dialog saves label, notes and planned start at once, or nothing.
            what = "The changes were not saved." if plan or notes is not None else None
            report_store_error(self, what or "The label was not saved.", exc)
            return False
        return True

    def open_media_window(self) -> MediaWindow | None:
        """The current room's recordings, transcripts and attendance, in a window of its own."""
        from roomdesk.ui.media_window import open_media_window

        return open_media_window(self)

    def delete_selected(self) -> QMessageBox | None:
        """Ask, then end the selected rooms on Whereby (see :meth:`RoomActions.delete_selected`)."""
        return self.room_actions.delete_selected()

    # -- refresh from Whereby -------------------------------------------------------------------

    def is_refreshing(self) -> bool:
        return self._refresh_task is not None and not self._refresh_task.done()

    def refresh(self) -> asyncio.Task[Any] | None:
        """Sync with Whereby (F5). While one runs, another request does nothing."""
        if not self.session.is_ready:
            return None
        if not self.is_refreshing() and not self.session.is_syncing:
            self._refresh_task = self._run_refresh()
        return self._refresh_task

    def stop_refresh(self) -> None:
        """Stop a running refresh (Esc); the pages stored so far stay."""
        if self.is_refreshing():
            assert self._refresh_task is not None
            self._refresh_task.cancel()

    def _set_refreshing(self, on: bool) -> None:
        self.refresh_action.setVisible(not on)
        self.stop_refresh_action.setVisible(on)

    @async_slot
    async def _run_refresh(self) -> None:
        import asyncio

        self._set_refreshing(True)
        self.statusBar().showMessage("Refreshing from Whereby…")
        try:
            report = await self.session.sync()
        except asyncio.CancelledError:
            # Stopped by the person (Esc) or by closing: a normal end, not an error.
            self.statusBar().showMessage(
                "Refresh stopped. The rooms found so far were kept; none was marked missing.",
                STATUS_MESSAGE_MS * 2,
            )
        except (WherebyError, StoreError) as exc:
            # Not a dialog: a refresh runs by itself at start-up, and the list still works.
            self.statusBar().showMessage(
                f"Refresh failed: {exc} The list shows what was stored before."
            )
        else:
            self.statusBar().showMessage(report.summary(), STATUS_MESSAGE_MS * 2)
        finally:
            self._set_refreshing(False)
            if self._shown_once:
                self.startup_refresh_done = True
            self.refreshFinished.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self._first_paint_fallback.start()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._shown_once and not self._first_frame_done:
            # Queued from inside the first frame, whose widgets are all painted in this same
            # pass: it runs once the window is on screen with what is stored.
            QTimer.singleShot(0, self._after_first_paint)

    @property
    def first_frame_done(self) -> bool:
        return self._first_frame_done

    def _after_first_paint(self) -> None:
        if self._first_frame_done:
            return
        self._first_frame_done = True
        self._first_paint_fallback.stop()
        if self._start_work_on_first_frame:
            self.start_background_work()
        self.firstFrameDone.emit()

    def start_background_work(self) -> None:
        """Start what the first frame must not wait for: a large list's load, the refresh. Needs
        the asyncio loop running; runs once."""
        if self._work_started:
            return
        self._work_started = True
        runtime.freeze_start_up()  # what start-up made lives as long as the app
        self.list_loader.start_deferred()
        self._start_up_refresh()

    def _start_up_refresh(self) -> None:
        # Closed before the timer fired: the session may be shutting down already.
        if not self.isVisible():
            self.startup_refresh_done = True
        elif self.refresh() is None:
            # The window came up with the saved list before the key was in use: it refreshes
            # once the key is (_on_session_ready).
            self._refresh_when_ready = self.session.awaiting_key
            self.startup_refresh_done = not self._refresh_when_ready

    def _on_session_ready(self) -> None:
        self.update_actions()
        if self._refresh_when_ready:
            self._refresh_when_ready = False
            self._start_up_refresh()

    # -- creates that may not have happened ------------------------------------------------------

    def _update_pending_bar(self) -> None:
        self.pending_bar.setPending(
            self.session.pending_creates(), get_zone(self.model.displayZone())
        )
        self._update_tab_order()

    def _update_tab_order(self) -> None:
        # Tab goes from the filter row through the bar's buttons to the table, then the pane.
        chain = [
            self.show_past_check,
            *self.pending_bar.buttons(),
            self.table,
            *self.details_pane.tabChain(),
        ]
        for first, second in itertools.pairwise(chain):
            self.setTabOrder(first, second)

    def _pending_name(self, pending_id: int) -> str:
        for row in self.session.pending_creates():
            if row.id == pending_id:
                return describe_pending(row, get_zone(self.model.displayZone()))
        return "the room"

    @async_slot
    async def _retry_pending(self, pending_id: int) -> None:
        name = self._pending_name(pending_id)
        self.pending_bar.setBusy(pending_id, True)
        self.pending_bar.showProblem("")
        self.statusBar().showMessage(f"Asking Whereby about “{name}”…")
        try:
            outcome = await self.session.retry_pending(pending_id)
        except WherebyError as exc:
            self.pending_bar.showProblem(f"“{name}”: {exc}")
            self.statusBar().showMessage(f"“{name}” was not created.", STATUS_MESSAGE_MS)
            return
        finally:
            self.pending_bar.setBusy(pending_id, False)
        self.select_room(outcome.room.meeting_id)
        if outcome.found_existing:
            text = f"“{name}” had been created after all; it is in the list now."
        else:
            text = f"Room “{name}” created."
        self.statusBar().showMessage(text, STATUS_MESSAGE_MS * 2)

    def _dismiss_pending(self, pending_id: int) -> None:
        name = self._pending_name(pending_id)
        try:
            self.session.dismiss_pending(pending_id)
        except WherebyError as exc:
            self.pending_bar.showProblem(str(exc))
            return
        self.statusBar().showMessage(f"Dismissed “{name}”; nothing was sent.", STATUS_MESSAGE_MS)

    def open_settings(self) -> SettingsDialog:
        from roomdesk.ui.create_room_presets import presets_for
        from roomdesk.ui.settings_dialog import SettingsDialog

        presets = presets_for(self.settings, self.session).library
        dialog = SettingsDialog(self.session, self.settings, parent=self, presets=presets)
        dialog.accepted.connect(self._settings_saved)
        self.show_dialog(dialog)
        return dialog

    def _settings_saved(self) -> None:
        self.model.setDisplayZone(self.settings.default_zone)
        self.statusBar().showMessage("Settings saved.", STATUS_MESSAGE_MS)
        self.settingsSaved.emit()

    def show_about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "About roomdesk",
            f"roomdesk {__version__}\n\nCreate and manage Whereby rooms for your sessions.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setIconPixmap(app_icon().pixmap(64, 64))
        self.show_dialog(box)

    def show_error(self, title: str, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self
        )
        self.show_dialog(box)

    def changeEvent(self, event: QEvent) -> None:
        # Icons are drawn in the palette's colours: redraw them when the scheme changes.
        if event.type() == QEvent.Type.PaletteChange:
            clear_icon_cache()
            for action, icon_name in self.action_icons:
                action.setIcon(icon(icon_name))
            self.empty_button.setIcon(icon("new-room"))
        super().changeEvent(event)

    # -- reminders ------------------------------------------------------------------------------

    def upcoming_sessions(self, after: datetime) -> list[UpcomingSession]:
        """The sessions planned in the stored rooms that start after ``after``, for the
        reminders."""
        from roomdesk.services.reminders import upcoming_sessions

        return upcoming_sessions(self.session.planned_rooms(after), after=after)

    # -- closing --------------------------------------------------------------------------------

    def quit(self) -> None:
        """Close the window and end the app, tray mode or not (Quit, Ctrl+C)."""
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._quitting and self.tray is not None and self.tray.keeps_app_running:
            # Tray mode: the app runs on in the tray, whose menu opens the window or quits.
            self.save_state()
            event.ignore()
            self.hide()
            return
        self.list_loader.drop_running()
        self.stop_refresh()
        self.save_state()
        for dialog in [*self._open_dialogs, *self.media_windows.values()]:
            dialog.close()
        self._status_timer.stop()
        self._throttle_timer.stop()
        self._first_paint_fallback.stop()
        event.accept()
        self.is_closed = True
        self.closed.emit()

    async def wait_closed(self) -> None:
        if not self.is_closed:
            await _first_of(self.closed)

    async def wait_first_frame(self) -> None:
        """Return once the first frame is drawn, or the window closed before it was."""
        if not (self._first_frame_done or self.is_closed):
            await _first_of(self.firstFrameDone, self.closed)


async def _first_of(*signals: Any) -> None:
    """Return once any of ``signals`` is emitted."""
    import asyncio

    done = asyncio.Event()
    for signal in signals:
        signal.connect(done.set)
    await done.wait()
