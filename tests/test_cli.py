"""roomdesk-cli end to end: a real subprocess against the emulator, plus the key commands."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from roomdesk.cli import run
from roomdesk.cli.parsing import parse_duration
from roomdesk.emulator import EmulatorServer
from roomdesk.secrets import KeyStore
from tests.memory_keyring import MemoryKeyring

KEY = "cli-test-key-5d1e"
ROOT = Path(__file__).resolve().parents[1]


def cli(args, *, server: EmulatorServer | None, data_dir: Path, key: str | None = KEY, stdin=""):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMDESK_")}
    env["ROOMDESK_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT)
    env["TZ"] = "Europe/Oslo"
    # Keep the real keychain out of it: an empty in-memory one instead.
    env["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
    if key is not None:
        env["ROOMDESK_API_KEY"] = key
    if server is not None:
        env["ROOMDESK_API_URL"] = server.base_url
    return subprocess.run(
        [sys.executable, "-m", "roomdesk.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def server():
    with EmulatorServer(api_key=KEY) as emulator:
        yield emulator


def test_create_list_show_delete_round_trip(server, data_dir):
    created = cli(
        ["create", "--duration", "90m", "--host-link", "--label", "Coaching: Sam", "--json"],
        server=server,
        data_dir=data_dir,
    )
    assert created.returncode == 0, created.stderr
    room = json.loads(created.stdout)
    assert set(room) == {
        "meetingId",
        "roomName",
        "roomUrl",
        "hostRoomUrl",
        "viewerRoomUrl",
        "startDate",
        "endDate",
        "roomMode",
        "label",
        "status",
        "plannedStart",
        "timeZone",
    }
    assert room["label"] == "Coaching: Sam"
    assert (room["plannedStart"], room["timeZone"]) == (None, None)
    assert room["hostRoomUrl"] and room["viewerRoomUrl"] is None
    assert room["status"] == "active"
    assert room["endDate"].endswith("Z")
    end = datetime.fromisoformat(room["endDate"].replace("Z", "+00:00"))
    assert timedelta(minutes=88) < end - datetime.now(UTC) <= timedelta(minutes=90)
    assert room["meetingId"] in server.meeting_ids()

    listed = cli(["list", "--json"], server=server, data_dir=data_dir)
    assert listed.returncode == 0
    assert [r["meetingId"] for r in json.loads(listed.stdout)] == [room["meetingId"]]

    table = cli(["list"], server=server, data_dir=data_dir)
    assert "Coaching: Sam" in table.stdout and "Active" in table.stdout

    shown = cli(["show", room["meetingId"]], server=server, data_dir=data_dir)
    assert shown.returncode == 0
    assert room["hostRoomUrl"] in shown.stdout

    deleted = cli(["delete", room["meetingId"], "--yes"], server=server, data_dir=data_dir)
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted" in deleted.stdout
    assert room["meetingId"] not in server.meeting_ids()
    everything = json.loads(
        cli(["list", "--all", "--json"], server=server, data_dir=data_dir).stdout
    )
    assert everything[0]["status"] == "deleted"
    assert json.loads(cli(["list", "--json"], server=server, data_dir=data_dir).stdout) == []


def test_create_with_wall_time_zone_and_options(server, data_dir):
    wall = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT15:30")
    result = cli(
        [
            "create",
            "--end",
            wall,
            "--tz",
            "America/New_York",
            "--mode",
            "group",
            "--prefix",
            "Maths 101",
            "--pattern",
            "human-short",
            "--locked",
            "--viewer-link",
            "--json",
        ],
        server=server,
        data_dir=data_dir,
    )
    assert result.returncode == 0, result.stderr
    sent = server.received[-1].json
    assert sent["roomMode"] == "group" and sent["isLocked"] is True
    assert sent["roomNamePrefix"] == "maths101"
    assert sent["roomNamePattern"] == "human-short"
    assert sent["fields"] == ["viewerRoomUrl"]
    local = datetime.fromisoformat(sent["endDate"].replace("Z", "+00:00"))
    from zoneinfo import ZoneInfo

    assert local.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "15:30"
    assert json.loads(result.stdout)["roomMode"] == "group"


def test_viewer_mode(server, data_dir):
    result = cli(
        ["create", "--duration", "1h", "--viewer-mode", "--json"], server=server, data_dir=data_dir
    )
    assert result.returncode == 0, result.stderr
    room = json.loads(result.stdout)
    assert room["hostRoomUrl"] and room["viewerRoomUrl"] and room["roomMode"] == "group"


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["create", "--duration", "soon"], "--duration"),
        (["create", "--duration", "0m"], "longer than zero"),
        (["create", "--end", "tomorrow"], "ISO date-time"),
        (["create", "--end", "2020-01-01T10:00Z"], "in the past"),
        (["create", "--end", "2030-03-31T02:30", "--tz", "Europe/Oslo"], "does not exist"),
        (["create", "--end", "2030-10-27T02:30", "--tz", "Europe/Oslo"], "occurs twice"),
        (["create", "--duration", "1h", "--tz", "Mars/Base"], "time zone"),
        (["create", "--duration", "1h", "--prefix", "x" * 40], "40 characters"),
        (["create", "--duration", "1h", "--prefix", "a_b"], "a-z, 0-9"),
        (["create", "--duration", "1h", "--mode", "huge"], "invalid choice"),
        (["create"], "one of the arguments --end --duration is required"),
        (["frobnicate"], "invalid choice"),
        (["delete", "123"], "--yes"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(server, data_dir, args, fragment):
    result = cli(args, server=server, data_dir=data_dir)
    assert result.returncode == 2, result.stderr
    assert fragment in one_error_line(result)
    assert server.received == []  # nothing was sent


def next_clock_change_back(zone_name: str) -> date:
    """The next day, within a year, on which ``zone_name``'s clocks go back an hour."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_name)
    day = datetime.now(UTC).date() + timedelta(days=1)
    for _ in range(366):
        start_offset = datetime.combine(day, time(0), zone).utcoffset()
        if start_offset > datetime.combine(day, time(23), zone).utcoffset():
            return day
        day += timedelta(days=1)
    raise AssertionError(f"{zone_name} has no clock change within a year")


