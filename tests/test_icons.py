"""The SVG icons: all present, valid, recoloured for the palette and sharp at 2x."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPalette
from PySide6.QtSvg import QSvgRenderer

from roomdesk.ui import icons

EXPECTED_ICONS = {
    "new-room",
    "copy",
    "copy-host",
    "copy-viewer",
    "open-browser",
    "delete",
    "refresh",
    "settings",
    "edit",
    "search",
    "filter",
    "key",
    "demo",
    "status-active",
    "status-ends-soon",
    "status-ended",
    "status-expired",
    "status-deleted",
}
DARK_TEXT = QColor("#e8eaf0")
DARK_HIGHLIGHTED_TEXT = QColor("#ffd24a")
DARK_DISABLED_TEXT = QColor("#6a6e78")


@pytest.fixture
def dark_palette(qapp) -> Iterator[QPalette]:
    original = QGuiApplication.palette()
    palette = QPalette(original)
    palette.setColor(QPalette.ColorGroup.Active, QPalette.ColorRole.Text, DARK_TEXT)
    palette.setColor(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Text, DARK_TEXT)
    palette.setColor(
        QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText, DARK_HIGHLIGHTED_TEXT
    )
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, DARK_DISABLED_TEXT)
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1f22"))
    palette.setColor(QPalette.ColorRole.Window, QColor("#2b2d30"))
    QGuiApplication.setPalette(palette)
    yield palette
    QGuiApplication.setPalette(original)
    icons.clear_icon_cache()


def centre_colour(icon: QIcon, mode: QIcon.Mode = QIcon.Mode.Normal) -> QColor:
    image = icon.pixmap(QSize(48, 48), 1.0, mode).toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2)


def drawn_pixels(image: QImage) -> int:
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > 0
    )


def test_every_expected_icon_exists() -> None:
    assert set(icons.icon_names()) == EXPECTED_ICONS


@pytest.mark.parametrize("name", sorted(EXPECTED_ICONS))
def test_icon_renders_at_each_size_and_at_2x(qapp, name: str) -> None:
    icon = icons.icon(name)
    for size in (16, 48):
        pixmap = icon.pixmap(QSize(size, size))
        assert not pixmap.isNull()
        assert pixmap.size() == QSize(size, size)
        assert drawn_pixels(pixmap.toImage()) > 0
    sharp = icon.pixmap(QSize(16, 16), 2.0)
    assert sharp.devicePixelRatio() == 2.0
    assert sharp.size() == QSize(32, 32)
    # Drawn for 32 px, not another size scaled: 16 px at 200 % stays crisp.
    rendered = {(size.width(), size.height()) for size in icon.availableSizes()}
    assert {(16, 16), (24, 24), (32, 32), (48, 48), (96, 96)} <= rendered
    colour = QGuiApplication.palette().color(QPalette.ColorRole.Text)
    svg = (icons.icons_dir() / f"{name}.svg").read_bytes()
    direct = icons.render_svg(svg.replace(icons.COLOR_TOKEN, colour.name().encode()), 32)
    assert sharp.toImage().convertToFormat(
        QImage.Format.Format_ARGB32
    ) == direct.toImage().convertToFormat(QImage.Format.Format_ARGB32)


@pytest.mark.parametrize("ratio", [1.0, 2.0, 1.5])
def test_an_icon_painted_on_a_high_density_image_is_drawn_for_its_device_pixels(
    qapp, ratio: float
) -> None:
    side = 16
    pixels = round(side * ratio)
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    image.setDevicePixelRatio(ratio)
    painter = QPainter(image)
    icons.icon("copy").paint(painter, QRect(0, 0, side, side))
    painter.end()
    colour = QGuiApplication.palette().color(QPalette.ColorRole.Text)
    svg = (icons.icons_dir() / "copy.svg").read_bytes()
    direct = icons.render_svg(svg.replace(icons.COLOR_TOKEN, colour.name().encode()), pixels)
    image.setDevicePixelRatio(1.0)
    assert image.convertToFormat(QImage.Format.Format_ARGB32) == direct.toImage().convertToFormat(
        QImage.Format.Format_ARGB32
    )


def test_a_changed_copy_of_an_icon_keeps_drawing(qapp) -> None:
    original = icons.icon("copy")
    copy = QIcon(original)
    copy.addPixmap(original.pixmap(QSize(16, 16)), QIcon.Mode.Active)  # detaches: a clone
    del original
    gc.collect()
    assert drawn_pixels(copy.pixmap(QSize(20, 20)).toImage()) > 0
    assert drawn_pixels(icons.icon("copy").pixmap(QSize(20, 20)).toImage()) > 0
    del copy
    gc.collect()
    assert drawn_pixels(icons.icon("copy").pixmap(QSize(22, 22)).toImage()) > 0


def test_icons_follow_a_dark_palette(dark_palette: QPalette) -> None:
    icon = icons.icon("status-active")  # a filled dot: its centre is the icon colour
    assert centre_colour(icon) == DARK_TEXT
    assert centre_colour(icon, QIcon.Mode.Selected) == DARK_HIGHLIGHTED_TEXT
    assert centre_colour(icon, QIcon.Mode.Disabled) == DARK_DISABLED_TEXT


def test_a_palette_change_gives_freshly_coloured_icons(dark_palette: QPalette) -> None:
    before = icons.icon("status-active")
    assert icons.icon("status-active") is before  # cached
    lighter = QPalette(dark_palette)
    lighter.setColor(QPalette.ColorRole.Text, QColor("#123456"))
    QGuiApplication.setPalette(lighter)
    after = icons.icon("status-active")
    assert after is not before
    assert centre_colour(after) == QColor("#123456")
    icons.clear_icon_cache()
    assert icons.icon("status-active") is not after


def test_going_back_to_a_palette_gives_its_colours_again(qapp) -> None:
    original = QGuiApplication.palette()
    text = original.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
    assert centre_colour(icons.icon("status-active")) == text
    other = QPalette(original)
    other.setColor(QPalette.ColorRole.Text, QColor("#a1b2c3"))
    QGuiApplication.setPalette(other)
    try:
        assert centre_colour(icons.icon("status-active")) == QColor("#a1b2c3")
    finally:
        QGuiApplication.setPalette(original)
    assert centre_colour(icons.icon("status-active")) == text


def test_unknown_icon_name_lists_the_known_ones(qapp) -> None:
    with pytest.raises(KeyError) as caught:
        icons.icon("no-such-icon")
    assert "no-such-icon" in str(caught.value)
    assert "status-active" in str(caught.value)


def test_every_svg_is_valid_and_uses_only_the_colour_token() -> None:
    files = sorted((icons.resources_dir() / "icons").glob("*.svg"))
    assert len(files) == len(EXPECTED_ICONS)
    for path in files:
        assert QSvgRenderer(str(path)).isValid(), path.name
        source = path.read_text(encoding="utf-8")
        assert 'viewBox="0 0 24 24"' in source, path.name
        assert set(re.findall(r"#[0-9a-fA-F]{3,8}\b", source)) == {"#000000"}, path.name


def test_app_icon_renders_small_and_large(qapp) -> None:
    app_svg = icons.resources_dir() / icons.APP_ICON_FILE
    assert QSvgRenderer(str(app_svg)).isValid()
    icon = icons.app_icon()
    assert icon.availableSizes() == [QSize(p, p) for p in icons.APP_ICON_PIXEL_SIZES]
    assert icon.pixmap(QSize(512, 512)).size() == QSize(512, 512)
    assert icon.pixmap(QSize(40, 30)).size() == QSize(30, 30)  # the largest square that fits
    for size in (16, 256):
        image = icon.pixmap(QSize(size, size)).toImage()
        assert image.size() == QSize(size, size)
        # Two colours: the rounded square and the white camera on it.
        colours = {image.pixelColor(x, size // 2).name() for x in range(size)}
        assert "#ffffff" in colours
        assert len(colours - {"#ffffff", "#000000"}) > 0


def test_resources_are_found_in_a_frozen_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    icons.resources_dir.cache_clear()
    try:
        assert icons.resources_dir() == tmp_path / "resources"
    finally:
        monkeypatch.undo()
        icons.resources_dir.cache_clear()
    assert (icons.resources_dir() / "icons").is_dir()


def test_missing_resources_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(icons, "_candidate_dirs", lambda: [tmp_path / "nowhere"])
    icons.resources_dir.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="nowhere"):
            icons.resources_dir()
    finally:
        monkeypatch.undo()
        icons.resources_dir.cache_clear()


def test_a_broken_app_icon_file_is_named(
    qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / icons.APP_ICON_FILE).write_text("<svg", encoding="utf-8")
    monkeypatch.setattr(icons, "resources_dir", lambda: tmp_path)
    monkeypatch.setattr(icons, "_app_icon", [])
    with pytest.raises(ValueError, match=icons.APP_ICON_FILE):
        icons.app_icon()
