"""The column store: the rooms' data by *slot*, an index into parallel lists and arrays.

Each room has a slot; slots never move (the table's row order maps rows to slots). Nothing else
is made per room: a table of rooms costs their search texts, and a few list and array entries
each (ends are machine floats, statuses and modes a byte). A room's meeting id is the last line
of its search text (kept apart only where it is not there as it is), and its name is kept as
where it stands in that text. A search text is kept without the origin of its first link
("https://acme.whereby.com"), which an account's rooms share: the columns keep that once.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Iterable, Iterator
from itertools import islice, repeat

from roomdesk.domain.status import RoomStatus
from roomdesk.roomlist.texts import (
    STATUS_CODES,
    mode_text,
    name_from_url,
    search_text,
    split_origin,
    status_code_at,
)
from roomdesk.roomlist.tuning import DEFAULT_TUNING, RoomListTuning
from roomdesk.store.records import StoredRoom
from roomdesk.store.rows import ROW_DELETED, ROW_MISSING


def keep_search_texts(columns: Columns, texts: Iterator[str], tuning: RoomListTuning) -> None:
    """Fill ``columns``' empty search columns from whole search texts, each kept without its
    origin (see search_text). The origin most rooms share (that of the first ones) is cut in C
    passes, a step of texts at a time (short holds of the GIL, and the whole texts freed as it
    goes); other texts pay for a call of their own."""
    origin = prefix = ""
    cut, numbers = slice(0), b""
    step, sample_size = tuning.sort_step, tuning.origin_sample
    while chunk := list(islice(texts, step)):
        if not columns.search:
            sample = (found for found, _ in map(split_origin, chunk[:sample_size]) if found)
            origin = next(sample, "")
            prefix, cut = origin + "/", slice(len(origin), None)
            numbers = bytes([0, columns.origin_id(origin)]).ljust(256, b"\0")
        base = len(columns.search)
        if not origin:
            columns.search.extend(chunk)
            columns.origin_ids.extend(bytes(len(chunk)))
            continue
        starts = bytearray(map(str.startswith, chunk, repeat(prefix)))
        columns.search.extend(map(operator.getitem, chunk, repeat(cut)))
        columns.origin_ids.extend(starts.translate(numbers))
        slot = starts.find(0)
        while slot >= 0:  # a text with another origin, or none
            columns.set_search_text(base + slot, *split_origin(chunk[slot]))
            slot = starts.find(0, slot + 1)


# A room's name is kept as where it stands in its search text (which holds it in all but odd
# cases): start << 16 | length, 4 bytes instead of a string of some 100. OWN_ROOM_TEXT: the
# name is not there as it is (capitals, say) and is kept in Columns.own_room_texts instead.
_SPAN_LIMIT = 0xFFFF
# Origins kept once for the rooms whose links share them (see Columns.origin_ids): an account's
# rooms share one; past this many, further texts are kept whole.
_ORIGINS_MAX = 255
_ORIGIN_SAMPLE = 64  # texts looked at for the origin most rooms share
OWN_ROOM_TEXT = 0xFFFFFFFF


def room_span(search: str, room_text: str) -> int:
    """Where ``room_text`` stands in ``search`` (see _SPAN_LIMIT), or OWN_ROOM_TEXT.

    Found as it is, so the span gives back exactly ``room_text``: a name with capitals is not
    found in the case-folded search text, and is kept whole."""
    if len(room_text) <= _SPAN_LIMIT:
        start = search.find(room_text)
        if 0 <= start <= _SPAN_LIMIT:
            return start << 16 | len(room_text)
    return OWN_ROOM_TEXT


def _id_line_holds(search: str, meeting_id: str) -> bool:
    """Whether the last line of ``search`` (a kept search text) is ``meeting_id`` as it is."""
    return search.endswith(meeting_id) and search.rfind("\n") == len(search) - len(meeting_id) - 1


def own_meeting_ids(search: list[str], meeting_ids: list[str], step: int) -> dict[int, str]:
    """The meeting ids that the last lines of their search texts do not hold as they are (see
    Columns.meeting_id), by slot: in C passes, ``step`` rooms at a time, for the usual ids
    (no capitals, no line break); a chunk with others pays for a call per room."""
    own: dict[int, str] = {}
    for start in range(0, len(meeting_ids), step):
        ids = meeting_ids[start : start + step]
        joined = "".join(ids)
        if "\n" not in joined and "://" not in joined and joined.casefold() == joined:
            # Each text ends with "\n" and the id case-folded, which is the id itself (the text
            # is the id alone only for a room with no link and no name, and "://" would be
            # needed for split_origin to cut such an id).
            continue
        for slot, meeting_id in enumerate(ids, start):
            if not _id_line_holds(search[slot], meeting_id):
                own[slot] = meeting_id
    return own


class Columns:
    """The rooms' data by slot (see the module notes): lists and arrays, no object per room."""

    __slots__ = (
        "ends",
        "labels",
        "links",
        "mode_numbers",
        "mode_texts",
        "modes",
        "origin_ids",
        "origin_numbers",
        "origins",
        "origins_max",
        "own_meeting_ids",
        "own_room_texts",
        "room_spans",
        "rooms",
        "search",
        "starts",
        "states",
        "statuses",
    )

    def __init__(self, origins_max: int = DEFAULT_TUNING.origins_max) -> None:
        self.labels: list[str] = []
        self.room_spans = array("I")  # see room_span
        self.own_room_texts: dict[int, str] = {}  # slot -> name, for spans of OWN_ROOM_TEXT
        self.ends = array("d")  # epoch seconds
        # slot -> planned start (epoch seconds), for the rooms that have one: few, as a rule.
        self.starts: dict[int, float] = {}
        self.states = bytearray()  # ROW_DELETED | ROW_MISSING
        self.statuses = bytearray()  # see STATUSES
        # Mode texts by number ("" is 0): a room's is one byte, or 4 once there are more than
        # 256 of them, which a server that sends only the modes it documents never makes.
        self.modes: bytearray | array[int] = bytearray()
        self.mode_texts: list[str] = [""]
        self.mode_numbers: dict[str, int] = {"": 0}
        self.links = bytearray()  # LINK_BITS of the links the room has
        # Search texts (see search_text), each without its first link's origin where that is one
        # of ``origins``: origin_ids[slot] is its number there plus one, or 0 for a whole text.
        # A room's meeting id is the last line of its search text ("" marks a slot no room
        # uses), except where that line is not the id as it is (capitals, say): see meeting_id.
        self.search: list[str] = []
        self.own_meeting_ids: dict[int, str] = {}  # slot -> meeting id, for those exceptions
        self.origin_ids = bytearray()
        self.origins: list[str] = []  # at most origins_max
        # Origins kept once for the rooms whose links share them: an account's rooms share one.
        self.origins_max = origins_max
        self.origin_numbers: dict[str, int] = {}  # origin -> its origin id
        # slot -> the StoredRoom given, or loaded when first asked for (a snapshot has none).
        self.rooms: dict[int, StoredRoom] = {}

    def __len__(self) -> int:
        return len(self.search)

    def mode_text(self, slot: int) -> str:
        return self.mode_texts[self.modes[slot]]

    def mode_number(self, text: str) -> int:
        """The number of mode text ``text`` (new ones are added)."""
        number = self.mode_numbers.get(text)
        if number is None:
            number = self.mode_numbers[text] = len(self.mode_texts)
            self.mode_texts.append(text)
            if number == 256 and isinstance(self.modes, bytearray):
                self.modes = array("I", iter(self.modes))  # not the bytes as raw items
        return number

    def mode_column(self, texts: list[str]) -> bytearray | array[int]:
        """The numbers of ``texts`` (mode texts, the same few many times over), as a column."""
        for text in set(texts):
            self.mode_number(text)
        numbers = map(self.mode_numbers.__getitem__, texts)
        return bytearray(numbers) if len(self.mode_texts) <= 256 else array("I", numbers)

    def meeting_id(self, slot: int) -> str:
        """The meeting id of the room in ``slot``; "" for a slot no room uses."""
        if self.own_meeting_ids and slot in self.own_meeting_ids:
            return self.own_meeting_ids[slot]
        text = self.search[slot]
        return text[text.rfind("\n") + 1 :]

    def keep_meeting_id(self, slot: int, meeting_id: str) -> None:
        """Note ``meeting_id`` for ``slot``, whose search text is written already."""
        if _id_line_holds(self.search[slot], meeting_id):
            self.own_meeting_ids.pop(slot, None)
        else:
            self.own_meeting_ids[slot] = meeting_id

    def room_text(self, slot: int) -> str:
        span = self.room_spans[slot]
        if span == OWN_ROOM_TEXT:
            return self.own_room_texts[slot]
        start = span >> 16
        return self.search[slot][start : start + (span & _SPAN_LIMIT)]

    def room_texts(self) -> Iterator[str]:
        """Every slot's :meth:`room_text`, in slot order."""
        own = self.own_room_texts
        for slot, (text, span) in enumerate(zip(self.search, self.room_spans, strict=True)):
            if span == OWN_ROOM_TEXT:
                yield own[slot]
            else:
                start = span >> 16
                yield text[start : start + (span & _SPAN_LIMIT)]

    def set_room_text(self, slot: int, room_text: str) -> None:
        """Keep ``room_text`` for ``slot``, whose search text is written already."""
        span = self.room_spans[slot] = room_span(self.search[slot], room_text)
        if span == OWN_ROOM_TEXT:
            self.own_room_texts[slot] = room_text
        else:
            self.own_room_texts.pop(slot, None)

    def full_search_text(self, slot: int) -> str:
        """The slot's whole search text, its origin put back."""
        number = self.origin_ids[slot]
        return self.origins[number - 1] + self.search[slot] if number else self.search[slot]

    def origin_id(self, origin: str) -> int:
        """The id that stands for ``origin`` (new ones are added); 0 for "" and once the table
        holds ``origins_max`` of them (the text is then kept whole)."""
        number = self.origin_numbers.get(origin)
        if number is None:
            if not origin or len(self.origins) >= self.origins_max:
                return 0
            self.origins.append(origin)
            number = self.origin_numbers[origin] = len(self.origins)
        return number

    def set_search_text(self, slot: int, origin: str, rest: str) -> None:
        number = self.origin_id(origin)
        self.search[slot] = rest if number else origin + rest
        self.origin_ids[slot] = number

    def slots_with(self, term: str, slots: Iterable[int]) -> list[int]:
        """Those of ``slots`` whose whole search text holds ``term`` (which holds no newline).

        The usual term cannot touch an origin (it is not inside one, and no start of it ends
        one), so the kept texts answer alone. Otherwise an origin the term is inside matches all
        its rooms, and a term that runs across an origin's end matches a text starting with the
        rest of the term."""
        texts, ids = self.search, self.origin_ids
        inside = [False] * (len(self.origins) + 1)  # by origin id; 0: a whole text
        tails: list[tuple[str, ...]] = [()] * (len(self.origins) + 1)
        for number, origin in enumerate(self.origins, 1):
            if term in origin:
                inside[number] = True
            else:
                tails[number] = tuple(
                    term[cut:] for cut in range(1, len(term)) if origin.endswith(term[:cut])
                )
        if not any(inside) and not any(tails):
            return [slot for slot in slots if term in texts[slot]]
        if len(self.origins) == 1:
            if inside[1]:
                return [slot for slot in slots if ids[slot] or term in texts[slot]]
            tail = tails[1]
            return [
                slot
                for slot in slots
                if term in texts[slot] or (ids[slot] and texts[slot].startswith(tail))
            ]
        return [
            slot
            for slot in slots
            if inside[ids[slot]] or term in texts[slot] or texts[slot].startswith(tails[ids[slot]])
        ]

    def add_blank(self) -> int:
        for column in (self.labels, self.search):
            column.append("")
        self.modes.append(0)
        self.origin_ids.append(0)
        self.room_spans.append(0)
        self.ends.append(0.0)
        self.states.append(0)
        self.statuses.append(STATUS_CODES[RoomStatus.ACTIVE])
        self.links.append(0)
        return len(self.search) - 1

    def write(self, slot: int, room: StoredRoom, now: float, *, keep: bool) -> None:
        """Put ``room`` in ``slot``; ``keep``: hold on to the StoredRoom itself."""
        room_text = room_text_of(room)
        self.labels[slot] = room.label
        self.ends[slot] = room.end_date.timestamp()
        if room.planned_start is None:
            self.starts.pop(slot, None)
        else:
            self.starts[slot] = room.planned_start.timestamp()
        self.states[slot] = state_bits(room)
        self.statuses[slot] = status_code_at(self.states[slot], self.ends[slot], now)
        self.modes[slot] = self.mode_number(mode_text(room))
        self.links[slot] = link_bits(room.room_url, room.host_room_url, room.viewer_room_url)
        self.set_search_text(slot, *split_origin(room_search_text(room, room_text)))
        self.keep_meeting_id(slot, room.meeting_id)
        self.set_room_text(slot, room_text)
        if keep:
            self.rooms[slot] = room
        else:
            self.rooms.pop(slot, None)

    def shows(self, slot: int, room: StoredRoom) -> bool:
        """Whether ``slot`` already holds what :meth:`write` would put there for ``room`` (the
        status follows from the end and the state bits, so it needs no look of its own)."""
        if (
            self.labels[slot] != room.label
            or self.states[slot] != state_bits(room)
            or self.ends[slot] != room.end_date.timestamp()
            or self.starts.get(slot) != start_of(room)
        ):
            return False
        room_text = room_text_of(room)
        return (
            self.room_text(slot) == room_text
            and self.mode_text(slot) == mode_text(room)
            and self.links[slot]
            == link_bits(room.room_url, room.host_room_url, room.viewer_room_url)
            and self.full_search_text(slot) == room_search_text(room, room_text)
        )

    def clear(self, slot: int) -> None:
        """Let go of a removed room's strings and object; the slot becomes unused."""
        for column in (self.labels, self.search):
            column[slot] = ""
        self.own_meeting_ids.pop(slot, None)
        self.origin_ids[slot] = 0
        self.room_spans[slot] = 0
        self.own_room_texts.pop(slot, None)
        self.starts.pop(slot, None)
        self.rooms.pop(slot, None)


def state_bits(room: StoredRoom) -> int:
    """The :data:`ROW_DELETED` and :data:`ROW_MISSING` bits of ``room``, as a snapshot has them."""
    deleted = ROW_DELETED if room.deleted_at is not None else 0
    return deleted | (ROW_MISSING if room.server_missing_at is not None else 0)


def start_of(room: StoredRoom) -> float | None:
    """The room's planned start as epoch seconds, as the columns keep it (None: none)."""
    return None if room.planned_start is None else room.planned_start.timestamp()


def room_text_of(room: StoredRoom) -> str:
    return room.room_name or name_from_url(room.room_url)


def room_search_text(room: StoredRoom, room_text: str) -> str:
    return search_text(
        room.label,
        room_text,
        room.room_url,
        room.host_room_url,
        room.viewer_room_url,
        room.meeting_id,
    )


def link_bits(room_url: str | None, host: str | None, viewer: str | None) -> int:
    return (1 if room_url else 0) | (2 if host else 0) | (4 if viewer else 0)
