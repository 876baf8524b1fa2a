"""Deleting many rooms with their progress shown: each room's outcome (deleted, already gone,
failed with its reason) in a table as it comes, an overall progress bar, and Cancel, which
starts no further delete (those on their way finish). One room, or a few, are deleted as before,
with the outcome in the status bar (see :mod:`roomdesk.ui.room_actions`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from roomdesk.services.rooms import DELETE_CONCURRENCY
from roomdesk.store import StoreError
from roomdesk.ui.async_slot import async_slot

if TYPE_CHECKING:
    from roomdesk.services.rooms import DeleteOutcome
    from roomdesk.ui.session import AppSession

NOT_DELETED = "not deleted: cancelled before it was sent"


class DeleteProgressDialog(QDialog):
    """Deletes ``meeting_ids`` (named ``names``) through ``session``, showing each outcome."""

    def __init__(
        self,
        session: AppSession,
        meeting_ids: list[str],
        names: list[str],
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Deleting {len(meeting_ids):,} rooms")
        self.setObjectName("deleteProgressDialog")
        self.resize(640, 420)
        self._session = session
        self._ids = list(meeting_ids)
        self._cancelled = False
        self.running = False
        self.outcomes: dict[str, DeleteOutcome] = {}
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(meeting_ids), 2)
        self.table.setObjectName("deleteTable")
        self.table.setHorizontalHeaderLabels(["Room", "Outcome"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, name in enumerate(names):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            self.table.setItem(row, 1, QTableWidgetItem("waiting"))
        self.table.resizeColumnToContents(0)
        layout.addWidget(self.table, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, len(meeting_ids))
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("deleteSummary")
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        buttons = QDialogButtonBox()
        self.cancel_button = QPushButton("Ca&ncel")
        self.cancel_button.setObjectName("deleteCancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def outcome_texts(self) -> list[str]:
        texts = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 1)
            texts.append(item.text() if item is not None else "")
        return texts

    def cancel(self) -> None:
        """Start no further delete; those on their way finish."""
        self._cancelled = True
        self.cancel_button.setEnabled(False)

    def reject(self) -> None:
        # Closing while deletes run would hide their outcomes: cancel first, close after.
        if self.running:
            self.cancel()
            return
        super().reject()

    def _show(self, row: int, text: str) -> None:
        if not isValid(self.table):  # the window closed while deletes were on their way
            return
        item = QTableWidgetItem(text)
        item.setToolTip(text)
        self.table.setItem(row, 1, item)

    def start(self) -> None:
        # Marked running at once: a Cancel or a close before the first step is not lost.
        self.running = True
        self.close_button.setEnabled(False)
        self._run()

    @async_slot
    async def _run(self) -> None:
        import asyncio

        queue = list(enumerate(self._ids))
        queue.reverse()
        problems: list[str] = []

        async def worker() -> None:
            while queue and not self._cancelled:
                row, meeting_id = queue.pop()
                self._show(row, "deleting…")
                try:
                    (outcome,) = await self._session.delete_rooms([meeting_id])
                except StoreError as exc:
                    self._show(row, "deleted on Whereby, not marked here: refresh (F5)")
                    problems.append(str(exc))
                else:
                    self.outcomes[meeting_id] = outcome
                    self._show(row, outcome.describe().partition(": ")[2])
                if isValid(self.progress):
                    self.progress.setValue(self.progress.value() + 1)

        try:
            await asyncio.gather(*(worker() for _ in range(DELETE_CONCURRENCY)))
        finally:
            self.running = False
            if isValid(self):
                for row, _meeting_id in queue:
                    self._show(row, NOT_DELETED)
                self.close_button.setEnabled(True)
                self.cancel_button.setEnabled(False)
        if isValid(self):
            self.summary_label.setText(self.summary(len(queue)))

    def summary(self, not_sent: int) -> str:
        done = sum(outcome.ok for outcome in self.outcomes.values())
        failed = sum(not outcome.ok for outcome in self.outcomes.values())
        parts = [f"{done} deleted"]
        if failed:
            parts.append(f"{failed} failed")
        if not_sent:
            parts.append(f"{not_sent} not sent (cancelled)")
        return f"Of {len(self._ids)} rooms: {', '.join(parts)}."
