"""New rooms…: many rooms at once, previewed before anything is sent.

The first page takes the choices (see :mod:`roomdesk.ui.batch_inputs`). Preview makes the plan
and shows every row (label, start, end, prefix, notes such as a session a clock change moved)
and what the creates cost at the account's known budget; nothing is sent until Create. Then
each row's state shows in the same table as it changes, with an overall progress bar; Cancel
sends nothing more (rooms made stay), and "Retry the failed ones" sends again the rows that
failed or were not sent. Each room made appears in the window's list at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from roomdesk.api.errors import RequestValidationError
from roomdesk.domain.times import get_zone
from roomdesk.services.batch import BatchPlan, BatchRow
from roomdesk.services.batch_run import BatchRun, RowOutcome, RowState
from roomdesk.services.presets import Preset, PresetSecrets, RequestOptions, request_options
from roomdesk.store import StoreError
from roomdesk.ui.async_slot import async_slot
from roomdesk.ui.batch_choices import ChoicesError, make_plan
from roomdesk.ui.batch_inputs import BatchInputs, OpenPathChooser, open_file_dialog
from roomdesk.ui.form_rows import small_label

if TYPE_CHECKING:
    from roomdesk.api.requests import MeetingRequest
    from roomdesk.ui.create_room_presets import PresetChoices
    from roomdesk.ui.session import AppSession

COLUMNS = ("Label", "Start", "End", "Prefix", "Notes", "State")
STATE_COLUMN = len(COLUMNS) - 1
# States a row ends in; the progress bar counts them.
_DONE = (RowState.CREATED, RowState.UNREAD, RowState.FAILED, RowState.UNKNOWN, RowState.NOT_SENT)


def _when(moment: datetime | None, zone: tzinfo) -> str:
    return "" if moment is None else f"{moment.astimezone(zone):%a %d %b %Y %H:%M}"


class BatchDialog(QDialog):
    """Plans, previews and creates a batch of rooms through ``session``."""

    def __init__(
        self,
        session: AppSession,
        *,
        zone_name: str,
        choose_file: OpenPathChooser | None = None,
        presets: PresetChoices | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New rooms")
        self.setObjectName("batchDialog")
        self._session = session
        self._presets = presets
        self.plan: BatchPlan | None = None
        self.template: MeetingRequest | None = None
        self.invitation_template: str | None = None  # the preset's own, for its rooms
        self.run: BatchRun | None = None
        self._running = False
        self._reading_secrets = False
        self.resize(820, 640)

        self.pages = QStackedWidget()
        self.inputs = BatchInputs(
            zone_name=zone_name,
            clock=session.now,
            choose_file=choose_file or open_file_dialog,
            parent=self,
            presets=presets,
        )
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.inputs.widget)
        setup = QWidget()
        setup_layout = QVBoxLayout(setup)
        setup_layout.setContentsMargins(0, 0, 0, 0)
        setup_layout.addWidget(scroll)
        self.problems_label = small_label("batchProblems")
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label.hide()
        setup_layout.addWidget(self.problems_label)
        self.pages.addWidget(setup)
        self.pages.addWidget(self._build_preview())

        self.buttons = QDialogButtonBox()
        self.back_button = self._button("< &Back", self._back, "batchBackButton")
        self.preview_button = self._button(
            "&Preview >", self._preview_pressed, "batchPreviewButton"
        )
        self.create_button = self._button("&Create", self.create_rooms, "batchCreateButton")
        self.cancel_run_button = self._button("Ca&ncel", self.cancel_run, "batchCancelButton")
        self.retry_button = self._button(
            "&Retry the failed ones", self.retry_failed, "batchRetryButton"
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.buttons)
        self._update_buttons()
        self.preview_button.setDefault(True)

    def _button(self, text: str, slot: Callable[[], object], name: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        return button

    def _build_preview(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title_label = QLabel()
        self.title_label.setObjectName("batchTitle")
        layout.addWidget(self.title_label)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("batchTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.notes_label = small_label("batchNotes")
        layout.addWidget(self.notes_label)
        self.cost_label = QLabel()
        self.cost_label.setObjectName("batchCost")
        self.cost_label.setWordWrap(True)
        layout.addWidget(self.cost_label)
        self.progress = QProgressBar()
        self.progress.setObjectName("batchProgress")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("batchSummary")
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        return page

    # -- pages ----------------------------------------------------------------------------------

    def on_preview(self) -> bool:
        return self.pages.currentIndex() == 1

    def _update_buttons(self) -> None:
        preview = self.on_preview()
        started = self.run is not None
        self.back_button.setVisible(preview and not started)
        self.preview_button.setVisible(not preview)
        self.create_button.setVisible(preview and not started)
        self.cancel_run_button.setVisible(self._running)
        retryable = started and not self._running and bool(self.run and self.run.retryable())
        self.retry_button.setVisible(retryable)
        self.close_button.setEnabled(not self._running)

    def _back(self) -> None:
        self.pages.setCurrentIndex(0)
        self.preview_button.setDefault(True)
        self._update_buttons()

    @async_slot
    async def _preview_pressed(self) -> None:
        await self.preview()

    async def preview(self) -> bool:
        """Make the plan and show it; False (the problems shown) when it cannot be made. A
        preset's secrets are read from the keychain first, in a worker thread; the page waits,
        disabled, meanwhile, so that the plan is made from the choices the secrets belong to."""
        if self._reading_secrets:
            return False
        choices = self.inputs.read()
        secrets = await self._read_secrets(choices.preset)
        if not isValid(self) or not self.isVisible():
            return False  # closed while the keychain was asked
        try:
            options = self._preset_options(choices.preset, secrets)
            plan, template = make_plan(choices, self._session.now(), options)
        except ChoicesError as exc:
            shown = exc.problems[:20]
            more = f"\n• and {len(exc.problems) - 20} more" if len(exc.problems) > 20 else ""
            self.problems_label.setText(
                "Nothing can be created yet:\n"
                + "\n".join(f"• {problem}" for problem in shown)
                + more
            )
            self.problems_label.show()
            return False
        self.problems_label.hide()
        self.plan, self.template = plan, template
        preset = choices.preset
        self.invitation_template = preset.invitation_template if preset else None
        self._fill(plan, preset)
        self.pages.setCurrentIndex(1)
        self.create_button.setText(f"&Create {len(plan.rows):,} room{'s' * (len(plan.rows) > 1)}")
        self.create_button.setDefault(True)
        self._update_buttons()
        return True

    async def _read_secrets(self, preset: Preset | None) -> PresetSecrets | None:
        """The secrets ``preset`` refers to, read in a worker thread (a keychain may block, or
        ask to be unlocked) while the page shows that it waits; None without a preset."""
        if preset is None or self._presets is None:
            return None
        if not preset.secret_names:
            return await self._presets.library.secrets_of_async(preset)  # at once
        self._reading_secrets = True
        self.inputs.widget.setEnabled(False)
        self.preview_button.setEnabled(False)
        self.problems_label.setText("Reading the preset's secrets from the keychain…")
        self.problems_label.show()
        try:
            return await self._presets.library.secrets_of_async(preset)
        finally:
            self._reading_secrets = False
            if isValid(self):
                self.inputs.widget.setEnabled(True)
                self.preview_button.setEnabled(True)
                self.problems_label.hide()

    @staticmethod
    def _preset_options(
        preset: Preset | None, secrets: PresetSecrets | None
    ) -> RequestOptions | None:
        """The preset's recording, transcription and streaming sections with its secrets;
        ChoicesError when one of them is no longer in the keychain."""
        if preset is None or secrets is None:
            return None
        if secrets.missing:
            raise ChoicesError(list(secrets.missing))
        return request_options(preset, secrets)

    def _fill(self, plan: BatchPlan, preset: Preset | None) -> None:
        made = f", as the preset “{preset.name}” makes them" if preset else ""
        self.title_label.setText(f"{plan.title}{made} — nothing is sent until you press Create.")
        self.table.setRowCount(len(plan.rows))
        zones: dict[str, tzinfo] = {}
        fallback = get_zone(self.inputs.read().zone_name or "UTC")
        for number, row in enumerate(plan.rows):
            zone = (
                fallback
                if row.time_zone is None
                else zones.setdefault(row.time_zone, get_zone(row.time_zone))
            )
            self._set_row(number, row, zone)
        self.table.resizeColumnsToContents()
        self.notes_label.setText("\n".join(f"Note: {note}" for note in plan.notes))
        self.notes_label.setVisible(bool(plan.notes))
        self.cost_label.setText(self._session.batch_cost(len(plan.rows)).describe() + ".")
        self.summary_label.clear()

    def _set_row(self, number: int, row: BatchRow, zone: tzinfo) -> None:
        notes = [row.note] if row.note else []
        if row.people:
            count = len(row.people)
            notes.append(f"{count} personal link{'s' if count != 1 else ''}")
        cells = (
            row.label,
            _when(row.planned_start, zone),
            _when(row.end, zone),
            row.prefix,
            "; ".join(notes),
            "",
        )
        for column, text in enumerate(cells):
            self.table.setItem(number, column, QTableWidgetItem(text))

    # -- creating -------------------------------------------------------------------------------

    def create_rooms(self) -> None:
        """Send the previewed plan (see :class:`BatchRun`)."""
        if self.plan is None or self.template is None or self.run is not None:
            return
        self.run = self._session.batch_run(
            self.plan,
            self.template,
            self._on_progress,
            invitation_template=self.invitation_template,
        )
        for outcome in self.run.outcomes:
            self._on_progress(outcome)
        self._start(retry=False)

    def retry_failed(self) -> None:
        if self.run is not None and not self._running and self.run.retryable():
            self._start(retry=True)

    def cancel_run(self) -> None:
        if self.run is not None and self._running:
            self.run.cancel()
            self.cancel_run_button.setEnabled(False)
            self.summary_label.setText("Cancelling: the room on its way finishes, no more go.")

    def _start(self, *, retry: bool) -> None:
        # Marked running at once, before the task's first step: a Cancel or a close that comes
        # before it then cancels the run instead of being lost.
        assert self.run is not None
        self.title_label.setText(self.run.plan.title)
        self._running = True
        self.cancel_run_button.setEnabled(True)
        self.progress.setRange(0, len(self.run.outcomes))
        self.progress.show()
        self._update_buttons()
        self._send(retry)

    @async_slot
    async def _send(self, retry: bool) -> None:
        assert self.run is not None
        try:
            summary = await (self.run.retry_failed() if retry else self.run.run())
        except RequestValidationError as exc:
            self.summary_label.setText(f"Nothing was sent: {exc.issues[0].message}")
        except StoreError as exc:
            self.summary_label.setText(f"The room list could not be written: {exc}")
        else:
            text = summary.describe() + "."
            if any(o.state in (RowState.UNKNOWN, RowState.UNREAD) for o in self.run.outcomes):
                text += " Refresh (F5) to find the rooms that may have been created."
            self.summary_label.setText(text)
        finally:
            self._running = False
            self._update_buttons()

    def _on_progress(self, outcome: RowOutcome) -> None:
        text = outcome.state.value
        if outcome.state is RowState.CREATED and outcome.room is not None:
            text = f"created: {outcome.room.room_url}"
        elif outcome.reason:
            text = f"{text}: {outcome.reason}"
        item = QTableWidgetItem(text)
        item.setToolTip(text)
        self.table.setItem(outcome.number - 1, STATE_COLUMN, item)
        if self.run is not None:
            done = sum(o.state in _DONE for o in self.run.outcomes)
            self.progress.setValue(done)

    def state_texts(self) -> list[str]:
        """Each row's state as shown (for a reader of the table, and tests)."""
        texts = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, STATE_COLUMN)
            texts.append(item.text() if item is not None else "")
        return texts

    def reject(self) -> None:
        # Closing while rooms are being sent would leave them unreported: cancel first.
        if self._running:
            self.cancel_run()
            return
        super().reject()
