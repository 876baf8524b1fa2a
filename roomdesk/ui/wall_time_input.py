"""Inputs for a wall-clock time in a chosen zone: the date-time edit, the choice between the two
occurrences of a time that occurs twice, and a planned start that can be left out.

The edit works in a zone without gaps (UTC), so any wall time can be typed; ``zoneinfo`` gives it
its meaning in the zone chosen next to it, by the rules of
:func:`roomdesk.domain.times.resolve_local_time`. Used by the create and the edit dialogs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, QObject, QTime, QTimeZone
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QWidget,
)

DISPLAY_FORMAT = "ddd d MMM yyyy  HH:mm"


def wall_time_edit(name: str, accessible_name: str) -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible_name)
    edit.setCalendarPopup(True)
    # A zone without gaps: any wall time can be typed; zoneinfo gives it its meaning.
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat(DISPLAY_FORMAT)
    edit.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    return edit


def read_wall(edit: QDateTimeEdit) -> datetime:
    # Date and time read separately: no QDateTime zone conversion is involved.
    day: QDate = edit.date()
    clock: QTime = edit.time()
    return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute())


def write_wall(edit: QDateTimeEdit, wall: datetime) -> None:
    edit.setDateTime(
        QDateTime(
            QDate(wall.year, wall.month, wall.day),
            QTime(wall.hour, wall.minute),
            QTimeZone.utc(),
        )
    )


class FoldChoice:
    """ "That time occurs twice; use the (first …) (second …)": hidden unless there is a choice.

    Object names start with ``prefix`` (``{prefix}Row``, ``{prefix}0Button``, …)."""

    def __init__(self, owner: QObject, prefix: str) -> None:
        self.row = QWidget()
        self.row.setObjectName(f"{prefix}Row")
        layout = QHBoxLayout(self.row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("That time occurs twice; use the"))
        self.group = QButtonGroup(owner)
        self.buttons: list[QRadioButton] = []
        for fold in (0, 1):
            button = QRadioButton()
            button.setObjectName(f"{prefix}{fold}Button")
            button.setAccessibleName("First occurrence" if fold == 0 else "Second occurrence")
            self.group.addButton(button, fold)
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)
        self.row.hide()

    def fold(self) -> int | None:
        fold = self.group.checkedId()
        return fold if fold in (0, 1) else None

    def set_fold(self, fold: int | None) -> None:
        # Not exclusive meanwhile: an exclusive group cannot be left with nothing checked.
        self.group.setExclusive(False)
        for index, button in enumerate(self.buttons):
            button.setChecked(fold == index)
        self.group.setExclusive(True)

    def show_choices(self, choices: Sequence[tuple[int, str]]) -> None:
        for fold, text in choices:
            self.buttons[fold].setText(text)
        self.row.setVisible(bool(choices))

    def on_change(self, slot: Callable[..., object]) -> None:
        self.group.idToggled.connect(slot)


class StartInput:
    """A planned start: "Plan a start", its wall time (enabled only while planned), and the
    choice of occurrence. ``row`` holds the check box and the edit side by side."""

    def __init__(self, owner: QObject, *, text: str = "Pla&n a start") -> None:
        """``text``: the box's text, with a mnemonic the dialog has free."""
        self.plan_check = QCheckBox(text)
        self.plan_check.setObjectName("planStartCheck")
        self.plan_check.setAccessibleName("Plan a start")
        self.plan_check.setToolTip(
            "Keep a planned start with the room on this computer: the list shows the session "
            "and a reminder comes before it. Whereby does not know it."
        )
        self.edit = wall_time_edit("startEdit", "Starts")
        self.edit.setEnabled(False)
        self.folds = FoldChoice(owner, "startFold")
        self.row = QWidget()
        self.row.setObjectName("startRow")
        layout = QHBoxLayout(self.row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plan_check)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.row.setFocusProxy(self.plan_check)
        self.plan_check.toggled.connect(self.edit.setEnabled)

    def planned(self) -> bool:
        return self.plan_check.isChecked()

    def wall(self) -> datetime | None:
        """The start's wall time, None while no start is planned."""
        return self.wall_shown() if self.planned() else None

    def wall_shown(self) -> datetime:
        """The wall time in the edit, planned or not."""
        return read_wall(self.edit)

    def fold(self) -> int | None:
        return self.folds.fold()

    def write(self, wall: datetime, fold: int | None, *, planned: bool) -> None:
        """Show ``wall``; while not ``planned`` it waits, disabled, for the box to be ticked."""
        self.plan_check.setChecked(planned)
        write_wall(self.edit, wall)
        self.folds.set_fold(fold)

    def on_change(self, slot: Callable[..., object]) -> None:
        self.plan_check.toggled.connect(slot)
        self.edit.dateTimeChanged.connect(slot)
        self.folds.on_change(slot)

    def tab_chain(self) -> list[QWidget]:
        return [self.plan_check, self.edit, *self.folds.buttons]
