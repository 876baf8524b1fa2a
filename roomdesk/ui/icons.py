"""The app's SVG icons, recoloured to follow the palette, and the app icon.

The line icons in ``resources/icons`` are drawn in ``#000000``, the colour token this module swaps
for the palette's text colours (QtSvg has no ``currentColor``). Each icon is drawn from its SVG at
the exact pixel size and mode Qt asks for, the first time it asks (e.g. 32 px for a 16 px icon at
200 % scaling), and kept (lazy rendering with memoization): a window's first frame draws only a
few of them, at one size.

``resources_dir()`` finds the resources in a frozen app (``sys._MEIPASS/resources``), inside the
installed package (``roomdesk/resources``) and in a source checkout (top-level ``resources/``).
"""

from __future__ import annotations

import math
import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from shiboken6 import Shiboken

# The colour every line icon is drawn in; replaced by the palette colour when rendering.
COLOR_TOKEN = b"#000000"
# The pixel sizes an icon reports as its own (16/24/32/48 logical px at 1x, 1.5x and 2x); it is
# drawn sharp at any size asked for, these included.
ICON_PIXEL_SIZES = (16, 24, 32, 36, 48, 64, 72, 96)
APP_ICON_PIXEL_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
APP_ICON_FILE = "roomdesk.svg"

_cache: dict[str, QIcon] = {}
_cache_palette_key: int | None = None  # QPalette.cacheKey() of the palette the icons follow
_app_icon: list[QIcon] = []  # filled on first use: a QIcon needs a QGuiApplication
_cloned_engines: list[SvgIconEngine] = []  # see SvgIconEngine.clone


def _candidate_dirs() -> list[Path]:
    candidates = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.append(Path(frozen_root) / "resources")
    package_dir = Path(__file__).resolve().parent.parent
    candidates.append(package_dir / "resources")  # installed wheel (see the packaging notes)
    candidates.append(package_dir.parent / "resources")  # source checkout
    return candidates


@cache
def resources_dir() -> Path:
    """The directory holding ``roomdesk.svg`` and ``icons/``; FileNotFoundError when missing."""
    candidates = _candidate_dirs()
    for directory in candidates:
        if (directory / "icons").is_dir():
            return directory
    tried = ", ".join(str(directory) for directory in candidates)
    raise FileNotFoundError(f"roomdesk's resources (icons) were not found; looked in: {tried}")


def icons_dir() -> Path:
    return resources_dir() / "icons"


@cache
def icon_names() -> tuple[str, ...]:
    """Every icon name :func:`icon` accepts, sorted."""
    return tuple(sorted(path.stem for path in icons_dir().glob("*.svg")))


@cache
def _svg_source(name: str) -> bytes:
    if name not in icon_names():
        raise KeyError(f"no icon called {name!r}; available: {', '.join(icon_names())}")
    return (icons_dir() / f"{name}.svg").read_bytes()


def render_svg(svg: bytes, pixels: int, opacity: float = 1.0) -> QPixmap:
    """``svg`` drawn into a transparent square ``pixels`` wide."""
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("not a valid SVG document")
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setOpacity(opacity)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    return QPixmap.fromImage(image)


def _recoloured(svg: bytes, color: QColor) -> bytes:
    # Only the RGB part: QtSvg does not read #rrggbbaa, so alpha is applied when painting.
    return svg.replace(COLOR_TOKEN, color.name(QColor.NameFormat.HexRgb).encode("ascii"))


def _mode_colors(palette: QPalette) -> dict[QIcon.Mode, QColor]:
    active, disabled = QPalette.ColorGroup.Active, QPalette.ColorGroup.Disabled
    return {
        QIcon.Mode.Normal: palette.color(active, QPalette.ColorRole.Text),
        QIcon.Mode.Selected: palette.color(active, QPalette.ColorRole.HighlightedText),
        QIcon.Mode.Disabled: palette.color(disabled, QPalette.ColorRole.Text),
    }


def icon(name: str) -> QIcon:
    """The icon called ``name`` in the current palette's colours; KeyError for unknown names.

    Needs a QGuiApplication. Icons are cached; the cache empties itself when the palette
    changes, but icons already handed out keep their colours: after a palette change, set them
    again. The table asks for its status icons at every repaint, so the check is the palette's
    cache key (half a microsecond), not its colours (some 20).
    """
    global _cache_palette_key
    palette = QGuiApplication.palette()
    key = palette.cacheKey()
    if key != _cache_palette_key:
        _cache.clear()
        _cache_palette_key = key
    found = _cache.get(name)
    if found is None:
        found = _build_icon(_svg_source(name), _mode_colors(palette))
        _cache[name] = found
    return found


