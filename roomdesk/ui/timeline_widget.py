"""Who was in a session when: one row per person, a bar for each stay, across the session's span,
with hour and minute ticks above and the names at the left. Drawn with QPainter in the palette's
colours (light or dark alike); only the rows in view are painted, so a thousand people scroll as
easily as five.
"""

from __future__ import annotations

from datetime import timedelta, tzinfo

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from roomdesk.services.attendance import SessionAttendance

# Tick spacings to choose from, in minutes: the smallest that leaves room for its label.
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
NAME_WIDTH_MAX = 200
MARGIN = 6


class TimelineWidget(QWidget):
    """Draws :meth:`setAttendance`'s session; as tall as its rows, as wide as it is given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session: SessionAttendance | None = None
        self._zone: tzinfo | None = None
        self._names: list[str] = []
        self._name_width = 0
        self.setAccessibleName("Attendance timeline")
        self.setAccessibleDescription("No session selected.")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)

    # -- geometry --------------------------------------------------------------------------------

    def rowHeight(self) -> int:
        return self.fontMetrics().height() + 6

    def axisHeight(self) -> int:
        return self.fontMetrics().height() + 10

    def sizeHint(self) -> QSize:
        rows = len(self._names) if self._session is not None else 0
        return QSize(640, self.axisHeight() + max(1, rows) * self.rowHeight() + MARGIN)

    def minimumSizeHint(self) -> QSize:
        return QSize(320, self.sizeHint().height())

    def setAttendance(self, session: SessionAttendance | None, zone: tzinfo) -> None:
        self._session = session
        self._zone = zone
        self._names = [] if session is None else [p.display_name for p in session.people]
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(name) for name in self._names), default=0)
        self._name_width = min(NAME_WIDTH_MAX, widest + 2 * MARGIN)
        self.setFixedHeight(self.sizeHint().height())
        if session is None:
            self.setAccessibleDescription("No session selected.")
        else:
            start = session.start.astimezone(zone).strftime("%H:%M")
            end = session.end.astimezone(zone).strftime("%H:%M")
            self.setAccessibleDescription(
                f"{len(self._names)} people between {start} and {end}; one row per person, "
                "a bar for each time they were present."
            )
        self.update()

    def _span(self) -> tuple[int, int]:
        """Where the session's start and end are drawn, left to right."""
        left = self._name_width + MARGIN
        return left, max(left + 1, self.width() - MARGIN * 2)

    def _x(self, seconds: float, total: float) -> int:
        left, right = self._span()
        return left + round((right - left) * (seconds / total if total > 0 else 0))

    def tickStep(self) -> int:
        """Minutes between ticks: the smallest step whose labels do not touch."""
        if self._session is None:
            return TICK_STEPS[-1]
        minutes = max(self._session.duration.total_seconds() / 60, 1)
        left, right = self._span()
        room = self.fontMetrics().horizontalAdvance("00:00") * 2
        for step in TICK_STEPS:
            if (right - left) * step / minutes >= room:
                return step
        return TICK_STEPS[-1]

    # -- drawing ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter, event.rect())
        finally:
            painter.end()

    def _paint(self, painter: QPainter, area: QRect) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        session, zone = self._session, self._zone
        if session is None or zone is None or not self._names:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No one to show")
            return
        total = session.duration.total_seconds()
        grid = QColor(palette.color(QPalette.ColorRole.Mid))
        axis_height, row_height = self.axisHeight(), self.rowHeight()
        left, right = self._span()
        # Ticks at whole steps of the clock in the person's zone (10:00, 10:15, …).
        step = self.tickStep()
        local_start = session.start.astimezone(zone)
        offset = (local_start.hour * 60 + local_start.minute) % step
        first = timedelta(minutes=(step - offset) % step, seconds=-local_start.second)
        metrics = self.fontMetrics()
        tick = first
        while tick.total_seconds() <= total:
            if tick.total_seconds() >= 0:
                x = self._x(tick.total_seconds(), total)
                label = (local_start + tick).strftime("%H:%M")
                painter.setPen(text)
                painter.drawText(
                    QRect(x - 40, 2, 80, axis_height - 6), Qt.AlignmentFlag.AlignCenter, label
                )
                painter.setPen(grid)
                painter.drawLine(x, axis_height - 4, x, self.height())
            tick += timedelta(minutes=step)
        painter.setPen(grid)
        painter.drawLine(left, axis_height - 1, right, axis_height - 1)
        first_row = max(0, (area.top() - axis_height) // row_height)
        last_row = min(len(self._names) - 1, (area.bottom() - axis_height) // row_height)
        bar = palette.color(QPalette.ColorRole.Highlight)
        for row in range(first_row, last_row + 1):
            person = session.people[row]
            top = axis_height + row * row_height
            name_rect = QRect(MARGIN, top, self._name_width - MARGIN, row_height)
            painter.setPen(text)
            painter.drawText(
                name_rect,
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(
                    person.display_name, Qt.TextElideMode.ElideRight, name_rect.width()
                ),
            )
            for start, end in person.intervals:
                x0 = self._x((start - session.start).total_seconds(), total)
                x1 = self._x((end - session.start).total_seconds(), total)
                painter.fillRect(QRect(x0, top + 3, max(2, x1 - x0), row_height - 6), bar)

    def image(self) -> QImage:
        """The whole timeline as a picture, rows out of view too, for saving as PNG."""
        picture = QImage(self.size(), QImage.Format.Format_ARGB32_Premultiplied)
        picture.fill(self.palette().color(QPalette.ColorRole.Base))
        painter = QPainter(picture)
        try:
            painter.setFont(self.font())
            self._paint(painter, self.rect())
        finally:
            painter.end()
        return picture
