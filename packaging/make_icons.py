"""Render resources/roomdesk.svg into the app icons the installers need.

Writes ``resources/icons/app/``: ``roomdesk-<size>.png`` for every size in ``PNG_SIZES``,
``roomdesk.ico`` (Windows, several sizes) and ``roomdesk.icns`` (macOS). Only Qt (already a
dependency) is used: QSvgRenderer draws the SVG, and the ICO and ICNS containers are written
here with ``struct``; both formats may hold PNG data, so every entry is a PNG.

The outputs are committed; run this again after changing the SVG:
``.venv/bin/python packaging/make_icons.py`` (``--check`` only says whether they are current).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_SVG = REPO_ROOT / "resources" / "roomdesk.svg"
OUTPUT_DIR = REPO_ROOT / "resources" / "icons" / "app"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Windows picks from these for the taskbar, Explorer and the installer.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS types that take PNG data, by pixel size (the 2x types reuse the larger renderings).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic11", 32),  # 16 pt @2x
    (b"ic12", 64),  # 32 pt @2x
    (b"ic13", 256),  # 128 pt @2x
    (b"ic14", 512),  # 256 pt @2x
)


def render_png(svg: bytes, pixels: int) -> bytes:
    """``svg`` drawn into a transparent square, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError(f"{SOURCE_SVG} is not a valid SVG document")
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # Highest zlib effort: these files are committed and shipped in every package.
    if not image.save(buffer, b"PNG", 0):
        raise RuntimeError(f"Qt could not encode a {pixels} px PNG")
    buffer.close()
    return bytes(data.data())


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file holding one PNG per size (Windows Vista and later read PNG entries)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))  # reserved, type 1 = icon, count
    directory = b""
    offset = len(header) + 16 * len(pngs)
    images = b""
    for size, png in sorted(pngs.items()):
        dimension = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        # width, height, palette colours, reserved, colour planes, bits per pixel, size, offset
        directory += struct.pack("<BBBBHHII", dimension, dimension, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + directory + images


def build_icns(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: big-endian chunks of (type, length including the 8-byte header, data)."""
    chunks = b"".join(
        struct.pack(">4sI", kind, 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return struct.pack(">4sI", b"icns", 8 + len(chunks)) + chunks


def expected_outputs(svg: bytes) -> dict[str, bytes]:
    """Every output file's name and content."""
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _kind, size in ICNS_TYPES)})
    pngs = {size: render_png(svg, size) for size in sizes}
    outputs = {f"roomdesk-{size}.png": pngs[size] for size in PNG_SIZES}
    outputs["roomdesk.ico"] = build_ico({size: pngs[size] for size in ICO_SIZES})
    outputs["roomdesk.icns"] = build_icns(pngs)
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the files differ from a fresh rendering"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # QPainter needs one
    outputs = expected_outputs(SOURCE_SVG.read_bytes())
    if args.check:
        stale = [
            name
            for name, data in outputs.items()
            if not (OUTPUT_DIR / name).is_file() or (OUTPUT_DIR / name).read_bytes() != data
        ]
        for name in stale:
            print(f"out of date: {OUTPUT_DIR / name}", file=sys.stderr)
        return 1 if stale else 0
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in outputs.items():
        (OUTPUT_DIR / name).write_bytes(data)
        print(f"{OUTPUT_DIR.relative_to(REPO_ROOT) / name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
