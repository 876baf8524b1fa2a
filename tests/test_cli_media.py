"""roomdesk-cli recordings, transcripts and attendance, end to end through ``run`` against the
emulator with a fresh room list."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from roomdesk.api.models import Meeting
from roomdesk.cli import run
from roomdesk.emulator import EmulatorServer
from roomdesk.emulator.library import Person, Stay
from roomdesk.paths import app_paths
from roomdesk.secrets import KeyStore
from roomdesk.services.attendance import LAG_NOTE, MERGE_RULE
from roomdesk.store import RoomStore
from tests.memory_keyring import MemoryKeyring

KEY = "media-cli-key-7f3a"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def server(monkeypatch) -> Iterator[EmulatorServer]:
    monkeypatch.setenv("TZ", "Europe/Oslo")
    with EmulatorServer(api_key=KEY) as emulator:
        monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
        yield emulator


def stored_room(server: EmulatorServer) -> str:
    meeting = server.add_meeting()
    with RoomStore(app_paths().ensure().store_file) as store:
        store.upsert_imported(Meeting.from_json(meeting))
    return meeting["meetingId"]


def cli(*argv: str, stdin: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    keys = KeyStore(environ={"ROOMDESK_API_KEY": KEY}, keyring_backend=MemoryKeyring())
    code = run(list(argv), keys=keys, out=out, err=err, stdin=stdin or io.StringIO())
    return code, out.getvalue(), err.getvalue()


def test_recordings_are_listed_and_deleted_after_asking(server):
    meeting_id = stored_room(server)
    sessions = [server.add_room_session(meeting_id) for _ in range(2)]
    ids = [server.add_recording(s["roomSessionId"])["recordingId"] for s in sessions]

    code, out, err = cli("recordings", "list", meeting_id, "--json")
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert {item["recordingId"] for item in listed} == set(ids)
    assert all(item["filename"].endswith(".mp4") for item in listed)
    assert "accessLink" not in out and "token" not in out

    code, out, err = cli("recordings", "list", meeting_id)
    assert code == 0 and "STARTED" in out and ids[0] in out and "0.3 MB" in out

    # Not a terminal and no --yes: refused, nothing sent.
    code, _, err = cli("recordings", "delete", ids[0])
    assert code == 2 and "add --yes" in err
    assert server.recording_ids() == set(ids)

    # Asked on a terminal, answered no.
    code, _, err = cli("recordings", "delete", ids[0], stdin=Terminal("n\n"))
    assert code == 0 and "Delete 1 recording on Whereby for good:" in err
    assert listed[0]["filename"] in err or listed[1]["filename"] in err
    assert "Nothing deleted." in err and server.recording_ids() == set(ids)

    code, out, err = cli("recordings", "delete", *ids, "--yes")
    assert (code, err) == (0, "")
    assert out.startswith("Asked Whereby to delete 2 recordings:")
    assert server.recording_ids() == set()
    assert json.loads(cli("recordings", "list", meeting_id, "--json")[1]) == []


def test_an_unknown_room_exits_2_and_an_empty_list_says_so(server):
    code, out, err = cli("recordings", "list", "m-nowhere")
    assert code == 2 and out == "" and "No stored room has the meeting ID “m-nowhere”" in err
    assert server.received == []
    meeting_id = stored_room(server)
    assert cli("transcripts", "list", meeting_id) == (0, "No transcripts of this room.\n", "")


def test_transcripts_are_listed_and_one_is_made_and_waited_for(server):
    meeting_id = stored_room(server)
    history = server.add_demo_history(meeting_id)
    code, out, err = cli("transcripts", "list", meeting_id, "--json")
    assert (code, err) == (0, "")
    states = {item["transcriptionId"]: item["state"] for item in json.loads(out)}
    assert states == {
        history[0]["transcription"]["transcriptionId"]: "ready",
        history[1]["transcription"]["transcriptionId"]: "in_progress",
    }
    code, out, _ = cli("transcripts", "list", meeting_id)
    assert "being made" in out and "from recording" in out

    recording_id = history[0]["recording"]["recordingId"]
    code, out, err = cli("transcripts", "create", recording_id)
    assert (code, err) == (0, "") and "started; Whereby is making it." in out
    server.processing_time = timedelta(0)
    code, out, err = cli("transcripts", "create", recording_id, "--wait")
    assert (code, err) == (0, "") and out.endswith("It is ready.\n")

    code, _, err = cli("transcripts", "create", "no-such-recording")
    assert code == 1 and "recording" in err.lower()


CAST = (
    Person("=cmd|' /C calc'!A0", "visitor", None, (Stay(0, 10), Stay(15, 30))),
    Person("Ada", "host", "facilitator-1", (Stay(0, 30),)),
)


def test_attendance_shows_sessions_people_the_merge_rule_and_the_lag(server):
    meeting_id = stored_room(server)
    session = server.add_room_session(meeting_id, minutes=30, cast=CAST)

    code, out, err = cli("attendance", meeting_id)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Session ") and "(30 min): 2 people, 55 participant minutes" in out
    assert "  NAME" in out and "Ada" in out and "host" in out
    assert MERGE_RULE in out and LAG_NOTE in out  # it ended just now

    code, out, err = cli("attendance", meeting_id, "--session", session["roomSessionId"], "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["mergeRule"] == MERGE_RULE
    (only,) = data["sessions"]
    assert only["people"] == 2 and only["mayBeIncomplete"] is True
    first = only["attendees"][0]
    assert first["stays"] == 2 and first["minutesPresent"] == 25 and len(first["intervals"]) == 2

    code, out, err = cli("attendance", meeting_id, "--csv")
    assert (code, err) == (0, "") and out.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    assert rows[0][3] == "displayName" and len(rows) == 3
    assert {row[3] for row in rows[1:]} == {"'=cmd|' /C calc'!A0", "Ada"}

    code, _, err = cli("attendance", meeting_id, "--session", "nope")
    assert code == 2 and "no session with the ID “nope”" in err
    code, _, err = cli("attendance", meeting_id, "--csv", "--json")
    assert code == 2 and "not allowed with" in err
