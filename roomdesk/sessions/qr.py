"""A room's link as a QR code: PNG bytes, SVG text, a saved file, or the bare module matrix a
widget can paint without decoding an image."""

from __future__ import annotations

import io
from pathlib import Path

import segno

from roomdesk.sessions.facts import without_room_key
from roomdesk.sessions.files import OutputFileError, write_atomically

# Medium error correction survives a smudged print or a phone held at an angle, and keeps the
# code small enough to scan from a screen shared in a call.
ERROR_CORRECTION = "m"
# The quiet zone the QR standard asks for around the code, in modules.
BORDER = 4
QR_SUFFIXES = (".png", ".svg")


def qr_code(link: str) -> segno.QRCode:
    """The QR code of ``link``, never with a host key in it."""
    return segno.make_qr(without_room_key(link), error=ERROR_CORRECTION, boost_error=False)


def qr_png(link: str, *, scale: int = 8) -> bytes:
    """``link`` as a PNG, each module ``scale`` pixels wide."""
    buffer = io.BytesIO()
    qr_code(link).save(buffer, kind="png", scale=scale, border=BORDER)
    return buffer.getvalue()


def qr_svg(link: str, *, scale: int = 8) -> str:
    """``link`` as an SVG document."""
    buffer = io.BytesIO()
    qr_code(link).save(buffer, kind="svg", scale=scale, border=BORDER, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def qr_matrix(link: str, *, border: int = BORDER) -> list[list[bool]]:
    """``link``'s modules row by row, True for a dark one, with ``border`` light modules round."""
    code = qr_code(link)
    size = len(code.matrix)
    light = [False] * (size + 2 * border)
    rows = [list(light) for _ in range(border)]
    rows += [[False] * border + [bool(m) for m in row] + [False] * border for row in code.matrix]
    rows += [list(light) for _ in range(border)]
    return rows


def save_qr(link: str, path: Path) -> None:
    """Save ``link``'s QR code at ``path``, as PNG or SVG by its suffix; OutputFileError for
    another suffix or a path that cannot be written, and then nothing is changed."""
    suffix = path.suffix.lower()
    if suffix == ".png":
        data = qr_png(link)
    elif suffix == ".svg":
        data = qr_svg(link).encode("utf-8")
    else:
        shown = f"“{path.suffix}”" if path.suffix else "no suffix"
        raise OutputFileError(
            f"Could not write {path}: a QR code is saved as .png or .svg, and this name has {shown}"
        )
    write_atomically(path, data)
