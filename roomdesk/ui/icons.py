"""The app's SVG icons, recoloured to follow the palette, and the app icon.

The line icons in ``resources/icons`` are drawn in ``#000000``, the colour token this module swaps
for the palette's text colours (QtSvg has no ``currentColor``). Each icon is rendered at several
pixel sizes, so Qt can pick a crisp one for any size and device pixel ratio (e.g. 32 px for a
16 px icon at 200 % scaling).

``resources_dir()`` finds the resources in a frozen app (``sys._MEIPASS/resources``), inside the
installed package (``roomdesk/resources``) and in a source checkout (top-level ``resources/``).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

# The colour every line icon is drawn in; replaced by the palette colour when rendering.
COLOR_TOKEN = b"#000000"
# Physical pixel sizes rendered per icon: 16/24/32/48 logical px at 1x, 1.5x and 2x.
ICON_PIXEL_SIZES = (16, 24, 32, 36, 48, 64, 72, 96)
APP_ICON_PIXEL_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
APP_ICON_FILE = "roomdesk.svg"

_cache: dict[str, QIcon] = {}
_cache_palette_key: tuple[int, ...] | None = None
_app_icon: list[QIcon] = []  # filled on first use: a QIcon needs a QGuiApplication


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


def _palette_key(colors: dict[QIcon.Mode, QColor]) -> tuple[int, ...]:
    return tuple(color.rgba() for color in colors.values())


def icon(name: str) -> QIcon:
    """The icon called ``name`` in the current palette's colours; KeyError for unknown names.

    Needs a QGuiApplication. Icons are cached; the cache empties itself when the palette's icon
    colours change, but icons already handed out keep their colours: after a palette change,
    set them again.
    """
    global _cache_palette_key
    colors = _mode_colors(QGuiApplication.palette())
    key = _palette_key(colors)
    if key != _cache_palette_key:
        _cache.clear()
        _cache_palette_key = key
    found = _cache.get(name)
    if found is None:
        found = _build_icon(_svg_source(name), colors)
        _cache[name] = found
    return found


def _build_icon(svg: bytes, colors: dict[QIcon.Mode, QColor]) -> QIcon:
    built = QIcon()
    for mode, color in colors.items():
        recoloured = _recoloured(svg, color)
        for pixels in ICON_PIXEL_SIZES:
            pixmap = render_svg(recoloured, pixels, color.alphaF())
            built.addPixmap(pixmap, mode, QIcon.State.Off)
    return built


def clear_icon_cache() -> None:
    """Forget every rendered icon (call it when the palette changes)."""
    global _cache_palette_key
    _cache.clear()
    _cache_palette_key = None
    _app_icon.clear()


def app_icon() -> QIcon:
    """roomdesk's own icon, in its own colours, at sizes up to 512 px."""
    if not _app_icon:
        svg = (resources_dir() / APP_ICON_FILE).read_bytes()
        built = QIcon()
        for pixels in APP_ICON_PIXEL_SIZES:
            built.addPixmap(render_svg(svg, pixels))
        _app_icon.append(built)
    return _app_icon[0]