def test_ambiguous_time_resolved_by_flag(server, data_dir):
    day = next_clock_change_back("Europe/Oslo")
    result = cli(
        ["create", "--end", f"{day}T02:30", "--tz", "Europe/Oslo", "--ambiguous", "later"],
        server=server,
        data_dir=data_dir,
    )
    assert result.returncode == 0, result.stderr
    assert server.received[-1].json["endDate"] == f"{day}T01:30:00Z"


def test_exit_codes_for_key_network_and_rate_limit(server, data_dir):
    wrong = cli(["key", "check"], server=server, data_dir=data_dir, key="wrong-key")
    assert wrong.returncode == 3
    assert "refused" in one_error_line(wrong)
    assert "wrong-key" not in wrong.stderr

    missing = cli(["create", "--duration", "1h"], server=server, data_dir=data_dir, key=None)
    assert missing.returncode == 3
    assert "key set" in one_error_line(missing)

    ok = cli(["key", "check"], server=server, data_dir=data_dir)
    assert ok.returncode == 0 and "works" in ok.stdout

    server.rate_limit_points = 1
    server.reset_rate_limit()
    cli(["key", "check"], server=server, data_dir=data_dir)
    limited = cli(["key", "check"], server=server, data_dir=data_dir)
    assert limited.returncode == 5
    assert "rate limit" in one_error_line(limited)

    url = server.base_url
    server.stop()
    env_server = type("Gone", (), {"base_url": url})()
    offline = cli(["key", "check"], server=env_server, data_dir=data_dir)
    assert offline.returncode == 4
    assert "connect" in one_error_line(offline).lower()


def test_refusal_by_api_is_exit_1(server, data_dir):
    result = cli(["show", "no-such-meeting"], server=server, data_dir=data_dir)
    assert result.returncode == 1
    assert "404" in one_error_line(result)


def test_insecure_api_url_is_refused(data_dir):
    gone = type("Remote", (), {"base_url": "http://api.example.com/v1"})()
    result = cli(["key", "check"], server=gone, data_dir=data_dir)
    assert result.returncode == 2
    assert "https" in one_error_line(result)


