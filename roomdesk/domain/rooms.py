"""Rooms as people name and size them: room modes, labels and room name prefixes."""

from __future__ import annotations

import re
from enum import StrEnum

# A label is kept on this computer only; the limit keeps the table and the dialogs readable.
LABEL_MAX_LENGTH = 200
PREFIX_MAX_LENGTH = 39
_PREFIX_ALLOWED = re.compile(r"[a-z0-9-]*")


class RoomMode(StrEnum):
    NORMAL = "normal"
    GROUP = "group"


class TemplateType(StrEnum):
    VIEWER_MODE = "viewerMode"


def normalize_prefix(raw: str) -> str:
    """What Whereby makes of a room name prefix: lower-cased, white space removed."""
    return "".join(raw.split()).lower()


def prefix_problem(raw: str) -> str | None:
    """Why ``raw`` cannot be a room name prefix, or None when it can."""
    prefix = normalize_prefix(raw)
    if len(prefix) > PREFIX_MAX_LENGTH:
        return (
            f"is {len(prefix)} characters long after lower-casing and removing spaces; "
            f"at most {PREFIX_MAX_LENGTH} are allowed"
        )
    if not _PREFIX_ALLOWED.fullmatch(prefix):
        bad = sorted({ch for ch in prefix if not _PREFIX_ALLOWED.fullmatch(ch)})
        shown = " ".join(repr(ch) for ch in bad)
        return f"may only contain a-z, 0-9 and '-'; found {shown}"
    return None


def label_problem(label: str) -> str | None:
    """Why ``label`` is too long, or None when it is not (as a phrase after "The label")."""
    length = len(label)
    if length > LABEL_MAX_LENGTH:
        return f"is {length} characters long; at most {LABEL_MAX_LENGTH} are allowed"
    return None
