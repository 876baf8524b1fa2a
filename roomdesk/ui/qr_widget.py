"""A QR code drawn from its module matrix: every module a whole number of screen pixels, so the
code stays crisp at any size, with the light quiet zone round it that scanners need."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

# Below this many pixels a module, a phone held to the screen misreads the code.
MIN_MODULE_PIXELS = 3
PREFERRED_MODULE_PIXELS = 4
# Codes kept for links shown before: going back to a room draws its code without making it.
CACHED_CODES = 64
# The module count of the code a typical room link makes, quiet zone included; the size hints
# before any code is shown.
TYPICAL_MODULES = 45
_DARK, _LIGHT = 0, 255


def matrix_image(matrix: Sequence[Sequence[bool]]) -> QImage:
    """``matrix`` as a grey image of one pixel per module, dark where a module is True."""
    size = len(matrix)
    stride = (size + 3) // 4 * 4  # Qt wants each line of pixels to start on a 4-byte boundary
    padding = bytes(stride - size)
    data = b"".join(
        bytes(_DARK if module else _LIGHT for module in row) + padding for row in matrix
    )
    # The copy owns its pixels; the image made over ``data`` would only borrow them.
    return QImage(data, size, size, stride, QImage.Format.Format_Grayscale8).copy()


class QrWidget(QWidget):
    """Shows the QR code of one link (:meth:`setLink`), square, centred, black on white
    whatever the colour scheme, so a phone can read it off the screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._link: str | None = None
        self._image: QImage | None = None
        self._images: OrderedDict[str, QImage] = OrderedDict()
        # As tall as it prefers; drawn square in the middle of whatever width it gets.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("QR code of the participant link")

    def link(self) -> str | None:
        return self._link

    def modules(self) -> int:
        """How many modules wide the code shown is, quiet zone included; 0 for none."""
        return 0 if self._image is None else self._image.width()

    def setLink(self, link: str | None) -> None:
        """Show ``link``'s QR code (made once per link, then kept), or nothing for None."""
        if link == self._link:
            return
        self._link = link
        self._image = None if link is None else self._code_image(link)
        self.updateGeometry()
        self.update()

    def _code_image(self, link: str) -> QImage:
        image = self._images.get(link)
        if image is None:
            # Imported at the first code: the QR library is not needed for the first frame.
            from roomdesk.sessions.qr import qr_matrix

            image = self._images[link] = matrix_image(qr_matrix(link))
            if len(self._images) > CACHED_CODES:
                self._images.popitem(last=False)
        else:
            self._images.move_to_end(link)
        return image

    # -- size ----------------------------------------------------------------------------------

    def _side(self, module_pixels: int) -> int:
        return (self.modules() or TYPICAL_MODULES) * module_pixels

    def sizeHint(self) -> QSize:
        side = self._side(PREFERRED_MODULE_PIXELS)
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        side = self._side(MIN_MODULE_PIXELS)
        return QSize(side, side)

    def code_rect(self) -> QRect:
        """Where the code (quiet zone included) is drawn, in device pixels; empty for none."""
        if self._image is None:
            return QRect()
        ratio = self.devicePixelRatioF()
        width, height = round(self.width() * ratio), round(self.height() * ratio)
        modules = self._image.width()
        module = max(1, min(width, height) // modules)
        side = module * modules
        return QRect((width - side) // 2, (height - side) // 2, side, side)

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._image is None:
            return
        painter = QPainter(self)
        # Drawn in device pixels, scaled by a whole factor without smoothing: each module's
        # edges fall on pixel edges, so none is blurred or one pixel thinner than the others.
        ratio = self.devicePixelRatioF()
        painter.scale(1 / ratio, 1 / ratio)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(self.code_rect(), self._image)
        painter.end()
