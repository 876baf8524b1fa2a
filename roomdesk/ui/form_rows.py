"""Rows of the create dialog's form: a label, an input, an optional hint and an error line kept
together, and combo boxes whose items carry plain strings.

A row added with the API's name for its field (``key``) is kept in :class:`FormRows`, so a
problem reported for that field finds the row that shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget


@dataclass
class FormRow:
    """One form row: its label, the input (``focus``), an optional hint and an error line."""

    layout: QFormLayout
    label: QLabel | None
    container: QWidget
    focus: QWidget
    error: QLabel
    hint: QLabel | None = None

    def set_visible(self, visible: bool) -> None:
        self.layout.setRowVisible(self.container, visible)

    def set_issue(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.focus.setAccessibleDescription(message or "")


def small_label(name: str) -> QLabel:
    """A wrapping label in a slightly smaller font, for hints, errors and notes."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    font = label.font()
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * 0.9)
        label.setFont(font)
    return label


class FormRows:
    """Builds rows into form layouts; ``by_key`` holds those named after an API field."""

    def __init__(self) -> None:
        self.by_key: dict[str, FormRow] = {}

    def add(
        self,
        layout: QFormLayout,
        text: str,
        field: QWidget,
        *,
        key: str | None = None,
        extras: Iterable[QWidget] = (),
        hint: bool = False,
    ) -> FormRow:
        container = QWidget()
        box = QVBoxLayout(container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(field)
        for extra in extras:
            box.addWidget(extra)
        hint_label = None
        if hint:
            hint_label = small_label(f"{field.objectName()}Hint")
            hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.addWidget(hint_label)
        error = small_label(f"{field.objectName()}Error")
        error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        error.setProperty("role", "fieldError")
        error.hide()
        box.addWidget(error)
        container.setFocusProxy(field)
        label = QLabel(text) if text else None
        if label is not None:
            label.setBuddy(field)
            layout.addRow(label, container)
        else:
            layout.addRow(container)
        row = FormRow(layout, label, container, field, error, hint_label)
        if key:
            self.by_key[key] = row
        return row


def combo_value(value: Any) -> str:
    # Items hold plain strings: enum members would not survive the trip through a QVariant.
    return "" if value is None else str(value.value if hasattr(value, "value") else value)


def set_combo(combo: QComboBox, value: Any) -> None:
    index = combo.findData(combo_value(value))
    if index >= 0:
        combo.setCurrentIndex(index)


def make_combo(items: Iterable[tuple[str, Any]], accessible_name: str) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, combo_value(value))
    combo.setAccessibleName(accessible_name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    return combo
