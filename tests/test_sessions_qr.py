"""QR codes of a room's link: read back with a barcode reader to the exact link, saved whole."""

from __future__ import annotations

import errno
import os
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QImage

from roomdesk.sessions.files import OutputFileError
from roomdesk.sessions.qr import BORDER, qr_code, qr_matrix, qr_png, qr_svg, save_qr
from tests.session_samples import HOST_LINK, LINK

PERSONAL = f"{LINK}?displayName=J%C3%B8rn%20%C3%98deg%C3%A5rd&externalId=jorn-odegard&lang=nb"


def read_png(data: bytes) -> list[str]:
    """The texts of the QR codes in a PNG, as a phone's reader would find them."""
    image = QImage.fromData(data, "PNG")
    assert not image.isNull()
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    # Rows copied out without the padding Qt may put at their ends, as one grey byte a pixel.
    stride, width, height = gray.bytesPerLine(), gray.width(), gray.height()
    bits = bytes(gray.constBits())
    pixels = b"".join(bits[row * stride : row * stride + width] for row in range(height))
    view = memoryview(pixels).cast("B", (height, width))
    return [code.text for code in zxingcpp.read_barcodes(view)]


def read_matrix(rows: list[list[bool]], scale: int = 4) -> list[str]:
    """The texts of the QR codes in a module matrix, painted as a grey image at ``scale``."""
    pixels = bytearray()
    for row in rows:
        line = bytes(0 if dark else 255 for dark in row for _ in range(scale))
        pixels += line * scale
    height, width = len(rows) * scale, len(rows[0]) * scale
    view = memoryview(bytes(pixels)).cast("B", (height, width))
    return [code.text for code in zxingcpp.read_barcodes(view)]


@pytest.mark.parametrize("link", [LINK, PERSONAL])
def test_the_png_reads_back_as_the_exact_link(link):
    assert read_png(qr_png(link)) == [link]


def test_a_host_key_never_gets_into_the_code():
    assert read_png(qr_png(HOST_LINK)) == [LINK]
    assert read_png(qr_png(f"{LINK}?a=1&roomKey=k&b=2")) == [f"{LINK}?a=1&b=2"]


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=40))
def test_any_room_link_reads_back_from_the_png(room_name):
    link = f"https://acme.whereby.com/{room_name}"
    assert read_png(qr_png(link, scale=3)) == [link]


def test_the_svg_is_an_svg_document_drawn_with_paths():
    root = ET.fromstring(qr_svg(LINK).encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    paths = root.findall(".//{http://www.w3.org/2000/svg}path")
    assert paths and all(path.get("d") for path in paths)


def test_the_matrix_is_the_code_with_its_quiet_zone_and_reads_back():
    rows = qr_matrix(LINK)
    size = len(qr_code(LINK).matrix) + 2 * BORDER
    assert len(rows) == size and all(len(row) == size for row in rows)
    assert not any(rows[0]) and not any(row[0] for row in rows)
    # The top-left finder pattern starts right inside the quiet zone.
    assert rows[BORDER][BORDER : BORDER + 7] == [True] * 7
    assert read_matrix(rows) == [LINK]


def test_save_picks_the_format_by_the_suffix(tmp_path):
    png, svg, upper = tmp_path / "room.png", tmp_path / "room.svg", tmp_path / "ROOM.PNG"
    save_qr(LINK, png)
    save_qr(LINK, svg)
    save_qr(LINK, upper)
    assert read_png(png.read_bytes()) == [LINK]
    assert read_png(upper.read_bytes()) == [LINK]
    assert ET.fromstring(svg.read_bytes()).tag.endswith("svg")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ROOM.PNG", "room.png", "room.svg"]


@pytest.mark.parametrize("name", ["room.jpg", "room", "room.png.txt"])
def test_another_suffix_is_refused_and_nothing_written(tmp_path, name):
    with pytest.raises(OutputFileError, match=r"\.png or \.svg"):
        save_qr(LINK, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_a_path_that_cannot_be_written_says_why(tmp_path):
    with pytest.raises(OutputFileError, match="its folder does not exist"):
        save_qr(LINK, tmp_path / "missing" / "room.png")
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(OutputFileError, match="it is a folder"):
        save_qr(LINK, tmp_path / "folder.png")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputFileError, match="is a file, not a folder"):
        save_qr(LINK, tmp_path / "file" / "room.png")


def test_a_failed_write_leaves_the_old_file_as_it_was(tmp_path, monkeypatch):
    target = tmp_path / "room.png"
    save_qr(LINK, target)
    before = target.read_bytes()

    def disk_full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OutputFileError, match="the disk is full"):
        save_qr(PERSONAL, target)
    assert target.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir()] == ["room.png"]
