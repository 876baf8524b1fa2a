"""What the room list shows of a room, as text: columns, statuses, end dates, modes, links, and
the search text the filter looks in. Qt-free; the table and the view layer share these."""

from __future__ import annotations

import json
from enum import IntEnum
from urllib.parse import urlsplit

from roomdesk.domain.rooms import RoomMode, TemplateType
from roomdesk.domain.status import ENDS_SOON_WINDOW, ROOM_GRACE_PERIOD, RoomStatus, status_at
from roomdesk.store.records import LinkKind, StoredRoom
from roomdesk.store.rows import ROW_DELETED, ROW_MISSING


class Column(IntEnum):
    LABEL = 0
    ROOM = 1
    ENDS = 2
    STATUS = 3
    MODE = 4
    LINKS = 5
    # Last, so a header state saved before it existed still names the others rightly.
    SESSION = 6

    @property
    def title(self) -> str:
        return _COLUMN_TITLES[self]


_COLUMN_TITLES = {
    Column.LABEL: "Label",
    Column.ROOM: "Room",
    Column.ENDS: "Ends",
    Column.STATUS: "Status",
    Column.MODE: "Mode",
    Column.LINKS: "Links",
    Column.SESSION: "Session",
}
# Plain ints for the hot paths: comparing an int with an IntEnum member costs more.
LABEL_COL, ROOM_COL, ENDS_COL, STATUS_COL, MODE_COL, LINKS_COL, SESSION_COL = range(7)
COLUMN_COUNT = len(Column)


# The primary key of the Ends order: rooms people can join now come first, soonest end on top.
END_GROUP = {
    RoomStatus.ACTIVE: 0,
    RoomStatus.ENDS_SOON: 0,
    RoomStatus.ENDED: 1,
    RoomStatus.EXPIRED: 2,
    RoomStatus.DELETED: 3,
}
PAST_STATUSES = frozenset({RoomStatus.EXPIRED, RoomStatus.DELETED})
STATUS_ICON_NAMES = {status: f"status-{status.value}" for status in RoomStatus}

# Group and rank keys are spaced this far apart, beyond any epoch-seconds end date.
KEY_GROUP_SPAN = 1e12
ENDS_SOON_SECONDS = ENDS_SOON_WINDOW.total_seconds()
GRACE_SECONDS = ROOM_GRACE_PERIOD.total_seconds()
# The links a room has, as bits: which LinkKind values are present.
LINK_BITS = {LinkKind.ROOM: 1, LinkKind.HOST: 2, LinkKind.VIEWER: 4}
LINK_KINDS_OF = {
    bits: tuple(kind for kind, bit in LINK_BITS.items() if bits & bit) for bits in range(8)
}
LINKS_TEXT = {
    bits: " · ".join(kind.value for kind in kinds) for bits, kinds in LINK_KINDS_OF.items()
}
MODE_UNKNOWN_TIP = "Not known: Whereby does not say for imported rooms"
# Above this many rows changing in one step, one layout change is cheaper than row signals.


def name_from_url(url: str) -> str:
    """A room's name when the server did not send one: the last part of its address."""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1] or url


def mode_text_of(room_mode: str | None, template_type: str | None) -> str:
    if template_type == TemplateType.VIEWER_MODE.value:
        return "Viewer"
    if room_mode is None:
        return ""
    if room_mode == RoomMode.NORMAL.value:
        return "Normal"
    if room_mode == RoomMode.GROUP.value:
        return "Group"
    return room_mode.capitalize()


def mode_text(room: StoredRoom) -> str:
    """ "Normal", "Group", "Viewer" or "" when not known (imported rooms)."""
    template = room.options.get("templateType") if room.options else None
    return mode_text_of(room.room_mode, template)


def links_text(room: StoredRoom) -> str:
    """ "room · host · viewer", for the links the room has."""
    return " · ".join(kind.value for kind in room.links)


def search_text(
    label: str,
    room_text: str,
    room_url: str,
    host_room_url: str | None,
    viewer_room_url: str | None,
    meeting_id: str,
) -> str:
    """What the filter searches: the case-folded links, label, room name and meeting id, one
    per line, starting with the room's first link, whose origin (scheme and host,
    "https://acme.whereby.com") an account's rooms share and the table keeps once (see
    split_origin and Columns.slots_with).

    A part contained in another part is left out (the room name is part of its link, the room
    link part of the host link): filter terms never hold the newline between parts, so they
    match exactly the same rooms, and the text is about half as long.
    """
    host = host_room_url
    if host and not viewer_room_url and room_url and room_url in host and room_text in room_url:
        # The usual room: its host link holds the room link, which holds its name.
        text = f"{host}\n{label}\n{meeting_id}" if label else f"{host}\n{meeting_id}"
    else:
        parts = [url for url in (host_room_url, viewer_room_url) if url]
        if room_url and not any(room_url in url for url in parts):
            parts.append(room_url)
        links = len(parts)
        if label:
            parts.append(label)
        if room_text and not any(room_text in url for url in parts[:links]):
            parts.append(room_text)
        parts.append(meeting_id)
        text = "\n".join(parts)
    return text.casefold()


_SCHEMES = ("https://", "http://")


def split_origin(text: str) -> tuple[str, str]:
    """A search text as (origin, rest): ("https://host", the rest) for a text that starts with
    a link with a path, else ("", text). The rest starts with the path's "/", so a room name is
    found in it whole."""
    if text.startswith(_SCHEMES):
        slash = text.find("/", 8 if text[4] == "s" else 7)
        line_end = text.find("\n")
        if slash > 0 and (line_end < 0 or slash < line_end):
            return text[:slash], text[slash:]
    return "", text


def row_status(state: int, end: float, now: float) -> RoomStatus:
    """StoredRoom.status, from a row's state bits and end (epoch seconds) at ``now``."""
    return status_at(end, now, state & ROW_DELETED != 0, state & ROW_MISSING != 0)


# The table keeps a room's status as one byte: its place here.
STATUSES = tuple(RoomStatus)
STATUS_CODES = {status: code for code, status in enumerate(STATUSES)}
DELETED_CODE = STATUS_CODES[RoomStatus.DELETED]


def status_code_at(state: int, end: float, now: float) -> int:
    """:func:`row_status` as its code (see STATUSES)."""
    return STATUS_CODES[row_status(state, end, now)]


class ModeTexts:
    """Mode texts for (room_mode, options JSON) pairs; the few distinct ones are shared."""

    def __init__(self) -> None:
        self._known: dict[str | None, dict[str | None, str]] = {}

    def text(self, room_mode: str | None, options: str | None) -> str:
        by_options = self._known.setdefault(room_mode, {})
        found = by_options.get(options)
        if found is None:
            template = json.loads(options).get("templateType") if options else None
            found = by_options[options] = mode_text_of(room_mode, template)
        return found


IS_PAST = bytes(status in PAST_STATUSES for status in STATUSES)  # by status code
