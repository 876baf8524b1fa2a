"""roomdesk-cli's failures: each one line, with an exit code that says what kind it was."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from roomdesk.api.errors import CreatedUnreadableError, ServerError, WherebyError
from roomdesk.api.models import Meeting
from roomdesk.api.requests import MeetingRequest
from roomdesk.cli import commands as roomdesk_cli
from roomdesk.cli import run
from roomdesk.cli.base import EXIT_STORAGE, EXIT_UNAVAILABLE
from roomdesk.cli.commands import Context
from roomdesk.paths import app_paths
from roomdesk.secrets import KeyStore
from roomdesk.store import RoomSource, RoomStore, StoredRoom, StoreWriteError
from tests.conftest import EMULATOR_TEST_KEY
from tests.memory_keyring import MemoryKeyring
from tests.test_cli import KEY, ROOT, cli, one_error_line


def keys() -> KeyStore:
    return KeyStore(
        environ={"ROOMDESK_API_KEY": EMULATOR_TEST_KEY}, keyring_backend=MemoryKeyring()
    )


def run_cli(argv: list[str], **options) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, keys=keys(), out=out, err=err, **options)
    return code, out.getvalue(), err.getvalue()


def only_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def posts(server) -> list:
    return [request for request in server.received if request.method == "POST"]


# -- local storage: exit 6 -------------------------------------------------------------------


def test_a_data_folder_that_cannot_be_made_exits_6_with_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = cli(["list"], server=None, data_dir=blocker / "roomdesk")
    assert result.returncode == 6
    assert "cannot be used: not a directory" in one_error_line(result)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_shared_data_folder_is_warned_about_and_left_as_it_is(data_dir):
    data_dir.mkdir()
    data_dir.chmod(0o775)
    code, out, err = run_cli(["list"])
    assert code == 0
    assert err == (
        f"warning: the folder {data_dir} is open to other users (mode 775); roomdesk left it as "
        "it is and keeps the room list and log in it readable by you only\n"
    )
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o775
    assert stat.S_IMODE((data_dir / "rooms.sqlite3").stat().st_mode) == 0o600
    assert out.startswith("No rooms.")


def capped_opener(pages: int):
    def open_capped(path: Path):
        return RoomStore(path, max_page_count=pages), None

    return open_capped


def fill(store_file: Path, *, rooms: bool, pending: bool) -> int:
    """Store some rooms, then fill a capped copy of the list until it has no page to spare.
    Returns the cap."""
    end = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    with RoomStore(store_file) as store:
        for number in range(20):
            url = f"https://team.whereby.com/kept-{number}"
            store.add_created(
                Meeting(meeting_id=f"kept-{number}", room_url=url, end_date=end),
                room_mode="normal",
                options={},
                label=f"Kept {number}",
            )
    conn = sqlite3.connect(store_file)
    try:
        (cap,) = conn.execute("PRAGMA page_count").fetchone()
    finally:
        conn.close()
    cap += 1
    with RoomStore(store_file, max_page_count=cap) as store:
        for number in range(10_000 if rooms else 0):
            try:
                url = f"https://team.whereby.com/filler-{number}"
                store.add_created(
                    Meeting(meeting_id=f"filler-{number}", room_url=url, end_date=end),
                    room_mode="normal",
                    options={},
                )
            except StoreWriteError:
                break
        for _ in range(10_000 if pending else 0):
            try:
                store.add_pending_create({}, "")
            except StoreWriteError:
                break
    return cap


def test_a_full_disk_before_a_create_sends_nothing_and_exits_6(emulator, monkeypatch):
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    store_file = app_paths().ensure().store_file
    cap = fill(store_file, rooms=True, pending=True)
    code, out, err = run_cli(
        ["create", "--duration", "1h", "--label", "Sam"], store_opener=capped_opener(cap)
    )
    assert code == EXIT_STORAGE
    assert only_error(err) == (
        f"error: The room list could not be saved: the disk is full ({store_file}). "
        "Free some space and try again; nothing stored was lost."
    )
    assert out == ""
    assert posts(emulator) == []  # its intent could not be written down: nothing was sent
    with RoomStore(store_file) as store:
        assert {f"kept-{number}" for number in range(20)} <= set(store.meeting_ids())
        assert store.get("kept-7").label == "Kept 7"


def test_a_full_disk_after_a_create_exits_6_and_a_sync_finds_the_room(emulator, monkeypatch):
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    store_file = app_paths().ensure().store_file
    cap = fill(store_file, rooms=True, pending=False)
    code, _out, err = run_cli(
        ["create", "--duration", "1h", "--label", "Sam"], store_opener=capped_opener(cap)
    )
    assert code == EXIT_STORAGE
    assert "the disk is full" in only_error(err)
    assert len(posts(emulator)) == 1  # the room was made; its intent is kept for a sync

    code, out, err = run_cli(["sync", "--json"])
    assert code == 0, err
    assert [item["label"] for item in json.loads(out)["resolvedCreates"]] == ["Sam"]


# -- malformed answers: exit 4 -------------------------------------------------------------------


class _NotJson(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>maintenance</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def not_json_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotJson)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield type("Stub", (), {"base_url": f"http://127.0.0.1:{server.server_port}/v1"})()
    finally:
        server.shutdown()
        server.server_close()


def test_an_unusable_answer_exits_4(not_json_server, data_dir):
    result = cli(["key", "check"], server=not_json_server, data_dir=data_dir)
    assert result.returncode == EXIT_UNAVAILABLE
    assert "not JSON" in one_error_line(result)


# -- bad input: exit 2, nothing sent -----------------------------------------------------------


@pytest.mark.parametrize("zone", ["", "   "])
def test_an_empty_time_zone_is_refused(emulator, monkeypatch, zone):
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    code, _out, err = run_cli(["create", "--duration", "1h", "--tz", zone])
    assert code == 2
    assert "--tz is empty" in only_error(err)
    assert emulator.received == []


@pytest.mark.parametrize(
    "args",
    [
        ["--end", "9999-12-31T23:59", "--tz", "UTC"],
        ["--end", (datetime.now(UTC) + timedelta(days=367)).strftime("%Y-%m-%dT%H:%MZ")],
    ],
)
def test_an_end_past_the_planning_limit_is_refused_before_sending(emulator, monkeypatch, args):
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    code, _out, err = run_cli(["create", *args])
    assert code == 2
    assert "a room may end at most 366 days ahead" in only_error(err)
    assert posts(emulator) == []


def test_a_duration_past_the_planning_limit_is_refused(emulator, monkeypatch):
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    code, _out, err = run_cli(["create", "--duration", f"{366 * 24 + 1}h"])
    assert code == 2
    assert "--duration must be at most 366 days" in only_error(err)
    code, _out, err = run_cli(["create", "--duration", f"{366 * 24}h", "--json"])
    assert code == 0, err
    assert len(posts(emulator)) == 1


# -- create --count with answers lost -----------------------------------------------------------


class ScriptedRooms:
    """Stands in for RoomService: each create raises the next scripted error, or succeeds."""

    def __init__(self, outcomes: list[WherebyError | None]) -> None:
        self.outcomes = list(outcomes)

    async def create_room(self, request: MeetingRequest, *, label: str = "") -> StoredRoom:
        outcome = self.outcomes.pop(0)
        if outcome is not None:
            raise outcome
        end = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        return StoredRoom(
            id=1,
            meeting_id=f"m-{label}",
            room_name=f"/{label}",
            room_url=f"https://team.whereby.com/{label}",
            host_room_url=None,
            viewer_room_url=None,
            start_date=None,
            end_date=end,
            room_mode="normal",
            options={},
            label=label,
            notes="",
            created_at=end,
            source=RoomSource.CREATED,
            deleted_at=None,
            server_missing_at=None,
            updated_at=end,
        )


def test_a_batch_counts_rooms_made_without_details_as_created_and_5xx_as_unknown(aloop):
    unread = CreatedUnreadableError("The answer to the create could not be read.")
    server_error = ServerError("Whereby had a problem of its own (500).", status=500)
    failure = WherebyError("Whereby refused it.")
    service = ScriptedRooms([None, unread, server_error, failure, None])
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(keys=keys(), out=out, err=err, stdin=io.StringIO())
    args = argparse.Namespace(json=True)
    labels = [f"R{number}" for number in range(1, 6)]
    request = MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=1))
    code = aloop.run(roomdesk_cli._create_batch(service, request, labels, args, "UTC", ctx))
    assert code == EXIT_UNAVAILABLE  # the first problem's: the room made without details
    assert [room["label"] for room in json.loads(out.getvalue())] == ["R1", "R5"]
    assert err.getvalue().splitlines() == [
        "warning: “R2” was created, but its details could not be read; 'roomdesk-cli sync' "
        "will add it.",
        "error: “R3”: Whereby had a problem of its own (500).",
        "error: “R4” was not created: Whereby refused it.",
        "error: Of 5 rooms: 3 created, 1 failed, 1 may have been created; run 'roomdesk-cli sync'.",
    ]


def test_a_single_create_made_without_details_says_it_was_created(monkeypatch, emulator):
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)

    async def made_but_unread(self, request, *, label="", replaces_pending=None):
        raise CreatedUnreadableError("The answer to the create could not be read.")

    monkeypatch.setattr(roomdesk_cli.RoomService, "create_room", made_but_unread)
    code, _out, err = run_cli(["create", "--duration", "1h"])
    assert code == EXIT_UNAVAILABLE
    assert only_error(err) == (
        "error: The room was created, but its details could not be read; 'roomdesk-cli sync' "
        "will add it."
    )


# -- Ctrl+C ---------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_during_a_request_is_one_line_and_exit_130(emulator, data_dir):
    emulator.api_key = KEY
    emulator.faults.latency = 30.0  # the answer never comes in time
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMDESK_")}
    env.update(
        ROOMDESK_DATA_DIR=str(data_dir),
        ROOMDESK_API_KEY=KEY,
        ROOMDESK_API_URL=emulator.base_url,
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="tests.memory_keyring.MemoryKeyring",
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "roomdesk.cli", "create", "--duration", "1h", "--label", "Slow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not posts(emulator) and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert posts(emulator), "the create was never sent"
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 130
    assert err == "error: interrupted\n"
    assert out == ""
    # The interrupted create is remembered as one that may have happened.
    with RoomStore(data_dir / "rooms.sqlite3") as store:
        assert [row.label for row in store.pending_creates()] == ["Slow"]
