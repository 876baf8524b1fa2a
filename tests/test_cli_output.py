"""roomdesk-cli's human output never hands a terminal a control character; JSON stays exact."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from roomdesk.api.models import Meeting
from roomdesk.cli import run
from roomdesk.cli.base import visible
from roomdesk.cli.output import display_width, print_room, print_table
from roomdesk.paths import app_paths
from roomdesk.secrets import KeyStore
from roomdesk.store import RoomStore
from tests.memory_keyring import MemoryKeyring

NOW = datetime.now(UTC).replace(microsecond=0)
# What a terminal must never receive raw: C0, DEL, C1, line and paragraph separators, and the
# bidirectional embeddings, overrides and isolates.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u202egnp.exe"
ESCAPE = re.compile(r"\\x([0-9a-f]{2})|\\u([0-9a-f]{4})")


def decode(char_text: str) -> str:
    """What one character's shown form stands for (a control's escape, or the character)."""
    match = ESCAPE.fullmatch(char_text)
    return chr(int(match[1] or match[2], 16)) if match else char_text


@settings(max_examples=1000, deadline=None)
@given(st.text())
def test_any_text_is_shown_without_controls_and_each_character_comes_back(text):
    shown = visible(text)
    assert not CONTROL.search(shown)
    # Shown character by character: printable ones as they are, controls as their escapes.
    assert shown == "".join(visible(char) for char in text)
    for char in text:
        assert decode(visible(char)) == char
        assert (visible(char) == char) is (CONTROL.fullmatch(char) is None)


def stored_room(label: str, room_name: str, meeting_id: str = "m-1"):
    path = app_paths().ensure().store_file
    with RoomStore(path) as store:
        url = f"https://team.whereby.com/{meeting_id}"
        return store.add_created(
            Meeting(meeting_id, url, NOW + timedelta(hours=2), room_name=room_name),
            room_mode="normal",
            options={},
            label=label,
        )


@settings(max_examples=1000, deadline=None)
@given(label=st.text(max_size=40), room_name=st.text(max_size=40))
def test_rooms_printed_as_a_card_or_a_table_hold_no_control_characters(label, room_name):
    data = {
        "label": label,
        "roomName": room_name,
        "meetingId": f"id-{label}",
        "status": "active",
        "roomMode": "normal",
        "endDate": "2030-01-01T10:00:00Z",
        "roomUrl": f"https://team.whereby.com/{room_name}",
        "hostRoomUrl": None,
        "viewerRoomUrl": None,
    }
    out = io.StringIO()
    print_room(data, "UTC", out)
    card = out.getvalue()
    assert not CONTROL.search(card.replace("\n", ""))
    assert len(card.splitlines()) == 10  # one line per field, whatever the label holds
    assert f"Label        {visible(label) or '-'}\n" in card


def test_list_and_show_escape_a_hostile_label_and_json_keeps_it_exact(data_dir):
    stored_room(HOSTILE, "/room\r\nname")
    keys = KeyStore(environ={}, keyring_backend=MemoryKeyring())
    for argv in (["list"], ["show", "m-1"]):
        out, err = io.StringIO(), io.StringIO()
        assert run(argv, keys=keys, out=out, err=err) == 0, err.getvalue()
        text = out.getvalue()
        assert not CONTROL.search(text.replace("\n", ""))
        assert "\\x1b]0;pwned\\x07\\x1b[2J\\u202egnp.exe" in text
        assert "/room\\x0d\\x0aname" in text

    out = io.StringIO()
    assert run(["list", "--json"], keys=keys, out=out, err=io.StringIO()) == 0
    assert not CONTROL.search(out.getvalue().replace("\n", ""))
    [room] = json.loads(out.getvalue())
    assert room["label"] == HOSTILE and room["roomName"] == "/room\r\nname"


def test_table_columns_line_up_with_escaped_and_wide_text():
    rooms = [
        stored_room("\x1b[31mred", "/a", "m-1"),
        stored_room("会議室", "/b", "m-2"),
        stored_room("plain", "/c", "m-3"),
    ]
    out = io.StringIO()
    print_table(rooms, NOW, "UTC", out)
    lines = out.getvalue().splitlines()
    # Each row's room name starts in the same terminal column.
    starts = set()
    for line, name in zip(lines[1:], ("/a", "/b", "/c"), strict=True):
        starts.add(display_width(line[: line.index(name)]))
    assert starts == {display_width(lines[0][: lines[0].index("ROOM")])}