def test_delete_reports_each_room(server, data_dir):
    ids = []
    for _ in range(2):
        made = cli(["create", "--duration", "1h", "--json"], server=server, data_dir=data_dir)
        ids.append(json.loads(made.stdout)["meetingId"])
    result = cli(["delete", *ids, "unknown-id", "--yes"], server=server, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert server.meeting_ids() == set()


def test_help_and_version():
    out = io.StringIO()
    assert run(["--version"], out=out) == 0
    assert run(["create", "--help"], out=out) == 0


@pytest.mark.parametrize(
    ("text", "minutes"), [("90m", 90), ("2h", 120), ("1h30m", 90), ("45min", 45)]
)
def test_durations(text, minutes):
    assert parse_duration(text) == timedelta(minutes=minutes)


# -- key commands, in process with an in-memory keychain -------------------------------------


class FakeTty(io.StringIO):
    def isatty(self):
        return False


def test_key_set_reads_stdin_and_never_prints_the_key():
    backend = MemoryKeyring()
    keys = KeyStore(environ={}, keyring_backend=backend)
    out, err = io.StringIO(), io.StringIO()
    code = run(["key", "set"], keys=keys, out=out, err=err, stdin=FakeTty("my-secret-key-123\n"))
    assert code == 0, err.getvalue()
    assert backend.items[("roomdesk", "api-key")] == "my-secret-key-123"
    assert "my-secret-key-123" not in out.getvalue() + err.getvalue()
    assert "saved" in out.getvalue()

    out = io.StringIO()
    assert run(["key", "status"], keys=keys, out=out, err=err) == 0
    assert "keychain" in out.getvalue() and "my-secret-key-123" not in out.getvalue()

    out = io.StringIO()
    assert run(["key", "clear"], keys=keys, out=out, err=err) == 0
    assert backend.items == {}
    assert run(["key", "clear"], keys=keys, out=out, err=err) == 0
    assert "No API key was stored" in out.getvalue()


def test_key_set_refuses_bad_keys():
    keys = KeyStore(environ={}, keyring_backend=MemoryKeyring())
    err = io.StringIO()
    code = run(["key", "set"], keys=keys, out=io.StringIO(), err=err, stdin=FakeTty("a b c\n"))
    assert code == 2
    assert err.getvalue().startswith("error: ")


def test_key_is_not_accepted_on_the_command_line():
    err = io.StringIO()
    assert run(["key", "set", "secret-in-argv"], out=io.StringIO(), err=err) == 2


# -- create --count -----------------------------------------------------------------------------


def test_create_count_numbers_the_labels(server, data_dir):
    made = cli(
        ["create", "--count", "3", "--duration", "1h", "--label", "Batch", "--host-link", "--json"],
        server=server,
        data_dir=data_dir,
    )
    assert made.returncode == 0, made.stderr
    rooms = json.loads(made.stdout)
    assert [room["label"] for room in rooms] == ["Batch 1", "Batch 2", "Batch 3"]
    assert {room["meetingId"] for room in rooms} == server.meeting_ids()
    assert all(room["hostRoomUrl"] for room in rooms)
    assert len({room["endDate"] for room in rooms}) == 1  # the same options for each

    unnamed = cli(["create", "--count", "2", "--duration", "1h"], server=server, data_dir=data_dir)
    assert unnamed.returncode == 0, unnamed.stderr
    assert "Room 1" in unnamed.stdout and "Room 2" in unnamed.stdout

    single = cli(
        ["create", "--count", "1", "--duration", "1h", "--json"], server=server, data_dir=data_dir
    )
    assert [room["label"] for room in json.loads(single.stdout)] == [""]


@pytest.mark.parametrize("count", ["0", "101", "-3"])
def test_create_count_out_of_range_is_refused(server, data_dir, count):
    result = cli(["create", "--count", count, "--duration", "1h"], server=server, data_dir=data_dir)
    assert result.returncode == 2
    assert "between 1 and 100" in one_error_line(result)
    assert server.received == []


def test_create_count_reports_each_failed_room_and_the_first_exit_code(server, data_dir):
    from roomdesk.emulator.faults import FaultAction, FaultConfig

    # The emulator's seeded faults are repeatable: work out which creates will meet a 5xx.
    seed, count = 11, 6
    preview = FaultConfig(error_rate=0.5, seed=seed)
    fails = [preview.plan().action is FaultAction.SERVER_ERROR for _ in range(count)]
    assert any(fails) and not all(fails), "pick a seed that fails some creates, not all"
    server.faults.error_rate = 0.5
    server.faults.seed = seed
    result = cli(
        ["create", "--count", str(count), "--duration", "1h", "--label", "Try", "--json"],
        server=server,
        data_dir=data_dir,
    )
    assert result.returncode == 4  # the server's trouble; later rooms were still attempted
    created = json.loads(result.stdout)
    expected_ok = [f"Try {n}" for n, failed in enumerate(fails, 1) if not failed]
    assert [room["label"] for room in created] == expected_ok
    # A 5xx to a create leaves its outcome unknown: never reported as "not created".
    assert "was not created" not in result.stderr
    for number, failed in enumerate(fails, 1):
        named = f"error: “Try {number}”: Whereby had a problem of its own"
        assert (named in result.stderr) is failed
    assert (
        f"error: Of {count} rooms: {count - sum(fails)} created, {sum(fails)} may have been "
        "created; run 'roomdesk-cli sync'." in result.stderr
    )


def test_create_count_stops_when_every_room_would_fail(server, data_dir):
    server.api_key = "rotated"
    result = cli(["create", "--count", "4", "--duration", "1h"], server=server, data_dir=data_dir)
    assert result.returncode == 3
    assert "“Room 1” was not created: The API key was refused" in result.stderr
    assert "“Room 2” to “Room 4” not attempted" in result.stderr
    assert len(server.received) == 1
    assert "cli-test-key" not in result.stderr + result.stdout
