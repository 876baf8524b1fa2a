"""The Attendance tab of a room's "After the session" window: its sessions and, for the one
selected, each person (stays merged, see :data:`MERGE_RULE`) in a table and on a timeline;
exported as CSV, copied as a table, the timeline saved as a picture.

A session's participants are fetched when it is first selected and kept; later selections show
what was kept until F5 fetches again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QStandardPaths, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.errors import WherebyError
from roomdesk.api.insight_models import Participant, RoomSession
from roomdesk.services.attendance import (
    LAG_NOTE,
    MERGE_RULE,
    SessionAttendance,
    as_csv,
    as_tsv,
    session_attendance,
)
from roomdesk.sessions.files import OutputFileError, write_atomically
from roomdesk.store.errors import StoreError
from roomdesk.store.media import MediaKind
from roomdesk.ui.media_parts import (
    MediaContext,
    MessageLine,
    TextTableModel,
    duration_text,
    fetched_text,
    local_time,
    selected_row,
    text_table,
)
from roomdesk.ui.timeline_widget import TimelineWidget


def _minutes(value: float) -> str:
    return f"{value:,.1f}"


class AttendanceTab(QWidget):
    """Sessions above; the selected session's people, the merge rule and the timeline below."""

    def __init__(self, ctx: MediaContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.attendance: SessionAttendance | None = None
        self.fetched = QLabel()
        self.fetched.setAccessibleName("When the sessions were fetched")
        self.sessions_model = TextTableModel(
            ["Start", "End", "Duration", "People", "Participant minutes"], (2, 3, 4)
        )
        self.sessions = text_table(self.sessions_model, "Sessions")
        self.sessions.selectionModel().selectionChanged.connect(self._on_session_selected)
        self.people_model = TextTableModel(
            ["Name", "Role", "Joined", "Left", "Minutes present", "Stays"], (4, 5)
        )
        self.people = text_table(self.people_model, "People in the session")
        self.merge_rule = QLabel(MERGE_RULE)
        self.merge_rule.setWordWrap(True)
        self.merge_rule.setAccessibleName("How rejoins are counted")
        self.lag_note = QLabel(LAG_NOTE)
        self.lag_note.setWordWrap(True)
        self.lag_note.setAccessibleName("Recent session")
        self.lag_note.hide()
        self.timeline = TimelineWidget()
        self.timeline_scroll = QScrollArea()
        self.timeline_scroll.setWidget(self.timeline)
        self.timeline_scroll.setWidgetResizable(True)
        self.timeline_scroll.setFrameShape(QFrame.Shape.StyledPanel)
        self.timeline_scroll.setAccessibleName("Attendance timeline")
        self.timeline_scroll.setBackgroundRole(QPalette.ColorRole.Base)  # as the timeline's
        self.message = MessageLine("What happened to the attendance")

        self.export_button = QPushButton("Export CSV…")
        self.export_button.setAccessibleName("Export attendance as CSV")
        self.copy_button = QPushButton("Copy as table")
        self.copy_button.setAccessibleName("Copy attendance as a table")
        self.picture_button = QPushButton("Save picture…")
        self.picture_button.setAccessibleName("Save the timeline as a picture")
        self.export_button.clicked.connect(self.export_csv)
        self.copy_button.clicked.connect(self.copy_table)
        self.picture_button.clicked.connect(self.save_picture)
        buttons = QHBoxLayout()
        for button in (self.export_button, self.copy_button, self.picture_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.people, 1)
        lower_layout.addWidget(self.merge_rule)
        lower_layout.addWidget(self.lag_note)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.sessions)
        splitter.addWidget(lower)
        splitter.addWidget(self.timeline_scroll)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([90, 250, 220])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.addWidget(self.fetched)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self._folder = Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            or Path.home()
        )
        self._update_buttons()

    # -- sessions --------------------------------------------------------------------------------

    def current_session(self) -> RoomSession | None:
        item = self.sessions_model.item(selected_row(self.sessions))
        return item if isinstance(item, RoomSession) else None

    def show_cached(self) -> None:
        zone = self.ctx.zone
        kept = self.current_session()
        found = self.ctx.service.cache.room_sessions(self.ctx.meeting_id)
        rows = [
            (
                local_time(item.started_at, zone),
                local_time(item.ended_at, zone, date=False) if item.ended_at else "going on",
                duration_text(item.duration),
                f"{item.total_unique_participants:,}",
                f"{item.total_participant_minutes:,}",
            )
            for item in found
        ]
        self.sessions_model.setRows(rows, found)
        self.sessions.resizeColumnsToContents()
        wanted = kept.room_session_id if kept is not None else None
        row = next((r for r, s in enumerate(found) if s.room_session_id == wanted), 0)
        if found:
            self.sessions.selectRow(row)
        else:
            self.show_attendance(None)
        moment = self.ctx.service.cache.last_fetched(self.ctx.meeting_id, MediaKind.ROOM_SESSIONS)
        text = fetched_text(moment, zone).capitalize()
        if moment is not None and not found:
            text += " — this room has had no sessions"
        self.fetched.setText(text)

    async def refresh(self) -> None:
        """Fetch the sessions, then the selected one's participants."""
        await self.ctx.not_syncing()
        self.fetched.setText("Fetching the sessions from Whereby…")
        try:
            await self.ctx.service.fetch_room_sessions(self.ctx.meeting_id)
        except (WherebyError, StoreError) as exc:
            self.message.problem(f"The sessions could not be fetched: {exc} Shown: what was kept.")
        self.show_cached()
        session = self.current_session()
        if session is not None:
            await self._fetch_people(session)

    def _on_session_selected(self, *_args: object) -> None:
        session = self.current_session()
        if session is None:
            return
        cache = self.ctx.service.cache
        fetched = cache.last_fetched(
            self.ctx.meeting_id, MediaKind.PARTICIPANTS, session.room_session_id
        )
        if fetched is None:
            self.show_attendance(None)
            self.ctx.tasks.start(self._fetch_people(session))
        else:
            self.show_people(session, cache.participants(session.room_session_id))

    async def _fetch_people(self, session: RoomSession) -> None:
        await self.ctx.not_syncing()
        try:
            people = await self.ctx.service.fetch_participants(
                self.ctx.meeting_id, session.room_session_id
            )
        except (WherebyError, StoreError) as exc:
            self.message.problem(f"Who attended could not be fetched: {exc}")
            people = self.ctx.service.cache.participants(session.room_session_id)
        current = self.current_session()
        if current is not None and current.room_session_id == session.room_session_id:
            self.show_people(session, people)

    # -- the selected session --------------------------------------------------------------------

    def show_people(self, session: RoomSession, participants: Sequence[Participant]) -> None:
        self.show_attendance(session_attendance(session, participants, now=self.ctx.clock()))

    def show_attendance(self, attendance: SessionAttendance | None) -> None:
        self.attendance = attendance
        zone = self.ctx.zone
        people = attendance.people if attendance is not None else ()
        rows = [
            (
                person.display_name,
                person.role_name,
                local_time(person.joined, zone, date=False),
                local_time(person.left, zone, date=False) if person.left else "still in",
                _minutes(person.minutes),
                str(person.stays),
            )
            for person in people
        ]
        self.people_model.setRows(rows, people)
        self.lag_note.setVisible(attendance is not None and attendance.recent)
        self.timeline.setAttendance(attendance, zone)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_people = self.attendance is not None and bool(self.attendance.people)
        for button in (self.export_button, self.copy_button, self.picture_button):
            button.setEnabled(has_people)

    # -- out -------------------------------------------------------------------------------------

    def _suggested(self, suffix: str) -> Path:
        assert self.attendance is not None
        day = self.attendance.start.astimezone(self.ctx.zone).strftime("%Y-%m-%d %H.%M")
        return self._folder / f"Attendance {day}{suffix}"

    def _save(self, what: str, path: Path, data: bytes) -> None:
        try:
            write_atomically(path, data)
        except OutputFileError as exc:
            self.message.problem(f"The {what} was not saved: {exc}")
            return
        self._folder = path.parent
        self.message.say(f"Saved the {what}: {path}")

    def export_csv(self) -> None:
        attendance = self.attendance
        if attendance is None:
            return
        data = as_csv([attendance], self.ctx.zone)
        self.ctx.tuning.choose_path(
            self,
            "Export attendance",
            self._suggested(".csv"),
            ("CSV files (*.csv)",),
            lambda path: self._save("attendance", path, data),
        )

    def copy_table(self) -> None:
        if self.attendance is None:
            return
        QGuiApplication.clipboard().setText(as_tsv([self.attendance], self.ctx.zone))
        people = len(self.attendance.people)
        self.message.say(f"Copied {people:,} people as a table: paste it into a spreadsheet.")

    def save_picture(self) -> None:
        if self.attendance is None:
            return
        image = self.timeline.image()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide takes the format as text, though its stubs ask for bytes.
        image.save(buffer, "PNG")  # type: ignore[call-overload]
        png = bytes(buffer.data().data())
        buffer.close()
        self.ctx.tuning.choose_path(
            self,
            "Save timeline picture",
            self._suggested(".png"),
            ("PNG image (*.png)",),
            lambda path: self._save("picture", path, png),
        )
