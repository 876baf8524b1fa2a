"""The bar above the room list for creates that may not have happened.

A create whose answer was lost, or that a crash interrupted, and that no sync could match to a
room, is listed here with one-click Retry and Dismiss. A create Whereby answered with a 2xx that
could not be read is listed without Retry: the room exists, and the next refresh adds it. The
bar is a plain widget in the window's layout, never a dialog: it waits until the person has time
for it. Its buttons are in the tab order, so it is reachable from the keyboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from roomdesk.store import PendingCreate, PendingState
from roomdesk.store.records import describe_pending

# More than this many are summed up in one line; the CLI's 'pending' lists them all.
MAX_SHOWN = 3


class PendingCreatesBar(QFrame):
    """Lists creates that may not have happened, each with Retry and Dismiss buttons."""

    retryRequested = Signal(int)  # pending create id
    dismissRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pendingCreatesBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Rooms that may not have been created")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 6, 8, 6)
        self._layout.setSpacing(4)
        self.title_label = QLabel()
        self.title_label.setObjectName("pendingTitleLabel")
        self._layout.addWidget(self.title_label)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(2)
        self._layout.addLayout(self.rows_box)
        self.more_label = QLabel()
        self.more_label.setObjectName("pendingMoreLabel")
        self.problem_label = QLabel()
        self.problem_label.setObjectName("pendingProblemLabel")
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.more_label, self.problem_label):
            label.hide()
            self._layout.addWidget(label)
        self._rows: dict[int, tuple[QWidget, QLabel, QPushButton | None, QPushButton]] = {}
        self._busy: set[int] = set()
        self.hide()

    # -- content -------------------------------------------------------------------------------

    def setPending(self, pending: Sequence[PendingCreate], zone: tzinfo) -> None:
        """Show ``pending`` (oldest first); the bar hides itself when there are none."""
        for widget, *_parts in self._rows.values():
            self.rows_box.removeWidget(widget)
            widget.deleteLater()
        self._rows.clear()
        self._busy &= {row.id for row in pending}
        count = len(pending)
        # One is said in a single line; several get a heading and a line each.
        if any(row.state is PendingState.CREATED for row in pending):
            self.title_label.setText(f"{count} rooms are not settled yet:")
        else:
            self.title_label.setText(f"{count} rooms may not have been created:")
        self.title_label.setVisible(count > 1)
        for row in pending[:MAX_SHOWN]:
            self._add_row(row, zone, alone=count == 1)
        hidden = count - MAX_SHOWN
        self.more_label.setText(
            f"… and {hidden} more. Refresh (F5) to look for them on Whereby again."
            if hidden > 0
            else ""
        )
        self.more_label.setVisible(hidden > 0)
        if not count:
            self.showProblem("")
        self.setVisible(bool(count))

    def _add_row(self, row: PendingCreate, zone: tzinfo, *, alone: bool) -> None:
        name = describe_pending(row, zone)
        asked = row.created_at.astimezone(zone)
        same_day = asked.date() == datetime.now(zone).date()
        when = asked.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")
        text = f"<b>{_escape(name)}</b> (requested at {when})"
        # A create answered 2xx exists on Whereby: sending it again would make a second room.
        created = row.state is PendingState.CREATED
        if created:
            text += " was created, but its details could not be read: refresh (F5) to add it"
            if alone:
                text = f"1 room is not listed yet: {text}"
        elif alone:
            text = f"1 room may not have been created: {text}"
        widget = QWidget()
        line = QHBoxLayout(widget)
        line.setContentsMargins(0, 0, 0, 0)
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        if row.error:
            label.setToolTip(row.error)
        retry: QPushButton | None = None
        if not created:
            retry = QPushButton("Retry")
            retry.setAccessibleName(f"Retry creating {name}")
            retry.setToolTip("Ask Whereby whether the room exists, and create it if it does not")
            retry.clicked.connect(lambda _checked=False, pending_id=row.id: self._retry(pending_id))
        dismiss = QPushButton("Dismiss")
        dismiss.setAccessibleName(f"Dismiss {name}")
        dismiss.setToolTip("Forget this request; nothing is sent")
        dismiss.clicked.connect(
            lambda _checked=False, pending_id=row.id: self.dismissRequested.emit(pending_id)
        )
        line.addWidget(label, 1)
        if retry is not None:
            line.addWidget(retry)
        line.addWidget(dismiss)
        self.rows_box.addWidget(widget)
        self._rows[row.id] = (widget, label, retry, dismiss)
        self._apply_busy(row.id)

    def _retry(self, pending_id: int) -> None:
        if pending_id not in self._busy:
            self.retryRequested.emit(pending_id)

    def showProblem(self, text: str) -> None:
        """Say why the last retry or dismiss did not work (empty text hides it)."""
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    def setBusy(self, pending_id: int, busy: bool) -> None:
        """Disable a row's buttons while its retry runs, so one click sends one request."""
        if busy:
            self._busy.add(pending_id)
        else:
            self._busy.discard(pending_id)
        self._apply_busy(pending_id)

    def _apply_busy(self, pending_id: int) -> None:
        if pending_id in self._rows:
            _widget, _label, retry, dismiss = self._rows[pending_id]
            busy = pending_id in self._busy
            dismiss.setEnabled(not busy)
            if retry is not None:
                retry.setEnabled(not busy)
                retry.setText("Retrying…" if busy else "Retry")

    # -- for the window and tests --------------------------------------------------------------

    def buttons(self) -> list[QPushButton]:
        """Every button, in the order Tab should visit them."""
        return [
            button
            for *_, retry, dismiss in self._rows.values()
            for button in (retry, dismiss)
            if button is not None
        ]

    def pendingIds(self) -> list[int]:
        return list(self._rows)

    def rowText(self, pending_id: int) -> str:
        return self._rows[pending_id][1].text()

    def retryButton(self, pending_id: int) -> QPushButton | None:
        """The row's Retry button; None for a create Whereby answered (it is never resent)."""
        return self._rows[pending_id][2]

    def dismissButton(self, pending_id: int) -> QPushButton:
        return self._rows[pending_id][3]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
