"""roomdesk-cli sync and pending, end to end: a real subprocess against the emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.requests import MeetingRequest
from roomdesk.emulator import EmulatorServer
from roomdesk.store import PendingState, RoomStore
from tests.test_cli import KEY, cli, one_error_line


@pytest.fixture
def server():
    with EmulatorServer(api_key=KEY) as emulator:
        yield emulator


def run_json(args, server, data_dir):
    result = cli([*args, "--json"], server=server, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sync_imports_updates_and_marks_missing(server, data_dir, tmp_path):
    seeded = {meeting["meetingId"] for meeting in server.seed(3)}
    mine = run_json(["create", "--duration", "2h", "--label", "Mine"], server, data_dir)
    doomed = run_json(["create", "--duration", "2h", "--label", "Doomed"], server, data_dir)
    # A colleague deletes one from another machine (another data folder).
    elsewhere = cli(["delete", doomed["meetingId"], "--yes"], server=server, data_dir=tmp_path)
    assert elsewhere.returncode == 0, elsewhere.stderr

    report = run_json(["sync"], server, data_dir)
    assert set(report["importedIds"]) == seeded and report["imported"] == 3
    assert report["missingIds"] == [doomed["meetingId"]] and report["missing"] == 1
    # The listing brought the host and viewer links the create had not asked for.
    assert set(report["updatedIds"]) == {mine["meetingId"]}
    assert report["unresolved"] == [] and report["roomsSeen"] == 4 and report["pages"] == 1

    rooms = {room["meetingId"]: room for room in run_json(["list", "--all"], server, data_dir)}
    assert set(rooms) == seeded | {mine["meetingId"], doomed["meetingId"]}
    assert rooms[doomed["meetingId"]]["status"] == "expired"
    assert rooms[mine["meetingId"]]["label"] == "Mine"

    again = run_json(["sync"], server, data_dir)
    assert (again["imported"], again["updated"], again["missing"]) == (0, 0, 0)

    text = cli(["sync"], server=server, data_dir=data_dir)
    assert text.returncode == 0 and "Whereby lists 4 rooms (1 page)." in text.stdout


def test_lost_creates_are_listed_retried_and_dismissed(server, data_dir):
    server.faults.drop_rate = 1.0
    lost = cli(["create", "--count", "2", "--duration", "1h"], server=server, data_dir=data_dir)
    assert lost.returncode == 4
    assert "“Room 1”: The connection failed after the create request was sent" in lost.stderr
    assert "“Room 2”:" in lost.stderr
    assert "Of 2 rooms: 0 created, 2 may have been created; run 'roomdesk-cli sync'." in lost.stderr
    server.faults.drop_rate = 0.0

    listed = cli(["list"], server=server, data_dir=data_dir)
    assert listed.returncode == 0
    assert "2 rooms may not have been created; run 'roomdesk-cli sync'." in listed.stderr

    pending = run_json(["pending"], server, data_dir)
    assert [item["label"] for item in pending] == ["Room 1", "Room 2"]
    assert {item["state"] for item in pending} == {"unknown"}
    first, second = (item["id"] for item in pending)

    server.clear_received()
    retried = run_json(["pending", "retry", str(first)], server, data_dir)
    assert retried["label"] == "Room 1" and retried["foundExisting"] is False
    assert [r.method for r in server.received] == ["GET", "POST"]  # asked first, then sent
    assert server.meeting_ids() == {retried["meetingId"]}

    dismissed = cli(["pending", "dismiss", str(second)], server=server, data_dir=data_dir)
    assert dismissed.returncode == 0 and "nothing was sent" in dismissed.stdout
    again = cli(["pending", "retry", str(second)], server=server, data_dir=data_dir)
    assert again.returncode == 2
    assert "already settled" in one_error_line(again)

    assert run_json(["pending"], server, data_dir) == []
    report = run_json(["sync"], server, data_dir)
    assert report["unresolved"] == [] and report["imported"] == 0
    quiet = cli(["list"], server=server, data_dir=data_dir)
    assert quiet.stderr == "" and "Room 1" in quiet.stdout


def test_sync_finds_a_room_whose_answer_was_cut_off(server, data_dir):
    server.faults.truncate_rate = 1.0  # the room is made, its answer cut in half
    args = ["create", "--duration", "1h", "--label", "Half answered"]
    lost = cli(args, server=server, data_dir=data_dir)
    assert lost.returncode == 4, lost.stderr
    server.faults.truncate_rate = 0.0
    [meeting_id] = server.meeting_ids()

    report = run_json(["sync"], server, data_dir)
    assert report["resolvedCreates"] == [
        {"id": 1, "label": "Half answered", "meetingId": meeting_id}
    ]
    assert report["imported"] == 0 and report["unresolved"] == []
    [room] = run_json(["list"], server, data_dir)
    assert (room["meetingId"], room["label"]) == (meeting_id, "Half answered")


def test_retry_adopts_a_room_the_server_has(server, data_dir):
    # An answer lost before any status arrived: the room was made, the create does not know it.
    end = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    with RoomStore(data_dir / "rooms.sqlite3") as store:
        pending_id = store.add_pending_create(MeetingRequest(end_date=end).to_json(), "Arrived")
        store.mark_pending(pending_id, PendingState.UNKNOWN, "The connection failed")
    server.add_meeting(end_date=end)
    [item] = run_json(["pending"], server, data_dir)
    assert item["state"] == "unknown"
    server.clear_received()
    retried = run_json(["pending", "retry", str(item["id"])], server, data_dir)
    assert retried["foundExisting"] is True and retried["label"] == "Arrived"
    assert [r.method for r in server.received] == ["GET"]  # nothing sent again
    assert len(server.meeting_ids()) == 1


def test_a_create_whose_2xx_answer_was_cut_is_created_and_the_next_sync_adds_it(server, data_dir):
    server.faults.truncate_rate = 1.0
    made = cli(
        ["create", "--duration", "1h", "--label", "Arrived"], server=server, data_dir=data_dir
    )
    server.faults.truncate_rate = 0.0
    assert made.returncode != 0 and "was created" in made.stderr
    [item] = run_json(["pending"], server, data_dir)
    assert item["state"] == "created"
    report = run_json(["sync"], server, data_dir)
    assert [found["label"] for found in report["resolvedCreates"]] == ["Arrived"]
    assert run_json(["pending"], server, data_dir) == []
    assert len(server.meeting_ids()) == 1


def test_sync_failure_says_what_was_kept(server, data_dir):
    server.faults.force_status = 503
    failed = cli(["sync"], server=server, data_dir=data_dir)
    assert failed.returncode == 4
    line = one_error_line(failed)
    assert "problem of its own (503)" in line and "nothing was marked missing" in line

    missing_key = cli(["sync"], server=server, data_dir=data_dir, key=None)
    assert missing_key.returncode == 3


def test_pending_errors_are_one_line(server, data_dir):
    empty = cli(["pending"], server=server, data_dir=data_dir)
    assert empty.returncode == 0 and "No interrupted creates" in empty.stdout
    unknown = cli(["pending", "dismiss", "42"], server=server, data_dir=data_dir)
    assert unknown.returncode == 2
    assert "no interrupted create number 42" in one_error_line(unknown)
    bad = cli(["pending", "retry", "x"], server=server, data_dir=data_dir)
    assert bad.returncode == 2 and "invalid int value" in one_error_line(bad)
