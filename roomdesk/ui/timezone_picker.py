"""A searchable picker for IANA time zones: type "oslo" and choose "Europe/Oslo (UTC+01:00)"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QWidget

from roomdesk.domain.times import utc_now as now_utc
from roomdesk.timezones import available_zone_names
from roomdesk.ui.create_room_form import zone_is_known

# The " (UTC+01:00)" that item texts end with; a typed or pasted item text still names its zone.
_OFFSET_SUFFIX = re.compile(r"\s*\(UTC[+-]\d\d:\d\d\)\s*$")


def negative_color(palette: QPalette) -> QColor:
    """A red for error text that stays readable on the palette's window colour."""
    dark = palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5
    return QColor("#ff8a80") if dark else QColor("#b3261e")


def zone_display_text(name: str, at: datetime) -> str:
    """``Europe/Oslo (UTC+01:00)``: the zone's offset at the moment ``at``."""
    offset = at.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{name} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"


class TimeZonePicker(QComboBox):
    """An editable combo box of IANA zones, filtered as you type (any part, any case).

    ``zoneChanged(name)`` is emitted whenever the text comes to name a different valid zone;
    text naming no zone is shown as invalid and emits nothing (``zoneName()`` is then "").
    ``editTextChanged`` still reports every keystroke.
    """

    zoneChanged = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        zone_names: Sequence[str] | None = None,
        reference_time: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self._names = tuple(zone_names if zone_names is not None else available_zone_names())
        self._extra: list[str] = []  # valid zones set by name that the list does not hold
        self._recent: list[str] = []
        self._reference = (reference_time or now_utc()).astimezone(UTC)
        self._zone = ""
        self._emitted = ""
        self._invalid = False

        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        # Long names (America/Argentina/ComodRivadavia) must not make the dialog wide.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(22)
        self.setAccessibleName("Time zone")
        self.setToolTip("Type part of a zone's name, such as a city, and pick it from the list")
        self._edit().setPlaceholderText("Type a city, e.g. Oslo")

        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)

        self._populate()
        self.currentIndexChanged.connect(self._on_index_changed)
        self._edit().textEdited.connect(self._on_text_edited)
        self._edit().editingFinished.connect(self._on_editing_finished)

    # -- public ------------------------------------------------------------------------------

    def zoneName(self) -> str:
        """The zone the text names, or "" when it names none."""
        return self._zone

    def hasAcceptableInput(self) -> bool:
        return bool(self._zone)

    def setZoneName(self, name: str) -> bool:
        """Select ``name``; False (and shown invalid) when it is not a known zone."""
        zone = self._zone_for_text(name)
        if not zone and zone_is_known(name.strip()):
            zone = name.strip()
            self._extra.append(zone)
            self._populate()
        if not zone:
            self.setEditText(name)
            self._reject()
            return False
        self._select(zone)
        self._accept(zone)
        return True

    def setRecentZones(self, names: Iterable[str]) -> None:
        """Put these zones (most recent first) at the top of the list, above a separator."""
        self._recent = list(dict.fromkeys(name for name in names if zone_is_known(name)))
        self._populate()

    def recentZones(self) -> list[str]:
        return list(self._recent)

    # -- internals ---------------------------------------------------------------------------

    def _edit(self) -> QLineEdit:
        edit = self.lineEdit()
        assert edit is not None  # the box is made editable, so it has a line edit, in __init__
        return edit

    def _populate(self) -> None:
        kept = self._zone
        text = self.currentText()
        self.blockSignals(True)
        try:
            self.clear()
            for name in self._recent:
                self.addItem(zone_display_text(name, self._reference), name)
            if self._recent:
                self.insertSeparator(self.count())
            for name in (*self._names, *self._extra):
                if name not in self._recent:
                    self.addItem(zone_display_text(name, self._reference), name)
            if kept:
                self._select(kept)
            else:
                self.setCurrentIndex(-1)
                self.setEditText(text)
        finally:
            self.blockSignals(False)

    def _zone_for_text(self, text: str) -> str:
        wanted = _OFFSET_SUFFIX.sub("", text).strip().casefold()
        if not wanted:
            return ""
        for name in (*self._recent, *self._names, *self._extra):
            if name.casefold() == wanted:
                return name
        return ""

    def _select(self, zone: str) -> None:
        index = self.findData(zone)
        if index >= 0:
            self.setCurrentIndex(index)
            # The index may not have changed while the text did (typed "europe/oslo").
            self.setEditText(self.itemText(index))

    def _accept(self, zone: str) -> None:
        self._zone = zone
        self._show_invalid(False)
        if zone != self._emitted:
            self._emitted = zone
            self.zoneChanged.emit(zone)

    def _reject(self) -> None:
        self._zone = ""
        self._show_invalid(True)

    def _show_invalid(self, invalid: bool) -> None:
        if invalid == self._invalid:
            return
        self._invalid = invalid
        edit = self._edit()
        if invalid:
            palette = edit.palette()
            palette.setColor(QPalette.ColorRole.Text, negative_color(palette))
            edit.setPalette(palette)
            self.setAccessibleDescription("Not a known time zone")
        else:
            edit.setPalette(QPalette())  # back to the inherited palette
            self.setAccessibleDescription("")

    def _on_index_changed(self, index: int) -> None:
        zone = self.itemData(index)
        if isinstance(zone, str) and zone:
            self._accept(zone)

    def _on_text_edited(self, text: str) -> None:
        zone = self._zone_for_text(text)
        if zone:
            self._accept(zone)
        else:
            self._reject()

    def _on_editing_finished(self) -> None:
        # Tidy a typed name into its item ("europe/oslo" → "Europe/Oslo (UTC+02:00)").
        if self._zone and self.currentText() != self.itemText(self.findData(self._zone)):
            self.blockSignals(True)
            try:
                self._select(self._zone)
            finally:
                self.blockSignals(False)