class SvgIconEngine(QIconEngine):
    """Draws an SVG icon in its own colours, at each pixel size when first asked.

    Icons are square: a size that is not is served by the largest square that fits. Every mode
    looks like Normal. ``sizes``: what :meth:`availableSizes` reports (any size can be drawn).
    """

    def __init__(self, svg: bytes, sizes: tuple[int, ...]) -> None:
        super().__init__()
        self._svg = svg
        self._sizes = sizes
        self._pixmaps: dict[tuple[int, QIcon.Mode], QPixmap] = {}

    def _mode(self, mode: QIcon.Mode) -> QIcon.Mode:
        return QIcon.Mode.Normal

    def _render(self, side: int, mode: QIcon.Mode) -> QPixmap:
        return render_svg(self._svg, side)

    def _copy(self) -> SvgIconEngine:
        return SvgIconEngine(self._svg, self._sizes)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        mode = self._mode(mode)
        side = max(1, min(size.width(), size.height()))
        found = self._pixmaps.get((side, mode))
        if found is None:
            found = self._pixmaps[(side, mode)] = self._render(side, mode)
        return found

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        # Device pixels per logical one, from the painter's transform, which holds the device's
        # pixel ratio: painter.device() would have PySide work out the device's Python type,
        # which its first call does by setting up every paint device class, a cost of start-up.
        transform = painter.deviceTransform()
        scale = max(
            math.hypot(transform.m11(), transform.m12()),
            math.hypot(transform.m21(), transform.m22()),
        )
        side = min(rect.width(), rect.height())
        pixmap = self.pixmap(QSize(round(side * scale), round(side * scale)), mode, state)
        target = QRect(0, 0, side, side)
        target.moveCenter(rect.center())
        painter.drawPixmap(target, pixmap)

    def availableSizes(
        self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off
    ) -> list[QSize]:
        return [QSize(pixels, pixels) for pixels in self._sizes]

    def clone(self) -> QIconEngine:
        # Qt clones when a copy of the icon is changed (QIcon.addPixmap on a copy). PySide leaves
        # the returned engine owned by Python, which would free it while that copy still draws
        # with it: it is kept here until Qt deletes it (which invalidates its wrapper).
        _cloned_engines[:] = [engine for engine in _cloned_engines if Shiboken.isValid(engine)]
        engine = self._copy()
        _cloned_engines.append(engine)
        return engine


class PaletteSvgIconEngine(SvgIconEngine):
    """Draws one line icon in a palette's colours, at each pixel size and mode when first asked.

    The Active mode (hover) looks like Normal.
    """

    def __init__(self, svg: bytes, colors: dict[QIcon.Mode, QColor]) -> None:
        super().__init__(svg, ICON_PIXEL_SIZES)
        self._colors = colors

    def _mode(self, mode: QIcon.Mode) -> QIcon.Mode:
        return mode if mode in self._colors else QIcon.Mode.Normal

    def _render(self, side: int, mode: QIcon.Mode) -> QPixmap:
        color = self._colors[mode]
        return render_svg(_recoloured(self._svg, color), side, color.alphaF())

    def _copy(self) -> SvgIconEngine:
        return PaletteSvgIconEngine(self._svg, self._colors)


def _build_icon(svg: bytes, colors: dict[QIcon.Mode, QColor]) -> QIcon:
    return QIcon(PaletteSvgIconEngine(svg, colors))


def clear_icon_cache() -> None:
    """Forget every rendered icon (call it when the palette changes)."""
    global _cache_palette_key
    _cache.clear()
    _cache_palette_key = None
    _app_icon.clear()


def app_icon() -> QIcon:
    """roomdesk's own icon, in its own colours, at sizes up to 512 px, each drawn lazily, when
    first asked for, so a start draws only the sizes it shows."""
    if not _app_icon:
        svg = (resources_dir() / APP_ICON_FILE).read_bytes()
        if not QSvgRenderer(QByteArray(svg)).isValid():
            raise ValueError(f"{APP_ICON_FILE} is not a valid SVG document")
        _app_icon.append(QIcon(SvgIconEngine(svg, APP_ICON_PIXEL_SIZES)))
    return _app_icon[0]
