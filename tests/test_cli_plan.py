"""roomdesk-cli's planned starts: ``create --start`` and the local-only ``edit``."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from roomdesk.cli import run
from roomdesk.cli.base import EXIT_BAD_INPUT
from roomdesk.domain.times import format_utc
from roomdesk.secrets import KeyStore
from roomdesk.timezones import system_zone_name
from tests.conftest import EMULATOR_TEST_KEY
from tests.memory_keyring import MemoryKeyring
from tests.test_cli import next_clock_change_back

OSLO = ZoneInfo("Europe/Oslo")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    environ = {"ROOMDESK_API_KEY": EMULATOR_TEST_KEY}
    keys = KeyStore(environ=environ, keyring_backend=MemoryKeyring())
    code = run(argv, keys=keys, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def only_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def api(emulator, monkeypatch):
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    return emulator


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(OSLO).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def create(*args: str) -> dict:
    code, out, err = run_cli(["create", *args, "--json"])
    assert code == 0, err
    return json.loads(out)


def test_create_with_start_and_duration_counts_the_duration_from_the_start(api):
    start = tomorrow_at(14)
    room = create("--start", f"{start:%Y-%m-%dT%H:%M}", "--tz", "Europe/Oslo", "--duration", "90m")
    assert room["plannedStart"] == format_utc(start)
    assert room["timeZone"] == "Europe/Oslo"
    assert room["endDate"] == format_utc(start + timedelta(minutes=90))
    assert api.received[-1].json["endDate"] == room["endDate"]
    assert "plannedStart" not in api.received[-1].json  # kept on this computer only


def test_create_with_start_and_end_and_the_system_zone(api):
    start, end = tomorrow_at(9), tomorrow_at(10, 30)
    room = create("--start", start.isoformat(), "--end", end.isoformat())
    assert (room["plannedStart"], room["endDate"]) == (format_utc(start), format_utc(end))
    assert room["timeZone"] == system_zone_name()


def test_create_without_start_has_no_plan(api):
    room = create("--duration", "1h")
    assert (room["plannedStart"], room["timeZone"]) == (None, None)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--start", "T{day}T16:00", "--end", "{day}T15:00"], "--start"),
        (["--start", "{day}T16:00", "--end", "{day}T15:00"], "is after the end"),
        (["--start", "{day}", "--duration", "1h"], "has no time of day"),
        (["--start", "2030-03-31T02:30", "--duration", "1h"], "does not exist"),
        (["--start", "2030-10-27T02:30", "--duration", "1h"], "occurs twice"),
    ],
)
def test_a_bad_start_exits_2_with_one_line_and_sends_nothing(api, args, fragment):
    day = f"{tomorrow_at(0):%Y-%m-%d}"
    argv = ["create", *(arg.format(day=day) for arg in args), "--tz", "Europe/Oslo"]
    code, out, err = run_cli(argv)
    assert code == EXIT_BAD_INPUT
    assert fragment in only_error(err)
    assert out == "" and api.received == []


def test_a_start_after_the_end_names_both_times(api):
    day = f"{tomorrow_at(0):%Y-%m-%d}"
    code, _out, err = run_cli(
        ["create", "--start", f"{day}T16:00", "--end", f"{day}T15:00", "--tz", "Europe/Oslo"]
    )
    assert code == EXIT_BAD_INPUT
    line = only_error(err)
    assert "16:00" in line and "15:00" in line


def test_a_start_in_a_repeated_hour_takes_the_ambiguous_choice(api):
    day = next_clock_change_back("Europe/Oslo")
    room = create(
        "--start", f"{day}T02:30", "--ambiguous", "later", "--tz", "Europe/Oslo",
        "--duration", "1h",
    )  # fmt: skip
    assert room["plannedStart"] == f"{day}T01:30:00Z"


def test_edit_sets_changes_and_clears_the_planned_start_locally(api):
    room = create("--end", tomorrow_at(16).isoformat(), "--label", "Old")
    meeting_id = room["meetingId"]
    api.clear_received()
    code, out, err = run_cli(
        ["edit", meeting_id, "--start", f"{tomorrow_at(15):%Y-%m-%dT%H:%M}", "--tz",
         "Europe/Oslo", "--label", "Coaching", "--notes", "bring slides", "--json"]
    )  # fmt: skip
    assert code == 0, err
    edited = json.loads(out)
    assert edited["plannedStart"] == format_utc(tomorrow_at(15))
    assert (edited["timeZone"], edited["label"]) == ("Europe/Oslo", "Coaching")

    code, out, _err = run_cli(["show", meeting_id, "--json"])
    assert json.loads(out)["plannedStart"] == format_utc(tomorrow_at(15))
    code, out, _err = run_cli(["list", "--json"])
    assert [r["timeZone"] for r in json.loads(out)] == ["Europe/Oslo"]
    code, out, _err = run_cli(["show", meeting_id])
    assert "Session" in out and "15:00" in out

    code, out, err = run_cli(["edit", meeting_id, "--start", "", "--json"])
    assert code == 0, err
    cleared = json.loads(out)
    assert (cleared["plannedStart"], cleared["timeZone"], cleared["label"]) == (
        None,
        None,
        "Coaching",
    )
    assert api.received == []  # nothing was sent for any edit


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([], "nothing to change"),
        (["--start", "{late}"], "is after the end"),
        (["--tz", "Europe/Oslo"], "no planned start"),
        (["--tz", "Mars/Base", "--start", "{early}"], "time zone"),
        (["--label", "x" * 201], "at most 200"),
    ],
)
def test_bad_edits_exit_2_and_change_nothing(api, args, fragment):
    room = create("--end", tomorrow_at(16).isoformat(), "--label", "Kept")
    late, early = tomorrow_at(17).isoformat(), tomorrow_at(15).isoformat()
    argv = ["edit", room["meetingId"], *(arg.format(late=late, early=early) for arg in args)]
    code, _out, err = run_cli(argv)
    assert code == EXIT_BAD_INPUT
    assert fragment in only_error(err)
    code, out, _err = run_cli(["show", room["meetingId"], "--json"])
    assert json.loads(out)["label"] == "Kept" and json.loads(out)["plannedStart"] is None


def test_editing_an_unknown_room_exits_2(api):
    code, _out, err = run_cli(["edit", "no-such-meeting", "--label", "x"])
    assert code == EXIT_BAD_INPUT
    assert "no room 'no-such-meeting' in the local list" in only_error(err)
    assert api.received == []
