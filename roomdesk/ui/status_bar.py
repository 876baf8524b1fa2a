"""The main window's status bar, whose passing messages always fit.

QStatusBar draws a message in the space left of its permanent widgets and cuts off whatever does
not fit, mid-word and with no sign of it: "… created. Copy its host l". Here a message too long
for that space is shortened where it matters least: its longest quoted part (usually a room's
label) loses its end to an ellipsis, and only if that is not enough does the message's own end.
While a message is shortened, the whole of it is the bar's tooltip.
"""

from __future__ import annotations

import re
import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QStatusBar, QWidget

# The message is drawn a few pixels in from the bar's left edge, and needs a gap before the
# first permanent widget.
MESSAGE_MARGIN_PX = 12
# How long a passing message stays, in milliseconds (twice as long for one to read carefully).
STATUS_MESSAGE_MS = 5_000
_QUOTED = re.compile(r"“([^”]+)”")
_LAYOUT_EVENTS = frozenset(
    {QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show, QEvent.Type.Hide}
)


def fit_text(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` as it fits in ``width`` pixels: whole when it does, else with its longest
    “quoted” part shortened, else cut at the end, an ellipsis marking what was left out."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    quoted = max(_QUOTED.finditer(text), key=lambda match: len(match.group(1)), default=None)
    if quoted is not None:
        inner = quoted.group(1)
        around = metrics.horizontalAdvance(text) - metrics.horizontalAdvance(inner)
        room = width - around
        if room >= metrics.horizontalAdvance("…") * 4:
            short = metrics.elidedText(inner, Qt.TextElideMode.ElideRight, room)
            candidate = text[: quoted.start(1)] + short + text[quoted.end(1) :]
            if metrics.horizontalAdvance(candidate) <= width:
                return candidate
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


class StatusBar(QStatusBar):
    """A QStatusBar whose messages are fitted to their space (see the module notes).

    :meth:`currentMessage` is what is shown; :meth:`fullMessage` the message as given.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._until: float | None = None  # time.monotonic() when the message goes; None: stays
        self._permanent: list[QWidget] = []
        self.messageChanged.connect(self._on_message_changed)

    # QStatusBar's signatures, as PySide6 types them, take None for the default (0).
    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        self._permanent.append(widget)
        # A permanent widget that grows (a longer connection or rate text) or appears takes
        # space from the message: fit the message again when one moves, resizes or shows.
        widget.installEventFilter(self)
        super().addPermanentWidget(widget, stretch or 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _LAYOUT_EVENTS and watched in self._permanent:
            self._refit()
        return super().eventFilter(watched, event)

    def showMessage(self, text: str, timeout: int | None = 0) -> None:
        timeout = timeout or 0
        self._full = text
        self._until = time.monotonic() + timeout / 1000 if timeout > 0 else None
        self._show_fitted(timeout)

    def fullMessage(self) -> str:
        """The message shown now, as it was given (before any shortening); "" when none is."""
        return self._full if self.currentMessage() else ""

    def message_width(self) -> int:
        """The pixels a message may take: up to the first permanent widget shown."""
        starts = [widget.geometry().left() for widget in self._permanent if widget.isVisible()]
        edge = min(starts) if starts else self.width()
        return max(0, edge - MESSAGE_MARGIN_PX)

    def _show_fitted(self, timeout: int) -> None:
        shown = fit_text(self._full, self.fontMetrics(), self.message_width())
        self.setToolTip(self._full if shown != self._full else "")
        super().showMessage(shown, timeout)

    def _on_message_changed(self, text: str) -> None:
        if not text:  # timed out or cleared
            self._full = ""
            self.setToolTip("")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        """Fit the message shown now to the space it has now, keeping its time left."""
        if not self._full or not self.currentMessage():
            return
        if self._until is None:
            self._show_fitted(0)
            return
        left = round((self._until - time.monotonic()) * 1000)
        if left > 0:
            self._show_fitted(left)
